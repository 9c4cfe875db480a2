"""Groups of copies, each with its original and each copy's divergence from it (read from the copies index).

A group is a connected set of pages whose indexed texts are copies (archive/copies/index.py), every pair
re-judged on the archive's paragraph counts as they are now. The original is chosen by these rules, in order,
each applied to the members the previous ones left (the first rule that leaves one member decides, and its
reason is the group's ``why``):

1. credit: a member that other members name as their source (a 来源/转自/稿源 line, or the extracted source
   name, naming its court or its site's host; or a rel=canonical link to its page) and that names no other
   member;
2. publisher authority: a court's own site (tier 1), then court.gov.cn / chinacourt (2), then platform
   accounts (3), then anything else (4), as the sources declare (``publisher_tier``) or their family implies;
3. the earliest publication date given to the day that is not later than our first capture of the page
   (a date after we first saw the page is a republication date, not the article's);
4. the member whose text contains most of the others' text;
and, when all of these tie, the page we captured first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlite_utils

from archive.copies.index import measure
from archive.copies.signature import GRAM, U64, containment, gram_hashes, paragraphs, reduce_text, share_in

TIERS = {1: "a court's own site", 2: "court.gov.cn / chinacourt", 3: "a platform account", 4: "another site"}
OTHER_TIER = 4
FOUND = 0.5  # a paragraph is kept by a text when half its 5-grams are in it
# archive/store.py files a capture under its own address when its rel=canonical names another site's page,
# and says so in the capture's reason
_CANONICAL = re.compile(r"rel=canonical (\S+) ignored")
_CREDIT = re.compile(r"(?:来源|转自|稿源|转载自|原文来源|本文来源|source)\s*[:：]\s*(.+)", re.IGNORECASE)


@dataclass(frozen=True)
class Publisher:
    """What the sources say of a source: its tier (TIERS) and the names a credit line may give it."""

    tier: int = OTHER_TIER
    names: tuple[str, ...] = ()


@dataclass
class Member:
    version_id: int
    page_id: int
    url: str
    source: str
    title: str
    body: str
    published: str | None
    precision: str | None
    first_seen: str
    source_name: str | None
    removed_blocks: list[dict[str, str]]
    canonical: str | None = None  # the rel=canonical address its capture named, when not this page's


@dataclass
class Copy:
    member: Member
    containment: float
    similarity: float
    missing: list[str]
    added: list[str]  # a new title first when retitled, then the paragraphs the original does not have
    removed: list[str]  # junk blocks extraction took out of this copy's page
    cut_end: bool  # the missing paragraphs are the original's last ones
    retitled: bool

    @property
    def in_a_word(self) -> str:
        """The divergence as the reader says it: 删去最后 3 段, 加入 2 段无关内容, 改了标题, 全文相同."""
        parts = []
        if self.missing:
            parts.append(
                f"删去最后 {len(self.missing)} 段" if self.cut_end else f"删去 {len(self.missing)} 段"
            )
        added = len(self.added) - (1 if self.retitled else 0)
        if added:
            parts.append(f"加入 {added} 段无关内容")
        if self.retitled:
            parts.append("改了标题")
        if self.removed:
            parts.append(f"提取时去掉 {len(self.removed)} 块杂项")
        return "，".join(parts) or "全文相同"


@dataclass
class Group:
    original: Member
    why: str
    copies: list[Copy] = field(default_factory=list)

    @property
    def members(self) -> list[Member]:
        return [self.original, *(c.member for c in self.copies)]


# ---------------------------------------------------------------- reading the index
def _edges(db: sqlite_utils.Database, seed: int | None) -> list[tuple[int, int]]:
    """The stored pairs: all of them, or those reachable from the version seed."""
    if seed is None:
        return [(a, b) for a, b in db.execute("SELECT version_a, version_b FROM copy_pairs")]
    seen, todo, edges = {seed}, [seed], set()
    while todo:
        current = todo.pop()
        for a, b in db.execute(
            "SELECT version_a, version_b FROM copy_pairs WHERE version_a = ? OR version_b = ?",
            [current, current],
        ):
            edges.add((a, b))
            other = b if a == current else a
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return sorted(edges)


def _members(db: sqlite_utils.Database, version_ids: Iterable[int]) -> dict[int, Member]:
    ids = list(version_ids)
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        "SELECT v.id, v.page_id, p.url, p.source, v.title, v.body, v.published, v.published_precision, "
        "p.first_seen, v.source_name, v.removed_blocks, c.reason FROM versions AS v "
        "JOIN pages AS p ON p.id = v.page_id LEFT JOIN captures AS c ON c.id = v.capture_id "
        f"WHERE v.id IN ({marks})",
        ids,
    ).fetchall()
    members = {}
    for row in rows:
        (
            version_id,
            page_id,
            url,
            source,
            title,
            body,
            published,
            precision,
            first_seen,
            named,
            removed,
            why,
        ) = row
        canonical = _CANONICAL.search(why or "")
        members[version_id] = Member(
            version_id, page_id, url, source, title or "", body or "", published, precision, first_seen, named,
            json.loads(removed) if removed else [], canonical.group(1) if canonical else None,
        )  # fmt: skip
    return members


def _components(edges: list[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values()]


# ---------------------------------------------------------------- the original
def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _credits(member: Member) -> str:
    """The text in which a member names where it has its article from."""
    lines = [member.source_name or ""]
    lines += [m.group(1) for m in (_CREDIT.search(p) for p in paragraphs(member.body)) if m]
    return "\n".join(lines)


def _names(member: Member, publishers: Mapping[str, Publisher]) -> list[str]:
    names = [*publishers.get(member.source, Publisher()).names, _host(member.url)]
    return [n for n in names if len(n) >= 2]


def _credited(members: list[Member], publishers: Mapping[str, Publisher]) -> dict[int, list[Member]]:
    """version id -> the other members whose credit line names it. A name the crediting member has itself
    (a court's own site and its 澎湃号 both carry the court's name) names neither."""
    from archive.urls import page_key

    named: dict[int, list[Member]] = {m.version_id: [] for m in members}
    for m in members:
        if m.canonical:  # a canonical link naming another member's page is a credit to it
            for n in members:
                if n is not m and page_key(n.url) == page_key(m.canonical):
                    named[n.version_id].append(m)
        text, own = _credits(m), set(_names(m, publishers))
        for n in members:
            others = [name for name in _names(n, publishers) if name not in own]
            if (
                n is not m
                and n.source != m.source
                and any(name in text for name in others)
                and m not in named[n.version_id]
            ):
                named[n.version_id].append(m)
    return named


def _day(member: Member) -> str | None:
    """The publication day when it is given to the day and not later than our first capture."""
    if not member.published or member.precision not in ("day", "minute", "second"):
        return None
    day = member.published[:10]
    return day if day <= member.first_seen[:10] else None


def choose_original(
    members: list[Member], publishers: Mapping[str, Publisher], grams: Mapping[int, U64]
) -> tuple[Member, str]:
    """The group's original and the rule that chose it (module docstring, rules 1-4, then first captured)."""
    left = list(members)
    named = _credited(members, publishers)
    naming = {m.version_id for ms in named.values() for m in ms}
    sources = [m for m in left if named[m.version_id] and m.version_id not in naming]
    if sources:
        left = sources
        if len(left) == 1:
            by = sorted({m.source for m in named[left[0].version_id]})
            return left[0], f"credit: named as the source (来源) by {len(by)} other site(s): {', '.join(by)}"
    tier_of = {m.version_id: publishers.get(m.source, Publisher()).tier for m in left}
    best = min(tier_of.values())
    if list(tier_of.values()).count(best) < len(left):
        left = [m for m in left if tier_of[m.version_id] == best]
        if len(left) == 1:
            return left[
                0
            ], f"publisher: {TIERS.get(best, TIERS[OTHER_TIER])} (tier {best}), before the others"
    days = {m.version_id: _day(m) for m in left}
    dated = [d for d in days.values() if d]
    if dated:
        earliest = min(dated)
        winners = [m for m in left if days[m.version_id] == earliest]
        if len(winners) < len(left):
            left = winners
            if len(left) == 1:
                return left[
                    0
                ], f"date: published {earliest}, the earliest day given, not after our first capture"
    if len(left) > 1:
        held = {
            m.version_id: sum(
                containment(grams[o.version_id], grams[m.version_id])
                if len(grams[o.version_id]) <= len(grams[m.version_id])
                else 0.0
                for o in members
                if o is not m
            )
            for m in left
        }
        top = max(held.values())
        if list(held.values()).count(top) == 1:
            winner = next(m for m in left if held[m.version_id] == top)
            return winner, "containment: its text contains the others'"
    first = min(left, key=lambda m: (m.first_seen, m.page_id))
    return (
        first,
        f"first captured: the others tie on every rule, and we saw this page first ({first.first_seen})",
    )


