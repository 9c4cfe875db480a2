"""How text is cut and compared for change forensics: paragraphs, sentences and the comparison key.

Rules:
- A paragraph is a non-blank line of the body (extraction writes one paragraph a line).
- A sentence ends after 。！？；!?… (a run of them), keeping the closing quotes and brackets that follow; a
  half-width ``.`` or ``;`` ends one too unless it sits inside a number (3.5) or a word (www.court.gov.cn).
- The key a text is compared by drops whitespace and maps full-width ASCII punctuation, the ideographic
  full stop and every quote style to one form: two texts with equal keys differ only cosmetically.
  The key maps one character to at most one character, so a position in a key maps back to the text.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

_QUOTES = "“”„‟〝〞＂「」『』‘’‚‛＇'"
_WHITESPACE = " \t\r\n\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u3000\ufeff"


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _WHITESPACE}
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII forms: letters, digits, punctuation
        table[code] = unicodedata.normalize("NFKC", chr(code))
    table.update({ord(c): '"' for c in _QUOTES})
    table.update(
        {ord("。"): ".", ord("｡"): ".", ord("【"): "[", ord("】"): "]", ord("〔"): "[", ord("〕"): "]"}
    )
    table.update(
        {ord("—"): "-", ord("－"): "-", ord("～"): "~", ord("·"): "·", ord("・"): "·", ord("•"): "·"}
    )
    return table


KEY_TABLE = _table()

# a run of sentence enders and the closing quotes or brackets after it; a half-width . or ; only where no
# letter or digit follows (3.5 and www.court.gov.cn are not cut)
_END = re.compile(r"(?:[。！？；!?…]|[.;](?![0-9A-Za-z]))+[”’\"'」』）)\]】》〕]*")


def key(text: str) -> str:
    """The comparison key: whitespace gone, punctuation widths and quote styles made one."""
    return text.translate(KEY_TABLE)


def key_with_positions(text: str) -> tuple[str, list[int]]:
    """The key and, for each of its characters, the position of the character of text it came from."""
    chars: list[str] = []
    positions: list[int] = []
    for index, char in enumerate(text):
        mapped = KEY_TABLE.get(ord(char), char)
        if mapped:
            chars.append(mapped)
            positions.append(index)
    return "".join(chars), positions


def paragraphs(body: str | None) -> list[str]:
    """The body's non-blank lines, stripped."""
    return [line.strip() for line in (body or "").splitlines() if line.strip()]


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut after each run of sentence enders (see the module's rule), stripped, none empty."""
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(paragraph):
        piece = paragraph[start : match.end()].strip()
        if piece:
            pieces.append(piece)
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


# above this many character pairs (about 2,000 x 2,000) difflib's exact alignment is quadratic on a long
# text with few distinct characters: its "popular character" heuristic (autojunk) is used instead
EXACT_LIMIT = 4_000_000


def _ends(a: str, b: str) -> tuple[int, int]:
    """How many characters a and b share at the start, and then at the end."""
    prefix = 0
    limit = min(len(a), len(b))
    while prefix < limit and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    return prefix, suffix


def common_ends(a: str, b: str) -> int:
    """Characters a and b share at their start and end (never counted twice)."""
    return sum(_ends(a, b))


def char_opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes from a to b, the unchanged start and end taken off first (one local edit in a long
    sentence costs only its middle); a middle longer than EXACT_LIMIT is aligned with autojunk."""
    prefix, suffix = _ends(a, b)
    mid_a, mid_b = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, prefix, 0, prefix)] if prefix else []
    if mid_a or mid_b:
        matcher = SequenceMatcher(None, mid_a, mid_b, autojunk=len(mid_a) * len(mid_b) > EXACT_LIMIT)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            ops.append((tag, i1 + prefix, i2 + prefix, j1 + prefix, j2 + prefix))
    if suffix:
        ops.append(("equal", len(a) - suffix, len(a), len(b) - suffix, len(b)))
    return ops
