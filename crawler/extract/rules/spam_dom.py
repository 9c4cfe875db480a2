"""Spam lines taken out of the page itself, before any extractor chooses the body.

Line rules judge lines; but an extractor may hand back a table cell or a blog post as one merged line, and
then a credential dump pasted among the article's paragraphs would ride along inside it. So the spam family
of line rules is also run over the page's own lines, in page order (a dump is judged with its neighbours,
spam_blocks.py), and every text node or element whose whole text is such a line is removed from the page.
A text that is only part of a line is never touched: the line rule then acts on the body as before.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.extract.rules.line_rules import LINE_RULES, filter_lines
from crawler.extract.rules.node_rules import Removed, drop_node

# rules whose lines are never the article's, wherever the page prints them
SPAM_RULES = frozenset(
    {
        "giveaway-offer",
        "credential-header",
        "credential-lines",
        "spam-timestamp",
        "popup-leftover",
        "contact-ad",
        "platform-disclaimer",
        "stance-disclaimer",
        "takedown-notice",
    }
)
# the rules judged over the whole page: the spam family, and bare timestamps (a dump is judged across them)
SPAM_LINE_RULES = tuple(rule for rule in LINE_RULES if rule.name in SPAM_RULES | {"bare-timestamp"})
# Words no account-spam block goes without (its giveaway or header names accounts, passwords, a price per day
# or 本站 links): the page-wide pass runs only on pages that hold one, a fifth of real pages, which keeps
# extraction fast. tests/test_spam_blocks.py checks every generated spam block against it.
ACCOUNT_SPAM_HINT = re.compile(
    r"账号|帐号|帳號|賬號|账户|帳戶|密码|密碼|天\s*/\s*\d|独享|本站上边|请点本站|(?i:accounts?\b|password|premium)"
)
LINE_ELEMENTS = {
    "p",
    "div",
    "li",
    "td",
    "span",
    "font",
    "b",
    "strong",
    "section",
    "dd",
    "h4",
    "h5",
    "h6",
    "em",
}
MAX_LINE_CHILDREN = 6  # an element printing one line has a few inline children at most
_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0]+")


def _line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _all_spam(text: str | None, spam: set[str]) -> bool:
    parts = [_line(part) for part in (text or "").split("\n")]
    parts = [part for part in parts if part]
    return bool(parts) and all(part in spam for part in parts)


def drop_spam_lines(doc: lxml_html.HtmlElement, page_lines: list[str]) -> tuple[list[Removed], set[str]]:
    """Remove the page's spam lines from the DOM; return what went (for audit) and the set of spam lines (so
    that metadata is never read from them)."""
    if not ACCOUNT_SPAM_HINT.search("\n".join(page_lines)):
        return [], set()  # no account spam on this page: the line rules on the body do the rest
    _, removed = filter_lines(page_lines, SPAM_LINE_RULES)
    spam = {r.text for r in removed if r.rule in SPAM_RULES}
    if not spam:
        return [], spam
    went: list[Removed] = [r for r in removed if r.rule in SPAM_RULES]
    elements = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tail and _all_spam(el.tail, spam):
            el.tail = None
        if (
            el.tag in LINE_ELEMENTS
            and 0 < len(el) <= MAX_LINE_CHILDREN
            and _all_spam(el.text_content(), spam)
        ):
            elements.append(el)  # a line made of several nodes: '<p>账号：<b>abc</b> 密码：def</p>'
        elif _all_spam(el.text, spam):
            el.text = None
    for el in elements:
        drop_node(el)
    return went, spam
