"""Threads keep their replies, outside the body: the opening post is the body, every reply a comment with its
author, time and text; comments under an article are kept the same way, and the article stays whole."""

from __future__ import annotations

import pytest

from crawler.extract import Comment, extract_html
from crawler.extract.quality.evaluate import thread_f1
from tests.extract_fixtures.threads import THREAD_PAGES

URL = "https://bbs.example.invalid/thread-1-1-1.html"


def _iso(time: str) -> str:
    return time.replace(" ", "T") + ":00+08:00"


@pytest.mark.parametrize("family", sorted(THREAD_PAGES))
def test_the_opening_post_is_the_body_and_replies_are_comments(family):
    page = THREAD_PAGES[family]()
    article = extract_html(page.html, URL)
    assert article.body.splitlines() == page.opening.text
    assert article.comments == [Comment(r.author, _iso(r.time), "\n".join(r.text)) for r in page.replies]
    for reply in page.replies:
        assert reply.text[0] not in article.body  # never mixed into the body
    assert thread_f1(article, page.truth) == 1.0


def test_comments_serialise_with_the_article():
    article = extract_html(THREAD_PAGES["discuz"]().html, URL)
    data = article.as_dict()
    assert data["comments"][0] == {
        "author": "老陈说法",
        "published": "2024-06-01T11:03:00+08:00",
        "text": article.comments[0].text,
    }


def test_an_article_without_dated_posts_has_no_comments():
    paragraphs = "".join(
        f"<p>第{n}段：法院依法审理了这起合同纠纷案件，判决被告支付货款。</p>" for n in range(5)
    )
    article = extract_html(f"<html><body><div class='c'>{paragraphs}</div></body></html>", URL)
    assert article.comments == []


def test_a_credential_dump_in_a_reply_is_not_kept_as_comment_text():
    page = THREAD_PAGES["discuz"]()
    spammed = page.html.replace(
        "装修噪音属于相邻关系纠纷",
        "迅雷会员25天/4.5元,独享1天0.7元,请点本站上边链接购买<br>zhangwei----Kx93mq<br>liuyang----Tr0s2p<br>装修噪音属于相邻关系纠纷",
    )
    article = extract_html(spammed, URL)
    assert all("Kx93mq" not in c.text for c in article.comments)
    assert article.comments[0].text.startswith("装修噪音属于相邻关系纠纷")
