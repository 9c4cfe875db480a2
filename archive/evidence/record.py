"""Entries for what the store just wrote: the two calls archive/store.py makes inside its transaction.

Rules:
- ``log_recorded`` once per capture, at the end of recording it (``archive.store._record_one``, before the run's
  counters are bumped), when the capture's outcome is final (a gone page's capture becomes ``removed`` only
  after its version is written): it logs the capture, then each version that capture made. It reads what it
  logs from the arguments and the rows just written, in the same transaction, so the log and the archive
  cannot disagree about what was recorded. ``log_capture`` and ``log_version`` are its two halves.
- A version's leaf names its capture's leaf; a version whose capture was never logged (recorded before the
  log existed) names none (``capture_leaf`` null) rather than inventing one.
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from archive.evidence import log
from archive.evidence.entry import entry_of_capture, version_entry, version_text

CONTENT_KINDS = ("first", "changed", "restored", "reextracted")


def log_capture(
    db: sqlite_utils.Database, capture_id: int, capture: Any, outcome: str, rules_hash: str | None = None
) -> int:
    """Append the entry of the capture just inserted as capture_id; returns its leaf index."""
    return log.append(db, entry_of_capture(capture, capture_id, outcome, rules_hash), "capture", capture_id)


def log_version(db: sqlite_utils.Database, version_id: int, kind: str | None = None) -> int:
    """Append the entry of version row version_id as it now stands; returns its leaf index.

    kind: overrides the row's kind; ``reextracted`` is logged by ``courtnews reextract`` after it changes a
    version's derived fields, so the text a bundle carries is always the text last logged."""
    row = db.conn.execute(
        "SELECT v.id, v.capture_id, p.url, v.version, v.kind, v.created_at, v.content_hash, v.title, v.body, "
        "v.extractor_version, v.rules_hash FROM versions v JOIN pages p ON p.id = v.page_id WHERE v.id = ?",
        (version_id,),
    ).fetchone()
    if row is None:
        raise log.EvidenceError(f"no version {version_id} to log")
    vid, capture_id, url, number, row_kind, created_at, digest, title, body, extractor, rules = row
    leaf_row = db.conn.execute(
        "SELECT MAX(idx) FROM evidence_leaves WHERE capture_id = ? AND kind = 'capture'", (capture_id,)
    ).fetchone()
    kind = kind or row_kind
    has_text = kind in CONTENT_KINDS
    entry = version_entry(
        version_id=vid,
        capture_leaf=leaf_row[0],
        url=url,
        number=number,
        kind=kind,
        created_at=created_at,
        content_hash=digest if has_text else None,
        text=version_text(title, body) if has_text else None,
        extractor_version=extractor if has_text else None,
        rules_hash=rules if has_text else None,
    )
    return log.append(db, entry, "version", capture_id, vid)


def log_recorded(
    db: sqlite_utils.Database, capture_id: int, capture: Any, rules_hash: str | None = None
) -> list[int]:
    """Log the capture just recorded as capture_id (its final outcome as stored), then the versions it made.
    Returns the leaf indexes, in order."""
    row = db.conn.execute("SELECT outcome FROM captures WHERE id = ?", (capture_id,)).fetchone()
    if row is None:
        raise log.EvidenceError(f"no capture {capture_id} to log")
    leaves = [log_capture(db, capture_id, capture, row[0], rules_hash)]
    versions = db.conn.execute(
        "SELECT id FROM versions WHERE capture_id = ? ORDER BY id", (capture_id,)
    ).fetchall()
    leaves += [log_version(db, int(version_id)) for (version_id,) in versions]
    return leaves
