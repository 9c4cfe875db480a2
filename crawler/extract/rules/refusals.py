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


# ---------------------------------------------------------------- block notices inside the site's chrome
class BlockNotice(NotAnArticle):
    """A firewall's or WAF's block notice standing where the article should be, in the site's own chrome:
    the fetch was refused, the article may well still be there. Not a removal; a challenge to back off from."""


# What only a block notice says. Each kind is judged on its line, so a sentence of an article that mentions
# a firewall or a blocked transfer is none of them:
# - the notice speaks to the reader about their access or request: 您的访问请求已被拦截, 您的IP已被封禁,
#   当前访问疑似黑客攻击, 您的请求带有不合法参数;
# - a status line of its own: 访问被拒绝, 拒绝访问, 403 Forbidden, Access Denied, Request blocked;
# - a firewall vendor's name on a line of its own: 安全狗, 云锁, 知道创宇云安全, 网站防火墙.
_BLOCKED = r"(?:拦截|阻断|拒绝|禁止|屏蔽|限制|封禁|拉黑|攻击|威胁|不合法|非法|异常|风险)"
_TO_READER = re.compile(
    rf"(?:(?:您|你)(?:的|当前的?)?|当前(?:的)?)(?:访问|请求|IP|ip|网络|操作|提交|浏览器)\S{{0,20}}?{_BLOCKED}|"
    rf"(?:访问|请求)\S{{0,6}}?(?:已|已经)?(?:被|遭到)\S{{0,12}}?{_BLOCKED}|"
    r"疑似(?:黑客)?攻击|不合法(?:的)?参数|(?:危险|恶意|非法)(?:的)?(?:攻击)?请求|访问频率过(?:快|高)|"
    r"\b(?:your (?:request|access|ip)\b.{0,40}\b(?:blocked|denied|rejected)|you have been blocked|"
    r"you don't have permission)",
    re.I,
)
_STATUS_LINE = re.compile(
    r"^(?:\d{3}\s*)?(?:访问(?:被|已被)?(?:拒绝|拦截|禁止|限制|受限)|拒绝访问|禁止访问|无权访问|访问异常|请求(?:被)?(?:拒绝|拦截)|"
    r"(?:HTTP\s*)?(?:错误\s*)?403(?:\s*Forbidden)?|Forbidden|Access Denied|Request (?:blocked|rejected)|"
    r"Attention Required!?|Error 403|安全(?:提示|警告|拦截))[!！。.]?$",
    re.I,
)
_VENDOR = re.compile(
    r"安全狗|safedog|云锁|yunsuo|知道创宇|创宇盾|加速乐|宝塔|云盾|云防护|云安全|网站防火墙|应用防火墙|\bWAF\b|"
    r"Web Application Firewall|Cloudflare",
    re.I,
)
VENDOR_LINE = 16  # characters: '知道创宇云安全', 'Powered by 安全狗'; a sentence naming a vendor is longer
# What a notice prints beside its message: what to do, the reader's address, the time, an event id.
_NOTICE_AIDE = re.compile(
    r"可能(?:的)?原因|如何解决|解决(?:方法|办法|方案)|(?:请|可)?联系(?:网站)?(?:管理员|空间提供商|客服)|如有疑问|如果您是|误报|"
    r"返回(?:首页|上一页)|刷新|稍后(?:再)?(?:试|访问)|重试|检查(?:提交)?(?:的)?内容|网站访客|托管|"
    r"(?:您的)?IP(?:地址)?|拦截(?:时间|原因|编号)|时间|事件|请求\s*ID|编号|URL|网址|User-?Agent|Ray ID|nginx|"
    r"Powered by|技术支持|防护",
    re.I,
)
_NEWS_WORDS = re.compile(  # words of a report: a notice never speaks of parties, cases, money or the police
    r"被告|原告|判决|判处|审理|审结|诈骗|犯罪|案件|当事人|执行|资金|民警|公安|群众|万元|法官|检察"
)
BLOCK_NOTICE_BODY = 300  # characters of extracted body: a notice says one thing, an article more
NOTICE_AIDE_LINE = 40  # characters of a line that tells what to do or prints an address, a time or an id
NOTICE_OTHER = 20  # characters of other lines a notice may carry (a heading, a stray word)


class SiteNotice(NotAnArticle):
    """The site's own notice that it is down for maintenance or overloaded, standing where the article should
    be: the site's state, not the article's. Never a version, never a removal: a failed fetch."""


# What only a site-state notice says, on a line of its own: the site (or its system, server) is being
# maintained or upgraded, access is suspended, the server is busy. 系统维护中，请稍后访问; 网站升级维护;
# 服务器繁忙; Service Unavailable. An article reporting a court's system upgrade is longer and names it.
_MAINTENANCE = re.compile(
    r"(?:系统|网站|服务器|平台|页面|站点|本站)?(?:正在|目前|暂时)?(?:进行)?(?:升级|维护|更新)(?:维护|升级)?(?:中|期间)|"
    r"(?:系统|网站|服务器|平台|本站)(?:升级|维护)|暂停(?:访问|服务|开放)|暂时(?:无法|不能)(?:访问|打开|使用)|"
    r"服务(?:器)?(?:繁忙|不可用|暂不可用)|"
    r"\b(?:under maintenance|service (?:temporarily )?unavailable|temporarily unavailable)\b",
    re.I,
)


def _maintenance_sign(line: str) -> bool:
    return len(line) <= NOTICE_AIDE_LINE and not _NEWS_WORDS.search(line) and bool(_MAINTENANCE.search(line))


def _notice_sign(line: str) -> bool:
    if _NEWS_WORDS.search(line):
        return False
    return bool(
        _TO_READER.search(line)
        or _STATUS_LINE.match(line)
        or (len(line) <= VENDOR_LINE and _VENDOR.search(line))
    )


def _notice_aide(line: str) -> bool:
    if len(line) > NOTICE_AIDE_LINE or _NEWS_WORDS.search(line):
        return False
    return bool(_NOTICE_AIDE.search(line) or re.fullmatch(r"[\x00-\x7f\s：:，,。.（）()]*", line))


def check_block_notice(body_lines: list[str]) -> None:
    """A body that is a firewall's block notice (or the site's maintenance notice), whatever chrome surrounds
    it (menus, a footer, the article's own title): short, with a line only a notice says (_notice_sign,
    _maintenance_sign), and nothing but such lines, the aides a notice prints beside them and at most
    NOTICE_OTHER characters else. An article that reports a blocked
    transfer or a firewall (法院拦截诈骗资金) speaks of parties, money or cases, or says more: it stays."""
    lines = [line.strip() for line in body_lines if line.strip()]
    if not lines or _compact_length(lines) > BLOCK_NOTICE_BODY:
        return
    signs = [line for line in lines if _notice_sign(line)]
    maintenance = [line for line in lines if line not in signs and _maintenance_sign(line)]
    other = [line for line in lines if line not in signs + maintenance and not _notice_aide(line)]
    if _compact_length(other) > NOTICE_OTHER:
        return
    if signs:
        raise BlockNotice(f"not an article: block page (the body is a block notice: {signs[0][:60]})")
    if maintenance:
        raise SiteNotice(
            f"site unavailable: the body is the site's maintenance notice ({maintenance[0][:60]})"
        )
