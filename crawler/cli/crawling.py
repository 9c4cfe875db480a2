"""`courtnews sources`, `crawl`, `demo`: check the sources file, crawl one source, run the demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import open_archive, resolve_db_path
from crawler.cli.group import (
    DB_OPTION,
    SOURCES_OPTION,
    _load_sources,
    main,
)
from crawler.config.sources import (
    resolve_sources_path,
)


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
    from crawler.crawling.process import crawl_process, run_crawl

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
