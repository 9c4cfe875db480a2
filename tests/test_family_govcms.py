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


def outcomes(db: sqlite_utils.Database, name: str) -> list[str]:
    """The outcomes of a page's captures, oldest first."""
    query = "SELECT outcome FROM captures WHERE page_id = (SELECT id FROM pages WHERE url LIKE ?) ORDER BY id"
    return [row["outcome"] for row in db.query(query, [f"%{name}"])]


def test_a_view_counter_inside_the_body_never_makes_a_version(site_factory, crawl, tmp_path):
    site = site_factory("gov-county")
    crawl(site)
    page = site.path("xwzx/t20230704_101.html")
    raw = page.read_bytes()
    assert "本文已被浏览 57 次".encode("gbk") in raw
    page.write_bytes(raw.replace(b" 57 ", b" 58 "))
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert outcomes(db, "t20230704_101.html") == ["version", "unchanged"]
    versions = list(
        db.query(
            "SELECT body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE '%t20230704_101.html')"
        )
    )
    assert len(versions) == 1 and "浏览" not in versions[0]["body"]
    assert "推进会" in versions[0]["body"]


def test_a_counter_run_together_with_body_text_never_makes_a_version(site_factory, crawl, tmp_path):
    """A counter sharing its line with text, at either edge (after the last sentence, in brackets after a
    heading, before a paragraph), is cut from the line: the text stays, and a count that moved is no edit."""
    site = site_factory("gov-county")
    page = site.path("xwzx/t20230704_101.html")
    text = page.read_bytes().decode("gbk")
    glued = (
        text.replace('<p class="views">本文已被浏览 57 次</p>', "")
        .replace("稳步提升。</p>", "稳步提升。点击数：{n}</p>")
        .replace('<div class="TRS_Editor">', '<div class="TRS_Editor"><p>执行工作推进会（浏览{n}次）</p>')
        .replace("会议指出，", "阅读{n}次 会议指出，")
    )
    assert glued.count("{n}") == 3
    page.write_bytes(glued.format(n=57).encode("gbk"))
    crawl(site)
    page.write_bytes(glued.format(n=1058).encode("gbk"))
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert outcomes(db, "t20230704_101.html") == ["version", "unchanged"]
    [version] = db.query(
        "SELECT body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE '%t20230704_101.html')"
    )
    lines = version["body"].splitlines()
    assert "执行工作推进会" in lines and "确保各项指标稳步提升。" in lines[-1]
    assert any(line.startswith("会议指出，") for line in lines)
    assert "浏览" not in version["body"] and "点击" not in version["body"] and "阅读" not in version["body"]
