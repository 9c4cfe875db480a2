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
        for key in ("published", "source", "author", "editor", "court", "summary", "encoding", "method"):
            if data.get(key):
                click.echo(f"{key}: {data[key]}")
        click.echo("\n" + article.text + "\n")
        for block in data["removed"]:
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
    from archive.store import versions_to_reextract
    from crawler.extract import RULES_HASH
    from crawler.reextract import reextract as run

    db = open_archive(db_path)
    loaded = _load_sources(sources_path)
    total = len(versions_to_reextract(db, RULES_HASH, source, everything))
    with _progress(total, "re-extracting") as bar:
        result = run(db, loaded, source, everything, progress=bar.update)
    click.echo(
        f"re-extracted {result.examined} versions: {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.failed} failed (rules {RULES_HASH})"
    )
