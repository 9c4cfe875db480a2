"""What kind of edit turns one extracted version of an article into another.

``classify_edits(old, new)`` compares two extracted versions (dicts with title, body, published,
source_name, author, editor; missing keys are empty) and lists the edits, each with a kind of ``KINDS``:

1. Metadata: each field compared by its key (``crawler.edits.text.key``): a different key is
   ``<field>_changed``; the same key with different text is ``cosmetic``.
2. Paragraphs (the body's lines) aligned by key with difflib. Equal keys with different text: ``cosmetic``.
   A paragraph that left one place and appears with the same key elsewhere: ``paragraph_moved``. In a run of
   differing paragraphs, old and new ones are paired best first without crossing (alike: sentences both
   keep make half the shorter one, or difflib ratio >= 0.5), then what is left of all runs is paired the same
   way; what stays unpaired is ``paragraph_removed`` / ``paragraph_added``.
   A run of paragraphs that differs only in where its lines break (the same key joined): ``cosmetic``.
3. Sentences of a paired paragraph aligned the same way: ``sentence_removed`` / ``sentence_added``, and
   sentences paired (ratio >= 0.5, or at most three differing stretches that are all facts) are compared
   character by character.
4. Characters of a paired sentence (difflib on the keys): each differing stretch is a date (``date_changed``)
   when it touches a date, else a name when it touches a name (``name_masked`` when the new side is a masked
   form such as 张某 and the old side is not, ``name_changed`` otherwise; a name with no person context is
   still a name when it is replaced by another throughout the article), else a number (``number_changed``),
   else words (``sentence_edited``). Facts are reported once per fact (old and new are the fact, e.g. 22万元
   and 22余万元); ``sentence_edited`` (old and new are the whole sentences) is added only when some stretch
   is words, so facts replace it when they are the only change.

Positions are 1-based: ``paragraph`` is the paragraph's number and ``sentence`` the sentence's number in it;
what was removed is placed in the old version, everything else in the new one; metadata has neither.
``chars_deleted`` / ``chars_inserted`` count key characters (no whitespace) of the body that were deleted /
inserted: removed and added paragraphs and sentences and the stretches of paired sentences; a move counts
nothing and a cosmetic edit counts nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from crawler.edits import facts
from crawler.edits.text import (
    EXACT_LIMIT,
    char_opcodes,
    common_ends,
    key,
    key_with_positions,
    paragraphs,
    sentences,
)

METADATA = ("title", "published", "source_name", "author", "editor")
META_KIND = {
    "title": "title_changed",
    "published": "published_changed",
    "source_name": "source_changed",
    "author": "author_changed",
    "editor": "editor_changed",
}
KINDS = (
    "title_changed",
    "published_changed",
    "source_changed",
    "author_changed",
    "editor_changed",
    "paragraph_added",
    "paragraph_removed",
    "paragraph_moved",
    "sentence_added",
    "sentence_removed",
    "sentence_edited",
    "number_changed",
    "name_masked",
    "name_changed",
    "date_changed",
    "cosmetic",
)
FACT_KINDS = ("date_changed", "name_masked", "name_changed", "number_changed")
PAIR_RATIO = 0.5  # below it two texts are different texts, not one text edited
MAX_PAIRING = 400  # old x new candidates compared in one run of differing paragraphs or sentences


@dataclass(frozen=True)
class Edit:
    kind: str
    field: str
    old: str | None
    new: str | None
    paragraph: int | None = None
    sentence: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "paragraph": self.paragraph,
            "sentence": self.sentence,
        }


@dataclass
class EditReport:
    edits: list[Edit] = field(default_factory=list)
    chars_deleted: int = 0
    chars_inserted: int = 0
    # (old, new) numbers of the paragraphs paired and edited inside: what a display shows inline (not in JSON)
    paired: list[tuple[int, int]] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return sorted({e.kind for e in self.edits})

    @property
    def significant(self) -> bool:
        """False only when every edit is cosmetic (an identical pair is not significant either)."""
        return any(e.kind != "cosmetic" for e in self.edits)

    def as_dict(self) -> dict:
        return {
            "significant": self.significant,
            "kinds": self.kinds,
            "edits": [e.as_dict() for e in self.edits],
            "chars_deleted": self.chars_deleted,
            "chars_inserted": self.chars_inserted,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


def _text(version: dict, name: str) -> str:
    value = version.get(name)
    return "" if value is None else str(value).strip()


def classify_edits(old: dict, new: dict) -> EditReport:
    """The edits that turn version old into version new (see the module's rules)."""
    report = EditReport()
    for name in METADATA:
        before, after = _text(old, name), _text(new, name)
        if before == after:
            continue
        kind = META_KIND[name] if key(before) != key(after) else "cosmetic"
        report.edits.append(Edit(kind, name, before or None, after or None))
        if kind != "cosmetic" and _restyled(before, after):  # retitled, and its quotes restyled besides
            report.edits.append(Edit("cosmetic", name, before, after))
    _Body(report, _text(old, "body"), _text(new, "body"), old, new).compare()
    return report


def _ratio(a: str, b: str) -> float:
    """difflib's ratio, short-cut when the unchanged start and end alone make the texts alike (the ratio is
    at least that share)."""
    total = len(a) + len(b)
    if total and 2 * common_ends(a, b) / total >= PAIR_RATIO:
        return 2 * common_ends(a, b) / total
    matcher = SequenceMatcher(None, a, b, autojunk=len(a) * len(b) > EXACT_LIMIT)
    if matcher.real_quick_ratio() < PAIR_RATIO or matcher.quick_ratio() < PAIR_RATIO:
        return 0.0
    return matcher.ratio()


def _pairs(old_keys: list[str], new_keys: list[str], score) -> list[tuple[int, int]]:
    """Pairs (i, j) of a run of differing items, best-scoring first, never crossing an accepted pair (order is
    kept), each scoring at least PAIR_RATIO. Runs too large to compare all pairs are paired item by item."""
    if len(old_keys) * len(new_keys) > MAX_PAIRING:
        candidates = [(i, i) for i in range(min(len(old_keys), len(new_keys)))]
        return [(i, j) for i, j in candidates if score(i, j) >= PAIR_RATIO]
    scored = []
    for i in range(len(old_keys)):
        for j in range(len(new_keys)):
            value = score(i, j)
            if value >= PAIR_RATIO:
                scored.append((-value, abs(i - j), i, j))
    accepted: list[tuple[int, int]] = []
    for _, _, i, j in sorted(scored):
        if all((i < a and j < b) or (i > a and j > b) for a, b in accepted):
            accepted.append((i, j))
    return sorted(accepted)


class _Body:
    """One comparison of two bodies. Paragraphs are first aligned by their text, so keys are computed only for
    the paragraphs that differ; the article is searched for a name only when a change touches one."""

    def __init__(self, report: EditReport, old: str, new: str, old_version: dict, new_version: dict) -> None:
        self.report = report
        self.old, self.new = old, new
        # where a name is confirmed as a person's (facts.person_named): both versions, title and body
        self.doc = "\n".join((_text(old_version, "title"), old, _text(new_version, "title"), new))
        self._sides = (_text(old_version, "title") + "\n" + old, _text(new_version, "title") + "\n" + new)
        self._keys: dict[int, str] = {}

    def side(self, index: int) -> str:
        """One version's title and body as a key, made the first time a name needs it."""
        if index not in self._keys:
            self._keys[index] = key(self._sides[index])
        return self._keys[index]

    def add(self, edit: Edit) -> None:
        self.report.edits.append(edit)

    def compare(self) -> None:
        if self.old == self.new:
            return
        before = len(self.report.edits)
        self._compare()
        if len(self.report.edits) == before:  # only blank lines or spaces at the ends of lines differ
            self.add(Edit("cosmetic", "body", self.old, self.new))

    def _compare(self) -> None:
        old_paras, new_paras = paragraphs(self.old), paragraphs(self.new)
        old_keys: dict[int, str] = {}
        new_keys: dict[int, str] = {}
        runs: list[tuple[int, int, int, int]] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_paras, new_paras, autojunk=False).get_opcodes():
            if tag == "equal":
                continue
            old_keys.update((i, key(old_paras[i])) for i in range(i1, i2))
            new_keys.update((j, key(new_paras[j])) for j in range(j1, j2))
            if "".join(old_keys[i] for i in range(i1, i2)) == "".join(new_keys[j] for j in range(j1, j2)):
                # the same text cut into lines differently, or only spacing and punctuation styles differ
                paragraph = j1 + 1 if j2 > j1 else None
                old_text, new_text = "\n".join(old_paras[i1:i2]), "\n".join(new_paras[j1:j2])
                self.add(Edit("cosmetic", "body", old_text, new_text, paragraph))
                continue
            run_old, run_new = list(range(i1, i2)), list(range(j1, j2))
            matcher = SequenceMatcher(
                None, [old_keys[i] for i in run_old], [new_keys[j] for j in run_new], autojunk=False
            )
            for tag2, a1, a2, b1, b2 in matcher.get_opcodes():
                if tag2 != "equal":
                    runs.append((i1 + a1, i1 + a2, j1 + b1, j1 + b2))
                    continue
                for offset in range(a2 - a1):
                    j = j1 + b1 + offset
                    self.add(Edit("cosmetic", "body", old_paras[i1 + a1 + offset], new_paras[j], j + 1))
        removed = [i for i1, i2, _, _ in runs for i in range(i1, i2)]
        added = [j for _, _, j1, j2 in runs for j in range(j1, j2)]
        moved_old, moved_new = self._moves(removed, added, old_keys, new_keys, old_paras, new_paras)
        self._paragraphs(runs, moved_old, moved_new, old_paras, new_paras, old_keys, new_keys)

    def _moves(self, removed, added, old_keys, new_keys, old_paras, new_paras) -> tuple[set[int], set[int]]:
        """Paragraphs taken out in one place and put in, with the same key, in another."""
        waiting: dict[str, list[int]] = {}
        for i in removed:
            waiting.setdefault(old_keys[i], []).append(i)
        moved_old: set[int] = set()
        moved_new: set[int] = set()
        for j in added:
            if waiting.get(new_keys[j]):
                i = waiting[new_keys[j]].pop(0)
                moved_old.add(i)
                moved_new.add(j)
                self.add(Edit("paragraph_moved", "body", new_paras[j], new_paras[j], j + 1))
                if old_paras[i] != new_paras[j]:
                    self.add(Edit("cosmetic", "body", old_paras[i], new_paras[j], j + 1))
        return moved_old, moved_new

    def _paragraphs(self, runs, moved_old, moved_new, old_paras, new_paras, old_keys, new_keys) -> None:
        """Pair the differing paragraphs within each run, then what is left over across runs (a paragraph
        moved next to an edited one splits the edited one's old and new text into two runs)."""
        split_old = {i: sentences(old_paras[i]) for i1, i2, _, _ in runs for i in range(i1, i2)}
        split_new = {j: sentences(new_paras[j]) for _, _, j1, j2 in runs for j in range(j1, j2)}
        sentence_keys_old = {i: {key(s) for s in parts} for i, parts in split_old.items()}
        sentence_keys_new = {j: {key(s) for s in parts} for j, parts in split_new.items()}

        def paired(olds: list[int], news: list[int]) -> list[tuple[int, int]]:
            def score(a: int, b: int) -> float:
                """The share of the shorter paragraph made of sentences both keep (a sentence added to or cut
                from a paragraph), or difflib's ratio."""
                i, j = olds[a], news[b]
                shared = sum(len(k) for k in sentence_keys_old[i] & sentence_keys_new[j])
                shorter = max(min(len(old_keys[i]), len(new_keys[j])), 1)
                return shared / shorter if shared * 2 >= shorter else _ratio(old_keys[i], new_keys[j])

            return [
                (olds[a], news[b])
                for a, b in _pairs([old_keys[i] for i in olds], [new_keys[j] for j in news], score)
            ]

        pairs: list[tuple[int, int]] = []
        for i1, i2, j1, j2 in runs:
            olds = [i for i in range(i1, i2) if i not in moved_old]
            news = [j for j in range(j1, j2) if j not in moved_new]
            pairs += paired(olds, news)
        left_old = sorted(set(split_old) - moved_old - {i for i, _ in pairs})
        left_new = sorted(set(split_new) - moved_new - {j for _, j in pairs})
        if left_old and left_new:
            pairs += paired(left_old, left_new)
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        for i in left_old:
            if i not in paired_old:
                self.add(Edit("paragraph_removed", "body", old_paras[i], None, i + 1))
                self.report.chars_deleted += len(old_keys[i])
        for i, j in sorted(pairs, key=lambda pair: pair[1]):
            before = len(self.report.edits)
            self._sentences(i + 1, j + 1, split_old[i], split_new[j])
            if len(self.report.edits) > before:
                self.report.paired.append((i + 1, j + 1))
        for j in left_new:
            if j not in paired_new:
                self.add(Edit("paragraph_added", "body", None, new_paras[j], j + 1))
                self.report.chars_inserted += len(new_keys[j])

    def _sentences(self, old_number: int, new_number: int, olds: list[str], news: list[str]) -> None:
        old_keys, new_keys = [key(s) for s in olds], [key(s) for s in news]
        if "".join(old_keys) == "".join(new_keys):  # a sentence cut differently by cosmetic punctuation
            self.add(Edit("cosmetic", "body", "".join(olds), "".join(news), new_number))
            return
        matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                for offset in range(i2 - i1):
                    if olds[i1 + offset] != news[j1 + offset]:
                        s = j1 + offset
                        self.add(Edit("cosmetic", "body", olds[i1 + offset], news[s], new_number, s + 1))
                continue
            run_old, run_new = old_keys[i1:i2], new_keys[j1:j2]
            pairs = _pairs(
                run_old, run_new, lambda a, b, o=run_old, n=run_new: self._sentence_score(o[a], n[b])
            )
            paired_old, paired_new = {a for a, _ in pairs}, {b for _, b in pairs}
            for a in range(len(run_old)):
                if a not in paired_old:
                    self.add(Edit("sentence_removed", "body", olds[i1 + a], None, old_number, i1 + a + 1))
                    self.report.chars_deleted += len(run_old[a])
            for a, b in pairs:
                self._characters(new_number, j1 + b + 1, olds[i1 + a], news[j1 + b], run_old[a], run_new[b])
            for b in range(len(run_new)):
                if b not in paired_new:
                    self.add(Edit("sentence_added", "body", None, news[j1 + b], new_number, j1 + b + 1))
                    self.report.chars_inserted += len(run_new[b])

    def _sentence_score(self, a: str, b: str) -> float:
        """How alike two sentences are: difflib's ratio, or PAIR_RATIO when every stretch that differs is a
        fact (郭荣梅说。→ 王丽华说。 is one sentence with a name changed, however short)."""
        ratio = _ratio(a, b)
        if ratio >= PAIR_RATIO:
            return ratio
        old, new = _Facts(a, self.doc, lambda: self.side(0)), _Facts(b, self.doc, lambda: self.side(1))
        stretches = [op for op in char_opcodes(a, b) if op[0] != "equal"]
        if all(_fact(old, new, i1, i2, j1, j2) for _, i1, i2, j1, j2 in stretches) and len(stretches) <= 3:
            return PAIR_RATIO
        return 0.0

    def _characters(self, paragraph: int, sentence: int, old: str, new: str, a: str, b: str) -> None:
        """The stretches that differ in one paired sentence, as facts or words (see the module's rule 4)."""
        facts_of = (_Facts(a, self.doc, lambda: self.side(0)), _Facts(b, self.doc, lambda: self.side(1)))
        found: dict[tuple[str, str, str], None] = {}
        worded = cosmetic = False
        old_at = new_at = None
        for tag, i1, i2, j1, j2 in char_opcodes(a, b):
            if tag == "equal":
                if not cosmetic and old != new:  # the same key: does the text under it differ in style?
                    if old_at is None or new_at is None:
                        old_at, new_at = key_with_positions(old)[1], key_with_positions(new)[1]
                    cosmetic = _raw(old, old_at, i1, i2) != _raw(new, new_at, j1, j2)
                continue
            self.report.chars_deleted += i2 - i1
            self.report.chars_inserted += j2 - j1
            fact = _fact(facts_of[0], facts_of[1], i1, i2, j1, j2)
            if fact is None:
                worded = True
            else:
                found[fact] = None
        for kind, before, after in found:
            self.add(Edit(kind, "body", before, after, paragraph, sentence))
        if worded:
            self.add(Edit("sentence_edited", "body", old, new, paragraph, sentence))
        if cosmetic:
            self.add(Edit("cosmetic", "body", old, new, paragraph, sentence))


