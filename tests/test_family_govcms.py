"""Government CMS sites of county courts (TRS, Hanweb, UCAP), driven by selectors: the fixture site gov-county
(GBK, undeclared) crawled over HTTP into the archive. (tests/test_crawl_trouble.py crawls the govcms site 'trouble'.)"""

from __future__ import annotations

import sqlite_utils

from tests.conftest import versions_by_name


def test_undeclared_gbk_and_mislabelled_utf8_decode_correctly(site_factory, crawl, tmp_path):
    crawl(site_factory("gov-county"))
    rows = versions_by_name(tmp_path / "archive.db")
    assert sorted(rows) == ["t20230704_101.html", "t20230710_102.html", "t20230712_103.html"]
    gbk = rows["t20230704_101.html"]
    assert gbk["title"] == "县法院召开执行工作推进会"
    assert "切实解决执行难" in gbk["body"]
    assert gbk["published"] == "2023-07-04T17:22:47+08:00"
    assert gbk["author"] == "赵敏"
    assert "扫一扫" not in gbk["body"] and "网站标识码" not in gbk["body"] and "字体" not in gbk["body"]
    assert "威尼斯人" not in rows["t20230710_102.html"]["body"]  # off-screen link block
    wrong = rows["t20230712_103.html"]
    assert "赡养费五百元" in wrong["body"]  # declared gb2312, really UTF-8
    db = sqlite_utils.Database(tmp_path / "archive.db")
    encodings = {
        r["url"].rsplit("/", 1)[1]: r["encoding"] for r in db.query("SELECT url, encoding FROM captures")
    }
    assert encodings["t20230704_101.html"] == "gb18030" and encodings["t20230712_103.html"] == "utf-8"


def test_a_view_counter_inside_the_body_never_makes_a_version(site_factory, crawl, tmp_path):
    site = site_factory("gov-county")
    crawl(site)
    page = site.path("xwzx/t20230704_101.html")
    raw = page.read_bytes()
    assert "本文已被浏览 57 次".encode("gbk") in raw
    page.write_bytes(raw.replace(b" 57 ", b" 58 "))
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    versions = list(
        db.query(
            "SELECT body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE '%t20230704_101.html')"
        )
    )
    assert len(versions) == 1 and "浏览" not in versions[0]["body"]
    assert "推进会" in versions[0]["body"]
