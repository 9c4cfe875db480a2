"""Find the article container by where Chinese sentences are, not by markup names.

Chinese article text is dense in sentence punctuation (，。！？；), while navigation, link lists and
footers are not. Each element is weighted by the characters of punctuated, non-link text it holds; the
container is found by walking down from <body> while one child keeps most of that weight. This works on the
table layouts of older portals and government sites, where markup-based extractors return the whole page.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from lxml import html as lxml_html

from crawler.extract.rules.node_rules import link_density
from crawler.extract.rules.related_links import has_attachments

HtmlElement: TypeAlias = lxml_html.HtmlElement
SENTENCE_PUNCT = re.compile(r"[，。！？；：、“”,.!?;]")
STRONG_PUNCT = re.compile(r"[，。！？；]")
KEEP_SHARE = 0.8  # walk into a child while it holds at least this share of the sentence weight
MIN_SEGMENT = 8
KEEP_TEXT_SHARE = 0.3  # a link-dense block holding more of the container's sentence weight is not a link list


def _segment_weight(text: str | None) -> float:
    """Long punctuated runs weigh more than many short ones (len^1.5): an article's paragraphs outweigh a
    thread of one-line comments or a list of captions with the same number of characters."""
    if not text or len(text) < MIN_SEGMENT or not STRONG_PUNCT.search(text):
        return 0  # cheap tests first: most text nodes are whitespace or a few words
    compact = len("".join(text.split()))  # characters without whitespace
    return compact**1.5 if compact >= MIN_SEGMENT else 0


def sentence_weights(root: HtmlElement) -> dict[HtmlElement, float]:
    """Characters of punctuated text under each element, text inside links excluded."""
    weights: dict[HtmlElement, float] = {}
    for el in reversed(list(root.iter())):  # children before parents
        if not isinstance(el.tag, str):
            continue
        if el.tag == "a":  # nothing inside a link is article text, however deeply it is wrapped
            weights[el] = 0
            continue
        own = _segment_weight(el.text)
        for child in el:
            own += weights.get(child, 0)
            own += _segment_weight(child.tail)
        weights[el] = own
    return weights


def _link_dense(el: HtmlElement) -> bool:
    return link_density(el) > 0.6 and len(el.findall(".//a")) >= 2


def find_container(body: HtmlElement, weights: dict[HtmlElement, float]) -> HtmlElement | None:
    total = weights.get(body, 0)
    if total < 50**1.5:
        return None
    node = body
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            break
        best = max(children, key=lambda c: weights.get(c, 0))
        if weights.get(best, 0) < KEEP_SHARE * weights.get(node, 0):
            break
        node = best
    return node


def strip_link_blocks(container: HtmlElement, weights: dict[HtmlElement, float]) -> list[str]:
    """Drop link-dense blocks (related-article lists, pagers) inside the chosen container; return their text.

    A block that holds a good share of the container's punctuated text is the article wrapped in a
    link-heavy layout (a page-wide column with menus beside the body), not a link list: it stays.
    """
    keep_above = KEEP_TEXT_SHARE * weights.get(container, 0)
    dropped = []
    for el in list(container.iter("div", "ul", "ol", "table", "p", "span", "td", "dl")):
        if el is container or el.getparent() is None:
            continue
        if has_attachments(el):  # a list of attachments is part of the article (related_links)
            continue
        if _link_dense(el) and not (keep_above and weights.get(el, 0) > keep_above):
            dropped.append(re.sub(r"\s+", " ", el.text_content() or "").strip())
            tail = el.tail
            parent = el.getparent()
            parent.remove(el)
            if tail:
                parent.text = (parent.text or "") + tail
    return [d for d in dropped if d]
