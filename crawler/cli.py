"""The courtnews command line: a thin click layer over the library. Every command's help has an example.

Every error is one line on standard error and exit status 1; a command that writes a file writes it whole
or not at all (a temporary file renamed at the end). Commands that read the archive open it read-only.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import click
import sqlite_utils

from archive import open_archive, resolve_db_path
from archive.db import ArchiveError, open_reader
from crawler.families import FAMILY_NAMES
from crawler.sources import (
    SourcesError,
    load_daemon_config,
    load_sources,
    parse_duration,
    resolve_sources_path,
)

CHINA = ZoneInfo("Asia/Shanghai")


class _Group(click.Group):
    """Turns the library's one-line errors (and file errors) into click's: one line, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ArchiveError, SourcesError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Archive file (default: $COURTNEWS_DB or data/archive.db).",
)
SOURCES_OPTION = click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Sources file (default: $COURTNEWS_SOURCES or the one shipped with courtnews).",
)
OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write to this file (default: standard output); written whole or not at all.",
)


class Since(click.ParamType):
    """A date (2024-01-01, Beijing time), a moment (2024-01-01T08:00+08:00) or a duration back from now
    (7d, 12h, 30m), as the UTC timestamp the archive stores."""

    name = "since"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        moment: datetime | None = None
        if re.fullmatch(r"\d+\s*[smhd]", text):
            moment = datetime.now(UTC) - timedelta(seconds=parse_duration(text, "--since"))
        else:
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=CHINA)
        if moment is None:
            self.fail(
                f"{text!r} is neither a date (2024-01-01), a moment (2024-01-01T08:00+08:00) nor a duration "
                "(7d, 12h, 30m)",
                param,
                ctx,
            )
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _progress_every() -> float:
    """Seconds between progress lines off a terminal ($COURTNEWS_PROGRESS_EVERY, default 5); 0: say every
    step at once (and no heartbeat)."""
    try:
        return max(float(os.environ.get("COURTNEWS_PROGRESS_EVERY") or 5), 0.0)
    except ValueError:
        return 5.0


def _progress(total: int, label: str) -> Any:
    """A bar on a terminal; on a pipe or in a log (cron, systemd), lines every few seconds instead, so a
    long command is never silent until it ends."""
    if sys.stderr.isatty():
        return click.progressbar(length=total, label=label, file=sys.stderr)
    return _Lines(label, total)


