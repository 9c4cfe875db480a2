"""Pages refused with a reason instead of archived as articles: too costly to parse, cut short in transfer,
or no article at all. Every limit is a named constant with the evidence it rests on, and every check is
linear in the page's size. Block pages of firewalls live with the other challenges (challenge.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from crawler.extract.errors import ExtractionError, NotAnArticle, PageTooLarge, Truncated

# ---------------------------------------------------------------- size limits (checked before parsing)
# The largest real article pages seen (../shared/corpus, 136 pages from 40 sites) hold 0.8 MB, 15,400 '<',
# 1,650 links and 156,000 characters of text. The limits sit 3-7 times above that and far below the cost
# that hurt: a 30 MB page took 196 s and 708 MB, a million nodes 49 s and 660 MB. trafilatura's own cost
# grows faster than linearly on huge tables and link lists, so the tag and link limits also bound its time
# (bench/extract_bench.py --hostile measures the costliest page the limits let through).
MAX_HTML_CHARS = 6_000_000  # characters of markup (inline data: images excluded); 8 MiB is the crawl's cap
MAX_TAGS = 60_000  # '<' in the page, opening and closing tags both
MAX_LINKS = 5_000  # anchors: link-density scans and trafilatura's link handling grow with them
MAX_TEXT_CHARS = 500_000  # characters of text once parsed: over three times the longest article seen
PARSER_DEPTH = 255  # libxml2 stops reading past 256 nested elements: the rest of the page would be lost

_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]{200,}")
_ANCHOR = re.compile(r"<a\s", re.I)


def check_size(html: str) -> str:
    """The page with inline data: images cut to their type (they are no text), or PageTooLarge."""
    if len(html) > MAX_HTML_CHARS and "base64," in html:
        html = _DATA_URI.sub("data:,", html)
    if len(html) > MAX_HTML_CHARS:
        raise PageTooLarge(f"page too large: {len(html):,} characters of markup (limit {MAX_HTML_CHARS:,})")
    if (tags := html.count("<")) > MAX_TAGS:
        raise PageTooLarge(f"page too large: {tags:,} tags (limit {MAX_TAGS:,})")
    if (links := len(_ANCHOR.findall(html))) > MAX_LINKS:
        raise PageTooLarge(f"page too large: {links:,} links (limit {MAX_LINKS:,})")
    return html


# ---------------------------------------------------------------- documents that are not HTML
# (name, pattern over the first characters of the decoded page): what servers send as text/html by mistake
NOT_HTML: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PDF document", re.compile(r"^%PDF-")),
    ("PNG image", re.compile(r"^.?PNG\r\n")),
    ("GIF image", re.compile(r"^GIF8[79]a")),
    ("JPEG image", re.compile(r"^.{0,12}(?:JFIF|Exif)\x00?")),
    ("WebP image", re.compile(r"^RIFF.{4}WEBP", re.S)),
    ("ZIP archive or Office document", re.compile(r"^PK\x03\x04")),
    (
        "XML feed",
        re.compile(r"^<\?xml[^>]*>\s*(?:<!--.*?-->\s*)*<(?:rss|feed|urlset|sitemapindex|rdf:RDF)\b", re.S),
    ),
)
JSON_SNIFF = 1_000_000  # a JSON document is parsed to be sure only up to this size; larger ones by their ends


def check_document_type(html: str) -> None:
    """PDF bytes, images, archives, feeds or a JSON document served as text/html: NotAnArticle."""
    head = html[:512].lstrip("\ufeff \t\r\n")
    for name, pattern in NOT_HTML:
        if pattern.match(head):
            raise NotAnArticle(f"not an article: {name} served as text/html")
    if _is_json(html.strip()):
        raise NotAnArticle("not an article: JSON document served as text/html")


def _is_json(text: str) -> bool:
    """An object or array from the first character to the last, with no <body> (parsed when not huge)."""
    if not text or text[0] not in "{[" or text[-1] not in "}]" or "<body" in text[:4096].lower():
        return False
    if len(text) > JSON_SNIFF:
        return True
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


# ---------------------------------------------------------------- truncated transfers
_OPENED = re.compile(r"<(?:html|body)\b", re.I)
_CLOSED = re.compile(r"</\s*(?:html|body)\s*>", re.I)
_ENDS_AFTER_TAG = re.compile(r"(?:>|-->|\]\]>)\s*$")
_ENDS_SENTENCE = re.compile(r"[。！？!?.…”」』）)】\]]\s*$")


def check_truncated(html: str) -> None:
    """A page cut short in transfer. Real pages may omit </body> and </html> (HTML allows it, and old CMS
    pages leave paragraphs open), so all three pieces of evidence are required: the page opened <html> or
    <body>; it closes neither; and it ends inside a tag ('<p cla') or in the middle of a sentence
    ('判决被告支'), not after a '>' or at a sentence's end."""
    if not _OPENED.search(html[:20_000]) or _CLOSED.search(html):
        return
    tail = html[-200:]
    if tail.rfind("<") > tail.rfind(">"):
        raise Truncated("truncated: the page opens <html>/<body>, closes neither and ends inside a tag")
    if not _ENDS_AFTER_TAG.search(tail) and not _ENDS_SENTENCE.search(tail):
        raise Truncated("truncated: the page opens <html>/<body>, closes neither and ends mid-sentence")


