"""The archive's versioning rules, on a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from archive import ArticleFields, Capture, finish_run, known_urls, open_archive, record, start_run, store
from archive.schema import migrations
from archive.store import get_blob
from archive.upkeep.reextraction import apply_reextraction

URL = "https://www.court.gov.cn/zixun/xiangqing/1.html"


def article(body="第一段。\n第二段。", title="标题", **kw) -> ArticleFields:
    return ArticleFields(
        title=title, body=body, published="2024-01-02T03:04:05+08:00", source_name="最高人民法院", **kw
    )


def capture(status=200, raw=b"<html>page</html>", **kw) -> Capture:
    return Capture(url=URL, source="s", status=status, raw=raw, **kw)


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "a.db")
    yield database
    database.close()


@pytest.fixture
def run(db):
    return start_run(db, "s")


def kinds(db):
    return [r["kind"] for r in db.query("SELECT kind FROM versions ORDER BY version")]


def test_open_sets_wal_and_migrates_once(tmp_path):
    first = open_archive(tmp_path / "a.db")
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first.close()
    again = open_archive(tmp_path / "a.db")
    names = [r["name"] for r in again.query("SELECT name FROM _sqlite_migrations")]
    assert names == [m.name for m in migrations._migrations]  # each step applied once, in order


def test_versions_only_when_normalised_fields_change(db, run):
    assert record(db, run, capture(), "article", article()).outcome == "first"
    # whitespace, full-width spaces and blank lines are layout, not content
    same = article(body="  第一段。 \n\n\u3000第二段。")
    assert record(db, run, capture(raw=b"<html>other bytes</html>"), "article", same).outcome == "unchanged"
    changed = record(db, run, capture(), "article", article(body="第一段。\n第二段改了。", title="新标题"))
    assert (changed.outcome, changed.version, changed.changed_fields) == ("changed", 2, ["title", "body"])
    assert kinds(db) == ["first", "changed"]
    assert db["captures"].count == 3
    counters = db["runs"].get(run)
    assert (counters["captures"], counters["new_versions"], counters["changed"], counters["unchanged"]) == (
        3,
        2,
        1,
        1,
    )


def test_editor_change_alone_is_not_a_new_version(db, run):
    record(db, run, capture(), "article", article(editor="甲"))
    assert record(db, run, capture(), "article", article(editor="乙")).outcome == "unchanged"


def test_removed_once_then_restored(db, run):
    record(db, run, capture(), "article", article())
    assert record(db, run, capture(status=404, raw=b"nf"), "gone").outcome == "removed"
    assert (
        record(db, run, capture(status=404, raw=b"nf"), "gone").outcome == "gone"
    )  # still gone: no new version
    restored = record(db, run, capture(), "article", article())
    assert (restored.outcome, restored.version) == ("restored", 3)
    assert kinds(db) == ["first", "removed", "restored"]
    removed = next(iter(db.query("SELECT * FROM versions WHERE kind = 'removed'")))
    assert removed["body"] is None and removed["created_at"]
    assert db["pages"].get(1)["state"] == "live"


def test_failures_and_challenges_never_make_versions(db, run):
    assert (
        record(
            db, run, capture(status=None, raw=None, reason="TimeoutError: took too long"), "failed"
        ).outcome
        == "failed"
    )
    assert (
        record(db, run, capture(status=412, reason="challenge page: riversecurity"), "challenge").outcome
        == "challenge"
    )
    assert db["versions"].count == 0
    page = db["pages"].get(1)
    assert page["state"] == "failed" and "riversecurity" in page["last_error"]
    assert known_urls(db, "s") == []  # nothing archived, nothing to revisit
    record(db, run, capture(), "article", article())
    assert known_urls(db, "s") == [URL]


def test_a_gone_page_never_archived_gets_no_removal(db, run):
    assert record(db, run, capture(status=404), "gone").outcome == "gone"
    assert db["versions"].count == 0


def test_raw_bytes_are_stored_once_compressed(db, run):
    raw = "<html>法院新闻</html>".encode() * 100
    record(db, run, capture(raw=raw), "article", article())
    record(db, run, capture(raw=raw), "article", article())
    assert db["blobs"].count == 1
    digest = next(iter(db.query("SELECT digest FROM captures")))["digest"]
    assert get_blob(db, digest) == raw
    assert len(next(iter(db.query("SELECT data FROM blobs")))["data"]) < len(raw)


def test_a_failure_inside_record_leaves_nothing_half_written(db, run, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert_version", boom)
    with pytest.raises(RuntimeError):
        record(db, run, capture(), "article", article())
    assert db["pages"].count == 0 and db["captures"].count == 0 and db["blobs"].count == 0
    assert db["runs"].get(run)["captures"] == 0


def test_reextraction_updates_fields_without_a_new_version(db, run, tmp_path):
    record(db, run, capture(), "article", article(body="正文。\n迅雷会员25天/4.5元"))
    version = next(iter(db.query("SELECT id, content_hash FROM versions")))
    fields = apply_reextraction(db, version["id"], article(body="正文。", rules_hash="new"))
    assert fields == ["body"]
    assert db["versions"].count == 1
    row = db["versions"].get(version["id"])
    assert row["body"] == "正文。" and row["rules_hash"] == "new"
    # the stored hash is the one a first capture of the re-extracted text gets in another archive
    fresh = open_archive(tmp_path / "fresh.db")
    record(fresh, start_run(fresh, "s"), capture(), "article", article(body="正文。"))
    fresh_hash = next(iter(fresh.query("SELECT content_hash FROM versions")))["content_hash"]
    assert row["content_hash"] == fresh_hash != version["content_hash"]
    log = next(iter(db.query("SELECT * FROM reextractions")))
    assert log["old_hash"] == version["content_hash"] and json.loads(log["changed_fields"]) == ["body"]
    # the next crawl of the same page compares with the re-extracted fields: no spurious version
    assert record(db, run, capture(), "article", article(body="正文。")).outcome == "unchanged"


def test_runs_of_killed_processes_are_marked_interrupted(tmp_path):
    db = open_archive(tmp_path / "a.db")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    ghost = start_run(db, "s", pid=int(dead.stdout))
    assert db["runs"].get(ghost)["status"] == "running"
    mine = start_run(db, "s")  # the next start notices the dead process
    ghost_row = db["runs"].get(ghost)
    assert ghost_row["status"] == "interrupted" and "process ended" in ghost_row["reason"]
    assert db["runs"].get(mine)["status"] == "running"
    assert finish_run(db, mine)["status"] == "finished"


def test_a_fetch_delivered_twice_is_recorded_once(db, run):
    from archive.store import Recorded, record_fetch

    entries = [Recorded(capture(), "article", article())]
    first = record_fetch(db, run, entries, fetch_id="f-1")
    again = record_fetch(db, run, entries, fetch_id="f-1")
    assert first[0].outcome == "first" and again[0].outcome == "duplicate"
    assert again[0].capture_id == first[0].capture_id
    assert db["captures"].count == 1 and db["runs"].get(run)["captures"] == 1
    assert record_fetch(db, run, entries, fetch_id="f-2")[0].outcome == "unchanged"
