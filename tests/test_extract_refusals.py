"""Pages that must never become versions, each refused with a one-line reason naming its pattern, beside the
look-alike that must still be extracted; and inputs that used to lose a fetch to an unexpected exception."""

from __future__ import annotations

import json

import pytest

from crawler.extract import (
    ExtractionError,
    NotAnArticle,
    PageTooLarge,
    Truncated,
    detect_challenge,
    extract_bytes,
    extract_html,
)
from tests.extract_fixtures.hostile import HOSTILE, PARAGRAPH, links_page

URL = "https://court.example.invalid/news/2024/0102/1.html"
SENTENCE = "法院依法审理了这起合同纠纷案件，判决被告支付货款及利息，并承担本案诉讼费用。"


def page(body: str, title: str = "某法院审结一起合同纠纷案", head: str = "") -> str:
    return f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"


ARTICLE = page(f"<h1>某法院审结一起合同纠纷案</h1><div class='content'>{PARAGRAPH * 5}</div>")


# ---------------------------------------------------------------- exceptions that lost fetches
@pytest.mark.parametrize(
    "char", ["\x0b", "\x0c", "\x08", "\x01", "\x1b", "&#0;", "&#x1b;", "&#11;", "\ufffe"]
)
def test_control_characters_are_replaced_before_parsing(char):
    body = f"<div class='content'>{PARAGRAPH * 4}<p>判决书第一页{char}第二页，本院依法作出判决，送达双方当事人。</p></div>"
    article = extract_html(page(body), URL)
    last = article.body.splitlines()[-1]
    assert last.startswith("第二页") or "判决书第一页" in last and "第二页" in last
    assert not any(c in article.body for c in "\x0b\x0c\x08\x01\x1b\ufffe")


def next_data(detail: object) -> str:
    data = {"props": {"pageProps": {"detailData": {"contentDetail": detail}}}}
    return (
        f"<script id='__NEXT_DATA__' type='application/json'>{json.dumps(data, ensure_ascii=False)}</script>"
    )


@pytest.mark.parametrize(
    "detail",
    [
        {"content": ["<p>列表</p>"], "name": "标题"},
        {"content": 12345, "name": "标题"},
        {"content": {"html": "<p>x</p>"}},
        [{"content": "<p>x</p>"}],
        7,
        {"content": f"<p>{SENTENCE}</p>", "name": ["标题"], "author": 5, "nodeInfo": ["x"], "pubTime": 3},
    ],
)
def test_next_data_of_the_wrong_types_is_ignored_not_fatal(detail):
    article = extract_html(ARTICLE.replace("</body>", next_data(detail) + "</body>"), URL)
    assert "判决被告支付货款" in article.body
    assert article.author is None or isinstance(article.author, str)


@pytest.mark.parametrize("stamp", [10**20, -(10**20), "10000000000000000000000", 1e308, True])
def test_an_absurd_publish_time_is_no_date(stamp):
    detail = {
        "content": f"<p>{SENTENCE}</p>" * 3,
        "name": "标题",
        "publishTime": stamp,
        "pubTime": "2024-01-02 10:00",
    }
    article = extract_html(page("<div id='__next'></div>" + next_data(detail)), URL)
    assert article.method == "next-data"
    assert article.published == "2024-01-02T10:00:00+08:00"  # the text date, not a crash or a year 3e12


# ---------------------------------------------------------------- block pages
BLOCKS = {
    "网站防火墙": "<h1>网站防火墙</h1><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>",
    "安全狗": "<title>safedog</title><p>您的访问请求可能对网站造成安全威胁，请求已被安全狗拦截。</p>",
    "云锁": "<p>当前访问疑似黑客攻击，已被网站管理员设置为拦截。云锁</p>",
    "宝塔": "<h1>宝塔网站防火墙</h1><p>您的请求带有不合法参数</p>",
    "创宇盾": "<p>创宇盾 提示：您的访问被阻断</p>",
    "访问被拦截": "<p>抱歉，您的访问被拦截，请稍后再试。</p>",
    "access denied": "<h1>Access Denied</h1><p>You don't have permission to access this server.</p>",
    "request blocked": "<h1>Request blocked.</h1><p>We can't connect to the server for this app or website.</p>",
}


