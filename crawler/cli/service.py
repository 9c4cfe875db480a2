"""`courtnews daemon`, `status`: the scheduled service and what it has done and will do."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive import open_archive, resolve_db_path
from crawler.cli.group import (
    DB_OPTION,
    SOURCES_OPTION,
    _load_sources,
    _reader,
    main,
)
from crawler.config.sources import (
    load_daemon_config,
    resolve_sources_path,
)


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
    from crawler.service.daemon import Daemon, DaemonLocked, configure_logging

    loaded = _load_sources(sources_path)
    sources_file = resolve_sources_path(sources_path).resolve()
    config = load_daemon_config(sources_file)
    db = resolve_db_path(db_path).resolve()
    open_archive(db).close()  # create or upgrade it before anything is scheduled
    configure_logging()
    service = Daemon(loaded, db, sources_file, config, Path(log_dir or db.parent / "logs").resolve())
    try:
        service.run()
    except DaemonLocked as exc:
        raise click.ClickException(str(exc)) from None


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

    from crawler.service.daemon import lock_holder
    from crawler.service.status import format_status, source_status

    loaded = _load_sources(sources_path)
    config = load_daemon_config(sources_path)
    path = resolve_db_path(db_path)
    rows = source_status(_reader(path), path, loaded, config, fail_after or config.fail_after)
    holder = lock_holder(path)
    # -1: the lock is held by a daemon that has not written its pid yet (or whose file was emptied)
    running = f"daemon: running (pid {holder})" if holder != -1 else "daemon: running (pid not known)"
    daemon_line = running if holder else "daemon: not running"
    problems = [f"{row.source}: {problem}" for row in rows for problem in row.problems]
    if not holder and not without_daemon:
        problems.insert(0, "daemon: not running (start it, or pass --without-daemon if crawls run from cron)")
    if as_json:
        click.echo(
            json.dumps(
                {"daemon": holder, "sources": [asdict(r) for r in rows], "problems": problems},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        click.echo(format_status(rows, daemon_line, config.timezone))
    for problem in problems:
        click.echo(f"needs attention: {problem}", err=True)
    if problems:
        sys.exit(1)
