"""The edges of node_rules.py's rules, judged on small pages pruned here: the size and link share that make a
hidden node the article a script reveals (and the middle of its text that finds a hidden copy), the size and
link share under which a chrome-named node goes, the anchors, link share and gambling words that make a link
block spam, which anchors are off-site, what the tracker rule looks at, the <style> rules that hide and how
many blocks a process remembers, and what the audit keeps of a removed node. A rule off by one here drops the
article a script reveals, or archives hidden SEO links, chrome and gambling spam, only for the pages at its
edge: these tests are those pages.

Some thresholds are literals in node_rules.py, not constants; they are named here once, beside the line they
mirror, and every test builds its pages from them."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from crawler.extract.rules import node_rules
from crawler.extract.rules.node_rules import (
    AUDIT_EXCERPT,
    CSS_REMEMBERED,
    REVEALED_SHARE,
    hidden_selectors,
    is_hidden,
    link_density,
    prune,
)

# the literals of node_rules.py's rules
REVEALED_MIN = 200  # _revealed_by_script: fewer visible characters is hidden junk whatever its share
REVEALED_LINKS = 0.3  # _revealed_by_script: a hidden node this link-dense is a link list, not the article
CHROME_SMALL = 300  # _is_chrome: a chrome-named node with fewer characters goes
CHROME_LINKS = 0.5  # _is_chrome: a chrome-named node more link-dense than this goes whatever its size
BLOCK_ANCHORS = 3  # _is_gambling_links: anchors a gambling link block holds at least
BLOCK_LINKS = 0.6  # _is_gambling_links: link share a gambling link block is over
BLOCK_WORDS = 2  # _is_gambling_links: gambling words a gambling link block holds at least

URL = "https://court.example.gov.cn/a/123.html"
HOST = "court.example.gov.cn"
# prose without whitespace, no 30 characters of one found in another, and no gambling word
ARTICLE = "法院依法审理了这起合同纠纷案件，判决被告支付货款及利息，并承担本案诉讼费用。"
OTHER = "该院坚持司法为民，持续深化诉源治理，推动矛盾纠纷实质化解，切实维护群众合法权益。"
PREAMBLE = "适老版首页无障碍浏览网站地图长者模式大字版语音播报关闭返回顶部"
FILLER = "热门推荐活动专区入口今日更新精选内容"
CASE = "被告人以开设赌场罪被判处有期徒刑三年。"  # court news: a gambling word in plain body text
WORDS = ["百家乐", "投注", "棋牌"]
assert not any(w in text for w in WORDS for text in (ARTICLE, OTHER, PREAMBLE, FILLER))


def prose(length: int, sentence: str = ARTICLE) -> str:
    """Exactly `length` characters of the sentence, repeated, without whitespace."""
    return (sentence * (length // len(sentence) + 1))[:length]


def pruned(body: str, head: str = "") -> tuple[lxml_html.HtmlElement, list]:
    doc = lxml_html.document_fromstring(f"<html><head>{head}</head><body>{body}</body></html>")
    return doc, prune(doc, URL)


def text_of(doc: lxml_html.HtmlElement) -> str:
    return "".join(doc.body.text_content().split())


def element(fragment: str) -> lxml_html.HtmlElement:
    return lxml_html.fragment_fromstring(fragment)


# ---------------------------------------------------------------- the article a script reveals
def revealed(hidden: str, visible: str = "") -> tuple[bool, list]:
    """Whether a visibility:hidden node holding `hidden` (markup) survives beside `visible` text."""
    body = f"<p>{visible}</p>" if visible else ""
    doc, removed = pruned(f'{body}<div id="js_content" style="visibility: hidden;">{hidden}</div>')
    return bool(doc.xpath("//div[@id='js_content']")), removed


@pytest.mark.parametrize("over", [False, True])
def test_a_hidden_node_of_fewer_than_revealed_min_characters_goes_whatever_its_share(over):
    # the hidden node is the whole page, so only its size decides
    kept, removed = revealed(f"<p>{prose(REVEALED_MIN - 1 + over)}</p>")
    assert kept is over
    assert [r.rule for r in removed] == ([] if over else ["hidden-node"])


@pytest.mark.parametrize("under", [False, True])
def test_a_hidden_node_with_a_link_share_of_revealed_links_is_a_link_list(under):
    length = REVEALED_MIN + 100
    linked = round(REVEALED_LINKS * length) - under
    node = f'<p>{prose(length - linked)}<a href="/more.html">{prose(linked, OTHER)}</a></p>'
    assert link_density(element(f"<div>{node}</div>")) == (linked / length)
    assert (linked / length >= REVEALED_LINKS) is not under
    kept, removed = revealed(node)
    assert kept is under
    assert [r.rule for r in removed] == ([] if under else ["hidden-node"])


@pytest.mark.parametrize("below", [False, True])
def test_a_hidden_node_is_the_article_from_revealed_share_of_the_pages_text(below):
    hidden = 2 * REVEALED_MIN
    visible = round(hidden / REVEALED_SHARE) - hidden + below
    assert (hidden < REVEALED_SHARE * (hidden + visible)) is below
    kept, removed = revealed(f"<p>{prose(hidden)}</p>", prose(visible, OTHER))
    assert kept is not below
    assert [r.rule for r in removed] == (["hidden-node"] if below else [])


def test_a_hidden_copy_is_found_by_the_middle_of_its_text_whatever_its_own_preamble():
    """A hidden 适老版 or mobile copy of the article goes though nearly half of it is its own (a header the
    visible article lacks): the copy is looked for elsewhere by the middle of its text."""
    article = prose(3 * REVEALED_MIN)
    preamble = prose(len(article) - 2, PREAMBLE)
    kept, removed = revealed(f"<p>{preamble}</p><p>{article}</p>", article)
    assert not kept
    assert [r.rule for r in removed] == ["hidden-node"]
    # the same node beside other text is the article
    assert revealed(f"<p>{preamble}</p><p>{article}</p>", prose(len(article), OTHER))[0]


# ---------------------------------------------------------------- page chrome
def chrome(text_length: int, linked: int = 0) -> str:
    """A node named like chrome (the "nav" of a layout wrapper) holding exactly text_length characters."""
    plain = prose(text_length - linked)
    return f'<div class="main-nav-wrap">{plain}<a href="/list.html">{prose(linked, OTHER)}</a></div>'


@pytest.mark.parametrize("over", [False, True])
def test_a_chrome_named_node_of_fewer_than_chrome_small_characters_goes(over):
    doc, removed = pruned(chrome(CHROME_SMALL - 1 + over))
    assert bool(doc.xpath("//div[@class='main-nav-wrap']")) is over
    assert [r.rule for r in removed] == ([] if over else ["page-chrome"])


@pytest.mark.parametrize("over", [False, True])
def test_a_large_chrome_named_node_goes_when_more_than_chrome_links_of_it_is_links(over):
    linked = round(CHROME_LINKS * CHROME_SMALL) + over
    assert link_density(element(chrome(CHROME_SMALL, linked))) == linked / CHROME_SMALL
    doc, removed = pruned(chrome(CHROME_SMALL, linked))
    assert bool(doc.xpath("//div[@class='main-nav-wrap']")) is not over
    assert [r.rule for r in removed] == (["page-chrome"] if over else [])


@pytest.mark.parametrize(
    "attributes", ['id="page-footer"', 'class="box" id="page-footer"'], ids=["id alone", "class and id"]
)
def test_a_chrome_word_in_the_id_makes_chrome(attributes):
    doc, removed = pruned(f"<p>{ARTICLE}</p><div {attributes}>版权所有：某县人民法院</div>")
    assert "版权所有" not in text_of(doc) and ARTICLE in text_of(doc)
    assert [r.rule for r in removed] == ["page-chrome"]


def test_an_element_without_visible_text_has_no_link_density():
    # a row of image links is not all links: there is nothing to share
    images = element(
        '<div><a href="/1.html"><img src="/1.jpg"></a><a href="/2.html"><img src="/2.jpg"></a></div>'
    )
    assert link_density(images) == 0.0


# ---------------------------------------------------------------- gambling link blocks and anchors
def link_block(anchors: int, words: int, plain: int = 0, each: int = 10) -> str:
    """A block of `anchors` same-site links of `each` characters, the first `words` of them opening with a
    gambling word, and `plain` characters of unlinked text after them."""
    links = "".join(
        f'<a href="/s/{i}.html">{((WORDS[i] if i < words else "") + FILLER)[:each]}</a>'
        for i in range(anchors)
    )
    return f'<div class="friend">{links}{prose(plain)}</div>'


def block_goes(block: str) -> bool:
    doc, removed = pruned(f"<p>{ARTICLE}</p>{block}")
    assert ARTICLE in text_of(doc)
    gone = not doc.xpath("//div[@class='friend']")
    assert [r.rule for r in removed] == (["gambling-links"] if gone else [])
    return gone


@pytest.mark.parametrize("over", [False, True])
def test_a_gambling_link_block_holds_at_least_block_anchors_links(over):
    # same-site links: no anchor is off-site, only the block as a whole can go
    assert block_goes(link_block(BLOCK_ANCHORS - 1 + over, BLOCK_WORDS)) is over


@pytest.mark.parametrize("over", [False, True])
def test_a_gambling_link_block_holds_at_least_block_words_gambling_words(over):
    assert block_goes(link_block(BLOCK_ANCHORS, BLOCK_WORDS - 1 + over)) is over


@pytest.mark.parametrize("over", [False, True])
def test_a_gambling_link_block_is_more_than_block_links_links(over):
    each = 10
    linked = BLOCK_ANCHORS * each
    plain = round(linked / BLOCK_LINKS) - linked - over
    block = link_block(BLOCK_ANCHORS, BLOCK_WORDS, plain, each)
    assert (link_density(element(block)) > BLOCK_LINKS) is over
    assert block_goes(block) is over


@pytest.mark.parametrize(
    ("href", "label", "goes"),
    [
        ("http://bet.example.org/", "澳门新葡京官网", True),
        (f"https://{HOST}/a/456.html", "某某开设赌场案一审宣判", False),
        ("/a/456.html", "某某开设赌场案一审宣判", False),
        ("https://www.chinacourt.org/article/detail/2023/07/id/1.shtml", "中国法院网", False),
    ],
    ids=["off-site gambling", "same-site gambling words", "relative gambling words", "off-site no gambling"],
)
def test_an_anchor_goes_when_it_is_off_site_and_names_gambling(href, label, goes):
    doc, removed = pruned(f"<p>{CASE}<a href='{href}'>{label}</a>{ARTICLE}</p>")
    assert (doc.xpath("//a/@href") == []) is goes
    assert CASE in text_of(doc) and ARTICLE in text_of(doc)
    assert [r.rule for r in removed] == (["gambling-links"] if goes else [])


# ---------------------------------------------------------------- trackers
def test_a_tracker_image_goes_without_an_audit_entry_and_a_photo_stays():
    doc, removed = pruned(
        f'<p>{ARTICLE}<img src="https://hm.baidu.com/hm.gif?si=1"><img src="/photo.jpg"></p>'
    )
    assert doc.xpath("//img/@src") == ["/photo.jpg"]
    assert removed == []  # nothing of it was text


def test_text_quoting_tracker_code_is_article_text():
    quoted = "经查，涉案网站页面嵌入了_hmt.push与gtag(等统计代码，非法收集用户浏览记录。"
    doc, removed = pruned(f"<p>{quoted}</p>")
    assert quoted in text_of(doc) and removed == []


# ---------------------------------------------------------------- hidden by attribute and by <style>
def test_a_height_of_zero_or_one_hides_only_a_marquee():
    notice = "关于开展诉讼服务满意度调查的公告"
    marquee = element(f"<marquee>{notice}</marquee>")
    cell = element(f'<td height="1">{ARTICLE}</td>')
    assert not is_hidden(marquee, set(), set()) and not is_hidden(cell, set(), set())
    doc, removed = pruned(f'<marquee>{notice}</marquee><table><tr><td height="1">{ARTICLE}</td></tr></table>')
    assert notice in text_of(doc) and ARTICLE in text_of(doc) and removed == []


def test_every_hiding_rule_of_a_style_block_counts_after_one_that_hides_nothing():
    doc = lxml_html.document_fromstring(
        "<html><head><style>.title{color:#333}.lnk{display:none}p{margin:0}#seo{left:-9999px}</style>"
        "</head><body></body></html>"
    )
    assert hidden_selectors(doc) == ({"lnk"}, {"seo"})


def style_page(*blocks: str) -> lxml_html.HtmlElement:
    styles = "".join(f"<style>.b{n}{{display:none}}/* {name} */</style>" for n, name in enumerate(blocks))
    return lxml_html.document_fromstring(f"<html><head>{styles}</head><body></body></html>")


@pytest.fixture
def css_reads(monkeypatch) -> list[str]:
    """The <style> blocks read from now on, with nothing remembered yet."""
    reads: list[str] = []
    read = node_rules._read_css
    monkeypatch.setattr(node_rules, "_CSS_SEEN", {})
    monkeypatch.setattr(node_rules, "_read_css", lambda css: reads.append(css) or read(css))
    return reads


def test_a_style_block_is_read_once_per_process(css_reads):
    for _ in range(2):  # the pages of a site, each with the site's two blocks
        assert hidden_selectors(style_page("site", "theme")) == ({"b0", "b1"}, set())
    assert len(css_reads) == 2


def test_a_process_remembers_at_most_css_remembered_style_blocks(css_reads, monkeypatch):
    limit = 3
    assert limit < CSS_REMEMBERED  # the limit is lowered here so that the test reads few blocks
    monkeypatch.setattr(node_rules, "CSS_REMEMBERED", limit)
    names = [f"block {n}" for n in range(limit + 1)]
    for name in names[:limit]:
        hidden_selectors(style_page(name))
        hidden_selectors(style_page(name))
    assert len(css_reads) == limit  # as many as the limit are all remembered
    hidden_selectors(style_page(names[limit]))
    hidden_selectors(style_page(names[0]))
    assert len(css_reads) == limit + 2  # one more made room: the first is read again


# ---------------------------------------------------------------- the walk, the text left and the audit
def test_the_text_after_a_removed_node_follows_the_text_before_it():
    doc, _ = pruned('<p>甲<b>乙</b>丙<span style="display:none">百家乐</span>丁</p>')
    assert text_of(doc) == "甲乙丙丁"


def test_a_comment_in_the_page_is_skipped_and_the_walk_goes_on():
    doc, removed = pruned(f'<!-- 正文开始 --><div style="display:none">百家乐</div><p>{ARTICLE}</p>')
    assert text_of(doc) == ARTICLE
    assert [r.rule for r in removed] == ["hidden-node"]


@pytest.mark.parametrize("over", [False, True])
def test_the_audit_keeps_at_most_audit_excerpt_characters_of_a_removed_node(over):
    # a hidden list of links (too link-dense to be the article) of exactly AUDIT_EXCERPT (+ 1) characters
    text = prose(AUDIT_EXCERPT + over, OTHER)
    _, removed = pruned(f'<p>{ARTICLE}</p><div style="display:none"><a href="/list.html">{text}</a></div>')
    assert [r.rule for r in removed] == ["hidden-node"]
    if over:
        assert removed[0].text == f"{text[:AUDIT_EXCERPT]}… ({AUDIT_EXCERPT + 1} characters)"
    else:
        assert removed[0].text == text
