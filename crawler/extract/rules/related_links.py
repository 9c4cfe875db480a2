"""Lists of other articles (相关链接, 延伸阅读, 推荐阅读, 热点推荐, a column of dated headlines), judged by their shape.

A related-articles block is recognised by what it is made of, not by the words of its heading: items of a
headline's length, no sentence among them, most of the text inside links, often a date on each. Two passes:

- in the page (drop_link_lists, before the body is chosen): a block of three or more links whose texts are
  headline-length and hold most of the block's text is a list of other pages, whatever its heading says or
  whether it has one. Attachments (链接 to .pdf/.doc files) are part of an article and stay.
- in the chosen body (cut_related_shape, once lines are known): a heading of the related-list vocabulary
  (any wording built of 相关/延伸/推荐/热点/往期… words, such as 延伸 · 推荐 or 推荐新闻) with headline items after
  it or nothing after it, and runs of three or more dated headlines anywhere in the body.

A court article quoting 相关链接 followed by paragraphs, a timeline of dated sentences, or a list of case
names in running text keep their lines: sentences are no headlines.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from lxml import html as lxml_html

from crawler.extract.rules.node_rules import Removed, link_density

HtmlElement: TypeAlias = lxml_html.HtmlElement

MIN_LINKS = 3  # links in a block that make it a list (two are a 上一篇/下一篇 pair, the line rules' job)
HEADLINE_MIN, HEADLINE_MAX = 6, 60  # characters of a headline: shorter is a menu entry, longer a paragraph
LINKED_SHARE = 0.7  # share of the block's characters inside its headline links
_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|txt|ofd)(?:$|[?#])", re.I)
_SENTENCE = re.compile(r"[。；]")
LIST_TAGS = ("ul", "ol", "dl", "div", "table", "section", "p", "td", "tbody")


def _compact(text: str | None) -> str:
    return "".join((text or "").split())


def has_attachments(el: HtmlElement) -> bool:
    """Links to documents (.pdf, .doc, .xls …): an article's attachments, which stay with it."""
    return any(_ATTACHMENT.search(a.get("href") or "") for a in el.iter("a"))


def _is_link_list(el: HtmlElement) -> bool:
    """Three or more headline-length links holding most of the block's text, none an attachment, no
    sentence among them."""
    anchors = el.findall(".//a")
    if len(anchors) < MIN_LINKS:
        return False
    headlines = []
    for anchor in anchors:
        if _ATTACHMENT.search(anchor.get("href") or ""):
            return False  # a list of attachments belongs to the article
        text = _compact(anchor.text_content())
        if HEADLINE_MIN <= len(text) <= HEADLINE_MAX and not _SENTENCE.search(text[:-1]):
            headlines.append(text)
    if len(headlines) < MIN_LINKS or len(headlines) < 0.6 * len(anchors):
        return False
    total = len(_compact(el.text_content()))
    linked = sum(map(len, headlines))
    return total > 0 and linked >= LINKED_SHARE * total and link_density(el) >= LINKED_SHARE


def drop_link_lists(root: HtmlElement) -> list[Removed]:
    """Remove every outermost block shaped as a list of other articles; return what went."""
    removed: list[Removed] = []
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if el is not root and el.tag in LIST_TAGS and el.getparent() is not None and _is_link_list(el):
            text = re.sub(r"\s+", " ", el.text_content() or "").strip()
            removed.append(Removed("related-links", text[:300]))
            parent = el.getparent()
            previous = el.getprevious()
            if el.tail:  # the text after the block stays
                if previous is not None:
                    previous.tail = (previous.tail or "") + el.tail
                else:
                    parent.text = (parent.text or "") + el.tail
            parent.remove(el)
            continue
        stack.extend(reversed(el))
    return removed


