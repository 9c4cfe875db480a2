"""Bytes to text the way Chinese court sites need: BOM, header, meta, strict UTF-8, then GB18030, and a
plausibility test on the result, so that mojibake is refused instead of stored as text.

Scrapy alone guesses UTF-8 then cp1252 when nothing is declared, which turns GBK pages into mojibake; and
some pages declare gb2312 while being UTF-8. A declared charset is trusted only if the bytes decode under it
into plausible text:
- a GB-family declaration over valid, non-ASCII UTF-8 is a mislabelled UTF-8 page;
- a single-byte declaration (ISO-8859-1, windows-1252, US-ASCII: Tomcat's default) decodes any bytes, so it is
  kept only when the bytes are neither UTF-8 nor GB18030 with Chinese text;
- a UTF-16 declaration without a byte-order mark over ASCII-compatible bytes is ignored (as browsers do);
- a page that fails strict UTF-8 by a few bytes (a stray byte, a last character cut in transfer) is UTF-8
  with replacement characters, not a GB18030 page;
- whatever was chosen must read as text (``plausibility``): else ``Decoded.refused`` says why.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# The GB family is a chain of supersets: decode any of them as the widest.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",  # Big5 with the Hong Kong extension, as browsers decode it
}
# Declarations that decode any byte string, so they prove nothing about the bytes.
SINGLE_BYTE = {"latin_1", "iso8859-1", "cp1252", "ascii"}
# WHATWG: a page declared ISO-8859-1 or US-ASCII is decoded as windows-1252.
_WHATWG_SINGLE_BYTE = "cp1252"

_REPLACED_RUN = re.compile("\ufffd+")
NEAR_UTF8_SHARE = (
    0.001  # invalid sequences per valid non-ASCII character still read as UTF-8 with a stray byte
)
TRUNCATED_TAIL = 4  # bytes at the very end where a cut multibyte character may sit


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    how: str  # bom | header | meta | utf-8 | gb18030 | big5 | fallback
    note: str | None = None  # set when a declared charset was wrong or bytes were replaced
    refused: str | None = None  # set when no decoding yields plausible text: never store this text


def _normalise(name: str) -> str | None:
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _near_utf8(raw: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few invalid sequences (at most NEAR_UTF8_SHARE of the valid non-ASCII characters, at least
    one allowed), or invalid bytes only in the last few (a cut last character): the text and the count."""
    text = raw.decode("utf-8", "replace")
    # one run of U+FFFD is one error (a stray byte replaces its whole character); the page's own U+FFFD are not
    errors = len(_REPLACED_RUN.findall(raw.replace(b"\xef\xbf\xbd", b"\0").decode("utf-8", "replace")))
    if errors <= 0:
        return text, 0
    if _strict(raw[:-TRUNCATED_TAIL], "utf-8") is not None:
        return text, errors
    valid = sum(1 for ch in text if ord(ch) > 0x7F) - errors
    return (text, errors) if errors <= max(1.0, NEAR_UTF8_SHARE * valid) else None


