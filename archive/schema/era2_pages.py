"""Schema steps m002–m007: reader views and search, run outcomes, page identity and redirects, one
search index with comments, fetch ids, compact evidence. Released steps are frozen."""

from __future__ import annotations

import sqlite_utils

from archive.schema.runner import migrations


def _m002_spaced(text: str | None) -> str:
    """How m002's single-character index spaced text (m005 replaced that index): frozen with the steps."""
    import re

    return re.sub(
        r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef])", r" \1 ", text or ""
    )


@migrations()
def m002_reader_views_and_search(db: sqlite_utils.Database) -> None:
    spaced = _m002_spaced

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
    db.table("versions").create_index(["court", "published"])
    db.table("versions").create_index(["kind", "created_at"])
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
    db.table("runs").add_column("exit_code", int)
    db.table("runs").add_column("log_file", str)
    db.table("runs").add_column("trigger", str)  # schedule | catch-up | revisit | manual


@migrations()
def m004_page_identity_and_redirects(db: sqlite_utils.Database) -> None:
    """One page per article (a canonical key; old duplicates merged), redirect hops and moves recorded,
    hashes under the whitespace-blind normalisation, and the counts a run needs to say what it lost."""
    from archive.urls import page_key

    db.table("captures").add_column("location", str)  # where a redirect or meta refresh pointed
    db.table("captures").add_column("redirected_from", int)  # the capture whose redirect led here
    db.table("captures").create_index(["redirected_from"])
    db.table("pages").add_column("url_key", str)
    db.table("pages").add_column("moved_to", str)
    db.table("runs").add_column("moved", int, not_null_default=0)
    db.table("runs").add_column("unstored", int, not_null_default=0)  # fetches that could not be written
    db.table("runs").add_column("list_pages", int, not_null_default=0)
    db.table("runs").add_column("links_found", int, not_null_default=0)
    rehash_versions(db)  # first: duplicates are told by the hash under the new normalisation
    groups: dict[str, list[int]] = {}
    for row in db.query("SELECT id, url FROM pages ORDER BY first_seen, id"):
        groups.setdefault(page_key(row["url"]), []).append(row["id"])
    for key, ids in groups.items():
        db.execute("UPDATE pages SET url_key = ? WHERE id = ?", [key, ids[0]])
        if len(ids) > 1:
            merge_pages(db, ids[0], ids[1:])
    db.table("pages").create_index(["url_key"], unique=True)
    # the version whose text a version follows (or, for a removal or move, the last text archived): the
    # "previous version with text" every reader needs, stored once instead of a correlated query each time
    db.table("versions").add_column("previous_id", int)
    db.execute(
        """UPDATE versions SET previous_id = (
            SELECT p.id FROM versions p WHERE p.page_id = versions.page_id AND p.version < versions.version
            AND p.kind IN ('first', 'changed', 'restored') ORDER BY p.version DESC LIMIT 1)"""
    )
    # a moved page has no text, like a removed one: the reader views take text only from content versions
    for view in ("latest_articles", "changes", "removals"):
        db.execute(f"DROP VIEW IF EXISTS {view}")
    db.execute(
        """CREATE VIEW latest_articles AS
        SELECT p.id AS page_id, p.url, p.source, p.state, v.id AS version_id, v.version, v.kind,
               v.title, v.published, v.published_precision, v.source_name, v.author, v.editor, v.court,
               v.created_at AS version_at, p.first_seen, p.last_seen, v.body
        FROM pages p JOIN versions v ON v.page_id = p.id
        WHERE v.version = (SELECT MAX(version) FROM versions WHERE page_id = p.id
                           AND kind IN ('first', 'changed', 'restored'))"""
    )
    db.execute(
        """CREATE VIEW changes AS
        SELECT v.id AS version_id, p.url, p.source, v.version, v.kind, v.created_at, v.title, v.court,
               v.changed_fields, prev.title AS previous_title, prev.id AS previous_version_id
        FROM versions v JOIN pages p ON p.id = v.page_id
        LEFT JOIN versions prev ON prev.id = v.previous_id
        WHERE v.kind IN ('changed', 'restored')"""
    )
    db.execute(
        """CREATE VIEW removals AS
        SELECT v.id AS version_id, p.url, p.source, v.version, v.kind, v.created_at AS removed_at, c.status,
               c.reason, c.location AS moved_to, c.final_url, last.title AS last_title, last.court
        FROM versions v JOIN pages p ON p.id = v.page_id JOIN captures c ON c.id = v.capture_id
        LEFT JOIN versions last ON last.id = v.previous_id
        WHERE v.kind IN ('removed', 'moved')"""
    )


def rehash_versions(db: sqlite_utils.Database) -> None:
    """Recompute content hashes with the current normalisation, so the next fetch compares like with like."""
    from archive.content import content_hash

    for row in list(db.query("SELECT * FROM versions WHERE content_hash IS NOT NULL")):
        new = content_hash(row)
        if new != row["content_hash"]:
            db.execute("UPDATE versions SET content_hash = ? WHERE id = ?", [new, row["id"]])


