"""`courtnews export`, `feed`, `serve`: the archive as JSONL/CSV/WARC files, an Atom feed, Datasette."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path

import click

from archive import resolve_db_path
from crawler.cli.group import (
    DB_OPTION,
    OUTPUT_OPTION,
    Since,
    _Counted,
    _reader,
    _working,
    main,
    output_to,
)


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
    from archive.export.bulk import export_csv, export_jsonl, export_warc

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
    from archive.export.feed import atom_feed

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

    from crawler.service.serve import datasette_command, write_metadata

    path = resolve_db_path(db_path)
    _reader(path).close()  # a missing, foreign, newer or outdated file is refused here, untouched
    metadata = write_metadata(path, Path(tempfile.mkdtemp(prefix="courtnews-")) / "metadata.json")
    command = datasette_command(path, metadata, host, port)
    click.echo(
        f"Datasette on http://{host}:{port}/{path.stem}  (search: /{path.stem}/-/search, courts: /{path.stem}/-/courts; "
        "Ctrl-C stops it)"
    )
    os.execv(command[0], command)