@pytest.mark.parametrize("vendor", sorted(BLOCKS))
def test_a_200_block_page_is_a_challenge_and_not_an_article(vendor):
    html = page(BLOCKS[vendor], title="提示")
    assert detect_challenge(200, {}, html) == f"block page: {vendor}"
    with pytest.raises(NotAnArticle, match=f"not an article: block page \\({vendor}\\)"):
        extract_html(html, URL)


def test_an_article_about_a_firewall_is_an_article():
    text = (
        "<p>被告人利用漏洞绕过某公司网站防火墙，非法获取用户数据，安全狗等防护软件记录了其攻击行为。</p>"
        "<p>法院审理认为，被告人的访问已被系统拦截后仍多次尝试，其行为构成非法获取计算机信息系统数据罪。</p>"
    )
    html = page(f"<div class='content'>{text}{PARAGRAPH * 6}</div>")
    assert detect_challenge(200, {}, html) is None
    assert "网站防火墙" in extract_html(html, URL).body


# ---------------------------------------------------------------- soft 404s
NAV = "".join(f"<a href='/c/{n}'>栏目{n}</a>" for n in range(12))


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("提示信息", "<div class='box'><h2>页面不存在</h2><p>3秒后返回首页</p></div>"),
        ("404 Not Found", "<h1>404 Not Found</h1><hr><center>nginx</center>"),
        ("某法院", "<div class='err'>抱歉，您访问的页面不存在或已被删除！</div>"),
        ("某法院", "<p>该文章不存在</p><p><a href='/'>返回首页</a></p>"),
        ("某法院", "<p>信息已删除</p>"),
        ("页面找不到了", "<img src='/404.png'><p>返回首页</p>"),
    ],
)
def test_a_200_soft_404_is_not_an_article(title, body):
    with pytest.raises(NotAnArticle, match=r"not an article: soft 404 \("):
        extract_html(
            page(f"<div class='nav'>{NAV}</div>{body}<div class='footer'>版权所有 某法院</div>", title), URL
        )


def test_an_article_that_quotes_a_404_message_is_an_article():
    text = "<p>原告诉称，被告在判决生效后删除了涉案文章，原告再次访问时网页显示“页面不存在”，但被告仍在其他平台传播。</p>"
    article = extract_html(
        page(f"<div class='content'>{text}{PARAGRAPH * 3}</div>", title="网络侵权案宣判"), URL
    )
    assert "页面不存在" in article.body


# ---------------------------------------------------------------- list pages and link farms
def list_page(items: int) -> str:
    rows = "".join(
        f"<li><a href='/a/{n}.html'>某法院召开第{n}次审判委员会会议</a><span>2024-01-{n % 28 + 1:02d}</span></li>"
        for n in range(items)
    )
    return page(
        f"<div class='nav'>{NAV}</div><ul class='list'>{rows}</ul><div class='pages'>共{items}条 1 2 3 下一页</div>",
        "法院新闻",
    )


def test_a_list_page_is_not_an_article():
    with pytest.raises(
        NotAnArticle, match=r"not an article: list page \(\d+ links, \d+% of text inside them\)"
    ):
        extract_html(list_page(60), URL)


def test_a_link_farm_is_not_an_article():
    with pytest.raises(NotAnArticle, match=r"not an article: link farm \("):
        extract_html(links_page(megabytes=0.3), URL)


def test_a_short_news_item_on_a_page_full_of_menus_is_an_article():
    menus = "".join(f"<li><a href='/c/{n}'>栏目名称{n}</a></li>" for n in range(80))
    short = "<p>县法院今天召开执行工作推进会，总结上半年工作，部署下阶段任务。</p>"
    article = extract_html(page(f"<ul class='menu'>{menus}</ul><div class='content'>{short}</div>"), URL)
    assert "县法院今天召开执行工作推进会" in article.body


def test_an_agenda_without_sentences_is_an_article():
    rows = "".join(
        f"<p>12月{n}日 上午9:00 第{n}场 报告人：某教授 地点：法学院报告厅</p>" for n in range(1, 30)
    )
    menus = "".join(f"<a href='/c/{n}'>栏目{n}</a>" for n in range(40))
    article = extract_html(page(f"<div class='nav'>{menus}</div><div class='content'>{rows}</div>"), URL)
    assert "第29场" in article.body


