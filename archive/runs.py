"""Runs: one row per crawl process, from start to its recorded outcome (or interruption)."""

from __future__ import annotations

import os

import sqlite_utils

from archive.db import write_transaction
from archive.store import utc_now


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


def mark_interrupted_runs(db: sqlite_utils.Database) -> int:
    """Runs still 'running' whose process is gone were killed: say so."""
    stale = [
        row["id"]
        for row in db.query("SELECT id, pid FROM runs WHERE status = 'running'")
        if not _pid_alive(row["pid"])
    ]
    with write_transaction(db):
        for run_id in stale:
            db.execute(
                "UPDATE runs SET status = 'interrupted', reason = 'process ended before the run finished', "
                "finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                [utc_now(), run_id],
            )
    return len(stale)


def start_run(db: sqlite_utils.Database, source: str, kind: str = "crawl", pid: int | None = None) -> int:
    mark_interrupted_runs(db)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO runs (source, kind, started_at, status, pid) VALUES (?, ?, ?, 'running', ?)",
            [source, kind, utc_now(), pid if pid is not None else os.getpid()],
        )
    return int(cursor.lastrowid)


RUN_FACTS = ("unstored", "list_pages", "links_found")


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
    return dict(db["runs"].get(run_id))


def record_process_exit(
    db: sqlite_utils.Database,
    source: str,
    started_at: str,
    exit_code: int | None,
    log_file: str | None,
    trigger: str,
    reason: str | None = None,
) -> int:
    """Attach a crawl process's outcome to the run it recorded; if it died before recording one, add the row."""
    with write_transaction(db):
        rows = list(
            db.query(
                "SELECT id, status FROM runs WHERE source = ? AND started_at >= ? ORDER BY id DESC LIMIT 1",
                [source, started_at],
            )
        )
        if rows:
            run_id = rows[0]["id"]
            status = rows[0]["status"]
            if status == "running":
                status = "interrupted"  # the process ended (killed, timed out) before closing its run
            elif exit_code != 0:
                status = "failed"
            db.execute(
                "UPDATE runs SET exit_code = ?, log_file = ?, trigger = ?, status = ?, "
                "reason = COALESCE(?, reason), finished_at = COALESCE(finished_at, ?) WHERE id = ?",
                [exit_code, log_file, trigger, status, reason, utc_now(), run_id],
            )
            return int(run_id)
        cursor = db.execute(
            "INSERT INTO runs (source, kind, started_at, finished_at, status, reason, exit_code, log_file, trigger) "
            "VALUES (?, ?, ?, ?, 'failed', ?, ?, ?, ?)",
            [
                source,
                "revisit" if trigger == "revisit" else "crawl",
                started_at,
                utc_now(),
                reason or f"crawl process exited with {exit_code} before recording a run",
                exit_code,
                log_file,
                trigger,
            ],
        )
        return int(cursor.lastrowid)
