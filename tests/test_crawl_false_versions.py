"""False versions of issue 24, crawled for real: the GBK fixture site gov-county served on 127.0.0.1, crawled with
`scrapy crawl` into a real archive, then revisited. A counter that ticks between visits, in wordings of any
shape, and a block notice served in the site's full chrome, never make a version."""

from __future__ import annotations

import time

import sqlite_utils

from tests.conftest import versions_by_name

ARTICLE = "xwzx/t20230704_101.html"
COUNTER_PARAGRAPH = '<p class="views">本文已被浏览 57 次</p>'


def outcomes(db: sqlite_utils.Database, name: str) -> list[str]:
    """The outcomes of a page's captures, oldest first."""
    query = "SELECT outcome FROM captures WHERE page_id = (SELECT id FROM pages WHERE url LIKE ?) ORDER BY id"
    return [row["outcome"] for row in db.query(query, [f"%{name}"])]


def bodies(db: sqlite_utils.Database, name: str) -> list[str]:
    query = (
        "SELECT body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE ?) ORDER BY version"
    )
    return [row["body"] for row in db.query(query, [f"%{name}"])]


# counters closing the body (and a byline after them), in wordings none of which the old table of counter
# wordings held: {n} and {m} tick between the visits
COUNTERS = (
    "<p>【阅读次数：{n}】</p><p>共有{n}位读者阅读</p>"
    "<p>阅读 {n}\u3000点赞 {m}\u3000分享</p><p>浏览量：{n}</p><p>点击数：{n}次</p><p>（通讯员 李四）</p>"
)


def test_a_revisit_where_only_counters_of_any_wording_ticked_makes_no_version(site_factory, crawl, tmp_path):
    site = site_factory("gov-county")
    page = site.path(ARTICLE)
    text = page.read_bytes().decode("gbk")
    assert COUNTER_PARAGRAPH in text
    template = text.replace(COUNTER_PARAGRAPH, COUNTERS)
    page.write_bytes(template.format(n=57, m=3).encode("gbk"))
    crawl(site)
    time.sleep(1.1)  # captures of one URL in two crawls never share a second
    page.write_bytes(template.format(n="1,058", m=12).encode("gbk"))
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert outcomes(db, ARTICLE) == ["version", "unchanged"]
    [body] = bodies(db, ARTICLE)
    assert body.splitlines()[-1] == "会议要求，各执行团队要倒排工期，确保各项指标稳步提升。"
    assert versions_by_name(tmp_path / "archive.db")["t20230704_101.html"]["author"] == "李四"


def test_a_counter_amid_words_no_rule_knows_makes_no_version_once_the_two_captures_are_compared(
    site_factory, crawl, tmp_path
):
    """A counter line with words outside the counter shape stays in the body (the shape alone cannot tell
    it from text); between two captures its number ticking beside 访问 tells, if the comparison is asked."""
    site = site_factory("gov-county")
    page = site.path(ARTICLE)
    template = (
        page.read_bytes().decode("gbk").replace(COUNTER_PARAGRAPH, "<p>欢迎光临 本页访问 {n} 次 谢谢支持</p>")
    )
    page.write_bytes(template.format(n=57).encode("gbk"))
    crawl(site)
    time.sleep(1.1)
    page.write_bytes(template.format(n=58).encode("gbk"))
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert outcomes(db, ARTICLE) == ["version", "unchanged"]