# ---------------------------------------------------------------- lines of the chosen body
# The vocabulary of related-list headings. A heading is a short line made only of these words and separators,
# with at least one word that names a list of other articles (so '新闻' or '阅读' alone is no heading).
_LIST_WORDS = r"为(?:你|您)推荐|相关|延伸|推荐|热点|热门|热文|往期|精彩|精选|猜你喜欢|更多|排行|大家都在(?:看|搜)|你可能(?:还)?(?:喜欢|感兴趣)"
_PLAIN_WORDS = (
    r"阅读|新闻|文章|报道|资讯|链接|专题|回顾|内容|搜索|视频|图片|榜|近期|最新|今日|本周|一周|点击|榜单"
)
_HEADING = re.compile(
    rf"^[【\[（(]?\s*(?:(?:{_LIST_WORDS}|{_PLAIN_WORDS})\s*[·•|｜/、\s]*\s*)+[】\]）)]?\s*[:：>》]*$"
)
_HAS_LIST_WORD = re.compile(_LIST_WORDS)
HEADING_MAX = 12
_ITEM_DATE = re.compile(
    r"(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|(?<!\d)\d{1,2}\s*[-/]\s*\d{1,2}(?!\d))"
)
DATED_RUN = 3
CARD_TEASER = 120  # characters of a recommendation card's one-sentence teaser under its headline
CARDS_MAX = 24  # lines after a heading judged as cards; a longer stretch is article text
CARD_HEADLINES = 0.4  # share of headline lines among the cards


def _cards(lines: list[str]) -> bool:
    """Recommendation cards closing a page: a headline, perhaps a one-sentence teaser under it, and again.
    Headlines make CARD_HEADLINES of the lines and no teaser is a paragraph's length."""
    if not 2 <= len(lines) <= CARDS_MAX:
        return False
    headlines = sum(1 for line in lines if _headline(line))
    return (
        headlines >= 2
        and headlines >= CARD_HEADLINES * len(lines)
        and all(_headline(line) or len(line.strip()) <= CARD_TEASER for line in lines)
    )


def is_related_heading(line: str) -> bool:
    compact = line.strip()
    return (
        len(compact) <= HEADING_MAX and bool(_HEADING.match(compact)) and bool(_HAS_LIST_WORD.search(compact))
    )


def _headline(line: str) -> bool:
    """A list item: headline-length, no sentence end and at most one comma inside."""
    compact = line.strip()
    return (
        HEADLINE_MIN <= len(compact) <= HEADLINE_MAX
        and not _SENTENCE.search(compact)
        and not compact.endswith(("。", "；", "："))
        and len(re.findall(r"[，,]", compact)) <= 1
    )


_EDGE_DATE = re.compile(rf"^[(（\[【]?\s*(?:{_ITEM_DATE.pattern})|(?:{_ITEM_DATE.pattern})\s*[)）\]】]?$")


def _dated_headline(line: str) -> bool:
    """A list item of another article: a headline with its date at one edge, as list columns print it
    ('某法院召开会议 2024-01-02', '[01-02] 某法院…'); a date inside a line is the line's own text (a citation, a
    sentence of a timeline)."""
    compact = line.strip()
    return (
        bool(_EDGE_DATE.search(compact))
        and _headline(compact)
        and "，" not in compact
        and len(_ITEM_DATE.sub("", compact)) >= 6
    )


def cut_related_shape(lines: list[str]) -> tuple[list[str], list[Removed]]:
    """Drop related-list headings with the headline items after them (or nothing after them: the list was a
    block of links removed from the page, or recommendation cards to the end: _cards), and runs of DATED_RUN or
    more dated headlines anywhere."""
    kept: list[str] = []
    removed: list[Removed] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if is_related_heading(line):
            end = index + 1
            while end < len(lines) and _headline(lines[end]) and not is_related_heading(lines[end]):
                end += 1
            if (
                end == len(lines)
                or end - index - 1 >= 2
                or all(is_related_heading(x) for x in lines[end:])
                or _cards(lines[index + 1 :])
            ):
                end = len(lines) if _cards(lines[index + 1 :]) else end
                removed.append(Removed("related-links", " / ".join(lines[index:end])[:300]))
                index = end
                continue
        if _dated_headline(line):
            end = index
            while end < len(lines) and _dated_headline(lines[end]):
                end += 1
            if end - index >= DATED_RUN:
                if kept and is_related_heading(kept[-1]):
                    kept.pop()
                removed.append(Removed("related-links", " / ".join(lines[index:end])[:300]))
                index = end
                continue
        kept.append(line)
        index += 1
    return kept, removed