# ---------------------------------------------------------------- divergence
def _kept(paragraph: str, grams: U64, reduced: str) -> bool:
    """Whether a paragraph is in a text (given as its 5-grams and reduced text): half its 5-grams are, or,
    shorter than a 5-gram, it is a substring."""
    part = reduce_text(paragraph)
    if not part:
        return True
    if len(part) < GRAM:
        return part in reduced
    return share_in(part, grams) >= FOUND


def _missing(original: list[str], copy: list[str]) -> list[int]:
    """The indexes of the original's paragraphs the copy lacks. A copy paragraph holds an original one when
    it has half its 5-grams (a paragraph of a few characters, such as the heading 讨论: when it is that
    paragraph). Each copy paragraph holds as much of the original as its own length, once: a paragraph the
    original has twice (a repeated heading, a repeated line) and the copy once is cut once; a copy paragraph
    that merged two of the original's holds both. Matched against single paragraphs, not the whole text, so
    a cut paragraph whose words recur elsewhere in the copy is still cut."""
    pool = [(r, gram_hashes(r)) for r in map(reduce_text, copy)]
    room = [max(len(grams), len(r)) * 1.1 for r, grams in pool]
    missing = []
    for index, paragraph in enumerate(original):
        part = reduce_text(paragraph)
        if not part:
            continue
        grams = gram_hashes(part)
        size = max(len(grams), len(part))
        for at, (reduced, copy_grams) in enumerate(pool):
            if room[at] < size:
                continue
            short = len(part) < 2 * GRAM
            if (part == reduced) if short else share_in(part, copy_grams) >= FOUND:
                room[at] -= size
                break
        else:
            missing.append(index)
    return missing


