"""An archive written by the released schema (m001-m003) opens under this one: the URL spellings it stored as
separate pages are merged into one page per article, versions that only repeated each other are folded,
hashes follow the whitespace-blind normalisation, the search index is rebuilt, and the archive verifies."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib

import sqlite_utils

from archive import open_archive
from archive.schema import migrations
from archive.schema.era2_pages import _m002_spaced
from archive.search import search
from archive.upkeep.verify import verify

BASE = "http://www.court.gov.cn/zixun/xiangqing/7.html"
SPELLINGS = [BASE, BASE + "#comment", "https://www.court.gov.cn/zixun/xiangqing/7.html?utm_source=wechat"]


def archive_before(path, step: str, run_status: str) -> tuple[sqlite3.Connection, sqlite_utils.Database]:
    """An archive with the schema steps before step applied, and one run."""
    conn = sqlite3.connect(path)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    migrations.apply(db, stop_before=step)
    db.execute(
        "INSERT INTO runs (source, kind, started_at, status) VALUES ('s', 'crawl', '2024-01-01T00:00:00Z', ?)",
        [run_status],
    )
    return conn, db


def released_archive(path) -> None:
    """Rows as the released code wrote them: one page per URL spelling, each with its own 'first' version."""
    conn, db = archive_before(path, "m004_page_identity_and_redirects", "finished")
    bodies = ["法院依法审理。", "法院依法审理。 ", "法院依法公开审理。"]  # the second differs by a space only
    for n, (url, body) in enumerate(zip(SPELLINGS, bodies, strict=True)):
        when = f"2024-01-0{n + 1}T00:00:00Z"
        page = db.execute(
            "INSERT INTO pages (url, source, first_seen, last_seen, state, current_version) VALUES (?, 's', ?, ?, 'live', 1)",
            [url, when, when],
        ).lastrowid
        raw = f"<html><body><p>{body}</p></body></html>".encode()
        digest = "sha256:" + hashlib.sha256(raw).hexdigest()
        db.execute(
            "INSERT OR IGNORE INTO blobs (digest, size, compression, data) VALUES (?, ?, 'zlib', ?)",
            [digest, len(raw), zlib.compress(raw)],
        )
        capture = db.execute(
            "INSERT INTO captures (page_id, run_id, url, fetched_at, status, digest, outcome) VALUES (?, 1, ?, ?, 200, ?, 'version')",
            [page, url, when, digest],
        ).lastrowid
        version = db.execute(
            "INSERT INTO versions (page_id, version, kind, capture_id, created_at, content_hash, title, body, changed_fields) "
            "VALUES (?, 1, 'first', ?, ?, ?, '标题', ?, '[\"title\", \"body\"]')",
            [page, capture, when, f"old-hash-{n}", body],
        ).lastrowid
        db.execute(
            "INSERT INTO versions_short_fts (rowid, title, body) VALUES (?, ?, ?)",
            [version, _m002_spaced("标题"), _m002_spaced(body)],
        )
    conn.commit()
    conn.close()


def test_a_released_archive_is_merged_rehashed_reindexed_and_sound(tmp_path):
    path = tmp_path / "archive.db"
    released_archive(path)
    db = open_archive(path)
    pages = list(db.query("SELECT * FROM pages"))
    assert (
        len(pages) == 1
        and pages[0]["url"] == BASE
        and pages[0]["url_key"] == "//www.court.gov.cn/zixun/xiangqing/7.html"
    )
    versions = list(
        db.query("SELECT version, kind, body, changed_fields, previous_id FROM versions ORDER BY version")
    )
    # three 'first' versions of one article: the space-only one is folded, the real edit stays a change
    assert [(v["version"], v["kind"]) for v in versions] == [(1, "first"), (2, "changed")]
    assert json.loads(versions[1]["changed_fields"]) == ["body"] and versions[1]["previous_id"] is not None
    assert pages[0]["current_version"] == 2
    outcomes = [r["outcome"] for r in db.query("SELECT outcome FROM captures ORDER BY id")]
    assert outcomes == ["version", "unchanged", "version"]  # every capture kept, now on the one page
    assert [r["version"] for r in search(db, "公开审理")] == [2] and [
        r["version"] for r in search(db, "法")
    ] == [2, 1]
    assert not any(verify(db).values()), verify(db)


def test_m011_keeps_final_url_only_where_it_differs_and_drops_the_indexes_nothing_reads(tmp_path):
    path = tmp_path / "archive.db"
    conn, db = archive_before(path, "m011_lighter_captures", "ok")
    home = "http://www.court.gov.cn/"
    for n, (final, kind) in enumerate(((BASE, "first"), (home, "removed")), start=1):
        db.execute(
            "INSERT INTO pages (url, url_key, source, first_seen, last_seen, state) VALUES (?, ?, 's', 'x', 'x', 'live')",
            [f"{BASE}?n={n}", f"k{n}"],
        )
        db.execute(
            "INSERT INTO captures (page_id, run_id, url, fetched_at, status, final_url, outcome) "
            "VALUES (?, 1, ?, '2024-01-01T00:00:00Z', 200, ?, 'version')",
            [n, f"{BASE}?n={n}" if kind == "removed" else BASE, final],
        )
        db.execute(
            "INSERT INTO versions (page_id, version, kind, capture_id, created_at, title, body) VALUES (?, 1, ?, ?, 'x', 't', ?)",
            [n, kind, n, None if kind == "removed" else "法院依法审理。"],
        )
    conn.commit()
    conn.close()
    db = open_archive(path)
    assert [r[0] for r in db.execute("SELECT final_url FROM captures ORDER BY id")] == [None, home]
    assert [r[0] for r in db.execute("SELECT final_url FROM timeline ORDER BY version_id")] == [None, home]
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not indexes & {"captures_fetched", "idx_blobs_base", "idx_blobs_template", "idx_captures_fetch_id"}
    assert {"blobs_template", "captures_fetch_id", "captures_redirected_from"} <= indexes


def test_m015_counts_every_archived_pages_last_sighting_as_its_last_good_check(tmp_path):
    path = tmp_path / "archive.db"
    conn, db = archive_before(path, "m015_daemon_state_and_check_failures", "finished")
    db.execute(
        "INSERT INTO pages (url, source, first_seen, last_seen, state) VALUES (?, 's', ?, ?, 'live')",
        [BASE, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"],
    )
    conn.commit()
    conn.close()
    upgraded = open_archive(path)
    (page,) = upgraded.query("SELECT last_checked, check_failures, last_failed_check FROM pages")
    assert page == {"last_checked": "2024-02-01T00:00:00Z", "check_failures": 0, "last_failed_check": None}
    assert list(upgraded.query("SELECT * FROM daemon_state")) == []
