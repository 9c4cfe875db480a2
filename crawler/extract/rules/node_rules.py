"""DOM pruning rules, each with a name and the reason it exists. Pruning is separate from extraction:
these remove nodes before the body is chosen (crawler/extract/rules/line_rules.py then drops junk lines of the body).

Gambling words are scored only in hidden nodes, link-dense blocks and off-site anchors, never in plain body
text: court news legitimately reports 开设赌场罪 and 百家乐.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import urlsplit

from lxml import html as lxml_html

HtmlElement: TypeAlias = lxml_html.HtmlElement


@dataclass(frozen=True)
class Removed:
    """What a rule took out, kept beside the version for audit."""

    rule: str
    text: str


# ---------------------------------------------------------------- hidden nodes
_HIDING_DECLARATIONS = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|"
    r"(?:left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\s*\d{3,}\s*(?:px|em|rem)?|"
    r"font-size\s*:\s*0(?:\.0+)?\s*(?:px|pt|em|rem|%)?\s*(?:;|$|!)|"
    r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)|"
    r"(?:^|;)\s*(?:height|width|max-height)\s*:\s*[01](?:px)?\s*(?:;|$|!)[^}]*overflow\s*:\s*hidden|"
    r"overflow\s*:\s*hidden[^}]*(?:^|;)\s*(?:height|width|max-height)\s*:\s*[01](?:px)?\s*(?:;|$|!)|"
    r"clip\s*:\s*rect\(\s*0",
    re.I,
)
_STYLE_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*([.#])([\w-]+)$", re.I)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def hidden_selectors(doc: HtmlElement) -> tuple[set[str], set[str]]:
    """Classes and ids that a page's own <style> blocks hide (the classic way to hide SEO links)."""
    classes: set[str] = set()
    ids: set[str] = set()
    for style in doc.iter("style"):
        if style.text:
            hidden_classes, hidden_ids = _hidden_by_css(style.text)
            classes |= hidden_classes
            ids |= hidden_ids
    return classes, ids


CSS_REMEMBERED = 10_000  # <style> blocks whose verdict a process keeps (a site repeats its few blocks)
_CSS_SEEN: dict[bytes, tuple[frozenset[str], frozenset[str]]] = {}