# ---------------------------------------------------------------- pages that are no article
SOFT_404 = re.compile(
    r"页面不存在|页面找不到|找不到(?:该|此|您要访问的|您访问的)?页面|页面(?:已|已经)?(?:被)?删除|页面未找到|"
    r"(?:文章|信息|内容|新闻|稿件)(?:不存在|已(?:被)?删除|已下线|已撤销|已过期)|"
    r"(?:您|你)(?:所)?(?:访问|请求|查找)的(?:页面|网页|内容|文章)(?:不存在|已被删除|已删除|找不到)|"
    r"\b404\b.{0,12}(?:not\s*found|错误|页面)|page\s+not\s+found|not\s+found",
    re.I,
)
SOFT_404_LEFTOVER = (
    20  # characters beside the words in their line ('抱歉，…！'); a sentence quoting them has more
)
SOFT_404_BODY = 200  # characters of extracted body: an article quoting the words has more text than this


def check_soft_404(title: str, page_lines: list[str], body: str) -> None:
    """A 200 page that says the page is gone (页面不存在, 文章已删除, 404 Not Found) and has little else."""
    if _compact_length([body]) > SOFT_404_BODY:
        return
    for line in [title, *page_lines]:
        match = SOFT_404.search(line)
        if match and len(line) - len(match[0]) <= SOFT_404_LEFTOVER:
            raise NotAnArticle(f"not an article: soft 404 ({match[0]})", removal=True)


LIST_MIN_LINKS = 30  # fewer links than this is a page with a menu, not a list of links
LIST_LINKED_SHARE = 0.5  # share of visible text inside links: a schedule or a table of figures has little
LINK_FARM_SHARE = 0.9  # share of visible text inside links from which a list is a link farm


@dataclass
class PageSurvey:
    """What a parsed page is made of: how many links it has, how many visible characters it holds and how
    many of them sit inside links."""

    links: int = 0
    visible: int = 0
    linked: int = 0


_CODE_TEXT = etree.XPath(".//script//text() | .//style//text() | .//noscript//text()", smart_strings=False)
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
_LINKED_TEXT = etree.XPath(".//a//text()", smart_strings=False)


def _compact_length(texts: list[str]) -> int:
    """Characters of the texts without whitespace (str.split splits on exactly what \\s matches)."""
    return sum(map(len, "".join(texts).split()))


def parse_checked(html: str) -> tuple[lxml_html.HtmlElement, PageSurvey]:
    """The parsed page (comments gone) and its survey; PageTooLarge when the parser hit its depth limit (it
    then silently drops the rest of the page) or the page holds more text than any article."""
    parser = lxml_html.HTMLParser()
    try:
        doc = lxml_html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parseable as HTML ({exc})") from exc
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        raise PageTooLarge(
            f"page too large: elements nested {PARSER_DEPTH}+ deep, past which the parser drops the page"
        )
    etree.strip_tags(doc, etree.Comment, etree.ProcessingInstruction)  # their tail text stays
    found = survey(doc)
    if found.visible > MAX_TEXT_CHARS:
        raise PageTooLarge(f"page too large: {found.visible:,} characters of text (limit {MAX_TEXT_CHARS:,})")
    return doc, found


def survey(root: lxml_html.HtmlElement) -> PageSurvey:
    """How many links a page has and how much of its visible text sits inside them, before any pruning.
    XPath collects the texts in C, so it costs a millisecond or two on a large page."""
    return PageSurvey(
        links=int(root.xpath("count(.//a)")),
        visible=_compact_length(_ALL_TEXT(root)) - _compact_length(_CODE_TEXT(root)),
        linked=_compact_length(_LINKED_TEXT(root)),
    )


LIST_SENTENCE = re.compile(r"[。！？；!?;]")  # a body line holding one is a sentence: headlines hold none
LIST_SENTENCE_LINE = 15  # … when it is at least this long


def check_list_page(shares: PageSurvey, body_lines: list[str]) -> None:
    """A home, column or list page, or a link farm: many links holding most of the page's text, and nothing
    extracted from it that reads as a sentence (list items are headlines, which end without 。).

    Decided by structure alone, never by URL. A short news item on a page full of menus has its sentence; a
    conference agenda or a table of figures has no sentences, but its text is not inside links."""
    if shares.links < LIST_MIN_LINKS or shares.linked < LIST_LINKED_SHARE * shares.visible:
        return
    if any(len(line) >= LIST_SENTENCE_LINE and LIST_SENTENCE.search(line) for line in body_lines):
        return
    kind = "link farm" if shares.linked >= LINK_FARM_SHARE * shares.visible else "list page"
    raise NotAnArticle(
        f"not an article: {kind} ({shares.links} links, {shares.linked / shares.visible:.0%} of text inside them)",
        removal=kind != "link farm",  # a list or home page in the article's place; a link farm is spam
    )
