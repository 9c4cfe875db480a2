"""The user's example page, in every layout content farms use: exactly the 26 body paragraphs survive."""

from __future__ import annotations

import pytest

from crawler.extract import extract_bytes, extract_html
from tests.seed_layouts import LAYOUTS, TITLE, seed_parts


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_seed_keeps_exactly_the_body(layout):
    summary, body, disclaimer, spam = seed_parts()
    html = LAYOUTS[layout]()
    raw = html.encode("gbk") if 'charset="gbk"' in html else html.encode("utf-8")
    article = extract_bytes(raw, "https://example-farm.invalid/news/1.html")
    lines = article.body.splitlines()
    assert lines == [line.strip() for line in body], f"{layout}: body differs"
    assert "以迅雷不及掩耳之势" in article.body  # body that only looks like the spam brand
    for junk in [disclaimer, summary, *spam]:
        assert junk.strip() not in article.body
    assert article.title == TITLE
    removed = " ".join(block.text for block in article.removed_blocks)
    assert disclaimer[:20] in removed  # what went from the article container is kept for audit
    if layout in ("sibling-paragraphs", "hidden-popups"):  # spam inside the container or the page's DOM
        assert "迅雷会员" in removed


def test_seed_metadata_from_next_data():
    article = extract_html(LAYOUTS["next-data"](), "https://www.thepaper.cn/newsDetail_forward_5001")
    assert article.source_name == "镇原县人民法院" and article.author == "镇原县人民法院"
    assert (article.published, article.published_precision) == ("2023-07-04T17:22:00+08:00", "minute")
    assert article.method == "next-data"


def test_seed_summary_is_metadata_not_body():
    article = extract_html(LAYOUTS["sibling-paragraphs"](), "https://example-farm.invalid/a.html")
    assert article.summary and article.summary.startswith("在庆祝中国成立102周年之际")
    assert article.published == "2023-07-04T17:22:47+08:00"
