"""Pages of every family and platform: what must survive, what must go, and the metadata read.

The fixture sites of the crawl tests and the platform pages in tests/pages/ are all used here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crawler.extract import extract_bytes

PAGES = Path(__file__).parent / "pages"
EXPECT = tomllib.loads((PAGES / "expectations.toml").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_platform_pages(name):
    spec = EXPECT[name]
    article = extract_bytes(
        (PAGES / name).read_bytes(), f"https://example.invalid/{name}", family=spec.get("family")
    )
    compact = article.body.replace(" ", "")
    for phrase in spec["must"]:
        assert phrase.replace(" ", "") in compact, f"{name}: lost {phrase!r}"
    for phrase in spec["must_not"]:
        assert phrase.replace(" ", "") not in compact, f"{name}: kept {phrase!r}"
    for key in ("published", "author", "source_name", "title", "editor"):
        if key in spec:
            assert getattr(article, key) == spec[key], f"{name}: {key}"


SITES = Path(__file__).parent / "sites"


@pytest.mark.parametrize(
    ("path", "family", "must", "must_not"),
    [
        (
            "court-gov-cn/zixun/xiangqing/1003.html",
            "courtgov",
            ["当事人可登录人民法院在线服务平台，使用账号密码"],
            ["相关链接", "往期典型案例"],
        ),
        (
            "court-gov-cn/zixun/xiangqing/1004.html",
            "courtgov",
            ["开设百家乐等赌博游戏", "出售微信账号密码"],
            ["分享到", "版权所有"],
        ),
        (
            "chinacourt-org/article/detail/2024/03/id/7003.shtml",
            "chinacourt",
            ["以迅雷不及掩耳之势强力执结11案"],
            ["打印本页", "责任编辑"],
        ),
        (
            "gov-county/xwzx/t20230710_102.html",
            "govcms",
            ["发放宣传资料二百余份"],
            ["威尼斯人", "百家乐投注", "时时彩"],
        ),
    ],
)
def test_fixture_site_articles(path, family, must, must_not):
    article = extract_bytes((SITES / path).read_bytes(), f"http://127.0.0.1/{path}", family=family)
    for phrase in must:
        assert phrase in article.body
    for phrase in must_not:
        assert phrase not in article.body


def test_trailing_editor_split_over_two_lines_is_metadata():
    from crawler.extract import extract_html

    paragraphs = "".join(
        f"<p>第{n}段：法院依法审理了这起合同纠纷案件，判决被告支付货款。</p>" for n in range(5)
    )
    html = f"<html><body><div class='main'>{paragraphs}<p>【纠错】</p><p>责任编辑：</p><p>尹世杰</p></div></body></html>"
    article = extract_html(html, "https://news.example.invalid/a.html")
    assert article.body.splitlines()[-1].startswith("第4段")
    assert article.editor == "尹世杰"
