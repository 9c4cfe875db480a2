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

# Characters XML 1.0 forbids (C0 controls but tab and newlines, lone surrogates, U+FFFE/U+FFFF). libxml2 parses
# them, but lxml refuses them when text is set, so one pasted from Word (\x0b) failed a whole fetch.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n"}  # Word's manual line break and the form feed end a line
_CHAR_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def _legal_reference(match: re.Match[str]) -> str:
    code = int(match[1], 16) if match[1] else int(match[2])
    if code > 0x10FFFF or XML_ILLEGAL.match(chr(code)):
        return _LINE_BREAKS.get(chr(code), " ") if code <= 0x10FFFF else " "
    return match[0]


def xml_safe(html: str) -> str:
    """The page with every XML-illegal character, raw or as a character reference (&#0;, &#x1b;), replaced
    once, before parsing: \x0b and \x0c become line breaks, the rest vanish (references become a space)."""
    if "&#" in html:
        html = _CHAR_REFERENCE.sub(_legal_reference, html)
    return XML_ILLEGAL.sub(lambda m: _LINE_BREAKS.get(m[0], ""), html)


_FOLDED_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def element_lines(el: lxml_html.HtmlElement) -> list[str]:
    """Text of an element, one line per block, whitespace folded (iterative: deep pages do not recurse)."""
    parts: list[str] = []
    append = parts.append  # the loop runs twice per element of the page: kept lean
    skipping: lxml_html.HtmlElement | None = (
        None  # inside <script>/<style>: their text is code, not page text
    )
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if skipping is not None:
            if node is skipping and event == "end":
                skipping = None
                if node.tail:
                    append(node.tail)
            continue
        tag = node.tag
        if type(tag) is not str:  # a comment or processing instruction: only its tail is text
            if event == "end" and node is not el and node.tail:
                append(node.tail)
            continue
        if event == "start":
            if tag in NON_TEXT_TAGS:
                skipping = node
                continue
            if tag in BLOCK_TAGS or tag.lower() in BLOCK_TAGS:
                append("\n")
            if node.text:
                append(node.text)
        else:
            if tag in BLOCK_TAGS or tag.lower() in BLOCK_TAGS:
                append("\n")
            if node is not el and node.tail:
                append(node.tail)
    lines = (_FOLDED_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def grams(text: str | None, n: int = 4) -> set[str]:
    """Character n-grams of text with whitespace removed (the corpus metric's unit, and our agreement measure)."""
    compact = "".join((text or "").split())  # every whitespace character out, as \s+ would
    if len(compact) < n:
        return {compact} if compact else set()
    return {compact[i : i + n] for i in range(len(compact) - n + 1)}
