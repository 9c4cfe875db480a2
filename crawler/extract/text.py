"""Text of an HTML element, one line per block: the form every extractor here compares and stores."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "pre",
    "center",
    "header",
    "footer",
    "figure",
    "figcaption",
    "hr",
    "tbody",
    "ucapcontent",
    "main",
    "aside",
}
NON_TEXT_TAGS = {"script", "style", "noscript", "template", "textarea"}


def element_lines(el: lxml_html.HtmlElement) -> list[str]:
    """Text of an element, one line per block, whitespace folded (iterative: deep pages do not recurse)."""
    parts: list[str] = []
    skipping: object = None  # inside <script>/<style>: their text is code, not page text
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else None
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                if node.tail:
                    parts.append(node.tail)
            continue
        if event == "start":
            if tag is None:
                continue
            if tag in NON_TEXT_TAGS:
                skipping = node
                continue
            if tag.lower() in BLOCK_TAGS:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
        else:
            if tag is not None and tag.lower() in BLOCK_TAGS:
                parts.append("\n")
            if node is not el and node.tail:
                parts.append(node.tail)
    lines = (re.sub(r"[ \t\r\f\v\u3000\xa0]+", " ", line).strip() for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def grams(text: str | None, n: int = 4) -> set[str]:
    """Character n-grams of text with whitespace removed (the corpus metric's unit, and our agreement measure)."""
    compact = re.sub(r"\s+", "", text or "")
    if len(compact) < n:
        return {compact} if compact else set()
    return {compact[i : i + n] for i in range(len(compact) - n + 1)}
