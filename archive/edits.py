"""What kind of edit each changed or restored version is, stored where Datasette and sqlite-utils can ask.

- ``version_edits``: one row per edit (version_id, kind, field, paragraph, sentence, old, new), indexed by
  kind, so "every article where a name was masked this month" is one join with versions.
- ``versions.kinds``: the sorted kinds of the version as a JSON list (Datasette facets it with
  ``_facet_array=kinds``), ``versions.significant`` (0 only when every edit is cosmetic), and
  ``versions.chars_deleted`` / ``versions.chars_inserted`` (the size of the change, +N/-M 字).
  NULL kinds: not classified (a first version, a removal, or one the backfill has not reached).

The archive does not know how edits are classified (that is the crawler's ``crawler.edits``): the caller
passes the classifier in, a callable from two versions' fields (title, body, published, source_name, author,
editor) to the report's dict ``{"significant", "kinds", "edits", "chars_deleted", "chars_inserted"}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import sqlite_utils

Classifier = Callable[[dict, dict], dict]
Progress = Callable[[int, int], None]
COMPARED_FIELDS = ("title", "body", "published", "source_name", "author", "editor")
EDIT_COLUMNS = ("kind", "field", "paragraph", "sentence", "old", "new")
VERSION_COLUMNS = {
    "kinds": "TEXT",
    "significant": "INTEGER",
    "chars_deleted": "INTEGER",
    "chars_inserted": "INTEGER",
}
CLASSIFIED_KINDS = ("changed", "restored")  # the versions that follow a text and differ from it


def create_edit_tables(db: sqlite_utils.Database) -> None:
    """The edits table, its indexes and the versions columns; safe to run again (what exists is kept)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS version_edits (
            id INTEGER PRIMARY KEY,
            version_id INTEGER NOT NULL REFERENCES versions(id),
            kind TEXT NOT NULL,
            field TEXT NOT NULL,
            paragraph INTEGER,
            sentence INTEGER,
            old TEXT,
            new TEXT)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS version_edits_version ON version_edits (version_id)")
    db.execute("CREATE INDEX IF NOT EXISTS version_edits_kind ON version_edits (kind, version_id)")
    present = {row[1] for row in db.execute("PRAGMA table_info(versions)").fetchall()}
    for column, sql_type in VERSION_COLUMNS.items():
        if column not in present:
            db.execute(f"ALTER TABLE versions ADD COLUMN {column} {sql_type}")


def store_edits(db: sqlite_utils.Database, version_id: int, report: dict[str, Any]) -> None:
    """Record a version's classified edits, replacing any it had (a re-classification never doubles them).
    Run it in the transaction that writes the version, so a version never stands without its kinds."""
    db.execute("DELETE FROM version_edits WHERE version_id = ?", [version_id])
    rows = [[version_id, *(edit.get(column) for column in EDIT_COLUMNS)] for edit in report.get("edits", [])]
    if rows:
        db.conn.executemany(
            "INSERT INTO version_edits (version_id, kind, field, paragraph, sentence, old, new) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    db.execute(
        "UPDATE versions SET kinds = ?, significant = ?, chars_deleted = ?, chars_inserted = ? WHERE id = ?",
        [
            json.dumps(sorted(report.get("kinds", [])), ensure_ascii=False),
            int(bool(report.get("significant"))),
            int(report.get("chars_deleted", 0)),
            int(report.get("chars_inserted", 0)),
            version_id,
        ],
    )


def version_fields(db: sqlite_utils.Database, version_id: int) -> dict[str, Any]:
    """The fields a classifier compares, of one version (empty when there is no such version)."""
    row = db.execute(
        f"SELECT {', '.join(COMPARED_FIELDS)} FROM versions WHERE id = ?", [version_id]
    ).fetchone()
    return dict(zip(COMPARED_FIELDS, row, strict=True)) if row else {}


def classify_version(db: sqlite_utils.Database, version_id: int, classify: Classifier) -> dict | None:
    """Classify one version against the version whose text it follows (previous_id) and store the edits;
    None (nothing stored) for a version that follows no text or is not a changed or restored one."""
    row = db.execute("SELECT kind, previous_id FROM versions WHERE id = ?", [version_id]).fetchone()
    if row is None or row[0] not in CLASSIFIED_KINDS or row[1] is None:
        return None
    report = classify(version_fields(db, row[1]), version_fields(db, version_id))
    store_edits(db, version_id, report)
    return report


