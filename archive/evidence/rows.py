"""The log against the rows it describes, and the log built late for captures written before it existed.

Rules:
- ``check_rows``: every capture row has a capture leaf and every capture leaf a row; what a leaf states and
  the archive still stores must agree: URL, fetch time, status, response headers, outcome and the SHA-256 of
  the raw bytes (read back from the blob store); a version leaf's content hash and text digest must be the
  version row's (a re-extracted version is judged by its last leaf). Each disagreement is one line naming the
  capture or version: an edited title, a deleted, inserted or reordered capture, changed bytes or headers.
- ``backfill``: captures recorded before the log existed are appended in capture order, each followed by its
  versions, and the range is noted in ``evidence_backfills`` ("logged late": the earliest proof of them is the
  first checkpoint after the backfill, not their fetch time). What the rows do not keep (request headers, the
  peer's address, the certificate) is null in those entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import sqlite_utils

from archive.blobs import get_blob
from archive.evidence import log
from archive.evidence.entry import version_text
from archive.evidence.record import log_capture, log_version
from archive.model import utc_now

Progress = Callable[[int, int], None]


def _entry(row: Any) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(bytes(row).decode("utf-8"))
    return entry


def _raw(db: sqlite_utils.Database, digest: str | None) -> bytes | None:
    return get_blob(db, digest) if digest else None


def check_rows(db: sqlite_utils.Database, progress: Progress | None = None) -> list[str]:
    """Problems between the log and the capture and version rows (see the module's rules)."""
    problems: list[str] = []
    conn = db.conn
    logged_captures: dict[int, dict[str, Any]] = {}
    last_version_leaf: dict[int, dict[str, Any]] = {}
    for capture_id, version_id, entry in conn.execute(
        "SELECT capture_id, version_id, entry FROM evidence_leaves ORDER BY idx"
    ):
        leaf = _entry(entry)
        if leaf.get("type") == "capture" and capture_id is not None:
            if capture_id in logged_captures:
                problems.append(f"capture {capture_id}: logged twice")
            logged_captures[int(capture_id)] = leaf
        elif leaf.get("type") == "version" and version_id is not None:
            last_version_leaf[int(version_id)] = leaf
    first_logged = _first_logged_capture(db)
    total = conn.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
    seen: set[int] = set()
    for done, row in enumerate(
        conn.execute(
            "SELECT id, url, fetched_at, status, headers, digest, outcome FROM captures ORDER BY id"
        ),
        start=1,
    ):
        capture_id, url, fetched_at, status, headers, digest, outcome = row
        seen.add(capture_id)
        document = logged_captures.get(capture_id)
        if document is None:
            if first_logged is not None and capture_id >= first_logged:
                problems.append(
                    f"capture {capture_id} ({url}): not in the evidence log (inserted afterwards?)"
                )
            continue
        stated = (document["url"], document["fetched_at"], document["status"], document["outcome"])
        if stated != (url, fetched_at, status, outcome):
            problems.append(
                f"capture {capture_id}: the log says {stated}, the archive says {(url, fetched_at, status, outcome)}"
            )
        if (document.get("response_headers") or {}) != json.loads(headers or "{}"):
            problems.append(f"capture {capture_id} ({url}): its stored headers differ from the log's")
        try:
            raw = _raw(db, digest)
        except Exception as exc:  # noqa: BLE001 - an unreadable blob is a finding, named, not a traceback
            problems.append(
                f"capture {capture_id} ({url}): its raw page cannot be read ({type(exc).__name__})"
            )
            raw = None
        else:
            payload = hashlib.sha256(raw).hexdigest() if raw is not None else None
            if payload != document.get("payload_sha256"):
                problems.append(f"capture {capture_id} ({url}): its raw page is not the bytes the log names")
        if progress is not None and done % 10_000 == 0:
            progress(done, total)
    for capture_id in sorted(set(logged_captures) - seen):
        problems.append(
            f"capture {capture_id} ({logged_captures[capture_id]['url']}): in the log, deleted from the archive"
        )
    for version_id, kind, title, body, content_hash in conn.execute(
        "SELECT id, kind, title, body, content_hash FROM versions ORDER BY id"
    ):
        logged = last_version_leaf.get(version_id)
        if logged is None:
            continue  # before the log (or its backfill); the capture check names what is missing
        if logged.get("kind") not in (kind, "reextracted"):
            problems.append(
                f"version {version_id}: the log says kind {logged.get('kind')}, the archive {kind}"
            )
        if logged.get("content_hash") is not None:
            text = hashlib.sha256(version_text(title, body)).hexdigest()
            if logged.get("content_hash") != content_hash or logged.get("text_sha256") != text:
                problems.append(f"version {version_id}: its title or text is not what the log recorded")
    return problems


def _first_logged_capture(db: sqlite_utils.Database) -> int | None:
    row = db.conn.execute("SELECT MIN(capture_id) FROM evidence_leaves WHERE kind = 'capture'").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def backfill(db: sqlite_utils.Database, progress: Progress | None = None) -> int:
    """Append every capture not yet logged (and its versions), in capture order; returns how many."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS evidence_backfills (at TEXT NOT NULL, first_leaf INTEGER, "
        "last_leaf INTEGER, captures INTEGER NOT NULL, note TEXT NOT NULL)"
    )
    conn = db.conn
    rows = conn.execute(
        "SELECT c.id, c.url, c.final_url, c.fetched_at, c.status, c.headers, c.digest, c.outcome, "
        "(SELECT v.rules_hash FROM versions v WHERE v.capture_id = c.id ORDER BY v.id DESC LIMIT 1) "
        "FROM captures c WHERE NOT EXISTS (SELECT 1 FROM evidence_leaves l WHERE l.capture_id = c.id "
        "AND l.kind = 'capture') ORDER BY c.id"
    ).fetchall()
    first = log.size(db)
    for done, (capture_id, url, final_url, fetched_at, status, headers, digest, outcome, rules) in enumerate(
        rows, start=1
    ):
        capture = SimpleNamespace(
            url=url,
            final_url=final_url or url,
            fetched_at=fetched_at,
            status=status,
            headers=json.loads(headers or "{}"),
            raw=_raw(db, digest),
        )
        log_capture(db, capture_id, capture, outcome, rules)
        for (version_id,) in conn.execute(
            "SELECT id FROM versions WHERE capture_id = ? ORDER BY id", (capture_id,)
        ).fetchall():
            log_version(db, int(version_id))
        if progress is not None and done % 5_000 == 0:
            progress(done, len(rows))
    if rows:
        db.execute(
            "INSERT INTO evidence_backfills VALUES (?, ?, ?, ?, ?)",
            [
                utc_now(),
                first,
                log.size(db) - 1,
                len(rows),
                "logged late: recorded before the evidence log existed; their earliest proof is the first "
                "checkpoint after this backfill",
            ],
        )
    return len(rows)