def _hidden_by_css(css: str) -> tuple[frozenset[str], frozenset[str]]:
    """What one <style> block hides. The pages of a site repeat the same blocks, so each is read once,
    remembered by its digest (not its text: a site's stylesheet can be large)."""
    key = hashlib.blake2b(css.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if key not in _CSS_SEEN:
        if len(_CSS_SEEN) >= CSS_REMEMBERED:
            _CSS_SEEN.clear()
        _CSS_SEEN[key] = _read_css(css)
    return _CSS_SEEN[key]


def _read_css(css: str) -> tuple[frozenset[str], frozenset[str]]:
    classes: set[str] = set()
    ids: set[str] = set()
    for selectors, body in _STYLE_RULE.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        if not _HIDING_DECLARATIONS.search(body):
            continue
        for selector in selectors.split(","):
            match = _SIMPLE_SELECTOR.match(selector.strip())
            if match:
                (classes if match.group(1) == "." else ids).add(match.group(2))
    return frozenset(classes), frozenset(ids)


def is_hidden(el: HtmlElement, hidden_classes: set[str], hidden_ids: set[str]) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden", "").lower() == "true":
        return True
    style = el.get("style")
    if style and _HIDING_DECLARATIONS.search(style):
        return True
    if el.tag == "marquee" and re.match(r"^[01](px)?$", (el.get("height") or "").strip()):
        return True
    if hidden_ids and el.get("id") in hidden_ids:
        return True
    return bool(hidden_classes and hidden_classes.intersection((el.get("class") or "").split()))


# ---------------------------------------------------------------- node rules
TRACKER_SRC = re.compile(
    r"hm\.baidu\.com|cnzz\.com|51\.la|umeng\.com|google-analytics|googletagmanager", re.I
)
TRACKER_CODE = re.compile(r"_hmt|CNZZ_STAT|_czc|LA\.init|gtag\(|_bd_share_config", re.I)

# Class/id fragments of page chrome. Matched as whole tokens (split on - and _) to avoid hitting "content".
CHROME_TOKENS = {
    "share",
    "bdsharebuttonbox",
    "bdshare",
    "print",
    "qr",
    "qrcode",
    "ewm",
    "erweima",
    "wxcode",
    "prev",
    "next",
    "prevnext",
    "pre",
    "fontsize",
    "word",
    "zihao",
    "breadcrumb",
    "crumbs",
    "position",
    "location",
    "footer",
    "foot",
    "copyright",
    "comment",
    "comments",
    "related",
    "relate",
    "xgxw",
    "login",
    "register",
    "popup",
    "modal",
    "dialog",
    "toolbar",
    "tools",
    "sidebar",
    "nav",
    "menu",
    "advert",
    "ads",
    "banner",
}
CHROME_IDS = {"qr_container", "_ideConac", "_jiucuo_", "share", "footer", "bdshare"}
GAMBLING_WORDS = re.compile(
    r"博彩|百家乐|葡京|威尼斯人|皇冠体育|时时彩|六合彩|真人娱乐|彩金|投注|滚球|棋牌|娱乐城|赌场|电子游艺|澳门.{0,4}(?:网|官网)"
)


_TOKEN_SPLIT = re.compile(r"[\s_\-]+")


def _tokens(el: HtmlElement) -> set[str]:
    names, ident = el.get("class"), el.get("id")
    if not names and not ident:
        return set()  # most elements: nothing to split
    raw = f"{names or ''} {ident or ''}".lower()
    return {t for t in _TOKEN_SPLIT.split(raw) if t}


def _text(el: HtmlElement) -> str:
    return re.sub(r"\s+", " ", el.text_content() or "").strip()


def _compact_length(text: str) -> int:
    """Characters of text without whitespace (str.split splits on exactly what \\s matches)."""
    return sum(map(len, text.split()))


def link_density(el: HtmlElement) -> float:
    """Share of an element's visible characters that sit inside links."""
    total = _compact_length(el.text_content() or "")
    if not total:
        return 0.0
    linked = sum(_compact_length(a.text_content() or "") for a in el.iter("a"))
    return linked / total


@dataclass(frozen=True)
class NodeRule:
    name: str
    reason: str
    matches: Callable[[HtmlElement, PruneContext], bool]


@dataclass
class PruneContext:
    page_host: str
    hidden_classes: set[str]
    hidden_ids: set[str]
    root: HtmlElement | None = None
    _page_text: str | None = None

    def page_text(self) -> str:
        """Text of the whole page, read once and only when a large hidden node asks."""
        if self._page_text is None:
            self._page_text = _visible_text(self.root) if self.root is not None else ""
        return self._page_text


def _visible_text(el: HtmlElement) -> str:
    """Text without scripts and styles, whitespace removed."""
    texts = el.xpath(".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")
    return "".join("".join(texts).split())


def _revealed_by_script(el: HtmlElement, ctx: PruneContext) -> bool:
    """WeChat serves #js_content with visibility:hidden and reveals it by script; "read more" pages do the
    same. A hidden node holding most of the page's text, with few links, is that article, unless its text
    is also shown elsewhere on the page (a hidden mobile or 适老版 copy of the same article)."""
    text = _visible_text(el)
    if len(text) < 200 or link_density(el) >= 0.3:
        return False
    page = ctx.page_text()
    if len(text) < REVEALED_SHARE * len(page):
        return False
    middle = len(text) // 2
    sample = text[middle : middle + 30]
    return page.count(sample) <= text.count(sample)  # not shown anywhere else


REVEALED_SHARE = 0.5  # a hidden node with this share of the page's text is the article, not hidden junk


def _is_tracker(el: HtmlElement, ctx: PruneContext) -> bool:
    if el.tag == "script":
        return bool(TRACKER_SRC.search(el.get("src") or "") or TRACKER_CODE.search(el.text or ""))
    if el.tag in ("img", "iframe"):
        return bool(TRACKER_SRC.search(el.get("src") or ""))
    return False


def _is_chrome(el: HtmlElement, ctx: PruneContext) -> bool:
    if el.tag in ("html", "body"):
        return False
    if el.get("id") in CHROME_IDS:
        return True
    tokens = _tokens(el)
    if not tokens & CHROME_TOKENS:
        return False
    # A chrome-named node is dropped only when it is small: a layout wrapper named "main-nav-content"
    # that holds the article must survive.
    return len(_text(el)) < 300 or link_density(el) > 0.5


def _is_gambling_links(el: HtmlElement, ctx: PruneContext) -> bool:
    if el.tag == "a":
        href = el.get("href") or ""
        host = urlsplit(href).hostname or ""
        offsite = bool(host) and host != ctx.page_host
        return offsite and bool(GAMBLING_WORDS.search(_text(el)))
    if el.tag not in ("div", "p", "ul", "span", "section", "td", "marquee"):
        return False
    anchors = el.findall(".//a")
    return len(anchors) >= 3 and link_density(el) > 0.6 and len(GAMBLING_WORDS.findall(_text(el))) >= 2


def _is_hidden(el: HtmlElement, ctx: PruneContext) -> bool:
    if el.tag in ("html", "body", "head") or not is_hidden(el, ctx.hidden_classes, ctx.hidden_ids):
        return False
    # SEO spam hidden on a page is a small part of it or a list of links; the article is neither
    return not _revealed_by_script(el, ctx)


NODE_RULES: tuple[NodeRule, ...] = (
    NodeRule(
        "tracker",
        "analytics and share scripts (百度统计, cnzz, 51.la, umeng) are never article text",
        _is_tracker,
    ),
    NodeRule(
        "hidden-node",
        "text hidden by inline style, page <style> classes, off-screen position, zero size or aria-hidden "
        "is SEO or pop-up residue the reader never sees",
        _is_hidden,
    ),
    NodeRule(
        "gambling-links",
        "off-site or link-dense blocks advertising gambling are injected SEO spam",
        _is_gambling_links,
    ),
    NodeRule(
        "page-chrome",
        "share/print/QR/font-size/prev-next/breadcrumb/footer/login widgets are page chrome",
        _is_chrome,
    ),
)
ALWAYS_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "button",
    "select",
    "input",
    "textarea",
)


