"""search_chars, the total of every one-character search, held against the index itself on a real archive:
after new versions, edits, removals, comments and re-extraction, each character's total is exactly what the
index finds for it; the migration fills it for an older archive; verify names a total that drifted."""

from __future__ import annotations

import random
import sqlite3

from archive import ArticleFields, Capture
from archive.schema import migrations
from archive.search import count, fts_query, one_character, search_text
from archive.store import Recorded, record, record_fetch
from archive.upkeep.reextraction import apply_reextraction
from archive.upkeep.verify import verify
from tests import test_archive
from tests.test_migrations import archive_before

db, run = test_archive.db, test_archive.run  # the archive and run fixtures

COMMON = "法院审理判决执行调解案件当事人依法公开"
# read as letters by SQLite's tokenizer only in later Unicode versions (their totals are the index's own count),
# or compatibility forms (searched as their unified ideograph, NFKC): they must not disturb their neighbours' totals
LATE = "\u9fd0\u4db6\uf900"
ALPHABET = COMMON + LATE + "ab12，。 \n"


def index_total(database, character: str) -> int:
    return database.execute(
        "SELECT COUNT(*) FROM versions_fts WHERE versions_fts MATCH ?", [fts_query(character)]
    ).fetchone()[0]


def holding(database, character: str) -> int:
    """Versions whose title, body or comments hold the character, read from the versions themselves."""
    return sum(
        character in "".join(filter(None, (row["title"], row["body"], row["comments"])))
        for row in database.query("SELECT title, body, comments FROM versions WHERE body IS NOT NULL")
    )


def text(pick: random.Random, length: int) -> str:
    return "".join(pick.choice(ALPHABET) for _ in range(length))


def test_each_characters_total_is_what_the_index_finds_after_every_kind_of_write(db, run):
    pick = random.Random(7)
    urls = [f"{test_archive.URL}?n={n}" for n in range(12)]
    for round_ in range(4):  # first versions, then edits, removals, restorations and unchanged captures
        fetches = []
        for url in urls:
            if round_ and pick.random() < 0.25:
                fetches.append(Recorded(Capture(url=url, source="s", status=404, raw=b"gone"), "gone"))
                continue
            comments = (
                [{"author": "网友", "published": None, "text": text(pick, 6)}] if pick.random() < 0.5 else []
            )
            body = text(pick, 30) if round_ == 0 or pick.random() < 0.5 else None
            article = ArticleFields(title=text(pick, 5), body=body or "法院" + url[-1], comments=comments)
            raw = f"<html>{url} {round_}</html>".encode()
            fetches.append(Recorded(Capture(url=url, source="s", status=200, raw=raw), "article", article))
        record_fetch(db, run, fetches, with_comments=True)
    first = next(iter(db.query("SELECT id FROM versions WHERE body IS NOT NULL ORDER BY id")))["id"]
    apply_reextraction(db, first, ArticleFields(title="重新提取", body="执行法院的新文本\u9fd0判"))

    assert db.execute("SELECT COUNT(*) FROM versions WHERE body IS NOT NULL").fetchone()[0] > 30
    for character in COMMON + "重新提取":
        assert one_character(character) == character
        assert count(db, character) == index_total(db, character) == holding(db, character) > 0, character
    for character in LATE:
        # a compatibility ideograph is searched as its unified one (NFKC), whose total search_chars keeps;
        # a late character is left to the index's own count
        assert one_character(character) == ("\u8c48" if character == "\uf900" else None)
        assert count(db, character) == index_total(db, character)
    assert count(db, "鼎") == 0  # a character no version holds
    assert not any(verify(db).values())


def test_a_query_of_one_character_and_punctuation_reads_the_total_others_the_index(db, run):
    record(
        db,
        run,
        Capture(url=test_archive.URL, source="s", status=200, raw=b"x"),
        "article",
        ArticleFields(title="判决", body="法院依法判决。"),
    )
    assert [one_character(q) for q in ("判", " 判。", "判*", "判决", "a", "判 a", "")] == [
        "判",
        "判",
        "判",
        None,
        None,
        None,
        None,
    ]
    db.execute("UPDATE search_chars SET versions = 5 WHERE char = '判'")  # the total is what count reads
    assert count(db, "判") == 5 and count(db, "判决") == 1


def test_verify_names_a_total_that_drifted(db, run):
    record(
        db,
        run,
        Capture(url=test_archive.URL, source="s", status=200, raw=b"x"),
        "article",
        ArticleFields(title="标题", body="法院依法审理。"),
    )
    assert not any(verify(db).values())
    db.execute("UPDATE search_chars SET versions = versions + 1 WHERE char = '法'")
    db.execute("DELETE FROM search_chars WHERE char = '审'")
    problems = verify(db)["search index in step with versions"]
    assert problems == [
        "search_chars counts '审' in 0 versions; 1 versions hold it",
        "search_chars counts '法' in 2 versions; 1 versions hold it",
    ]


def test_the_migration_counts_the_characters_of_an_older_archive(tmp_path):
    path = tmp_path / "older.db"
    conn, older = archive_before(path, "m012_search_character_counts", "finished")
    bodies = ["法院依法审理。", "法院公开宣判", "执行\u9fd0案件"]
    for n, body in enumerate(bodies, 1):
        older.execute(
            "INSERT INTO pages (url, source, first_seen, last_seen, state, current_version) VALUES (?, 's', 't', 't', 'live', 1)",
            [f"http://a/{n}"],
        )
        older.execute(
            "INSERT INTO captures (page_id, run_id, url, fetched_at, status, outcome) VALUES (?, 1, ?, 't', 200, 'version')",
            [n, f"http://a/{n}"],
        )
        older.execute(
            "INSERT INTO versions (id, page_id, version, kind, capture_id, created_at, content_hash, title, body) "
            "VALUES (?, ?, 1, 'first', ?, 't', ?, '标题', ?)",
            [n, n, n, f"h{n}", body],
        )
        older.execute(
            "INSERT INTO versions_fts (rowid, title, body, comments) VALUES (?, ?, ?, '')",
            [n, search_text("标题"), search_text(body)],
        )
    conn.commit()
    migrations.apply(older)
    totals = dict(sqlite3.connect(path).execute("SELECT char, versions FROM search_chars"))
    assert totals["标"] == 3 and totals["法"] == 2 and totals["执"] == 1 and "\u9fd0" not in totals
    assert all(count(older, c) == index_total(older, c) for c in "标题法院依审理公开宣判执行案件")
    conn.close()