# ---------------------------------------------------------------- documents that are not HTML
@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF document"),
        (
            json.dumps({"code": 0, "data": {"list": [{"title": "法院新闻"}]}}, ensure_ascii=False).encode(),
            "JSON document",
        ),
        (b'[{"id": 1, "title": "x"}]', "JSON document"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff", "GIF image"),
        (
            b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>court</title></channel></rss>',
            "XML feed",
        ),
    ],
)
def test_documents_served_as_html_are_not_articles(raw, kind):
    with pytest.raises(NotAnArticle, match=f"not an article: {kind} served as text/html"):
        extract_bytes(raw, URL, content_type="text/html")


def test_an_xhtml_page_with_an_xml_declaration_is_html():
    xhtml = '<?xml version="1.0" encoding="utf-8"?>\n' + ARTICLE
    assert "判决被告支付货款" in extract_html(xhtml, URL).body


# ---------------------------------------------------------------- truncated transfers
@pytest.mark.parametrize(
    ("cut", "where"),
    [("<p cla", "inside a tag"), ("<p>法院依法审理了这起合同纠", "mid-sentence"), ("</di", "inside a tag")],
)
def test_a_page_cut_short_is_truncated(cut, where):
    html = ARTICLE.split("</div>")[0] + cut
    with pytest.raises(
        Truncated, match=f"truncated: the page opens <html>/<body>, closes neither and ends {where}"
    ):
        extract_html(html, URL)


@pytest.mark.parametrize(
    "html",
    [
        ARTICLE.replace("</body></html>", ""),  # no closing tags, but ends after an element
        ARTICLE.replace("</p></div></body></html>", "\n"),  # paragraphs left open, the last one complete
        f"<div class='content'>{PARAGRAPH * 4}<p>法院依法审理",  # never opened <html> or <body>: no evidence
        ARTICLE.replace("</html>", "") + "\n<!-- 统计代码 -->\n",
    ],
)
def test_pages_without_closing_tags_are_not_truncated(html):
    assert "判决被告支付货款" in extract_html(html, URL).body


# ---------------------------------------------------------------- counters
def test_a_counter_on_a_byline_line_is_neither_body_nor_metadata():
    info = "<div class='info'>发布时间：2023-07-04 来源：某县人民法院浏览次数：123</div>"
    body = f"<div class='content'>{PARAGRAPH * 4}<p>阅读 2381</p><p>已有56人阅读</p><p>浏览量：12 | 评论：3</p></div>"
    article = extract_html(page(f"<h1>标题</h1>{info}{body}"), URL)
    assert article.source_name == "某县人民法院"
    assert article.body.splitlines()[-1] == PARAGRAPH[3:-4]
    assert [r.rule for r in article.removed_blocks].count("view-counter") == 3


# ---------------------------------------------------------------- bounded cost
EXPECTED_REFUSAL = {
    "30MB-page": "characters of markup",
    "7.5MB-links-page": "characters of markup",
    "1M-nodes": "characters of markup",
    "10k-deep-nesting": r"nested 255\+ deep",
    "5MB-text-node": "characters of text",
    "200k-links": "tags",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_REFUSAL))
def test_pathological_pages_are_refused_with_their_reason(name):
    with pytest.raises(PageTooLarge, match=f"page too large: .*{EXPECTED_REFUSAL[name]}"):
        extract_html(HOSTILE[name](), URL)


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - set(EXPECTED_REFUSAL)))
def test_costly_pages_under_the_limits_are_extracted(name):
    assert "判决被告支付货款" in extract_html(HOSTILE[name](), URL).body


def test_a_page_under_every_limit_with_many_links_is_extracted():
    links = "".join(f'<a href="/{n}">{n}</a>' for n in range(4_900))
    article = extract_html(
        page(f"<div class='content'>{PARAGRAPH * 5}</div><div class='nav'>{links}</div>"), URL
    )
    assert "判决被告支付货款" in article.body


def test_inline_images_do_not_count_against_the_size_limit():
    image = "data:image/png;base64," + "A" * 7_000_000
    article = extract_html(page(f"<div class='content'>{PARAGRAPH * 5}<img src='{image}'></div>"), URL)
    assert "判决被告支付货款" in article.body


def test_every_refusal_is_an_extraction_error():
    assert issubclass(NotAnArticle, ExtractionError) and issubclass(PageTooLarge, ExtractionError)
    assert issubclass(Truncated, ExtractionError)
