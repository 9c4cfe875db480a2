"""Structure rules of the general extractor: link text carries no weight, and only threads of dated posts
are cut to their first post."""

from __future__ import annotations

from lxml import html as lxml_html

from crawler.extract import extract_html
from crawler.extract.density import find_container, sentence_weights, strip_link_blocks
from crawler.extract.posts import first_post

SENTENCE = "法院依法审理了这起合同纠纷案件，判决被告支付货款及利息。"


def body_of(markup: str) -> lxml_html.HtmlElement:
    return lxml_html.document_fromstring(f"<html><body>{markup}</body></html>").body


def test_text_wrapped_inside_a_link_weighs_nothing():
    body = body_of(
        f'<div id="x"><a href="/t/1"><font><b>{SENTENCE}</b></font></a></div><p id="y">{SENTENCE}</p>'
    )
    weights = sentence_weights(body)
    assert weights[body.get_element_by_id("x")] == 0
    assert weights[body.get_element_by_id("y")] > 0


def _thread(posts: list[str], stamp: str = "发表于 2024-06-01 10:{:02d}") -> str:
    return "".join(
        f'<div class="post"><div class="head">用户{n} {stamp.format(n)}</div><div class="msg">{text}</div></div>'
        for n, text in enumerate(posts)
    )


def test_the_first_of_several_dated_posts_is_the_article():
    first = "楼主说：" + SENTENCE
    body = body_of(_thread([first, SENTENCE * 6, SENTENCE * 3]))
    weights = sentence_weights(body)
    post = first_post(body, find_container(body, weights), weights)
    assert post is not None and post.text_content() == first


def test_posts_with_a_date_but_no_time_are_sections_of_one_article():
    body = body_of(_thread(["第一部分：" + SENTENCE, SENTENCE * 6, SENTENCE * 3], stamp="2024年6月{}日"))
    weights = sentence_weights(body)
    assert first_post(body, find_container(body, weights), weights) is None


def test_paragraphs_that_mention_times_are_not_posts():
    paragraphs = "".join(f"<section>6月{n}日 9:30，{SENTENCE}</section>" for n in range(1, 7))
    article = extract_html(
        f"<html><body><div class='rich_media'>{paragraphs}</div></body></html>", "https://a.invalid/"
    )
    assert article.body.count("判决被告支付货款") == 6
    assert article.method != "first-post"


def test_an_article_before_dated_comments_is_not_cut_to_a_comment():
    paragraphs = "".join(f"<p>{SENTENCE}</p>" for _ in range(4))
    # the comments outweigh the article, so only the text before them shows this is no thread
    comments = _thread(["网友甲：" + SENTENCE * 4, "网友乙：" + SENTENCE * 4, "网友丙：" + SENTENCE * 4])
    article = extract_html(
        f"<html><body><div class='wrap'><div class='article'>{paragraphs}</div>{comments}</div></body></html>",
        "https://a.invalid/",
    )
    assert article.body.startswith(SENTENCE)
    assert article.method != "first-post"


def test_an_html_end_tag_left_by_an_included_header_does_not_end_the_page():
    header = "<div class='header'><a href='/'>首页</a></div></body></html>"
    paragraphs = "".join(f"<p>{SENTENCE}</p>" for _ in range(3))
    html = f"<html><body>{header}<div class='content'>{paragraphs}</div></body></html>"
    article = extract_html(html, "https://a.invalid/")
    assert article.body.count("判决被告支付货款") == 3


def test_a_link_heavy_column_that_holds_the_article_is_not_a_link_list():
    menus = "".join(f'<li><a href="/c/{n}">栏目{n}</a></li>' for n in range(60))
    column = f"<div class='layout'><ul>{menus}</ul><div class='art'><p>{SENTENCE * 2}</p></div></div>"
    body = body_of(f"{column}<p class='note'>本页信息仅供参考，如有疑问，请咨询当地法院。</p>")
    weights = sentence_weights(body)
    layout = body.find_class("layout")[0]
    assert strip_link_blocks(body, weights) and "判决被告支付货款" in body.text_content()
    assert layout.getparent() is body and layout.find("ul") is None  # the menu went, the column stayed
