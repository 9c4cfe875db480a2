"""Keeping an archive small for years without losing evidence: retention and vacuum.

Retention policy (``prune``):
- every capture that made a version is kept, with the redirect hops that led to it: a version's evidence
  is never deleted;
- every capture younger than the retention period (90 days by default) is kept;
- older captures that made no version (``unchanged``, ``redirect``, ``failed``, ``challenge`` …) are thinned
  to the first of each page per calendar month: the archive can still say "seen unchanged in March";
- raw bytes no capture refers to any more are deleted, unless a kept capture's bytes are stored as a
  difference from them. Pages, versions and runs are never deleted.
``vacuum`` checkpoints the WAL and rebuilds the file so freed pages go back to the file system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from archive.db import write_transaction
from archive.evidence.rows import log_pruned


@dataclass
class PruneResult:
    captures_deleted: int
    blobs_deleted: int
    captures_kept: int


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def prune(
    db: sqlite_utils.Database,
    older_than: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PruneResult:
    """progress: told the name of each step as it starts (each is one set-wide statement)."""
    cutoff = _stamp((now or datetime.now(UTC)) - older_than)
    say = progress or (lambda _step: None)
    with write_transaction(db):
        say("choosing the captures to keep")
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
        say("keeping the redirect hops of kept captures")
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
        # bytes still needed: those of kept captures, and every base their deltas are stored against
        say(f"finding the raw pages {kept} kept captures need")
        db.execute("DROP TABLE IF EXISTS temp.keep_blobs")
        db.execute(
            """CREATE TEMP TABLE keep_blobs AS
            WITH RECURSIVE needed(digest) AS (
                SELECT digest FROM captures WHERE digest IS NOT NULL AND id IN (SELECT id FROM temp.keep)
                UNION SELECT b.base FROM blobs b JOIN needed ON b.digest = needed.digest WHERE b.base IS NOT NULL)
            SELECT digest FROM needed"""
        )
        blobs = db.execute(
            "SELECT COUNT(*) FROM blobs WHERE digest NOT IN (SELECT digest FROM temp.keep_blobs)"
        ).fetchone()[0]
        if not dry_run:
            say(f"deleting {doomed} captures and {blobs} raw pages")
            ids = [
                r[0] for r in db.execute("SELECT id FROM captures WHERE id NOT IN (SELECT id FROM temp.keep)")
            ]
            if ids:  # retention is an event of the record too: the log says which captures it thinned
                log_pruned(db, ids, f"older than {older_than}, kept one per page and month")
            db.execute("DELETE FROM captures WHERE id NOT IN (SELECT id FROM temp.keep)")
            db.execute("DELETE FROM blobs WHERE digest NOT IN (SELECT digest FROM temp.keep_blobs)")
        db.execute("DROP TABLE temp.keep")
        db.execute("DROP TABLE temp.keep_blobs")
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


def stored_captures(db: sqlite_utils.Database) -> int:
    """How many captures carry raw bytes (what `courtnews compact` walks through)."""
    return int(db.execute("SELECT COUNT(*) FROM captures WHERE digest IS NOT NULL").fetchone()[0])


@dataclass
class CompactResult:
    reencoded: int
    dictionaries: int
    bytes_before: int
    bytes_after: int


def compact(
    db: sqlite_utils.Database, batch: int = 500, progress: Callable[[int], None] | None = None
) -> CompactResult:
    """Re-encode blobs stored by older courtnews (zlib) as zstd: each source's dictionary trained first, each
    recapture as a difference from the page's previous bytes. Each blob is rewritten only after its new frame
    decodes to the same sha256; a crash leaves every blob readable in one encoding or the other."""
    from archive.blobs import Codec

    codec = Codec.of(db)
    before = db.execute("SELECT COALESCE(SUM(length(data)), 0) FROM blobs").fetchone()[0]
    trained = 0
    sources = [r[0] for r in db.execute("SELECT DISTINCT source FROM pages")]
    with write_transaction(db):
        for source in sources:
            if not db.execute("SELECT 1 FROM zstd_dicts WHERE source = ?", [source]).fetchone():
                trained += codec.train(source) is not None
    rows = list(
        db.query(
            "SELECT c.digest, p.source, c.page_id FROM captures c JOIN pages p ON p.id = c.page_id "
            "WHERE c.digest IS NOT NULL ORDER BY c.page_id, c.id"
        )
    )
    done = 0
    previous: dict[int, str] = {}
    for start in range(0, len(rows), batch):
        with write_transaction(db):
            for row in rows[start : start + batch]:
                done += codec.reencode(row["digest"], row["source"], previous.get(row["page_id"]))
                previous[row["page_id"]] = row["digest"]
        if progress:
            progress(len(rows[start : start + batch]))
    after = db.execute("SELECT COALESCE(SUM(length(data)), 0) FROM blobs").fetchone()[0]
    return CompactResult(done, trained, before, after)
