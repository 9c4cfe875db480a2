"""Runs: one row per crawl process, from its start to its recorded outcome.

A run is ``running`` until the crawl closes it (``finished``, ``failed`` or ``stopped``). A process that
dies before closing its run leaves it ``running``: the daemon records what it knows (the exit code, the
log, why it stopped the process), and any writer marks such a run ``interrupted`` once its process is gone.
The run's own reason is never overwritten by the daemon's.

Ownership is never ambiguous: a run the daemon creates for a crawl process it is about to start carries a
claim token (``claim_token``) and the daemon's pid until the crawl claims it with that token. Until then it
is the daemon's: no writer judges it by its pid (the daemon's pid is not a crawl's, and the crawl may still
be importing Scrapy); the daemon records its end if the crawl dies unclaimed, and the next daemon (which
holds the archive's lock, so the creator is gone) marks the unclaimed runs a dead daemon left.
"""

from __future__ import annotations

import json
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
    # pid 0: a distributed run, done by workers elsewhere and closed by the writer, never by a local process;
    # a claim token: a run its daemon created and still owns (its pid is the daemon's, not a crawl's)
    stale = [
        row["id"]
        for row in db.query(
            "SELECT id, pid FROM runs WHERE status = 'running' AND pid != 0 AND claim_token IS NULL"
        )
        if not is_alive(row["pid"])
    ]
    _interrupt(db, stale, reason, "AND claim_token IS NULL")
    return len(stale)


def mark_unclaimed_runs(db: sqlite_utils.Database, owner_pid: int, reason: str) -> int:
    """Runs a daemon created and no crawl claimed, left by any daemon but owner_pid: only the holder of the
    archive's daemon lock calls this, so their creator is gone and no crawl can claim them any more."""
    stale = [
        row["id"]
        for row in db.query(
            "SELECT id FROM runs WHERE status = 'running' AND claim_token IS NOT NULL AND pid != ?",
            [owner_pid],
        )
    ]
    _interrupt(db, stale, reason, "AND claim_token IS NOT NULL")
    return len(stale)


def _interrupt(db: sqlite_utils.Database, run_ids: list[int], reason: str, still: str) -> None:
    if not run_ids:
        return
    with write_transaction(db):
        for run_id in run_ids:  # re-checked under the lock: a crawl may have claimed or closed it meanwhile
            db.execute(
                "UPDATE runs SET status = 'interrupted', reason = COALESCE(reason, ?), "
                f"finished_at = COALESCE(finished_at, ?) WHERE id = ? AND status = 'running' {still}",
                [reason, utc_now(), run_id],
            )


def start_run(
    db: sqlite_utils.Database,
    source: str,
    kind: str = "crawl",
    pid: int | None = None,
    trigger: str = "manual",
    is_alive: PidAlive = _pid_alive,
    claim_token: str | None = None,
) -> int:
    """A new running run. claim_token: the run is created for a process not started yet, which claims it
    with this token (``claim_run``); until then it is the creator's (pid), never judged by that pid."""
    mark_interrupted_runs(db, is_alive)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO runs (source, kind, started_at, status, pid, trigger, claim_token) "
            "VALUES (?, ?, ?, 'running', ?, ?, ?)",
            [source, kind, utc_now(), pid if pid is not None else os.getpid(), trigger, claim_token],
        )
    return int(cursor.lastrowid or 0)


def claim_run(db: sqlite_utils.Database, run_id: int, pid: int, token: str | None = None) -> dict:
    """The crawl process takes over a run the daemon created for it, with the run's claim token (None for a
    run created without one)."""
    with write_transaction(db):
        db.execute(
            "UPDATE runs SET pid = ?, claim_token = NULL WHERE id = ? AND status = 'running' AND claim_token IS ?",
            [pid, run_id, token],
        )
    row = dict(db.table("runs").get(run_id))
    if row["status"] != "running":
        raise ValueError(f"run {run_id} is already {row['status']}; the daemon gives each crawl a new run")
    if row["pid"] != pid or row["claim_token"] is not None:
        raise ValueError(f"run {run_id} was not created for this crawl (its claim token does not match)")
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


def record_daemon_state(db: sqlite_utils.Database, info: dict, jobs: dict[str, str | None]) -> None:
    """What the running daemon works with, for `courtnews status`: ``info`` (its pid, the sources file and
    that file's hash) and each scheduled job's next fire time (UTC, None when paused). Replaces the
    previous daemon's record whole: a job that is gone is no longer listed."""
    now = utc_now()
    with write_transaction(db):
        db.execute("DELETE FROM daemon_state")
        db.execute(
            "INSERT INTO daemon_state (name, value, updated_at) VALUES ('daemon', ?, ?)",
            [json.dumps(info, ensure_ascii=False), now],
        )
        for job_id, when in jobs.items():
            db.execute(
                "INSERT INTO daemon_state (name, value, updated_at) VALUES (?, ?, ?)",
                [f"job:{job_id}", when, now],
            )


def daemon_state(db: sqlite_utils.Database) -> tuple[dict | None, dict[str, str | None]]:
    """The last daemon's record (info with ``updated_at``, or None if no daemon ever ran) and its jobs' next
    fire times by job id."""
    info: dict | None = None
    jobs: dict[str, str | None] = {}
    for row in db.query("SELECT name, value, updated_at FROM daemon_state"):
        if row["name"] == "daemon":
            info = {**json.loads(row["value"]), "updated_at": row["updated_at"]}
        elif row["name"].startswith("job:"):
            jobs[row["name"].removeprefix("job:")] = row["value"]
    return info, jobs
