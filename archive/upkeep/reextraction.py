"""Re-extraction: new derived fields for a stored capture when only the extractor changed."""

from __future__ import annotations

import json

import sqlite_utils

from archive.db import write_transaction
from archive.evidence.record import log_version
from archive.search import index_version, unindex_version
from archive.store import ArticleFields, changed_fields, content_hash, utc_now


def versions_to_reextract(
    db: sqlite_utils.Database, rules_hash: str, source: str | None = None, everything: bool = False
) -> list[dict]:
    """Content versions whose fields came from other rules (or all of them), with their raw capture."""
    sql = (
        "SELECT v.id AS version_id, v.rules_hash, p.url, p.source, c.digest, c.headers FROM versions v "
        "JOIN pages p ON p.id = v.page_id JOIN captures c ON c.id = v.capture_id "
        "WHERE v.kind IN ('first', 'changed', 'restored') AND c.digest IS NOT NULL"
    )
    params: list[object] = []
    if not everything:
        sql += " AND (v.rules_hash IS NULL OR v.rules_hash != ?)"
        params.append(rules_hash)
    if source:
        sql += " AND p.source = ?"
        params.append(source)
    return list(db.query(sql + " ORDER BY v.id", params))


def apply_reextraction(db: sqlite_utils.Database, version_id: int, article: ArticleFields) -> list[str]:
    """Replace a version's derived fields with a new extraction of the same raw bytes.

    The source did not change (same capture), only our extractor did: this is recorded as a re-extraction,
    never as a new version. The new hash is made the way the version's own hash was (with its comments when
    the crawl counted comments, COMMENTS_MAKE_VERSIONS), so the page's next capture compares like with like.
    """
    with write_transaction(db):
        old = dict(db.table("versions").get(version_id))
        new_row = article.as_row()
        fields = changed_fields(old, new_row)
        # a hash that differs from the comment-blind one was made with the comments
        with_comments = old["content_hash"] != content_hash(old) and old["content_hash"] == content_hash(
            old, True
        )
        new_hash = content_hash({**new_row, "comments": article.comments_json()}, with_comments)
        comments = article.comments_json()
        assignments = {
            **new_row,
            "comments": comments,
            "content_hash": new_hash,
            "removed_blocks": json.dumps(article.removed_blocks, ensure_ascii=False),
            "extractor_version": article.extractor_version,
            "rules_hash": article.rules_hash,
        }
        columns = ", ".join(f"{name} = ?" for name in assignments)
        db.execute(f"UPDATE versions SET {columns} WHERE id = ?", [*assignments.values(), version_id])
        unindex_version(db, version_id, old["title"], old["body"], old["comments"])
        index_version(db, version_id, article.title, article.body, comments)
        db.execute(
            "INSERT INTO reextractions (version_id, at, old_hash, new_hash, changed_fields, extractor_version, rules_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                version_id,
                utc_now(),
                old["content_hash"],
                new_hash,
                json.dumps(fields),
                article.extractor_version,
                article.rules_hash,
            ],
        )
        log_version(db, version_id, kind="reextracted")  # a bundle carries the text last logged
    return fields
