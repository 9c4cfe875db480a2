"""Versions mean change, field by field: a change in the normalised title, body, published time, source or
author alone makes a new version naming that field; the editor or the court alone never does (README,
"What the archive promises"). Recorded in a real SQLite archive, and once through real crawls, where the
source line and the publication time of a live page are edited between two visits."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

from archive import ArticleFields, Capture, open_archive, record, start_run

URL = "https://www.court.gov.cn/zixun/xiangqing/7.html"
BASE = {
    "title": "法院审结一起民间借贷纠纷案",
    "body": "第一段。\n第二段。",
    "published": "2024-01-02T03:04:05+08:00",
    "source_name": "最高人民法院",
    "author": "王晓明",
    "editor": "李华",
    "court": "最高人民法院",
}
OTHER = {
    "title": "法院审结一起借款合同纠纷案",
    "body": "第一段。\n第二段改了。",
    "published": "2024-01-03T03:04:05+08:00",
    "source_name": "人民法院报",
    "author": "张明",
    "editor": "赵六",
    "court": "北京市高级人民法院",
}


def record_article(db, run: int, **fields: str):
    return record(
        db,
        run,
        Capture(url=URL, source="s", status=200, raw=json.dumps(fields).encode()),
        "article",
        ArticleFields(**fields),
    )


@pytest.mark.parametrize("field", ["title", "body", "published", "source_name", "author"])
def test_a_change_in_one_hashed_field_alone_makes_a_version_naming_it(tmp_path, field):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "s")
    assert record_article(db, run, **BASE).outcome == "first"
    changed = record_article(db, run, **{**BASE, field: OTHER[field]})
    assert (changed.outcome, changed.version, changed.changed_fields) == ("changed", 2, [field])
    stored = db["versions"].get(2)
    assert stored[field] == OTHER[field]
    # and back: the earlier value is a change again, not a return to version 1
    assert record_article(db, run, **BASE).outcome == "changed"
    assert db["versions"].count == 3


@pytest.mark.parametrize("field", ["editor", "court"])
def test_a_change_in_the_editor_or_the_court_alone_makes_no_version(tmp_path, field):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "s")
    record_article(db, run, **BASE)
    again = record_article(db, run, **{**BASE, field: OTHER[field]})
    assert again.outcome == "unchanged" and db["versions"].count == 1


def test_layout_in_a_hashed_field_makes_no_version(tmp_path):
    """Normalisation applies to every hashed field, not the body alone."""
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "s")
    record_article(db, run, **BASE)
    spaced = {
        **BASE,
        "title": " 法院审结一起 民间借贷纠纷案 ",
        "source_name": "最高人民法院\u3000",
        "author": "王晓明 ",
    }
    assert record_article(db, run, **spaced).outcome == "unchanged"


def test_an_edited_source_line_or_publication_time_is_a_new_version_of_the_live_page(
    site_factory, crawl, tmp_path
):
    site = site_factory("court-gov-cn")
    crawl(site)
    source_edit = site.path("zixun/xiangqing/1001.html")
    source_edit.write_text(
        source_edit.read_text("utf-8").replace("来源：最高人民法院", "来源：人民法院报"), "utf-8"
    )
    time_edit = site.path("zixun/xiangqing/1002.html")
    text = time_edit.read_text("utf-8")
    published = text.split("发布时间：", 1)[1].split("<", 1)[0]
    time_edit.write_text(text.replace(f"发布时间：{published}", "发布时间：2024-02-03 04:05:06"), "utf-8")
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    latest = {
        row["url"].rsplit("/", 1)[1]: row
        for row in db.query(
            "SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id WHERE v.version = 2"
        )
    }
    assert sorted(latest) == ["1001.html", "1002.html"]
    assert json.loads(latest["1001.html"]["changed_fields"]) == ["source_name"]
    assert latest["1001.html"]["source_name"] == "人民法院报" and latest["1001.html"]["kind"] == "changed"
    assert json.loads(latest["1002.html"]["changed_fields"]) == ["published"]
    assert latest["1002.html"]["published"] == "2024-02-03T04:05:06+08:00"
