"""Runs: one row per crawl process, from its start to its recorded outcome.

A run is ``running`` until the crawl closes it (``finished``, ``failed`` or ``stopped``). A process that
dies before closing its run leaves it ``running``: the daemon records what it knows (the exit code, the
log, why it stopped the process), and any writer marks such a run ``interrupted`` once its process is gone.
The run's own reason is never overwritten by the daemon's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

import sqlite_utils

from archive.db import write_transaction
from archive.store import utc_now

RUN_FACTS = ("unstored", "list_pages", "links_found")
PidAlive = Callable[[int | None], bool]


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted_runs(
    db: sqlite_utils.Database,
    is_alive: PidAlive = _pid_alive,
    reason: str = "the crawl process ended before closing its run (killed?)",
) -> int:
    """Runs still 'running' whose process is gone were killed: say so."""
    # pid 0: a distributed run, done by workers elsewhere and closed by the writer, never by a local process
    stale = [
        row["id"]
        for row in db.query("SELECT id, pid FROM runs WHERE status = 'running' AND pid != 0")
        if not is_alive(row["pid"])
    ]
    if stale:
        with write_transaction(db):
            for run_id in stale:
                db.execute(
                    "UPDATE runs SET status = 'interrupted', reason = COALESCE(reason, ?), "
                    "finished_at = COALESCE(finished_at, ?) WHERE id = ? AND status = 'running'",
                    [reason, utc_now(), run_id],
                )
    return len(stale)


def start_run(
    db: sqlite_utils.Database,
    source: str,
    kind: str = "crawl",
    pid: int | None = None,
    trigger: str = "manual",
    is_alive: PidAlive = _pid_alive,
) -> int:
    mark_interrupted_runs(db, is_alive)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO runs (source, kind, started_at, status, pid, trigger) VALUES (?, ?, ?, 'running', ?, ?)",
            [source, kind, utc_now(), pid if pid is not None else os.getpid(), trigger],
        )
    return int(cursor.lastrowid or 0)


def claim_run(db: sqlite_utils.Database, run_id: int, pid: int) -> dict:
    """The crawl process takes over a run the daemon created for it."""
    with write_transaction(db):
        db.execute("UPDATE runs SET pid = ? WHERE id = ? AND status = 'running'", [pid, run_id])
    row = dict(db.table("runs").get(run_id))
    if row["status"] != "running":
        raise ValueError(f"run {run_id} is already {row['status']}; the daemon gives each crawl a new run")
    return row


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    status: str = "finished",
    reason: str | None = None,
    **facts: int,
) -> dict:
    """Close a run with its status, reason and what the crawl knew at the end (``RUN_FACTS``)."""
    unknown = set(facts) - set(RUN_FACTS)
    assert not unknown, unknown
    assignments = "".join(f", {name} = ?" for name in facts)
    with write_transaction(db):
        db.execute(
            f"UPDATE runs SET status = ?, reason = ?, finished_at = ?{assignments} WHERE id = ?",
            [status, reason, utc_now(), *facts.values(), run_id],
        )
    return get_run(db, run_id)


def record_process_exit(
    db: sqlite_utils.Database,
    run_id: int,
    exit_code: int | None,
    log_file: str | None,
    status_if_open: str,
    reason_if_open: str,
) -> dict:
    """Attach a crawl process's exit to its run; a run the process left open gets the daemon's verdict."""
    with write_transaction(db):
        db.execute(
            "UPDATE runs SET exit_code = ?, log_file = ?, "
            "reason = CASE WHEN status = 'running' THEN COALESCE(reason, ?) ELSE reason END, "
            "status = CASE WHEN status = 'running' THEN ? ELSE status END, "
            "finished_at = COALESCE(finished_at, ?) WHERE id = ?",
            [exit_code, log_file, reason_if_open, status_if_open, utc_now(), run_id],
        )
    return get_run(db, run_id)


def get_run(db: sqlite_utils.Database, run_id: int) -> dict:
    return dict(db.table("runs").get(run_id))


def recent_runs(db: sqlite_utils.Database, source: str, limit: int) -> list[dict]:
    return list(
        db.query(
            "SELECT * FROM runs WHERE source = ? ORDER BY started_at DESC, id DESC LIMIT ?", [source, limit]
        )
    )


def open_runs(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("SELECT * FROM runs WHERE status = 'running' ORDER BY id"))


def open_distributed_runs(db: sqlite_utils.Database) -> list[dict]:
    """Runs a distributed-mode daemon started (pid 0: no local process) that are not closed yet."""
    return list(db.query("SELECT * FROM runs WHERE status = 'running' AND pid = 0 ORDER BY id"))


def first_failure(db: sqlite_utils.Database, run_id: int) -> str | None:
    """ "url: reason" of the run's first failed or challenged fetch, for the run's own reason."""
    for row in db.query(
        "SELECT url, reason FROM captures WHERE run_id = ? AND outcome IN ('failed', 'challenge') "
        "ORDER BY id LIMIT 1",
        [run_id],
    ):
        return f"{row['url']}: {row['reason']}"
    return None


def last_success(db: sqlite_utils.Database, source: str, kind: str = "crawl") -> datetime | None:
    rows = list(
        db.query(
            "SELECT started_at FROM runs WHERE source = ? AND status = 'finished' AND kind = ? "
            "ORDER BY started_at DESC LIMIT 1",
            [source, kind],
        )
    )
    return datetime.fromisoformat(rows[0]["started_at"].replace("Z", "+00:00")) if rows else None


def source_totals(db: sqlite_utils.Database, source: str) -> dict:
    return next(
        iter(
            db.query(
                "SELECT COUNT(*) AS pages, COALESCE(SUM(current_version), 0) AS versions FROM pages "
                "WHERE source = ? AND current_version IS NOT NULL",
                [source],
            )
        )
    )