def pending_count(db: sqlite_utils.Database) -> int:
    """Changed and restored versions with a previous text that have no kinds yet."""
    return db.execute(
        "SELECT COUNT(*) FROM versions WHERE kinds IS NULL AND previous_id IS NOT NULL "
        "AND kind IN ('changed', 'restored')"
    ).fetchone()[0]


def backfill_edits(
    db: sqlite_utils.Database,
    classify: Classifier,
    progress: Progress | None = None,
    batch: int = 500,
    transaction: Callable[[], AbstractContextManager[Any]] | None = None,
) -> int:
    """Classify every changed or restored version not yet classified, oldest first, batch by batch; returns
    how many. progress(done, total) is called after each batch. Each batch runs inside transaction() when
    given (e.g. ``lambda: write_transaction(db)``: crawls wait for one batch, never for the whole archive),
    else in the caller's transaction. Stopped halfway, a new run goes on from the versions without kinds."""
    create_edit_tables(db)
    total = pending_count(db)
    done, last_id = 0, 0
    width = len(COMPARED_FIELDS)
    columns = (
        ", ".join(f"v.{c}" for c in COMPARED_FIELDS) + ", " + ", ".join(f"p.{c}" for c in COMPARED_FIELDS)
    )
    while True:
        with transaction() if transaction is not None else nullcontext():
            rows = db.execute(
                f"SELECT v.id, {columns} FROM versions v JOIN versions p ON p.id = v.previous_id "
                "WHERE v.id > ? AND v.kinds IS NULL AND v.kind IN ('changed', 'restored') ORDER BY v.id LIMIT ?",
                [last_id, batch],
            ).fetchall()
            for row in rows:
                new = dict(zip(COMPARED_FIELDS, row[1 : 1 + width], strict=True))
                old = dict(zip(COMPARED_FIELDS, row[1 + width :], strict=True))
                store_edits(db, row[0], classify(old, new))
        if not rows:
            break
        done += len(rows)
        last_id = rows[-1][0]
        if progress is not None:
            progress(done, total)
    return done


# the classifier the store calls for each changed or restored version it writes; set by the crawler's
# processes (the archive cannot import it), None in processes that only read
_classifier: Classifier | None = None


def use_classifier(classify: Classifier | None) -> None:
    """Make classify the one classify_written uses (None: versions are written without kinds, and the
    backfill classifies them later)."""
    global _classifier
    _classifier = classify


def classify_written(db: sqlite_utils.Database, version_id: int) -> dict | None:
    """For the store, right after it inserts a version (in the same transaction): classify it and store its
    edits, when a classifier is set and the archive has the edits tables; else nothing (None)."""
    if _classifier is None or not _has_edit_tables(db):
        return None
    return classify_version(db, version_id, _classifier)


def _has_edit_tables(db: sqlite_utils.Database) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'version_edits'").fetchone()
        is not None
    )


def edits_of(db: sqlite_utils.Database, version_id: int) -> list[dict[str, Any]]:
    """A version's stored edits in the order they were classified."""
    cursor = db.execute(
        f"SELECT {', '.join(EDIT_COLUMNS)} FROM version_edits WHERE version_id = ? ORDER BY id", [version_id]
    )
    return [dict(zip(EDIT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def versions_with_kind(
    db: sqlite_utils.Database, kind: str, since: str | None = None
) -> list[dict[str, Any]]:
    """Versions (id, url, version, created_at) with an edit of this kind, created at or after since, newest
    first: e.g. every article where a name was masked this month."""
    sql = (
        "SELECT DISTINCT v.id, p.url, v.version, v.created_at FROM version_edits e "
        "JOIN versions v ON v.id = e.version_id JOIN pages p ON p.id = v.page_id WHERE e.kind = ?"
    )
    params: list[Any] = [kind]
    if since is not None:
        sql += " AND v.created_at >= ?"
        params.append(since)
    return [dict(row) for row in db.query(sql + " ORDER BY v.created_at DESC, v.id DESC", params)]
