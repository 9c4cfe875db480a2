"""archive/edits.py on a real archive: versions recorded by the store get their kinds and edits, stored once
however often classified; the backfill classifies every changed and restored version with progress and goes
on where it stopped; sqlite-utils queries and a Datasette facet can find "every version where a name was
masked"."""

from __future__ import annotations

import json

import pytest

from archive import ArticleFields, Capture, open_archive, record, start_run
from archive.edits import (
    backfill_edits,
    classify_version,
    create_edit_tables,
    edits_of,
    pending_count,
    store_edits,
    versions_with_kind,
)
from crawler.edits import classify_edits

URL = "https://court.example.cn/a/1.html"
BODY = "被告人张三犯盗窃罪。\n法院判处其有期徒刑三年，罚金2万元。\n宣判后，被告人未上诉。"


def classify(old: dict, new: dict) -> dict:
    return classify_edits(old, new).as_dict()


def capture(url: str = URL) -> Capture:
    return Capture(url=url, source="s", status=200, raw=b"<html>page</html>")


def article(body: str = BODY, title: str = "盗窃案宣判") -> ArticleFields:
    return ArticleFields(title=title, body=body)


@pytest.fixture
def db(tmp_path):
    from archive.edits import use_classifier

    use_classifier(None)  # whatever an earlier test in this process set (the CLI sets the crawler's)
    database = open_archive(tmp_path / "a.db")
    yield database
    database.close()


def version_id(db, url: str, number: int) -> int:
    return db.execute(
        "SELECT v.id FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url = ? AND v.version = ?",
        [url, number],
    ).fetchone()[0]


def write_history(db) -> None:
    """first, a masked name, a removal, a restoration with a number changed; a second page edited once."""
    run = start_run(db, "s")
    record(db, run, capture(), "article", article())
    record(db, run, capture(), "article", article(BODY.replace("张三", "张某")))
    record(db, run, Capture(url=URL, source="s", status=404, raw=b"nf"), "gone")
    record(db, run, capture(), "article", article(BODY.replace("张三", "张某").replace("三年", "五年")))
    other = "https://court.example.cn/a/2.html"
    record(db, run, capture(other), "article", article("第一段。\n第二段。"))
    record(db, run, capture(other), "article", article("第一段。"))


def test_stored_kinds_and_edits_of_a_recorded_version(db):
    create_edit_tables(db)
    write_history(db)
    masked = version_id(db, URL, 2)
    report = classify_version(db, masked, classify)
    assert report is not None and report["kinds"] == ["name_masked"]
    row = db["versions"].get(masked)
    assert (json.loads(row["kinds"]), row["significant"]) == (["name_masked"], 1)
    assert edits_of(db, masked) == [
        {"kind": "name_masked", "field": "body", "paragraph": 1, "sentence": 1, "old": "张三", "new": "张某"}
    ]
    store_edits(db, masked, report)  # classified again: replaced, never doubled
    assert db.execute("SELECT COUNT(*) FROM version_edits WHERE version_id = ?", [masked]).fetchone()[0] == 1
    assert classify_version(db, version_id(db, URL, 1), classify) is None  # a first version follows no text
    assert classify_version(db, version_id(db, URL, 3), classify) is None  # a removal has no text


def test_backfill_classifies_every_changed_and_restored_version_with_progress(db):
    write_history(db)  # an archive written before the edits tables existed
    seen: list[tuple[int, int]] = []
    done = backfill_edits(db, classify, progress=lambda d, t: seen.append((d, t)), batch=2)
    assert done == 3 and seen == [(2, 3), (3, 3)]
    restored = db["versions"].get(version_id(db, URL, 4))
    # the restoration is compared with the last text before the removal: only the term changed
    assert json.loads(restored["kinds"]) == ["number_changed"]
    assert (restored["chars_deleted"], restored["chars_inserted"]) == (1, 1)
    cut = db["versions"].get(version_id(db, "https://court.example.cn/a/2.html", 2))
    assert json.loads(cut["kinds"]) == ["paragraph_removed"]
    assert db["versions"].get(version_id(db, URL, 1))["kinds"] is None
    assert pending_count(db) == 0 and backfill_edits(db, classify) == 0  # nothing left: a rerun does nothing


def test_backfill_goes_on_where_it_stopped(db):
    write_history(db)
    calls = []

    def failing(old: dict, new: dict) -> dict:
        calls.append(new)
        if len(calls) == 2:
            raise RuntimeError("stopped")
        return classify(old, new)

    with pytest.raises(RuntimeError):
        backfill_edits(db, failing, batch=1)
    db.conn.commit()
    assert pending_count(db) == 2
    assert backfill_edits(db, classify) == 2 and pending_count(db) == 0


def test_queries_find_versions_by_kind(db):
    create_edit_tables(db)
    write_history(db)
    backfill_edits(db, classify)
    found = versions_with_kind(db, "name_masked", since="2000-01-01")
    assert [(r["url"], r["version"]) for r in found] == [(URL, 2)]
    assert versions_with_kind(db, "name_masked", since="2999-01-01") == []
    # what a Datasette array facet or a sqlite-utils query reads: kinds as a JSON list
    facet = db.execute(
        "SELECT j.value, COUNT(*) FROM versions, json_each(versions.kinds) j GROUP BY j.value ORDER BY j.value"
    ).fetchall()
    assert facet == [("name_masked", 1), ("number_changed", 1), ("paragraph_removed", 1)]


def test_create_edit_tables_twice_keeps_what_is_stored(db):
    create_edit_tables(db)
    write_history(db)
    backfill_edits(db, classify)
    before = db.execute("SELECT COUNT(*) FROM version_edits").fetchone()[0]
    create_edit_tables(db)
    assert db.execute("SELECT COUNT(*) FROM version_edits").fetchone()[0] == before > 0


def test_backfill_in_one_transaction_per_batch(tmp_path):
    from archive.db import write_transaction

    database = open_archive(tmp_path / "b.db")
    write_history(database)
    assert database.conn.in_transaction is False
    done = backfill_edits(database, classify, batch=1, transaction=lambda: write_transaction(database))
    assert done == 3 and database.conn.in_transaction is False
    reopened = open_archive(tmp_path / "b.db")  # committed batch by batch: another connection sees them all
    assert reopened.execute("SELECT COUNT(*) FROM versions WHERE kinds IS NOT NULL").fetchone()[0] == 3
    database.close()
    reopened.close()


def test_the_store_hook_classifies_a_written_version_only_when_set(db):
    from archive.edits import classify_written, use_classifier

    write_history(db)
    masked = version_id(db, URL, 2)
    db.execute("DROP TABLE version_edits")  # an archive from before the edits tables
    use_classifier(classify)
    try:
        assert classify_written(db, masked) is None  # no edits tables yet: the version stays unclassified
        create_edit_tables(db)
        assert classify_written(db, masked)["kinds"] == ["name_masked"]
        use_classifier(None)
        assert classify_written(db, version_id(db, URL, 4)) is None
    finally:
        use_classifier(None)
    assert pending_count(db) == 2


def test_the_crawler_hands_the_archive_its_classifier(db):
    from archive.edits import classify_written, use_classifier
    from crawler.pipeline.forensics import use_in_archive

    create_edit_tables(db)
    write_history(db)
    use_in_archive()
    try:
        assert classify_written(db, version_id(db, URL, 4))["kinds"] == ["number_changed"]
    finally:
        use_classifier(None)
