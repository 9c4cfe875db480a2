"""The courtnews command line: a thin click layer over the library. Every command's help has an example."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive import open_archive, resolve_db_path
from crawler.sources import SourcesError, load_sources, resolve_sources_path

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
    help="Sources file (default: $COURTNEWS_SOURCES or sources.toml).",
)


def _progress(total: int, label: str):
    """A bar on a terminal; on a pipe or in a log, no bar (the command prints its summary at the end)."""
    return click.progressbar(length=total, label=label, file=sys.stderr if sys.stderr.isatty() else _Null())


class _Null:
    def write(self, _: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _load_sources(path: str | None) -> dict:
    try:
        return load_sources(path)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="courtnews")
def main() -> None:
    """courtnews: crawl Chinese court news into a versioned SQLite archive."""


@main.command()
@SOURCES_OPTION
def sources(sources_path: str | None) -> None:
    """Check the sources file and list its sources.

    Example: courtnews sources --sources sources.toml
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

    Example: courtnews crawl court-gov-cn-news --revisit all --db data/archive.db
    """
    from crawler.runner import run_crawl

    loaded = _load_sources(sources_path)
    if slug not in loaded:
        raise click.ClickException(f"unknown source {slug!r}; `courtnews sources` lists them")
    sources_file = resolve_sources_path(sources_path).resolve()
    outcome = run_crawl(slug, resolve_db_path(db_path).resolve(), sources_file, revisit=revisit)
    if outcome.returncode != 0:
        raise click.ClickException(f"crawl of {slug} exited with {outcome.returncode}; see the log above")


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

    db = open_archive(db_path)
    data = archive_summary(db)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_summary(data))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--url", default=None, help="The page's URL (for URL dates and off-site links); default: a file: name."
)
@click.option(
    "--family",
    type=click.Choice(["courtgov", "chinacourt", "thepaper", "govcms"]),
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

    db = open_archive(db_path)
    loaded = _load_sources(sources_path)
    rows = pending(db, source, everything)
    with _progress(len(rows), "re-extracting") as bar:
        result = run(db, loaded, rows, progress=bar.update)
    click.echo(
        f"re-extracted {result.examined} versions: {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.failed} failed (rules {RULES_HASH})"
    )


# ---------------------------------------------------------------- reading the archive
def _open_existing(db_path: str | None):
    path = resolve_db_path(db_path)
    if not path.exists():
        raise click.ClickException(
            f"{path}: no archive here; crawl first (`courtnews crawl SLUG`) or pass --db PATH"
        )
    return open_archive(path)


def _output(path: str | None, binary: bool = False):
    if path is None:
        return sys.stdout.buffer if binary else sys.stdout
    return open(path, "wb" if binary else "w", encoding=None if binary else "utf-8")  # noqa: SIM115 - closed by caller


OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file (default: standard output).",
)


@main.command()
@click.argument("url")
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(url: str, db_path: str | None, as_json: bool) -> None:
    """Every version of one article: when, what kind, which fields changed.

    Example: courtnews history https://www.court.gov.cn/zixun/xiangqing/1.html --db data/archive.db
    """
    from archive.query import NotInArchive
    from archive.query import history as page_history

    try:
        rows = page_history(_open_existing(db_path), url)
    except NotInArchive as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        fields = ", ".join(row["changed_fields"])
        click.echo(
            f"v{row['version']:<3} {row['kind']:<9} {row['created_at']}  HTTP {row['status']}  {row['title'] or ''}"
            + (f"  [{fields}]" if row["kind"] != "first" and fields else "")
        )


@main.command()
@click.argument("url")
@click.option("--version", "number", type=int, default=None, help="Version number (default: the latest).")
@click.option("--raw", is_flag=True, help="Write the raw bytes of the capture that made the version.")
@DB_OPTION
@OUTPUT_OPTION
def show(url: str, number: int | None, raw: bool, db_path: str | None, output: str | None) -> None:
    """One version of an article: metadata and text, or --raw for the page as it was served.

    Example: courtnews show https://www.court.gov.cn/zixun/xiangqing/1.html --version 1 --raw -o v1.html
    """
    from archive.query import NotInArchive, version
    from archive.store import get_blob

    db = _open_existing(db_path)
    try:
        row = version(db, url, number)
    except NotInArchive as exc:
        raise click.ClickException(str(exc)) from None
    if raw:
        if not row["digest"]:
            raise click.ClickException(f"version {row['version']} of {url} has no stored bytes")
        out = _output(output, binary=True)
        out.write(get_blob(db, row["digest"]))
        out.flush()
        return
    out = _output(output)
    out.write(
        f"{url}  v{row['version']} {row['kind']}  captured {row['fetched_at']} (HTTP {row['status']})\n"
    )
    for key in ("title", "published", "source_name", "author", "editor", "court", "extractor_version"):
        if row.get(key):
            out.write(f"{key}: {row[key]}\n")
    out.write("\n" + (row["body"] or "(no text: the page was removed)") + "\n")
    out.flush()


@main.command()
@click.argument("url")
@click.argument("versions", nargs=-1, type=int)
@click.option(
    "--html", "as_html", is_flag=True, help="Write a side-by-side HTML page instead of a unified diff."
)
@DB_OPTION
@OUTPUT_OPTION
def diff(url: str, versions: tuple[int, ...], as_html: bool, db_path: str | None, output: str | None) -> None:
    """Compare two versions of an article (default: the last two with text): metadata and body.

    Example: courtnews diff https://www.court.gov.cn/zixun/xiangqing/1.html 1 2 --html -o diff.html
    """
    from archive.query import NotInArchive, diff_pair, html_diff, unified_diff

    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers (A B), or none for the last two")
    try:
        old, new = diff_pair(_open_existing(db_path), url, *(versions or (None, None)))
    except NotInArchive as exc:
        raise click.ClickException(str(exc)) from None
    out = _output(output)
    out.write(html_diff(old, new, url) if as_html else unified_diff(old, new))
    out.flush()


@main.command()
@click.argument("query")
@DB_OPTION
@click.option("--limit", default=50, show_default=True)
def search(query: str, db_path: str | None, limit: int) -> None:
    """Full-text search of titles and bodies; Chinese substrings of any length (法院, 赌, 开设赌场罪).

    Example: courtnews search 开设赌场罪 --db data/archive.db
    """
    from archive.search import search as run_search

    for row in run_search(_open_existing(db_path), query, limit):
        marker = "" if row["is_current"] else " (older version)"
        click.echo(f"{row['created_at']}  v{row['version']} {row['title']}  {row['url']}{marker}")


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True
)
@click.option("--source", default=None, help="Only this source (slug).")
@click.option(
    "--since",
    default=None,
    help="Only versions (or captures, for WARC) at or after this date, e.g. 2024-01-01.",
)
@DB_OPTION
@OUTPUT_OPTION
def export(fmt: str, source: str | None, since: str | None, db_path: str | None, output: str | None) -> None:
    """Export versions as JSONL or CSV, or captures as gzipped WARC (response, revisit, conversion records).

    Example: courtnews export --format warc --source court-gov-cn-news --since 2024-01-01 -o court.warc.gz
    """
    from archive.export import export_csv, export_jsonl, export_warc

    db = _open_existing(db_path)
    out = _output(output, binary=fmt == "warc")
    count = {"jsonl": export_jsonl, "csv": export_csv, "warc": export_warc}[fmt](db, out, source, since)
    out.flush()
    if output:
        out.close()
    click.echo(f"exported {count} {'records' if fmt == 'warc' else 'versions'} as {fmt}", err=True)


@main.command()
@click.option("--source", default=None, help="Only this source (slug).")
@click.option("--court", default=None, help="Only this court, e.g. 最高人民法院.")
@click.option("--limit", default=50, show_default=True)
@DB_OPTION
@OUTPUT_OPTION
def feed(source: str | None, court: str | None, limit: int, db_path: str | None, output: str | None) -> None:
    """An Atom feed of new, changed, restored and removed articles.

    Example: courtnews feed --court 最高人民法院 -o supreme-court.atom
    """
    from archive.feed import atom_feed

    out = _output(output)
    out.write(atom_feed(_open_existing(db_path), source, court, limit) + "\n")
    out.flush()


@main.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
def serve(db_path: str | None, host: str, port: int) -> None:
    """Open the archive in Datasette with the project's titles, facets and canned queries.

    Example: courtnews serve --db data/demo.db --port 8001
    """
    import os
    import tempfile

    from crawler.serve import datasette_command, write_metadata

    path = resolve_db_path(db_path)
    if not path.exists():
        raise click.ClickException(f"{path}: no archive here; run `make demo` or crawl first")
    open_archive(path).close()  # bring the schema up to date before Datasette reads it
    metadata = write_metadata(path, Path(tempfile.mkdtemp(prefix="courtnews-")) / "metadata.json")
    command = datasette_command(path, metadata, host, port)
    click.echo(f"Datasette on http://{host}:{port}/{path.stem} (Ctrl-C stops it)")
    os.execv(command[0], command)


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
    """Run the scheduled service: each source on its cadence, revisits of archived articles, until SIGTERM.

    Example: courtnews daemon --db /srv/courtnews/archive.db --sources sources.toml
    """
    from crawler.daemon import Daemon, DaemonLocked, configure_logging
    from crawler.sources import load_daemon_config

    loaded = _load_sources(sources_path)
    sources_file = resolve_sources_path(sources_path).resolve()
    db = resolve_db_path(db_path).resolve()
    configure_logging()
    service = Daemon(
        loaded,
        db,
        sources_file,
        load_daemon_config(sources_file),
        Path(log_dir or db.parent / "logs").resolve(),
    )
    try:
        service.run()
    except DaemonLocked as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--fail-after",
    type=int,
    default=None,
    help="Exit 1 when a source's last N runs all failed (default: [daemon] fail_after, 3).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(db_path: str | None, sources_path: str | None, fail_after: int | None, as_json: bool) -> None:
    """Each source's last run, outcome, next run and totals; exits 1 when a source keeps failing (for monitoring).

    Example: courtnews status --db /srv/courtnews/archive.db --fail-after 3
    """
    from crawler.sources import load_daemon_config
    from crawler.status import format_status, source_status

    loaded = _load_sources(sources_path)
    config = load_daemon_config(sources_path)
    rows = source_status(_open_existing(db_path), loaded, config, fail_after or config.fail_after)
    click.echo(
        json.dumps(rows, ensure_ascii=False, indent=2, default=str) if as_json else format_status(rows)
    )
    failing = [row["source"] for row in rows if row["failing"]]
    if failing:
        click.echo(
            f"failing: {', '.join(failing)} (last {fail_after or config.fail_after} runs failed)", err=True
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
