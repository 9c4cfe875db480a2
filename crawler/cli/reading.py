"""`courtnews summary`, `history`, `show`, `diff`, `search`: read the archive (opened read-only)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from crawler.cli.group import (
    DB_OPTION,
    OUTPUT_OPTION,
    _reader,
    main,
    output_to,
)


@main.command()
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def summary(db_path: str | None, as_json: bool) -> None:
    """What the archive holds: pages, versions, captures, recent changes and removals.

    Example: courtnews summary --db data/demo.db
    """
    from archive.query import format_summary
    from archive.query import summary as archive_summary

    data = archive_summary(_reader(db_path))
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_summary(data))


# ---------------------------------------------------------------- reading the archive (read-only)
def _not_in_archive(call: Callable[[], Any]) -> Any:
    from archive.query import NotInArchive

    try:
        return call()
    except NotInArchive as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.argument("url")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@OUTPUT_OPTION
def history(url: str, db_path: str | None, as_json: bool, output: str | None) -> None:
    """Every version of one article: when, what kind, which fields changed.

    Example: courtnews history https://www.court.gov.cn/zixun/xiangqing/1.html --db data/archive.db
    """
    from archive.query import history as page_history

    rows = _not_in_archive(lambda: page_history(_reader(db_path), url))
    with output_to(output) as out:
        if as_json:
            out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            return
        for row in rows:
            fields = ", ".join(row["changed_fields"])
            out.write(
                f"v{row['version']:<3} {row['kind']:<9} {row['created_at']}  HTTP {row['status']}  "
                f"{row['title'] or ''}"
                + (f"  [{fields}]" if row["kind"] != "first" and fields else "")
                + "\n"
            )


@main.command()
@click.argument("url")
@click.option(
    "--version",
    "number",
    type=click.IntRange(1, 2**31),
    default=None,
    help="Version number (default: the latest).",
)
@click.option("--raw", is_flag=True, help="Write the raw bytes of the capture that made the version.")
@DB_OPTION
@OUTPUT_OPTION
def show(url: str, number: int | None, raw: bool, db_path: str | None, output: str | None) -> None:
    """One version of an article: metadata and text, or --raw for the page as it was served.

    Example: courtnews show https://www.court.gov.cn/zixun/xiangqing/1.html --version 1 --raw -o v1.html
    """
    from archive.query import version
    from archive.store import get_blob

    db = _reader(db_path)
    row = _not_in_archive(lambda: version(db, url, number))
    if raw:
        if not row["digest"]:
            raise click.ClickException(f"version {row['version']} of {url} has no stored bytes")
        data = get_blob(db, row["digest"])
        with output_to(output, binary=True) as out:
            out.write(data)
        return
    with output_to(output) as out:
        out.write(
            f"{url}  v{row['version']} {row['kind']}  captured {row['fetched_at']} (HTTP {row['status']})\n"
        )
        for key in ("title", "published", "source_name", "author", "editor", "court", "extractor_version"):
            if row.get(key):
                out.write(f"{key}: {row[key]}\n")
        out.write("\n" + (row["body"] or "(no text: the page was removed)") + "\n")


class Day(click.ParamType):
    """A real calendar date, YYYY-MM-DD in ASCII digits (an article's publication date, compared as written):
    archive.search.calendar_date, the reader's check too, so 2024-13-45 is refused rather than finding nothing."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from archive.search import calendar_date

        text = str(value).strip()
        if calendar_date(text) is None:
            self.fail(
                f"{text!r} is not a date such as 2024-01-31 (a real calendar date, YYYY-MM-DD, in ASCII digits)",
                param,
                ctx,
            )
        return text


@main.command()
@click.argument("query")
@DB_OPTION
@click.option("--court", default=None, help="Only this court, e.g. 最高人民法院.")
@click.option("--source", default=None, help="Only this source (slug).")
@click.option(
    "--from",
    "published_from",
    type=Day(),
    default=None,
    help="Only articles published on or after this date.",
)
@click.option(
    "--to", "published_to", type=Day(), default=None, help="Only articles published on or before this date."
)
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Matches per page."
)
@click.option(
    "--page", default=1, show_default=True, type=click.IntRange(1, 10**9), help="Page of matches (1: newest)."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: the total, this page's matches with snippets, facets.",
)
@OUTPUT_OPTION
def search(
    query: str,
    db_path: str | None,
    court: str | None,
    source: str | None,
    published_from: str | None,
    published_to: str | None,
    limit: int,
    page: int,
    as_json: bool,
    output: str | None,
) -> None:
    """Full-text search of titles, bodies and comments; Chinese substrings of any length (法院, 赌, 开设赌场罪).
    Prints the total number of matches, then one page of them, newest first, each with the passage around the
    match (the match between 【】). Digits and Latin letters match whole words (24 finds 1月24日, not 2024; 24*
    finds both).

    Example: courtnews search 开设赌场罪 --court 最高人民法院 --from 2024-01-01 --page 2 --db data/archive.db
    """
    from archive.search import Filters, find, fts_query

    if fts_query(query) is None:
        raise click.ClickException(
            f"{query!r} has nothing to search for: punctuation, quotes and spaces are ignored"
        )
    filters = Filters(court=court, source=source, published_from=published_from, published_to=published_to)
    results = find(_reader(db_path), query, filters, limit, (page - 1) * limit, facets=as_json)
    for note in results.notes:
        click.echo(f"note: {note}", err=True)
    with output_to(output) as out:
        if as_json:
            rows = [{k: v for k, v in row.items() if not k.endswith("_spans")} for row in results.rows]
            payload = {
                "query": query,
                "total": results.total,
                "page": results.page,
                "pages": results.pages,
                "limit": limit,
                "results": rows,
                "facets": {name: dict(values) for name, values in results.facets.items()},
                "facets_scope": results.facets_scope,
                "notes": results.notes,
            }
            out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            return
        out.write(
            f"{results.total} {'match' if results.total == 1 else 'matches'} for {query} "
            f"(page {results.page} of {results.pages}, newest first)\n"
        )
        for row in results.rows:
            marker = "" if row["is_current"] else " (older version)"
            out.write(f"{row['created_at']}  v{row['version']} {row['title']}  {row['url']}{marker}\n")
            out.write(f"    {row['snippet']}\n")
