"""Pages made of several dated posts (forum threads, blog front pages, comment streams): keep the first.

A thread or a blog's front page repeats one block per post, each block carrying its own timestamp in a
header or footer beside the post's text. Such a page has no single article; what readers, archives and the
usual ground truths take for "the article" is the first post (the thread's opening post, the blog's newest
entry). The sentence-density finder alone would pick the longest post, or a container of all of them.

The pattern is recognised by structure, never by site: two or more elements with the same tag-and-class
path from <body>, each holding punctuated text, each inside its own repeated unit that shows a posting time
(date and hour) outside the post text. Paragraphs of one article never qualify: a paragraph's unit is itself, so no
timestamp sits beside it, and inline tags are not post containers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from lxml import html as lxml_html

HtmlElement = lxml_html.HtmlElement

POST_TAGS = {"div", "td", "article", "section", "li", "dd", "table", "tbody", "blockquote"}
# a posting time: date (year optional, as threads show "08-11 16:06") followed by hours and minutes. A date
# alone is not enough: sections of one article (典型案例 one to five) may each carry a date, never a time.
TIMESTAMP = re.compile(
    r"(?:\d{4}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*(?:[T ]\s*)?\d{1,2}[:：]\d{2}(?!\d)"
)
MIN_DATED = 2  # posts whose unit shows a posting time: one is an article header, two are a thread
DATED_SHARE = 0.5  # and at least this share of the group must show one
COVER_SHARE = 0.6  # posts must hold this share of a container's weight for the container to be a thread
LEAD_WEIGHT = 30**1.5  # a punctuated run of 30 characters before the first post: an article with comments


def _units(members: list[HtmlElement], body: HtmlElement) -> list[HtmlElement]:
    """For each post, its largest ancestor that holds no other post: the post with its header and footer."""
    holding: Counter[HtmlElement] = Counter()
    for member in members:
        for ancestor in member.iterancestors():
            holding[ancestor] += 1
            if ancestor is body:
                break
    units = []
    for member in members:
        unit = member
        parent = unit.getparent()
        while parent is not None and parent is not body and holding[parent] == 1:
            unit, parent = parent, parent.getparent()
        units.append(unit)
    return units


def _dated(member: HtmlElement, unit: HtmlElement) -> bool:
    if unit is member:
        return False
    outside = (unit.text_content() or "").replace(member.text_content() or "", "", 1)
    return bool(TIMESTAMP.search(outside))


def _groups(body: HtmlElement, weights: dict[HtmlElement, float]) -> list[list[HtmlElement]]:
    """Post containers with text that share a tag-and-class path from <body>, two or more, in document order."""
    # one walk in document order: a node's path is its parent's path plus its own tag and classes
    paths: dict[HtmlElement, tuple] = {body: ()}
    groups: dict[tuple, list[HtmlElement]] = defaultdict(list)
    for el in body.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        path = (paths.get(el.getparent(), ()), el.tag, " ".join(sorted((el.get("class") or "").split())))
        paths[el] = path
        if el.tag in POST_TAGS and weights.get(el, 0) > 0:
            groups[path].append(el)
    return [members for members in groups.values() if len(members) >= MIN_DATED]


def _is_thread(members: list[HtmlElement], body: HtmlElement) -> bool:
    """Enough of the posts show a posting time beside their text."""
    dated = sum(_dated(m, u) for m, u in zip(members, _units(members, body), strict=True))
    return dated >= max(MIN_DATED, DATED_SHARE * len(members))


def _lead_weight(container: HtmlElement, first: HtmlElement, weights: dict[HtmlElement, float]) -> float:
    """Sentence weight inside the container that comes before the first post."""
    lead = 0.0
    node = first
    while node is not container and node.getparent() is not None:
        for sibling in node.itersiblings(preceding=True):
            lead += weights.get(sibling, 0)
        node = node.getparent()
    return lead


def first_post(
    body: HtmlElement, container: HtmlElement, weights: dict[HtmlElement, float]
) -> HtmlElement | None:
    """The first post when the chosen container is one of several dated posts or holds them; else None."""
    # the cheap structural tests first; the timestamp test reads text and only runs for groups that matter
    total = weights.get(container, 0)
    for members in _groups(body, weights):
        if container in members:
            if _is_thread(members, body):
                return members[0] if members[0] is not container else None
            continue
        inside = [m for m in members if container in m.iterancestors()]
        if len(inside) < MIN_DATED or sum(weights.get(m, 0) for m in inside) < COVER_SHARE * total:
            continue
        if _lead_weight(container, inside[0], weights) > LEAD_WEIGHT:
            continue
        if _is_thread(members, body):
            return inside[0]
    return None