def drop_node(el: HtmlElement) -> None:
    """Remove an element from its tree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


AUDIT_EXCERPT = 300  # characters of a removed node kept for audit; the raw page keeps all of it


def _excerpt(text: str) -> str:
    return text if len(text) <= AUDIT_EXCERPT else f"{text[:AUDIT_EXCERPT]}… ({len(text)} characters)"


def prune(doc: HtmlElement, page_url: str, rules: Iterable[NodeRule] = NODE_RULES) -> list[Removed]:
    """Remove junk nodes in place, top-down in one walk; return what went, rule by rule, for the audit trail."""
    classes, ids = hidden_selectors(doc)
    ctx = PruneContext(urlsplit(page_url).hostname or "", classes, ids, doc)
    # Gambling words anywhere on the page are the precondition for looking for gambling link blocks.
    active = tuple(
        r for r in rules if r.name != "gambling-links" or GAMBLING_WORDS.search(doc.text_content() or "")
    )
    removed: list[Removed] = []
    stack = [doc]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if el.tag in ALWAYS_DROP_TAGS:
            drop_node(el)
            continue
        rule = next((r for r in active if r.matches(el, ctx)), None)
        if rule is not None and el.getparent() is not None:
            text = _text(el)
            if text and el.tag not in ("script", "style"):
                removed.append(Removed(rule.name, _excerpt(text)))
            drop_node(el)
            continue
        # setting text is costly in lxml (it validates the string): only where a zero-width character is
        if el.text and _ZERO_WIDTH.search(el.text):
            el.text = _ZERO_WIDTH.sub("", el.text)
        if el.tail and _ZERO_WIDTH.search(el.tail):
            el.tail = _ZERO_WIDTH.sub("", el.tail)
        stack.extend(reversed(el))
    return removed
