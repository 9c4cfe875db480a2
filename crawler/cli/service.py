"""`courtnews daemon`, `status`: the scheduled service and what it has done and will do."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

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
    from crawler.service.daemon import Daemon, DaemonLocked, configure_logging, log_level

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
    from crawler.service.daemon import file_sha256, lock_holder
    from crawler.service.status import format_status, source_status

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
