"""Whole bodies: the article's end is never lost because its last paragraphs stand outside the chosen node.

A density or recipe choice picks one node; real pages split an article across several: a photo with its
caption between two halves of the text, a second <div class="TRS_Editor"> after an embedded video, the closing
paragraphs in a sibling block the template adds after a page break. Looking past the choice: the blocks that
follow the chosen node (at its level, and at its parent's levels up to CLIMB) are read in order; images,
captions and empty wrappers are stepped over, article-like blocks (paragraphs of punctuated sentences, few
links, no posting time, judged on the lines the line rules keep) are taken, and the first block of any other
kind (a link list, comments, a platform's disclaimer, a footer) ends the body.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from lxml import html as lxml_html

from crawler.extract.posts import TIMESTAMP
from crawler.extract.rules.line_rules import filter_lines
from crawler.extract.rules.node_rules import link_density
from crawler.extract.text import element_lines

HtmlElement: TypeAlias = lxml_html.HtmlElement

CLIMB = 2  # levels above the chosen node whose following blocks are read
PARAGRAPH = 30  # characters of a paragraph line (a sentence of the article, not a caption)
ARTICLE_SHARE = 0.6  # share of a block's characters in paragraph lines for it to continue the article
MAX_LINKED = 0.2  # link density of a continuing block
STEP_OVER = 40  # characters of a block that is stepped over (a caption, 图片, an empty wrapper)
_SENTENCE = re.compile(r"[，。！？；]")
_SENTENCE_END = re.compile(r"[。！？；][”」』）)]?$")
# a posting time as comment lists print it: absolute (TIMESTAMP) or relative (5小时前, 刚刚, 昨天 12:30)
_RELATIVE_TIME = re.compile(r"\d+\s*(?:秒|分钟|小时|天|周|个月)前|刚刚|(?:昨天|前天)\s*\d{1,2}[:：]\d{2}")


def _step_over(lines: list[str], el: HtmlElement) -> bool:
    """An image, its caption or a spacer between two parts of the article: little text, no paragraph, no
    link (a commenter's name is one) and no posting time (a comment's header shows one)."""
    text = "\n".join(lines)
    return (
        len(text) <= STEP_OVER
        and not any(_paragraph(x) for x in lines)
        and not el.findall(".//a")
        and not TIMESTAMP.search(text)
        and not _RELATIVE_TIME.search(text)
    )


def _paragraph(line: str) -> bool:
    return len(line) >= PARAGRAPH and bool(_SENTENCE.search(line)) and bool(_SENTENCE_END.search(line))


def _article_like(lines: list[str], el: HtmlElement) -> bool:
    """Paragraphs of sentences, few links, no posting time (a comment or a post shows one)."""
    total = sum(len(line) for line in lines)
    if not total:
        return False
    in_paragraphs = sum(len(line) for line in lines if _paragraph(line))
    return (
        in_paragraphs >= ARTICLE_SHARE * total
        and link_density(el) <= MAX_LINKED
        and not TIMESTAMP.search("\n".join(lines))
        and not _RELATIVE_TIME.search("\n".join(lines))
    )


def continuation(chosen: HtmlElement, stop: HtmlElement | None = None) -> list[str]:
    """Lines of the article-like blocks that follow the chosen node, in page order; [] when the next block of
    substance is something else (a link list, a comment, a footer). stop: the node not to climb past."""
    lines: list[str] = []
    node = chosen
    for _ in range(CLIMB + 1):
        for sibling in node.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            own = element_lines(sibling)
            if _step_over(own, sibling):
                continue
            # judged on what the line rules leave: a platform's disclaimer is a paragraph too, and ends the body
            if not _article_like(filter_lines(own)[0], sibling):
                return lines
            lines += own
        parent = node.getparent()
        if parent is None or parent is stop or parent.tag in ("body", "html"):
            break
        node = parent
    return lines