def divergence(db: sqlite_utils.Database, original: Member, member: Member) -> Copy:
    """What the copy changed: the original's paragraphs it lacks, the text it adds (a new title first), the
    junk blocks extraction removed from it; with the pair's containment and similarity (formulaic paragraphs
    left out, as when judged)."""
    original_reduced = reduce_text(original.body)
    original_grams = gram_hashes(original_reduced)
    paras = paragraphs(original.body)
    missing_at = _missing(paras, paragraphs(member.body))
    cut_end = bool(missing_at) and missing_at == list(range(len(paras) - len(missing_at), len(paras)))
    retitled = bool(member.title) and reduce_text(member.title) != reduce_text(original.title)
    added = [member.title] if retitled else []
    added += [p for p in paragraphs(member.body) if not _kept(p, original_grams, original_reduced)]
    scores, _ = measure(db, original.body, member.body)
    return Copy(
        member,
        scores.containment,
        scores.similarity,
        [paras[i] for i in missing_at],
        added,
        [block.get("text", "") for block in member.removed_blocks],
        cut_end,
        retitled,
    )


# ---------------------------------------------------------------- groups
def build_group(
    db: sqlite_utils.Database, members: list[Member], publishers: Mapping[str, Publisher]
) -> Group:
    grams = {m.version_id: gram_hashes(reduce_text(m.body)) for m in members}
    original, why = choose_original(members, publishers, grams)
    group = Group(original, why)
    for member in sorted(members, key=lambda m: (m.first_seen, m.page_id)):
        if member is not original:
            group.copies.append(divergence(db, original, member))
    return group