class _Lines:
    """Progress as lines on stderr, for a command that has run a few seconds (one that ends sooner, or fails
    at once, prints only its result or its one-line error): every few seconds, from a heartbeat thread, the
    step it is at, the items done (of how many, when known) and the time spent, so that one long SQL
    statement (a VACUUM, an integrity check) still shows the command is alive; then each new step as it
    starts, and a last line when it ends."""

    def __init__(self, label: str, total: int | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.doing = "starting"
        self.every = _progress_every()
        self.spoke = False
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> _Lines:
        self._thread.start()
        return self

    def __exit__(self, kind: object, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.spoke:
            self._say(f"{'stopped' if kind else 'done'} after {time.monotonic() - self.started:.0f} s")

    def update(self, n: int) -> None:
        self.done += n

    def step(self, doing: str) -> None:
        self.doing = doing
        if self.every == 0 or time.monotonic() - self.started >= self.every:
            self._say(doing)

    def _beat(self) -> None:
        while self.every and not self._stop.wait(self.every):
            count = f"{self.done}/{self.total}" if self.total else (f"{self.done}" if self.done else "")
            self._say(
                f"{self.doing}{', ' + count if count else ''} ({time.monotonic() - self.started:.0f} s)"
            )

    def _say(self, text: str) -> None:
        self.spoke = True
        click.echo(f"{self.label}: {text}", err=True)


def _working(label: str) -> Any:
    """Step lines and a heartbeat for a command without a bar (verify, prune, vacuum, export, migrate): on a
    terminal its summary is enough, so nothing; off one, _Lines."""
    return contextlib.nullcontext(_Quiet()) if sys.stderr.isatty() else _Lines(label)


class _Quiet:
    def update(self, n: int) -> None:
        pass

    def step(self, doing: str) -> None:
        pass


class _Counted:
    """An output stream that counts what is written through it, for export's progress lines."""

    def __init__(self, stream: IO[Any], progress: Any) -> None:
        self._stream, self._progress = stream, progress

    def write(self, data: Any) -> int:
        self._progress.update(1)
        return self._stream.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _load_sources(path: str | None) -> dict:
    return load_sources(path)


@contextlib.contextmanager
def output_to(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    """Standard output, or a file written whole or not at all: a temporary file beside it, renamed at the
    end, removed on any error (a device such as /dev/null is written directly)."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    try:
        if target.exists() and not target.is_file():
            with open(target, "wb" if binary else "w", encoding=None if binary else "utf-8") as device:
                yield device
            return
        part = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            with open(part, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
                yield handle
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    except OSError as exc:  # name the file the user gave, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None


def _reader(db_path: str | os.PathLike[str] | None) -> sqlite_utils.Database:
    return open_reader(db_path)


@click.group(cls=_Group)
@click.version_option(package_name="courtnews")
def main() -> None:
    """courtnews: crawl Chinese court news into a versioned SQLite archive."""
    from crawler.compare_cli import use_in_archive

    use_in_archive()  # a command that writes versions (reextract, writer) records their kinds of edit


@main.command()
@SOURCES_OPTION
def sources(sources_path: str | None) -> None:
    """Check the sources file and list its sources.

    Example: courtnews sources --sources /etc/courtnews/sources.toml
    """
    loaded = _load_sources(sources_path)
    click.echo(f"{resolve_sources_path(sources_path)}: {len(loaded)} sources, all valid")
    for source in loaded.values():
        click.echo(
            f"  {source.slug:<24} {source.family:<11} {source.schedule.text:<14} {source.court}  {source.start_urls[0]}"
        )


@main.command()
@click.argument("slug")
@click.option(
    "--revisit",
    type=click.Choice(["none", "all", "live", "only"]),
    default="none",
    show_default=True,
    help="Also fetch archived articles again: all, live (not removed), or only those (no list pages).",
)
@DB_OPTION
@SOURCES_OPTION
def crawl(slug: str, revisit: str, db_path: str | None, sources_path: str | None) -> None:
    """Crawl one source into the archive (runs `scrapy crawl SLUG` in its own process).

    Exit status: 0 the run finished, 1 it failed (the reason is its last log line), 3 it was stopped.

    Example: courtnews crawl court-gov-cn-news --revisit all --db data/archive.db
    """
    from crawler.process import crawl_process, run_crawl

    loaded = _load_sources(sources_path)
    if slug not in loaded:
        raise click.ClickException(f"unknown source {slug!r}; `courtnews sources` lists them")
    db = resolve_db_path(db_path).resolve()
    open_archive(db).close()  # a bad path or a full disk is one line here, before Scrapy starts
    code, _ = run_crawl(crawl_process(slug, db, resolve_sources_path(sources_path), revisit=revisit))
    if code != 0:
        click.echo(f"Error: the crawl of {slug} exited with {code}; see its log above", err=True)
        sys.exit(code if code > 0 else 1)


@main.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default="data",
    show_default=True,
    help="Where the demo site, logs and data/demo.db go.",
)
def demo(data_dir: str) -> None:
    """Serve the demo court site on 127.0.0.1, crawl it, edit and remove articles, crawl again, summarise.

    Example: courtnews demo --data-dir data
    """
    from crawler.demo.runner import run_demo

    run_demo(Path(data_dir))


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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--url", default=None, help="The page's URL (for URL dates and off-site links); default: a file: name."
)
@click.option(
    "--family",
    type=click.Choice(FAMILY_NAMES),
    default=None,
    help="Use this site family's recipe first.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def extract(files: tuple[str, ...], url: str | None, family: str | None, as_json: bool) -> None:
    """Extract the article, its metadata and the removed junk from saved HTML files.

    Example: courtnews extract page.html --url https://www.court.gov.cn/zixun/xiangqing/1.html --json
    """
    from crawler.extract import ExtractionError, extract_bytes

    failed = 0
    for name in files:
        page_url = url or f"http://local.invalid/{Path(name).name}"
        try:
            article = extract_bytes(Path(name).read_bytes(), page_url, family=family)
        except ExtractionError as exc:
            failed += 1
            payload = {"file": name, "error": str(exc)}
            click.echo(
                json.dumps(payload, ensure_ascii=False) if as_json else f"{name}: {exc}", err=not as_json
            )
            continue
        data = article.as_dict()
        if as_json:
            click.echo(json.dumps({"file": name, **data}, ensure_ascii=False))
            continue
        click.echo(f"== {name}\ntitle: {article.title}")
        for key in ("published", "source_name", "author", "editor", "court", "summary", "encoding", "method"):
            if data.get(key):
                click.echo(f"{key}: {data[key]}")
        click.echo("\n" + article.body + "\n")
        for comment in article.comments:
            click.echo(
                f"[comment by {comment.author or '?'} at {comment.published or '?'}] {comment.text[:120]}"
            )
        for block in data["removed_blocks"]:
            click.echo(f"[removed by {block['rule']}] {block['text'][:120]}")
    if failed:
        sys.exit(1)


@main.command(name="eval")
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def evaluate_command(corpus_dir: str, as_json: bool) -> None:
    """Measure extraction on a corpus folder (truth.jsonl + pages/) beside plain trafilatura.

    Example: courtnews eval ../shared/corpus/cwced
    """
    from crawler.extract.evaluate import evaluate, format_report

    folder = Path(corpus_dir)
    try:
        total = sum(1 for line in (folder / "truth.jsonl").read_text("utf-8").splitlines() if line.strip())
    except FileNotFoundError:
        raise click.ClickException(
            f"{folder}: no truth.jsonl; a corpus folder holds truth.jsonl and pages/"
        ) from None
    with _progress(total, "evaluating") as bar:
        data = evaluate(folder, progress=bar.update)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_report(data))


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--source", default=None, help="Only this source's pages.")
@click.option("--all", "everything", is_flag=True, help="Also versions already made by the current rules.")
def reextract(db_path: str | None, sources_path: str | None, source: str | None, everything: bool) -> None:
    """Re-run extraction over stored raw pages after the extractor changed (no new source versions).

    Example: courtnews reextract --db data/archive.db --source court-gov-cn-news
    """
    from crawler.extract import RULES_HASH
    from crawler.reextract import pending
    from crawler.reextract import reextract as run

    loaded = _load_sources(sources_path)
    db = open_archive(db_path)
    rows = pending(db, source, everything)
    with _progress(len(rows), "re-extracting") as bar:
        result = run(db, loaded, rows, progress=bar.update)
    click.echo(
        f"re-extracted {result.examined} versions: {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.failed} failed (rules {RULES_HASH})"
    )


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


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True
)
@click.option("--source", default=None, help="Only this source (slug).")
@click.option(
    "--since",
    type=Since(),
    default=None,
    help="Only versions (captures, for WARC) since a date (2024-01-01, Beijing time) or for a duration (7d).",
)
@click.option(
    "--bom",
    is_flag=True,
    help="CSV only, for Excel: start with a UTF-8 byte order mark (so Excel reads Chinese text), and make text "
    "cells that start with = + - @, a tab or a carriage return text with a leading ' (never a live formula).",
)
@DB_OPTION
@OUTPUT_OPTION
def export(
    fmt: str, source: str | None, since: str | None, bom: bool, db_path: str | None, output: str | None
) -> None:
    """Export versions as JSONL or CSV, or captures as gzipped WARC (warcinfo, response, revisit, conversion).

    Example: courtnews export --format warc --source court-gov-cn-news --since 2024-01-01 -o court.warc.gz
    """
    from archive.export import export_csv, export_jsonl, export_warc

    if bom and fmt != "csv":
        raise click.UsageError(
            "--bom is for --format csv (a byte order mark is what Excel needs to read UTF-8)"
        )
    db = _reader(db_path)
    with output_to(output, binary=fmt == "warc") as out, _working("export") as progress:
        writers: dict[str, Callable[..., int]] = {
            "jsonl": export_jsonl,
            "csv": functools.partial(export_csv, bom=bom),
            "warc": export_warc,
        }
        progress.step(f"writing {fmt} (count: writes so far)")
        count = writers[fmt](db, _Counted(out, progress), source, since)
    click.echo(f"exported {count} {'records' if fmt == 'warc' else 'versions'} as {fmt}", err=True)


@main.command()
@click.option("--source", default=None, help="Only this source (slug).")
@click.option("--court", default=None, help="Only this court, e.g. 最高人民法院.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--base-url",
    default=None,
    help="The archive in Datasette (e.g. http://127.0.0.1:8001/archive): entries then link to the archived "
    "article and to the diff; without it, to the original address only.",
)
@DB_OPTION
@OUTPUT_OPTION
def feed(
    source: str | None,
    court: str | None,
    limit: int,
    base_url: str | None,
    db_path: str | None,
    output: str | None,
) -> None:
    """An Atom feed of new, changed, restored, moved and removed articles.

    Example: courtnews feed --court 最高人民法院 --base-url https://news.example.org/archive -o supreme-court.atom
    """
    from archive.feed import atom_feed

    if base_url and not re.match(r"https?://", base_url):
        raise click.BadParameter(f"{base_url!r} is not an http(s) address", param_hint="--base-url")
    base = base_url.rstrip("/") if base_url else None
    self_url = f"{base}/-/feed.atom" if base else None
    xml = atom_feed(_reader(db_path), source, court, limit, self_url=self_url, base_url=base)
    with output_to(output) as out:
        out.write(xml + "\n")


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
def serve(db_path: str | None, host: str, port: int) -> None:
    """Open the archive in Datasette with the project's titles, facets and canned queries (read-only).

    Example: courtnews serve --db data/demo.db --port 8001
    """
    import tempfile

    from crawler.serve import datasette_command, write_metadata

    path = resolve_db_path(db_path)
    _reader(path).close()  # a missing, foreign, newer or outdated file is refused here, untouched
    metadata = write_metadata(path, Path(tempfile.mkdtemp(prefix="courtnews-")) / "metadata.json")
    command = datasette_command(path, metadata, host, port)
    click.echo(
        f"Datasette on http://{host}:{port}/{path.stem}  (search: /{path.stem}/-/search, courts: /{path.stem}/-/courts; "
        "Ctrl-C stops it)"
    )
    os.execv(command[0], command)


@main.command()
@DB_OPTION
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A checkpoint exported earlier (courtnews checkpoint --output): the log must still extend it.",
)
def verify(db_path: str | None, against: str | None) -> None:
    """Check the archive is whole: SQLite integrity, every raw page present and hashing to its digest,
    versions numbered without gaps, search indexes in step, the evidence log re-hashed and matching every
    capture and version, every checkpoint's signature and timestamp. Exit 1 if anything is wrong.

    Example: courtnews verify --db /var/lib/courtnews/archive.db --against published/checkpoint
    """
    from archive.verify import CHECKS, against_checkpoint

    db = _reader(db_path)
    report: dict[str, list[str]] = {}
    with _working("verify") as progress:
        if against is not None:
            progress.step(f"the evidence log against {against}")
            report.update(against_checkpoint(db, against))
        for number, (name, check) in enumerate(CHECKS.items(), 1):
            progress.step(f"check {number}/{len(CHECKS)}: {name}")
            report[name] = list(itertools.islice(check(db), 20))  # at most 20 problems each, as verify()
    for name, problems in report.items():
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for problem in problems:
            click.echo(f"     {problem}")
    if any(report.values()):
        sys.exit(1)


@main.command()
@DB_OPTION
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False), help="The copy.")
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
def backup(db_path: str | None, output: str, force: bool) -> None:
    """Copy the archive to FILE while crawls and the daemon go on writing (SQLite's VACUUM INTO: what was
    committed when the copy began), then check the copy (integrity_check and `courtnews verify`) before
    giving it its name. Never overwrites a file unless --force. Progress on standard error.

    Example: courtnews backup --db /var/lib/courtnews/archive.db --output /srv/backup/archive-2024-06-01.db
    """
    from archive.backup import backup as copy

    done = copy(db_path, output, force=force, progress=lambda line: click.echo(line, err=True))
    click.echo(
        f"{done.path}: {done.bytes / 2**20:.1f} MiB, {done.versions} versions, {done.captures} captures, "
        f"checked ({done.seconds:.1f} s)"
    )


# ---------------------------------------------------------------- maintenance (writes)
@main.command()
@DB_OPTION
def migrate(db_path: str | None) -> None:
    """Bring an existing archive's schema up to date (crawls and the daemon do this on their own).

    Example: courtnews migrate --db /var/lib/courtnews/archive.db
    """
    from archive.db import refuse_directory, schema_steps_due

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    before = schema_steps_due(path)
    # a step that rewrites a large structure (m014's search index) says how far it is, on standard error;
    # off a terminal, a heartbeat line every few seconds between its lines (_working)
    progress = logging.StreamHandler(sys.stderr)
    progress.setFormatter(logging.Formatter("%(message)s"))
    steps_log = logging.getLogger("courtnews.migrate")
    steps_log.addHandler(progress)
    steps_log.setLevel(logging.INFO)
    try:
        with _working("migrate") as working:
            if before:
                working.step(f"applying {len(before)} schema steps ({', '.join(before)})")
            open_archive(path).close()
            classified = _classify_unclassified(path, working)
    finally:
        steps_log.removeHandler(progress)
    click.echo(f"{path}: {len(before)} schema steps applied" + (f" ({', '.join(before)})" if before else ""))
    if classified:
        click.echo(f"{path}: {classified} changed or restored versions classified by kind of edit")


def _classify_unclassified(path: Path, working: Any) -> int:
    """Change forensics for versions written before it existed (or by a process without the classifier):
    classified in batches, each its own transaction, so crawls wait for one batch at most."""
    from archive.db import write_transaction
    from archive.edits import backfill_edits
    from crawler.compare_cli import classify_fields

    db = open_archive(path)
    try:

        def progress(done: int, total: int) -> None:
            working.step(f"classifying edits: {done} of {total} versions")

        return backfill_edits(db, classify_fields, progress, transaction=lambda: write_transaction(db))
    finally:
        db.close()


@main.command()
@DB_OPTION
@click.option(
    "--older-than",
    default="90d",
    show_default=True,
    help="Captures younger than this are all kept (a duration: 90d, 12h).",
)
@click.option(
    "--vacuum", is_flag=True, help="Then checkpoint the WAL and VACUUM (the daemon does both weekly)."
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
def prune(db_path: str | None, older_than: str, vacuum: bool, dry_run: bool) -> None:
    """Thin old captures that made no version to one per page and month, and drop unreferenced raw bytes.
    Every version and the capture (with its redirect hops) that made it are kept.

    Example: courtnews prune --db /var/lib/courtnews/archive.db --older-than 90d --vacuum
    """
    from archive.maintenance import prune as run_prune
    from archive.maintenance import vacuum as run_vacuum

    keep = timedelta(seconds=parse_duration(older_than, "--older-than"))
    from archive.db import refuse_directory

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    with _working("prune") as progress:
        progress.step("opening the archive")
        db = open_archive(path)
        result = run_prune(db, keep, dry_run=dry_run, progress=progress.step)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{path}: {verb} {result.captures_deleted} captures and {result.blobs_deleted} raw pages; "
        f"{result.captures_kept} captures kept"
    )
    if vacuum and not dry_run:
        with _working("vacuum") as progress:
            progress.step("checkpointing the WAL and rewriting the file (VACUUM)")
            before, after = run_vacuum(db, path)
        click.echo(f"{path}: vacuum {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


@main.command()
@DB_OPTION
@click.option(
    "--vacuum/--no-vacuum", default=True, show_default=True, help="VACUUM afterwards to free the space."
)
def compact(db_path: str | None, vacuum: bool) -> None:
    """Re-encode raw pages stored by older courtnews (zlib) as zstd: a dictionary per source, recaptures as
    differences from the page's previous bytes. Every page still decodes to its exact bytes (checked).

    Example: courtnews compact --db /var/lib/courtnews/archive.db
    """
    from archive.db import refuse_directory
    from archive.maintenance import compact as run_compact
    from archive.maintenance import stored_captures
    from archive.maintenance import vacuum as run_vacuum

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    db = open_archive(path)
    total = stored_captures(db)
    with _progress(total, "compacting") as bar:
        result = run_compact(db, progress=bar.update)
    click.echo(
        f"{path}: {result.reencoded} raw pages re-encoded, {result.dictionaries} dictionaries trained; "
        f"stored bytes {result.bytes_before / 1e6:.1f} MB -> {result.bytes_after / 1e6:.1f} MB"
    )
    if vacuum:
        before, after = run_vacuum(db, path)
        click.echo(f"{path}: vacuum {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


# ---------------------------------------------------------------- the scheduled service
@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Per-run crawl logs (default: logs/ beside the archive).",
)
def daemon(db_path: str | None, sources_path: str | None, log_dir: str | None) -> None:
    """Run the scheduled service: each source on its cadence, revisits of archived articles, weekly prune and
    vacuum, until SIGTERM (SIGHUP re-reads the sources file).

    Example: courtnews daemon --db /srv/courtnews/archive.db --sources /etc/courtnews/sources.toml
    """
    from crawler.daemon import Daemon, DaemonLocked, configure_logging, log_level

    try:
        level = log_level(os.environ.get("COURTNEWS_LOG_LEVEL"))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    loaded = _load_sources(sources_path)
    sources_file = resolve_sources_path(sources_path).resolve()
    config = load_daemon_config(sources_file)
    db = resolve_db_path(db_path).resolve()
    open_archive(db).close()  # create or upgrade it before anything is scheduled
    configure_logging(level)
    service = Daemon(loaded, db, sources_file, config, Path(log_dir or db.parent / "logs").resolve())
    try:
        service.run()
    except DaemonLocked as exc:
        raise click.ClickException(str(exc)) from None


def _status_sources(explicit: str | None, info: dict | None) -> dict[str, Any]:
    """The sources file `status` judges by: --sources, else the one the daemon recorded it runs with (what is
    actually scheduled), else $COURTNEWS_SOURCES, else the shipped one; with where it came from. --sources
    naming the daemon's own file counts as the daemon's (its next fire times are used)."""
    notes: list[str] = []
    recorded = info.get("sources_file") if info else None
    if explicit and not (recorded and Path(explicit).resolve() == Path(recorded).resolve()):
        return {"file": Path(explicit), "origin": "option", "notes": notes}
    if recorded and Path(recorded).is_file():  # --sources naming the daemon's own file lands here too
        return {"file": Path(recorded), "origin": "daemon", "notes": notes}
    if explicit:
        return {"file": Path(explicit), "origin": "option", "notes": notes}
    if recorded:
        notes.append(f"(the daemon's sources file {recorded} is gone; judged by another)")
    if os.environ.get("COURTNEWS_SOURCES"):
        return {"file": resolve_sources_path(None), "origin": "environment", "notes": notes}
    return {"file": resolve_sources_path(None), "origin": "shipped", "notes": notes}


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--fail-after",
    type=click.IntRange(1, 1000),
    default=None,
    help="A source fails when its last N runs all failed (default: [daemon] fail_after, 3).",
)
@click.option(
    "--without-daemon", is_flag=True, help="Do not require a running daemon (crawls run from cron)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(
    db_path: str | None, sources_path: str | None, fail_after: int | None, without_daemon: bool, as_json: bool
) -> None:
    """Each source's last run, next run, totals and problems; exit 1 when anything needs attention (a source
    failing, overdue or stuck, or no daemon running), for monitoring.

    Example: courtnews status --db /srv/courtnews/archive.db --fail-after 3
    """
    from dataclasses import asdict

    from archive.runs import daemon_state
    from crawler.daemon import file_sha256, lock_holder
    from crawler.status import format_status, source_status

    path = resolve_db_path(db_path)
    db = _reader(path)
    info, jobs = daemon_state(db)
    chosen = _status_sources(sources_path, info)
    loaded = _load_sources(str(chosen["file"]))
    config = load_daemon_config(chosen["file"])
    holder = lock_holder(path)
    # -1 from lock_holder: the lock is held by a daemon that has not written its pid yet
    pid = holder if holder and holder > 0 else None
    daemons_jobs = jobs if chosen["origin"] == "daemon" else None  # its fire times are for its own file
    rows = source_status(
        db, path, loaded, config, fail_after or config.fail_after, jobs=daemons_jobs, daemon_pid=pid
    )
    running = f"daemon: running (pid {pid})" if pid else "daemon: running (pid not known)"
    daemon_line = running if holder else "daemon: not running"
    problems = [f"{row.source}: {problem}" for row in rows for problem in row.problems]
    if not holder and not without_daemon:
        problems.insert(0, "daemon: not running (start it, or pass --without-daemon if crawls run from cron)")
    changed = (
        file_sha256(chosen["file"]) != info.get("sources_sha256")
        if chosen["origin"] == "daemon" and info
        else None
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "daemon": {"running": bool(holder), "pid": pid},
                    "sources": [asdict(r) for r in rows],
                    "sources_file": {
                        "path": str(chosen["file"]),
                        "origin": chosen["origin"],
                        "changed_since_daemon_read_it": changed,
                    },
                    "problems": problems,
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        note = {
            "option": "(--sources)",
            "daemon": "(the daemon's"
            + (", changed since it read it: SIGHUP the daemon to apply it)" if changed else ", unchanged)"),
            "environment": "($COURTNEWS_SOURCES)",
            "shipped": "(the shipped file; no daemon recorded one)",
        }[chosen["origin"]]
        header = (f"sources: {chosen['file']} {note}",) + tuple(chosen["notes"])
        click.echo(format_status(rows, daemon_line, config.timezone, header=header))
    for problem in problems:
        click.echo(f"needs attention: {problem}", err=True)
    if problems:
        sys.exit(1)


from crawler.distributed.cli import register  # noqa: E402 - distributed mode: worker, writer, enqueue

register(main)

if __name__ == "__main__":
    main()


# the evidence log's commands (crawler/evidence_cli.py) and change forensics' (crawler/compare_cli.py)
from crawler.compare_cli import compare_command, diff_command  # noqa: E402
from crawler.evidence_cli import COMMANDS as _EVIDENCE_COMMANDS  # noqa: E402

for _command in (*_EVIDENCE_COMMANDS, compare_command, diff_command):
    main.add_command(_command)