def merge_pages(db: sqlite_utils.Database, survivor: int, others: list[int]) -> None:
    """Make several pages that are one article one page: captures move to the survivor, versions are put in
    time order and renumbered, and a version that repeats the text before it (made only because the
    article was seen under two URLs) becomes an unchanged capture."""
    import json

    from archive.content import CONTENT_KINDS, changed_fields

    ids = [survivor, *others]
    marks = ",".join("?" for _ in ids)
    db.execute(f"UPDATE captures SET page_id = ? WHERE page_id IN ({marks})", [survivor, *ids])
    versions = list(
        db.query(f"SELECT * FROM versions WHERE page_id IN ({marks}) ORDER BY created_at, id", ids)
    )
    db.execute(f"UPDATE versions SET page_id = ?, version = -id WHERE page_id IN ({marks})", [survivor, *ids])
    number, previous_kind = 0, None
    previous_text: dict = {}
    for row in versions:
        gone = row["kind"] not in CONTENT_KINDS
        duplicate = (gone and previous_kind in (None, "removed", "moved")) or (
            not gone
            and previous_kind in CONTENT_KINDS
            and row["content_hash"] == previous_text["content_hash"]
        )
        if duplicate:
            db.execute("DELETE FROM reextractions WHERE version_id = ?", [row["id"]])
            db.execute(
                "INSERT INTO versions_short_fts (versions_short_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                [row["id"], _m002_spaced(row["title"]), _m002_spaced(row["body"])],
            )
            db.execute("DELETE FROM versions WHERE id = ?", [row["id"]])
            db.execute(
                "UPDATE captures SET outcome = ? WHERE id = ?",
                ["gone" if gone else "unchanged", row["capture_id"]],
            )
            continue
        number += 1
        if gone:
            kind, fields = row["kind"], []
        elif not previous_text:
            kind, fields = "first", changed_fields(None, row)
        else:
            kind = "restored" if previous_kind in ("removed", "moved") else "changed"
            fields = changed_fields(previous_text, row)
        db.execute(
            "UPDATE versions SET version = ?, kind = ?, changed_fields = ? WHERE id = ?",
            [number, kind, json.dumps(fields), row["id"]],
        )
        previous_kind = kind
        if not gone:
            previous_text = row
    latest = list(db.query(f"SELECT * FROM pages WHERE id IN ({marks}) ORDER BY last_seen DESC", ids))[0]
    db.execute(
        f"UPDATE pages SET first_seen = (SELECT MIN(first_seen) FROM pages WHERE id IN ({marks})), last_seen = ?, "
        "last_status = ?, last_error = ?, current_version = ?, state = ? WHERE id = ?",
        [
            *ids,
            latest["last_seen"],
            latest["last_status"],
            latest["last_error"],
            number or None,
            ("removed" if previous_kind == "removed" else "moved" if previous_kind == "moved" else "live")
            if number
            else latest["state"],
            survivor,
        ],
    )
    db.execute(f"DELETE FROM pages WHERE id IN ({','.join('?' for _ in others)})", others)


@migrations()
def m005_one_search_index_and_comments(db: sqlite_utils.Database) -> None:
    """Comments of a version beside its text; one bigram search index, declared so that Datasette and
    sqlite-utils find it, replacing the trigram and single-character indexes (about half the size)."""
    from archive.search import index_all

    db.table("versions").add_column("comments", str)  # JSON [{author, published, text}]
    for trigger in ("versions_fts_ai", "versions_fts_ad", "versions_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS versions_fts")
    db.execute("DROP TABLE IF EXISTS versions_short_fts")
    db.execute(
        'CREATE VIRTUAL TABLE versions_fts USING fts5(title, body, comments, content="versions", '
        'content_rowid="id", tokenize="unicode61")'
    )
    index_all(db)


@migrations()
def m006_fetch_ids(db: sqlite_utils.Database) -> None:
    """A fetch's own id on its captures, so a fetch delivered twice (a writer restarted after a crash in
    distributed mode) is recorded once."""
    db.table("captures").add_column("fetch_id", str)
    db.table("captures").create_index(["fetch_id"])


@migrations()
def m007_compact_evidence(db: sqlite_utils.Database) -> None:
    """zstd frames: with a source's trained dictionary, or as a difference from the page's previous bytes
    (``base``, ``depth`` deep). Existing zlib blobs stay readable; `courtnews compact` re-encodes them."""
    db.table("blobs").add_column("dict_id", int)
    db.table("blobs").add_column("base", str)
    db.table("blobs").add_column("depth", int, not_null_default=0)
    db.table("blobs").create_index(["base"])
    db.table("zstd_dicts").create(
        {"id": int, "source": str, "created_at": str, "samples": int, "data": bytes}, pk="id"
    )
    db.table("zstd_dicts").create_index(["source"])
    # the layout a page is built on: a new page is stored as its difference from the latest of the same layout
    db.table("blobs").add_column("template", str)
    db.table("blobs").create_index(["template"])
