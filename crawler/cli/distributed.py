"""The commands of distributed mode, registered on ``courtnews`` (``register``): ``worker``, ``writer`` and
``enqueue``. Each takes ``--redis URL`` (default ``$COURTNEWS_REDIS_URL``); errors are one line, and a
Redis password never appears in them."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

REDIS_OPTION = click.option(
    "--redis",
    "redis_url",
    envvar="COURTNEWS_REDIS_URL",
    required=True,
    help="Redis URL, e.g. redis://:PASSWORD@redis-host:6379/0 (default: $COURTNEWS_REDIS_URL).",
)


def _settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r}: use NAME=VALUE, e.g. -s DOWNLOAD_DELAY=2", param_hint="-s")
        settings[name] = value
    return settings


@click.command()
@REDIS_OPTION
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Sources file (default: $COURTNEWS_SOURCES or the one shipped with courtnews).",
)
@click.option(
    "--source", "slugs", multiple=True, help="Only this source (repeatable; default: every source)."
)
@click.option("-s", "--set", "pairs", multiple=True, help="A Scrapy setting NAME=VALUE (repeatable).")
def worker(redis_url: str, sources_path: str | None, slugs: tuple[str, ...], pairs: tuple[str, ...]) -> None:
    """A crawl worker: takes requests of the given sources from Redis, fetches and extracts them as a local
    crawl does (same spiders, politeness, robots.txt, allow-list) and pushes the archive-ready fetches to
    Redis for `courtnews writer`. Runs until SIGTERM; start as many as you like, on any hosts.

    Example: courtnews worker --redis redis://:secret@10.0.0.5:6379/0 --source court-gov-cn-news
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.config.sources import load_sources
    from crawler.crawling.process import SETTINGS_MODULE
    from crawler.distributed.redis_link import connect
    from crawler.distributed.settings import worker_settings

    known = load_sources(sources_path)
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise click.ClickException(
            f"{unknown[0]}: no such source in the sources file (known: {', '.join(sorted(known))})"
        )
    connect(redis_url).close()  # a Redis that does not answer is one line, before Scrapy starts
    os.environ["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    settings = get_project_settings()
    if sources_path:
        settings.set("SOURCES_FILE", str(Path(sources_path).resolve()), priority="cmdline")
    overlay = worker_settings(
        {name: settings.get(name) for name in ("SPIDER_MIDDLEWARES", "EXTENSIONS")}, redis_url
    )
    settings.setdict(overlay, priority="cmdline")
    settings.setdict(_settings(pairs), priority="cmdline")
    process = CrawlerProcess(settings)
    for slug in slugs or sorted(known):
        process.crawl(slug)
    process.start()


@click.command()
@REDIS_OPTION
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Archive file (default: $COURTNEWS_DB or data/archive.db).",
)
@click.option(
    "--comments-make-versions",
    is_flag=True,
    help="A change in comments alone makes a version (as COMMENTS_MAKE_VERSIONS in a local crawl).",
)
def writer(redis_url: str, db_path: str | None, comments_make_versions: bool) -> None:
    """The archive writer: records every fetch the workers push to Redis into the archive, each exactly once,
    and closes runs once drained. One per archive. Runs until SIGTERM.

    Example: courtnews writer --db /var/lib/courtnews/archive.db --redis redis://:secret@127.0.0.1:6379/0
    """
    from archive import open_archive, resolve_db_path
    from crawler.distributed.writer import Writer, WriterRefused
    from crawler.service.daemon import configure_logging

    path = resolve_db_path(db_path).resolve()
    open_archive(path).close()  # a bad path or a foreign file is one line, before anything is consumed
    configure_logging()
    service = Writer(redis_url, path, with_comments=comments_make_versions)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: service.stop())
    try:
        service.run()
    except WriterRefused as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("slug")
@click.option("--revisit", is_flag=True, help="A revisit of the source's archived articles that are due.")
@REDIS_OPTION
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None, help="Archive file.")
@click.option(
    "--sources", "sources_path", type=click.Path(dir_okay=False), default=None, help="Sources file."
)
def enqueue(slug: str, revisit: bool, redis_url: str, db_path: str | None, sources_path: str | None) -> None:
    """Start a run of one source in distributed mode (what the daemon does on the source's cadence): the run
    is made in the archive and its first requests queued in Redis; workers crawl it, the writer closes it.

    Example: courtnews enqueue court-gov-cn-news --db /var/lib/courtnews/archive.db --redis redis://127.0.0.1:6379/0
    """
    from archive import open_archive, resolve_db_path
    from crawler.config.sources import load_daemon_config, load_sources
    from crawler.distributed import redis_link
    from crawler.distributed.enqueue import enqueue_run

    known = load_sources(sources_path)
    if slug not in known:
        raise click.ClickException(
            f"{slug}: no such source in the sources file (known: {', '.join(sorted(known))})"
        )
    server = redis_link.connect(redis_url)
    for raw in server.smembers(redis_link.RUNS):
        if server.hget(redis_link.run_key(int(raw)), "source") == slug.encode():
            raise click.ClickException(
                f"{slug}: run {int(raw)} of this source is still queued in Redis; wait for it to end "
                "(`courtnews status`) before starting another"
            )
    config = load_daemon_config(sources_path)
    db = open_archive(resolve_db_path(db_path))
    try:
        run_id = enqueue_run(
            server,
            db,
            sources_path,
            slug,
            "revisit" if revisit else "crawl",
            "manual",
            tuple(config.revisit_offsets),
            config.revisit_batch,
        )
    finally:
        db.close()
    click.echo(f"{slug}: run {run_id} queued in {redis_link.safe_url(redis_url)}")
    sys.stdout.flush()


def register(main: click.Group) -> None:
    for command in (worker, writer, enqueue):
        main.add_command(command)