class _Facts:
    """The dates, names and numbers of one sentence's key, each found the first time it is asked for."""

    def __init__(self, text: str, doc: str, own: Callable[[], str]) -> None:
        self.text, self.doc, self._own = text, doc, own  # own: this side's version (title and body) as a key
        self._dates: list[facts.Span] | None = None
        self._names: list[facts.Span] | None = None
        self._numbers: list[facts.Span] | None = None

    @property
    def own(self) -> str:
        return self._own()

    def dates(self, start: int, end: int) -> list[facts.Span]:
        if self._dates is None:
            self._dates = facts.date_spans(self.text)
        return facts.touching(self._dates, start, end)

    def names(self, start: int, end: int) -> list[facts.Span]:
        if self._names is None:
            self._names = [self._shortest(span) for span in facts.name_spans(self.text)]
        spans = facts.touching(self._names, start, end)
        if not spans:
            person = facts.person_at(self.text, start, end, self.doc)
            spans = [person] if person else []
        return spans

    def _shortest(self, span: facts.Span) -> facts.Span:
        """张三合同 read as 张三合: a three-character name whose first two characters occur more often in the
        article is the two-character name."""
        if span.masked or len(span.text) != 3 or span.text[:2] in facts.SURNAMES_2:
            return span
        if self.doc.count(span.text[:2]) > self.doc.count(span.text):
            return facts.Span(span.start, span.start + 2, span.text[:2])
        return span

    def numbers(self, start: int, end: int) -> list[facts.Span]:
        if self._numbers is None:
            self._numbers = facts.number_spans(self.text)
        return facts.touching(self._numbers, start, end)


