"""Schema step m001: the core tables (runs, pages, captures, versions, blobs). Frozen."""

from __future__ import annotations

import sqlite_utils

from archive.schema.runner import migrations


@migrations()
def m001_core_tables(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
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
    db.table("runs").create_index(["source", "started_at"])
    db.table("pages").create(
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
    db.table("pages").create_index(["url"], unique=True)
    db.table("pages").create_index(["source", "state"])
    db.table("blobs").create(
        {"digest": str, "size": int, "compression": str, "data": bytes},
        pk="digest",
    )
    db.table("captures").create(
        {
            "id": int,
            "page_id": int,
            "run_id": int,
            "url": str,
            "fetched_at": str,
            "status": int,
            "final_url": str,  # where the fetch ended, when not at url (m011)
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
    db.table("captures").create_index(["page_id", "fetched_at"])
    db.table("versions").create(
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
    db.table("versions").create_index(["page_id", "version"], unique=True)
    db.table("versions").create_index(["created_at"])
    db.table("reextractions").create(
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