def find_groups(
    db: sqlite_utils.Database,
    publishers: Mapping[str, Publisher],
    page_id: int | None = None,
    source: str | None = None,
) -> list[Group]:
    """Every group (or the group of one page, or the groups with a member from one source), each pair
    re-judged now; groups ordered by their original's first capture."""
    from archive.copies.index import judge

    seed = None
    if page_id is not None:
        row = db.execute("SELECT version_id FROM copy_signatures WHERE page_id = ?", [page_id]).fetchone()
        if row is None:
            return []
        seed = row[0]
    edges = _edges(db, seed)
    members = _members(db, {v for edge in edges for v in edge})
    kept = [
        (a, b)
        for a, b in edges
        if a in members and b in members and judge(db, members[a].body, members[b].body)
    ]
    groups = []
    for component in _components(kept):
        if seed is not None and seed not in component:
            continue
        chosen = [members[v] for v in component]
        if source is not None and all(m.source != source for m in chosen):
            continue
        groups.append(build_group(db, chosen, publishers))
    return sorted(groups, key=lambda g: (g.original.first_seen, g.original.page_id))


def group_json(group: Group) -> dict[str, object]:
    """A group as `courtnews copies --json` prints it."""
    o = group.original
    return {
        "original": {
            "url": o.url,
            "source": o.source,
            "published": o.published,
            "first_seen": o.first_seen,
            "why": group.why,
        },
        "members": [
            {
                "url": c.member.url,
                "source": c.member.source,
                "published": c.member.published,
                "first_seen": c.member.first_seen,
                "containment": c.containment,
                "similarity": c.similarity,
                "missing": c.missing,
                "added": c.added,
            }
            for c in group.copies
        ],
    }


def save_groups(db: sqlite_utils.Database, groups: list[Group], computed_at: str) -> None:
    """Replace the copy_groups table's rows with these groups (one row a member, the original first)."""
    db.execute("DELETE FROM copy_groups")
    for number, group in enumerate(groups, 1):
        sites = len({m.source for m in group.members})
        o = group.original
        rows: list[tuple[object, ...]] = [(number, o.page_id, o.url, o.source, "original", group.why, o.published, o.first_seen, sites,
                 None, None, None, None, None, computed_at)]  # fmt: skip
        rows += [
            (
                number,
                c.member.page_id,
                c.member.url,
                c.member.source,
                "copy",
                None,
                c.member.published,
                c.member.first_seen,
                sites,
                c.containment,
                c.similarity,
                len(c.missing),
                len(c.added),
                c.in_a_word,
                computed_at,
            )  # fmt: skip
            for c in group.copies
        ]
        db.conn.executemany(
            "INSERT OR REPLACE INTO copy_groups (group_id, page_id, url, source, role, why, published, first_seen, "
            "sites, containment, similarity, missing, added, divergence, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def page_of(db: sqlite_utils.Database, url: str) -> int | None:
    """The archived page at url, however its address is spelled (archive.urls.page_key); None if none."""
    from archive.urls import page_key

    row = db.execute("SELECT id FROM pages WHERE url_key = ?", [page_key(url)]).fetchone()
    return int(row[0]) if row else None


def has_copies_index(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'copy_pairs'").fetchone() is not None
