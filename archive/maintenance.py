"""Keeping an archive small for years without losing evidence: retention and vacuum.

Retention policy (``prune``):
- every capture that made a version is kept, with the redirect hops that led to it: a version's evidence
  is never deleted;
- every capture younger than the retention period (90 days by default) is kept;
- older captures that made no version (``unchanged``, ``redirect``, ``failed``, ``challenge`` …) are thinned
  to the first of each page per calendar month: the archive can still say "seen unchanged in March";
- raw bytes no capture refers to any more are deleted. Pages, versions and runs are never deleted.
``vacuum`` checkpoints the WAL and rebuilds the file so freed pages go back to the file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from archive.db import write_transaction


@dataclass
class PruneResult:
    captures_deleted: int
    blobs_deleted: int
    captures_kept: int


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def prune(
    db: sqlite_utils.Database, older_than: timedelta, now: datetime | None = None, dry_run: bool = False
) -> PruneResult:
    cutoff = _stamp((now or datetime.now(UTC)) - older_than)
    with write_transaction(db):
        db.execute("DROP TABLE IF EXISTS temp.keep")
        db.execute("CREATE TEMP TABLE keep (id INTEGER PRIMARY KEY)")
        db.execute(
            """INSERT OR IGNORE INTO temp.keep (id)
            SELECT capture_id FROM versions WHERE capture_id IS NOT NULL
            UNION SELECT id FROM captures WHERE fetched_at >= :cutoff
            UNION SELECT MIN(id) FROM captures WHERE fetched_at < :cutoff
                  GROUP BY page_id, substr(fetched_at, 1, 7)""",
            {"cutoff": cutoff},
        )
        db.execute(
            """INSERT OR IGNORE INTO temp.keep (id)
            WITH RECURSIVE chain(id) AS (
                SELECT c.redirected_from FROM captures c JOIN temp.keep k ON k.id = c.id
                WHERE c.redirected_from IS NOT NULL
                UNION SELECT c.redirected_from FROM captures c JOIN chain ON c.id = chain.id
                WHERE c.redirected_from IS NOT NULL)
            SELECT id FROM chain"""
        )
        doomed = db.execute(
            "SELECT COUNT(*) FROM captures WHERE id NOT IN (SELECT id FROM temp.keep)"
        ).fetchone()[0]
        kept = db.execute("SELECT COUNT(*) FROM temp.keep").fetchone()[0]
        if dry_run:
            blobs = db.execute(
                "SELECT COUNT(*) FROM blobs WHERE digest NOT IN (SELECT digest FROM captures "
                "WHERE digest IS NOT NULL AND id IN (SELECT id FROM temp.keep))"
            ).fetchone()[0]
            db.execute("DROP TABLE temp.keep")
            return PruneResult(doomed, blobs, kept)
        db.execute("DELETE FROM captures WHERE id NOT IN (SELECT id FROM temp.keep)")
        before = db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
        db.execute(
            "DELETE FROM blobs WHERE digest NOT IN (SELECT digest FROM captures WHERE digest IS NOT NULL)"
        )
        blobs = before - db.execute("SELECT COUNT(*) FROM blobs").fetchone()[0]
        db.execute("DROP TABLE temp.keep")
    return PruneResult(doomed, blobs, kept)


def vacuum(db: sqlite_utils.Database, path: Path) -> tuple[int, int]:
    """Checkpoint the WAL and rebuild the file; (bytes before, bytes after), WAL included."""

    def size() -> int:
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())

    before = size()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return before, size()