def _restyled(old: str, new: str) -> bool:
    """Whether text both keep (equal keys) is written differently: spacing, punctuation width, quotes."""
    a, old_at = key_with_positions(old)
    b, new_at = key_with_positions(new)
    return any(
        _raw(old, old_at, i1, i2) != _raw(new, new_at, j1, j2)
        for tag, i1, i2, j1, j2 in char_opcodes(a, b)
        if tag == "equal"
    )


def _raw(text: str, positions: list[int], start: int, end: int) -> str:
    """The text under key characters start..end, from the first one's character to the last one's."""
    return text[positions[start] : positions[end - 1] + 1]


def _cover(text: str, spans: list[facts.Span], start: int, end: int) -> str:
    """The text of the spans touched, from the first one's start to the last one's end (or the stretch)."""
    if not spans:
        return text[start:end]
    return text[min(start, spans[0].start) : max(end, spans[-1].end)]


def _name_cover(text: str, spans: list[facts.Span], start: int, end: int) -> str:
    """The name a change of text[start:end] touches, ending where the change ends (see _fact)."""
    if not spans:
        return text[start:end]
    first = min(start, spans[0].start)
    last = max(spans[-1].end if spans[-1].masked else min(spans[-1].end, max(end, first + 2)), end)
    return text[first:last]


