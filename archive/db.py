"""Open the archive: one SQLite file in WAL mode, with a busy timeout and migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

DEFAULT_DB = "data/archive.db"
BUSY_TIMEOUT_SECONDS = 30

migrations = Migrations("courtnews")


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The archive path: an explicit value, else $COURTNEWS_DB, else data/archive.db."""
    return Path(explicit or os.environ.get("COURTNEWS_DB") or DEFAULT_DB)


def open_archive(path: str | os.PathLike[str] | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the archive and bring its schema up to date."""
    db_path = resolve_db_path(path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_SECONDS)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA synchronous=NORMAL")
    migrations.apply(db)
    return db


@migrations()
def m001_core_tables(db: sqlite_utils.Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "source": str,
            "kind": str,  # crawl | revisit | reextract
            "started_at": str,
            "finished_at": str,
            "status": str,  # running | finished | failed | interrupted
            "reason": str,
            "pid": int,
            "captures": int,
            "new_pages": int,
            "new_versions": int,
            "changed": int,
            "removed": int,
            "restored": int,
            "unchanged": int,
            "failures": int,
        },
        pk="id",
        defaults={
            k: 0
            for k in (
                "captures",
                "new_pages",
                "new_versions",
                "changed",
                "removed",
                "restored",
                "unchanged",
                "failures",
            )
        },
    )
    db["runs"].create_index(["source", "started_at"])
    db["pages"].create(
        {
            "id": int,
            "url": str,
            "source": str,
            "first_seen": str,
            "last_seen": str,
            "last_status": int,
            "state": str,  # live | removed | failed (never had a version)
            "current_version": int,
            "last_error": str,
        },
        pk="id",
        not_null={"url", "source", "first_seen"},
    )
    db["pages"].create_index(["url"], unique=True)
    db["pages"].create_index(["source", "state"])
    db["blobs"].create(
        {"digest": str, "size": int, "compression": str, "data": bytes},
        pk="digest",
    )
    db["captures"].create(
        {
            "id": int,
            "page_id": int,
            "run_id": int,
            "url": str,
            "fetched_at": str,
            "status": int,
            "final_url": str,
            "headers": str,  # JSON object of the response headers as received
            "digest": str,  # sha256 of the raw body, key into blobs
            "size": int,
            "encoding": str,
            "outcome": str,  # version | unchanged | removed | gone | failed | challenge
            "reason": str,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id"), ("run_id", "runs", "id"), ("digest", "blobs", "digest")],
    )
    db["captures"].create_index(["page_id", "fetched_at"])
    db["versions"].create(
        {
            "id": int,
            "page_id": int,
            "version": int,
            "kind": str,  # first | changed | removed | restored
            "capture_id": int,
            "created_at": str,
            "content_hash": str,
            "title": str,
            "body": str,
            "published": str,
            "published_precision": str,
            "source_name": str,
            "author": str,
            "editor": str,
            "court": str,
            "changed_fields": str,  # JSON array
            "removed_blocks": str,  # JSON array of {rule, text}
            "extractor_version": str,
            "rules_hash": str,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id"), ("capture_id", "captures", "id")],
    )
    db["versions"].create_index(["page_id", "version"], unique=True)
    db["versions"].create_index(["created_at"])
    db["reextractions"].create(
        {
            "id": int,
            "version_id": int,
            "at": str,
            "old_hash": str,
            "new_hash": str,
            "changed_fields": str,
            "extractor_version": str,
            "rules_hash": str,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id")],
    )


@migrations()
def m002_reader_views_and_search(db: sqlite_utils.Database) -> None:
    from archive.search import spaced

    db.execute(
        """CREATE VIEW latest_articles AS
        SELECT p.id AS page_id, p.url, p.source, p.state, v.id AS version_id, v.version, v.kind,
               v.title, v.published, v.published_precision, v.source_name, v.author, v.editor, v.court,
               v.created_at AS version_at, p.first_seen, p.last_seen, v.body
        FROM pages p JOIN versions v ON v.page_id = p.id
        WHERE v.version = (SELECT MAX(version) FROM versions WHERE page_id = p.id AND kind != 'removed')"""
    )
    db.execute(
        """CREATE VIEW changes AS
        SELECT v.id AS version_id, p.url, p.source, v.version, v.kind, v.created_at, v.title, v.court,
               v.changed_fields, prev.title AS previous_title, prev.id AS previous_version_id
        FROM versions v JOIN pages p ON p.id = v.page_id
        LEFT JOIN versions prev ON prev.page_id = v.page_id AND prev.version = (
            SELECT MAX(version) FROM versions WHERE page_id = v.page_id AND version < v.version AND kind != 'removed')
        WHERE v.kind IN ('changed', 'restored')"""
    )
    db.execute(
        """CREATE VIEW removals AS
        SELECT v.id AS version_id, p.url, p.source, v.version, v.created_at AS removed_at, c.status, c.reason,
               c.final_url, last.title AS last_title, last.court
        FROM versions v JOIN pages p ON p.id = v.page_id JOIN captures c ON c.id = v.capture_id
        LEFT JOIN versions last ON last.page_id = v.page_id AND last.version = (
            SELECT MAX(version) FROM versions WHERE page_id = v.page_id AND version < v.version AND kind != 'removed')
        WHERE v.kind = 'removed'"""
    )
    db["versions"].create_index(["court", "published"])
    db["versions"].create_index(["kind", "created_at"])
    db.execute(
        "CREATE VIRTUAL TABLE versions_fts USING fts5(title, body, content='versions', content_rowid='id', tokenize='trigram')"
    )
    db.execute(
        """CREATE TRIGGER versions_fts_ai AFTER INSERT ON versions BEGIN
        INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END"""
    )
    db.execute(
        """CREATE TRIGGER versions_fts_ad AFTER DELETE ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END"""
    )
    db.execute(
        """CREATE TRIGGER versions_fts_au AFTER UPDATE OF title, body ON versions BEGIN
        INSERT INTO versions_fts (versions_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO versions_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END"""
    )
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('rebuild')")
    db.execute(
        "CREATE VIRTUAL TABLE versions_short_fts USING fts5(title, body, content='', tokenize='unicode61')"
    )
    for row in db.query("SELECT id, title, body FROM versions"):
        db.execute(
            "INSERT INTO versions_short_fts (rowid, title, body) VALUES (?, ?, ?)",
            [row["id"], spaced(row["title"]), spaced(row["body"])],
        )


@migrations()
def m003_run_process_outcome(db: sqlite_utils.Database) -> None:
    """What the daemon knows about a crawl process: its exit code, log file and why it ran."""
    db["runs"].add_column("exit_code", int)
    db["runs"].add_column("log_file", str)
    db["runs"].add_column("trigger", str)  # schedule | catch-up | revisit | manual
