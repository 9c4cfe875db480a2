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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from lxml import html as lxml_html

HtmlElement: TypeAlias = lxml_html.HtmlElement

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


# ---------------------------------------------------------------- replies kept as comments
@dataclass(frozen=True)
class Comment:
    """A reply of a thread or a reader's comment under an article: kept beside the body, never inside it."""

    author: str | None
    published: str | None  # ISO 8601 (+08:00) when the stamp carries a year, else None
    text: str


# words of a post's header and footer that are never an author's name
_NOT_AUTHOR = re.compile(
    r"^(?:回复|举报|引用|分享|点赞|收藏|楼主|沙发|板凳|地板|只看该作者|只看他|发表于|评论|删除|编辑|顶|踩|"
    r"\d+\s*楼|#\d+|第?\d+楼|电梯直达|倒序浏览|阅读模式|使用道具|加入黑名单)$"
)
_AUTHOR_CLASS = re.compile(r"author|user|name|nick|uname|poster|authi|c-user", re.I)
_AUTHOR_LABEL = re.compile(
    r"^(?:作者|楼主|网友|留言人|提问人|回复人|回复单位|答复单位|发帖人|用户)\s*[:：]\s*"
)
MAX_AUTHOR = 24


def _author_name(text: str) -> str | None:
    text = _AUTHOR_LABEL.sub("", TIMESTAMP.sub(" ", text))
    text = re.sub(r"(?:发表于|发布于|留言时间|回复时间|时间)\s*[:：]?", " ", text)
    for part in re.split(r"\s+|[|｜]", text):
        part = _AUTHOR_LABEL.sub("", part.strip(" :：,，"))
        if (
            1 < len(part) <= MAX_AUTHOR
            and not _NOT_AUTHOR.match(part)
            and not re.fullmatch(r"[\d\s:：/.-]+", part)
        ):
            return part
    return None


def _author(member: HtmlElement, unit: HtmlElement) -> str | None:
    """The poster: a link or an author-classed element in the post's unit, outside its text."""
    inside = set(member.iter())
    candidates = [a for a in unit.iter("a") if a not in inside]
    candidates += [
        el for el in unit.iter() if el not in inside and _AUTHOR_CLASS.search(el.get("class") or "")
    ]
    for el in candidates:
        name = _author_name(" ".join(el.itertext()))
        if name:
            return name
    return None


def _comment(member: HtmlElement, unit: HtmlElement, lines: list[str]) -> Comment:
    from crawler.extract.metadata import parse_date

    outside = (unit.text_content() or "").replace(member.text_content() or "", "", 1)
    stamp = TIMESTAMP.search(outside)
    parsed = parse_date(stamp[0]) if stamp else None
    return Comment(_author(member, unit), parsed.value if parsed else None, "\n".join(lines))


def _nested_in(inner: list[HtmlElement], outer: list[HtmlElement]) -> bool:
    outer_set = set(outer)
    return all(any(a in outer_set for a in m.iterancestors()) for m in inner)


def comment_stream(
    body: HtmlElement, weights: dict[HtmlElement, float], lines_of: Callable[[HtmlElement], list[str]]
) -> list[Comment]:
    """Every post of the page's dated-post group, in page order: the posts of a thread, or the comments under
    an article. Of nested groups (a post's wrapper and its text cell) the innermost is read; of separate
    groups the heaviest. The caller drops the post that became the body."""
    groups = [members for members in _groups(body, weights) if _is_thread(members, body)]
    groups = [g for g in groups if not any(h is not g and _nested_in(h, g) for h in groups)]
    if not groups:
        return []
    members = max(groups, key=lambda g: sum(weights.get(m, 0) for m in g))
    comments = []
    for member, unit in zip(members, _units(members, body), strict=True):
        lines = lines_of(member)
        if lines:
            comments.append(_comment(member, unit, lines))
    return comments