def _fact(old: _Facts, new: _Facts, i1: int, i2: int, j1: int, j2: int) -> tuple[str, str, str] | None:
    """The fact a differing stretch old[i1:i2] → new[j1:j2] changes, as (kind, old, new); None for words."""
    a, b = old.text, new.text
    old_dates, new_dates = old.dates(i1, i2), new.dates(j1, j2)
    if old_dates or new_dates:
        return "date_changed", _cover(a, old_dates, i1, i2), _cover(b, new_dates, j1, j2)
    old_names, new_names = old.names(i1, i2), new.names(j1, j2)
    if old_names or new_names:
        new_masked = any(s.masked for s in new_names)
        old_masked = any(s.masked for s in old_names)
        kind = "name_masked" if new_masked and not old_masked else "name_changed"
        # the name ends where the change ends when what follows is unchanged (张三犯 → 张某犯: 张三), but is
        # never cut below a surname and one character; a masked form's end counts as changed
        masked_tail = max((s.end - j2 for s in new_names if s.masked), default=0)
        before = _name_cover(a, old_names, i1, i2 + max(0, masked_tail))
        after = _name_cover(b, new_names, j1, j2)
        if kind == "name_changed" and not (_name_like(before) and _name_like(after)):
            return None  # words replaced next to a name (院长高度重视 → 院长充分重视), not a name
        return kind, before, after
    renamed = _renamed(old, new, i1, i2, j1, j2)
    if renamed is not None:
        return "name_changed", renamed[0], renamed[1]
    old_numbers, new_numbers = old.numbers(i1, i2), new.numbers(j1, j2)
    if old_numbers or new_numbers:
        return "number_changed", _cover(a, old_numbers, i1, i2), _cover(b, new_numbers, j1, j2)
    return None