def declared_charsets(raw: bytes, content_type: str | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        found.append(("header", m.group(1)))
    if meta := _META_CHARSET.search(raw[:4096]):
        found.append(("meta", meta.group(1).decode("ascii", "replace")))
    return found


# ---------------------------------------------------------------- plausibility
def _charset_chars(encoding: str, leads: range, trails: range) -> frozenset[str]:
    chars = set()
    for lead in leads:
        for trail in trails:
            text = _strict(bytes((lead, trail)), encoding)
            if text and len(text) == 1:
                chars.add(text)
    return frozenset(chars)


# The hanzi that make up nearly all real Chinese text: GB2312 level 1 (3,755 simplified) and Big5's frequent
# set (5,401 traditional). Mojibake draws on the rest: UTF-8 read as GBK gives level-2 and GBK-extension hanzi.
COMMON_HANZI = _charset_chars("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)) | _charset_chars(
    "big5", range(0xA4, 0xC7), range(0x40, 0xFF)
)
# Byte sequences of one encoding read as another, named for the reason they give.
MOJIBAKE_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("UTF-8 replacement characters read as GBK (锟斤拷)", re.compile("锟斤拷|烫烫烫|屯屯屯")),
    ("UTF-8 punctuation read as GBK (鈥)", re.compile("鈥[\u0080-\uffff]")),
    (
        "UTF-8 read as Latin-1 (æ–‡, Ã©)",
        re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2013-\u203a\u0152-\u0192]"),
    ),
)
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>|&[#\w]+;", re.S | re.I)
PLAUSIBILITY_SAMPLE = 200_000  # characters of visible text examined: enough to judge, bounded cost
MIN_JUDGED = 20  # fewer non-ASCII characters than this cannot be judged; an English page is plausible
MAX_RARE_SHARE = 0.25  # rare hanzi, private-use, unassigned and control characters among the non-ASCII
MAX_REPLACED_SHARE = 0.01  # runs of U+FFFD per non-ASCII character
MAX_SIGNS = 3  # mojibake signatures in a page that is not about encodings
MAX_LATIN_SHARE = 0.4  # accented Latin letters among all letters: a Chinese page read as Latin-1


def _is_rare(ch: str) -> bool:
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
        return ch not in COMMON_HANZI
    if 0xE000 <= code <= 0xF8FF or 0x80 <= code <= 0x9F:  # private use, C1 controls
        return True
    return unicodedata.category(ch) in ("Cn", "Co", "Cs")


_ASCII_RUN = re.compile(r"[\x00-\x7f]+")
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")


def plausibility(text: str) -> str | None:
    """Why decoded text is not plausible text, or None. Judges the visible text: share of rare characters,
    of replacement characters, mojibake signatures and Latin-1 letters standing in for Chinese.

    Characters are judged once per distinct character (a page uses a few thousand), then weighted by how
    often they occur: the same counts as judging every character, at C speed over a long page."""
    visible = "".join(_TAGS.sub(" ", text[: PLAUSIBILITY_SAMPLE * 3]).split())[:PLAUSIBILITY_SAMPLE]
    counts = Counter(_ASCII_RUN.sub("", visible))  # the non-ASCII characters, each with its count
    non_ascii = sum(counts.values())
    if non_ascii < MIN_JUDGED:
        return None
    replaced = len(_REPLACED_RUN.findall(visible))  # one bad sequence, however many characters it replaced
    if replaced > MAX_REPLACED_SHARE * non_ascii:
        return f"undecodable text: {replaced} runs of U+FFFD among {non_ascii} non-ASCII characters"
    rare = sum(n for ch, n in counts.items() if ch != "\ufffd" and _is_rare(ch))
    if rare > MAX_RARE_SHARE * non_ascii:
        return f"mojibake: {rare} of {non_ascii} non-ASCII characters are rare, private-use or unassigned"
    for name, sign in MOJIBAKE_SIGNS:
        if len(sign.findall(visible)) > MAX_SIGNS:
            return f"mojibake: {name}"
    alpha = [(ch, n) for ch, n in counts.items() if ch.isalpha()]
    letters = sum(len(run) for run in _ASCII_LETTERS.findall(visible)) + sum(n for _, n in alpha)
    latin = sum(n for ch, n in alpha if 0xC0 <= ord(ch) <= 0x24F)
    if letters >= MIN_JUDGED and latin > MAX_LATIN_SHARE * letters:
        return f"mojibake: {latin} of {letters} letters are accented Latin (Chinese read as Latin-1)"
    return None


def _has_chinese(text: str) -> bool:
    """Enough common hanzi to prove a multibyte decoding right over a single-byte declaration."""
    return sum(1 for ch in text if ch in COMMON_HANZI) >= MIN_JUDGED and plausibility(text) is None


# ---------------------------------------------------------------- decoding
@dataclass(frozen=True)
class _Candidate:
    text: str
    encoding: str
    how: str
    note: str | None = None


def _declared(raw: bytes, how: str, name: str, utf8: str | None, notes: list[str]) -> _Candidate | None:
    """The declared charset's reading of the bytes, if it holds; else None with a note saying why not."""
    encoding = _normalise(name)
    if encoding is None:
        notes.append(f"unknown {how} charset {name!r}")
        return None
    if encoding.startswith("utf-16"):
        head = raw[:1024]
        # markup in UTF-16 has a NUL beside every '<'; without one the bytes are ASCII-compatible and the
        # declaration is wrong (browsers then read the page as UTF-8)
        order = "utf-16-le" if b"<\x00" in head else "utf-16-be" if b"\x00<" in head else None
        if order is None:
            notes.append(f"{how} declares {name!r} without a byte-order mark over ASCII-compatible bytes")
            return None
        return _Candidate(raw.decode(order, "replace"), order, how)
    if encoding in SINGLE_BYTE and not raw.isascii():
        notes.append(f"{how} declares single-byte {name!r}; checked against the bytes")
        return None  # decided after the multibyte readings: see decode_html
    if encoding == "utf-8":
        near = (utf8, 0) if utf8 is not None else _near_utf8(raw)
        if near is None:
            notes.append(f"{how} charset {name!r} does not decode these bytes")
            return None
        text, errors = near
        return _Candidate(
            text, "utf-8", how, f"{errors} invalid UTF-8 sequences replaced" if errors else None
        )
    strict = _strict(raw, encoding)
    if strict is None:
        notes.append(f"{how} charset {name!r} does not decode these bytes")
        return None
    # A GB-family declaration over bytes that are valid, non-ASCII UTF-8 is a mislabelled UTF-8 page:
    # real GBK text almost never forms valid UTF-8 sequences.
    if encoding == "gb18030" and utf8 is not None and not raw.isascii():
        return _Candidate(utf8, "utf-8", "utf-8", f"{how} declares {name!r} but the bytes are UTF-8")
    return _Candidate(strict, encoding, how)


def _sniffed(raw: bytes, utf8: str | None) -> Iterator[_Candidate]:
    """Readings of undeclared (or wrongly declared) bytes, most likely first (each decoded when asked for)."""
    if utf8 is not None:
        yield _Candidate(utf8, "utf-8", "utf-8")
    elif near := _near_utf8(raw):
        yield _Candidate(near[0], "utf-8", "utf-8", f"{near[1]} invalid UTF-8 sequences replaced")
    for encoding, how in (("gb18030", "gb18030"), ("big5hkscs", "big5")):
        if (text := _strict(raw, encoding)) is not None:
            yield _Candidate(text, encoding, how)


def _fallbacks(raw: bytes) -> Iterator[_Candidate]:
    """Lossy readings, when no strict one held: the one with fewer replacement characters first."""
    readings = [
        _Candidate(raw.decode(encoding, "replace"), encoding, "fallback", "undecodable bytes replaced")
        for encoding in ("gb18030", "utf-8")
    ]
    yield from sorted(readings, key=lambda c: c.text.count("\ufffd"))


def decode_html(raw: bytes, content_type: str | None = None) -> Decoded:
    """The page's text, how it was decoded, a note on wrong declarations, and a refusal for mojibake."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _finish([_Candidate(raw[len(bom) :].decode(encoding, "replace"), encoding, "bom")], [])
    utf8 = _strict(raw, "utf-8")
    notes: list[str] = []
    candidates: list[_Candidate] = []
    single_byte: list[_Candidate] = []
    for how, name in declared_charsets(raw, content_type):
        found = _declared(raw, how, name, utf8, notes)
        if found is not None:
            candidates.append(found)
        elif _normalise(name) in SINGLE_BYTE:
            single_byte.append(
                _Candidate(raw.decode(_WHATWG_SINGLE_BYTE, "replace"), _WHATWG_SINGLE_BYTE, how)
            )
    # the readings after the declared ones are made only when every reading before them failed
    sniffed: Iterable[_Candidate] = _sniffed(raw, utf8)
    if single_byte:
        # a single-byte declaration loses to a multibyte reading only when that reading is Chinese text
        sniffed = list(sniffed)
        candidates += [c for c in sniffed if _has_chinese(c.text)] + single_byte
    return _finish(chain(candidates, sniffed, _fallbacks(raw)), notes)


def _finish(candidates: Iterable[_Candidate], notes: list[str]) -> Decoded:
    """The first plausible reading; when none is, the first one, refused with the reason it failed."""
    first_failure: str | None = None
    best: _Candidate | None = None
    for candidate in candidates:
        best = best or candidate
        failure = plausibility(candidate.text)
        if failure is None:
            note = "; ".join([*notes, *([candidate.note] if candidate.note else [])]) or None
            return Decoded(candidate.text, candidate.encoding, candidate.how, note)
        first_failure = first_failure or f"{failure} (as {candidate.encoding})"
    assert best is not None, "there is always a fallback reading"
    return Decoded(best.text, best.encoding, best.how, "; ".join(notes) or None, refused=first_failure)


def looks_binary(raw: bytes) -> bool:
    """A body with NUL bytes or mostly control bytes is not HTML, whatever its Content-Type says."""
    head = raw[:2048]
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control / len(head) > 0.1
