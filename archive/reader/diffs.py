"""Character-level differences between two versions' texts, for Chinese (which has no spaces to split words at).

Paragraphs are aligned first (difflib on lines), so a moved or new paragraph reads as one; within a changed
paragraph, characters are compared (difflib without its junk heuristic, which would ignore common characters
such as 的 and 。). The result serves both views: inline (one text with deletions and insertions marked) and
side by side (old and new paragraphs in rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import zip_longest

# A piece of text and what happened to it: "equal", "delete" (only in the old text) or "insert" (only in the new)
Piece = tuple[str, str]


@dataclass
class Row:
    """One aligned paragraph: its old and new form as pieces (None where it exists on one side only)."""

    old: list[Piece] | None
    new: list[Piece] | None

    @property
    def changed(self) -> bool:
        return self.old is None or self.new is None or any(tag != "equal" for tag, _ in self.old + self.new)

    @property
    def inline(self) -> list[Piece]:
        """The paragraph as one text: deletions before the insertions that replace them."""
        if self.old is None:
            return self.new or []
        if self.new is None:
            return self.old
        return _merge(self.old, self.new)


def char_diff(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """old and new as pieces: equal runs, and what only one side has."""
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(("equal", old[i1:i2]))
            right.append(("equal", new[j1:j2]))
            continue
        if i2 > i1:
            left.append(("delete", old[i1:i2]))
        if j2 > j1:
            right.append(("insert", new[j1:j2]))
    return left, right


def _merge(old: list[Piece], new: list[Piece]) -> list[Piece]:
    """Interleave the two sides of one char_diff: each equal run once, a deletion before its insertion."""
    merged: list[Piece] = []
    i = j = 0
    while i < len(old) or j < len(new):
        if i < len(old) and old[i][0] == "delete":
            merged.append(old[i])
            i += 1
        elif j < len(new) and new[j][0] == "insert":
            merged.append(new[j])
            j += 1
        else:  # both at the same equal run
            merged.append(old[i] if i < len(old) else new[j])
            i += 1
            j += 1
    return merged


def diff_rows(old_text: str | None, new_text: str | None) -> list[Row]:
    """The two texts as aligned paragraphs (a paragraph is a line)."""
    old_lines = (old_text or "").splitlines()
    new_lines = (new_text or "").splitlines()
    rows: list[Row] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row([("equal", line)], [("equal", line)]) for line in old_lines[i1:i2]]
        elif tag == "delete":
            rows += [Row([("delete", line)], None) for line in old_lines[i1:i2]]
        elif tag == "insert":
            rows += [Row(None, [("insert", line)]) for line in new_lines[j1:j2]]
        else:
            for old, new in zip_longest(old_lines[i1:i2], new_lines[j1:j2]):
                if old is None:
                    rows.append(Row(None, [("insert", new)]))
                elif new is None:
                    rows.append(Row([("delete", old)], None))
                else:
                    rows.append(Row(*char_diff(old, new)))
    return rows


def counts(rows: list[Row]) -> tuple[int, int]:
    """Characters deleted and inserted."""
    deleted = sum(len(text) for row in rows for tag, text in row.old or [] if tag == "delete")
    inserted = sum(len(text) for row in rows for tag, text in row.new or [] if tag == "insert")
    return deleted, inserted