def _renamed(old: _Facts, new: _Facts, i1: int, i2: int, j1: int, j2: int) -> tuple[str, str] | None:
    """A name replaced by another throughout the article, though no person context names it: both stretches
    (with the same unchanged characters around them) are written as names, the old one is written at least
    twice in the old version and nowhere in the new one, and the new one the other way round."""
    a, b = old.text, new.text
    for length in (2, 3):
        for start in range(max(0, i2 - length), min(i1, len(a) - length) + 1):
            end = start + length
            if not (start <= i1 <= start + 1 and i2 == end):  # the change is the name, or all but its surname
                continue
            before = a[start:end]
            after = b[j1 - (i1 - start) : j2 + (end - i2)] if j1 - (i1 - start) >= 0 else ""
            if (
                after
                and facts.LOOKS_LIKE_NAME.fullmatch(before)
                and facts.LOOKS_LIKE_NAME.fullmatch(after)
                and old.own.count(before) >= 2
                and new.own.count(before) == 0
                and new.own.count(after) >= 2
                and old.own.count(after) == 0
            ):
                return before, after
    return None


def _name_like(text: str) -> bool:
    """Written as a name: a surname and one or two characters, or a masked form (张某, 张××)."""
    return bool(facts.LOOKS_LIKE_NAME.fullmatch(text) or facts.MASKED.fullmatch(text))
