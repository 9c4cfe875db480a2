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
  with replacement characters, not a GB18030 page; a handful of bad bytes is tolerated whatever the page's
  length (with a ratio, so that a tiny page of mostly bad bytes is not), and the note names their count and
  byte offsets;
- a GB-family page holding runs of valid UTF-8 (a paragraph pasted from a UTF-8 source) has those runs read
  as UTF-8, each run judged by both readings (text as UTF-8, mojibake as GB18030), with a note naming them:
  GB18030-read UTF-8 (鍒ゅ喅) is never stored;
- whatever was chosen must read as text (``plausibility``): else ``Decoded.refused`` says why.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
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
    0.001  # invalid sequences per valid multibyte character of a long UTF-8 page with stray bytes
)
HANDFUL = 8  # invalid sequences tolerated whatever the page's length (a stray byte, a cut character) …
HANDFUL_EVIDENCE = 10  # … in UTF-8 when valid multibyte characters outnumber them this many times (GBK read
# as UTF-8 has nearly none: a GBK byte pair is rarely a 3-byte UTF-8 sequence)
TRUNCATED_TAIL = 4  # bytes at the very end where a cut multibyte character may sit
_NOTED_OFFSETS = 5  # byte offsets a note names; the count says how many there were


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


# A codec error handler that replaces as 'replace' does and remembers where, for the first few invalid
# sequences (per thread: extraction threads decode side by side); past them it stops the decoder, and the
# count comes from the replacement characters of a plain 'replace' decoding (in C: GBK read as UTF-8 has an
# invalid sequence at nearly every character).
_ERRORS = threading.local()


class _Enough(Exception):
    """Raised by the handler once it has seen more invalid sequences than a note names."""


def _replace_noting(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    spans: list[tuple[int, int]] = _ERRORS.spans
    if not spans or spans[-1][1] != error.start:  # a new sequence, not the next bytes of the last one
        spans.append((error.start, error.end))
        if len(spans) > _NOTED_OFFSETS:
            raise _Enough
    else:
        spans[-1] = (spans[-1][0], error.end)
    return "\ufffd", error.end


codecs.register_error("courtnews-replace-noting", _replace_noting)
# the page's own U+FFFD, as each codec writes it: text, not an invalid sequence
_LITERAL_REPLACEMENT = {"utf-8": b"\xef\xbf\xbd", "gb18030": b"\x84\x31\xa4\x37"}


@dataclass(frozen=True)
class Damage:
    """Invalid sequences a decoding replaced: how many, and where the first few start (byte offsets)."""

    count: int = 0
    offsets: tuple[int, ...] = ()

    def __add__(self, other: Damage) -> Damage:
        return Damage(self.count + other.count, (self.offsets + other.offsets)[: _NOTED_OFFSETS + 1])

    def note(self, what: str) -> str | None:
        """'2 invalid UTF-8 sequences replaced (at byte 120, 4096)': the count, then the first offsets."""
        if not self.count:
            return None
        shown = ", ".join(str(at) for at in self.offsets[:_NOTED_OFFSETS])
        more = ", …" if self.count > _NOTED_OFFSETS else ""
        return f"{self.count} {what} replaced (at byte {shown}{more})"


def decode_noting(raw: bytes, encoding: str, base: int = 0) -> tuple[str, Damage]:
    """raw decoded with invalid bytes replaced (U+FFFD, as 'replace' does) and the damage: how many invalid
    sequences, where the first few start (plus base: where raw starts in the page). Invalid bytes side by side
    are one sequence: a stray byte inside a character spoils the character's other bytes too."""
    try:
        return raw.decode(encoding), Damage()
    except UnicodeDecodeError:
        pass
    _ERRORS.spans = []
    with contextlib.suppress(_Enough):  # the first few are all a note names
        raw.decode(encoding, "courtnews-replace-noting")
    offsets = tuple(base + start for start, _ in _ERRORS.spans)
    text = raw.decode(encoding, "replace")
    literal = _LITERAL_REPLACEMENT.get(encoding)
    marked = raw.replace(literal, b"\0").decode(encoding, "replace") if literal and literal in raw else text
    return text, Damage(len(_REPLACED_RUN.findall(marked)), offsets)


def tolerated(errors: int, judged: int) -> bool:
    """Whether a reading with this many replaced sequences among this many non-ASCII characters is still the
    page's text: at most a handful of them and at most a tenth of the characters (so a tiny page with one
    stray byte is kept, a tiny page of bad bytes is not), or at most MAX_REPLACED_SHARE of a long page."""
    return errors <= MAX_REPLACED_SHARE * judged or (errors <= HANDFUL and errors <= HANDFUL_SHARE * judged)


def _near_utf8(raw: bytes) -> tuple[str, Damage] | None:
    """UTF-8 with a few invalid sequences, or invalid bytes only in the last few (a cut last character): the
    text and the offsets of the invalid sequences. A few: at most NEAR_UTF8_SHARE of the valid multibyte
    characters, or at most a handful outnumbered HANDFUL_EVIDENCE times by valid multibyte characters. The
    page's own U+FFFD are text, not errors."""
    text, damage = decode_noting(raw, "utf-8")
    if not damage.count or _strict(raw[:-TRUNCATED_TAIL], "utf-8") is not None:
        return text, damage
    errors = damage.count
    # valid 3- and 4-byte characters: not the U+FFFD put in, but those the page holds itself
    valid = sum(1 for ch in text if ord(ch) >= 0x800 and ch != "\ufffd") + raw.count(b"\xef\xbf\xbd")
    if errors <= NEAR_UTF8_SHARE * valid or (errors <= HANDFUL and valid >= HANDFUL_EVIDENCE * errors):
        return text, damage
    return None


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
MAX_REPLACED_SHARE = 0.01  # runs of U+FFFD per non-ASCII character of a long page …
HANDFUL_SHARE = 0.1  # … or of a short one holding at most a HANDFUL of them (tolerated)
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
    if not tolerated(replaced, non_ascii):
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
    failure: str | None = None  # known unfit before plausibility is asked (mixed encodings)


# ---------------------------------------------------------------- UTF-8 runs inside GB18030 text
# A run of UTF-8 multibyte characters (2-byte ones only between 3- and 4-byte ones, which GBK pairs rarely form),
# joined across ASCII (digits, markup) into one region: a paragraph pasted from a UTF-8 source with its
# numbers and tags.
_U3 = rb"(?:[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
_UTF8_RUN = rb"(?:" + _U3 + rb"(?:(?:[\xc2-\xdf][\x80-\xbf])*+" + _U3 + rb")*+)"
_UTF8_REGION = re.compile(_UTF8_RUN + rb"(?:[\x00-\x7f]*+" + _UTF8_RUN + rb")*+")
MIN_UTF8_REGION = 2  # non-ASCII characters: one 3-byte character alone is as often two GBK ones by chance
SHORT_UTF8_REGION = (
    3  # fewer characters than this must read as pure text in UTF-8 and pure mojibake in GB18030
)
UTF8_MARGIN = 0.35  # else the share of common hanzi and CJK punctuation must be this much higher in UTF-8
_CJK_PUNCTUATION = re.compile("[\u2010-\u205e\u3000-\u303f\uff00-\uffef]")


def _common_share(text: str) -> float:
    chars = [ch for ch in text if ord(ch) > 0x7F and not ch.isspace()]
    common = sum(1 for ch in chars if ch in COMMON_HANZI or _CJK_PUNCTUATION.match(ch))
    return common / len(chars) if chars else 0.0


def _utf8_regions(raw: bytes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where valid UTF-8 text stands in a GB-family page: regions that read as text in UTF-8 (common hanzi and
    punctuation) and as mojibake in GB18030 (UTF8_MARGIN; SHORT_UTF8_REGION). Real GBK text that happens to
    form valid UTF-8 reads as text in GB18030, so it is never taken. Second, the undecided regions: common
    hanzi alone in UTF-8, yet not mojibake enough in GB18030 to tell (none in the 13.7 million characters of
    ../shared/corpus read as GB18030): neither reading can be trusted there."""
    regions, undecided = [], []
    for match in _UTF8_REGION.finditer(raw):
        if match.end() - match.start() < 3 * MIN_UTF8_REGION:
            continue  # one character: GBK pairs form those by chance all the time (cheap to skip)
        utf8 = _strict(match[0], "utf-8")  # the pattern also takes surrogates and overlong forms
        if utf8 is None:
            continue
        chars = sum(1 for ch in utf8 if ord(ch) > 0x7F)
        if chars < MIN_UTF8_REGION:
            continue
        gb = match[0].decode("gb18030", "replace")
        text, mojibake = _common_share(utf8), _common_share(gb)
        short = chars < SHORT_UTF8_REGION
        if text - mojibake >= UTF8_MARGIN and not (
            short and (text < 1 or any(ch in COMMON_HANZI for ch in gb))
        ):
            regions.append((match.start(), match.end()))
        elif text == 1:
            undecided.append((match.start(), match.end()))
    return regions, undecided


@dataclass(frozen=True)
class _GbReading:
    text: str
    damage: Damage  # GB18030 bytes that were replaced
    regions: list[tuple[int, int]]  # byte spans read as UTF-8
    undecided: list[tuple[int, int]]  # byte spans that may be UTF-8 or GBK: the reading cannot be trusted

    @property
    def failure(self) -> str | None:
        if not self.undecided:
            return None
        spans = ", ".join(f"{a}-{b}" for a, b in self.undecided[:_NOTED_OFFSETS])
        return f"mixed encodings: bytes {spans} read as text in UTF-8 and may be GB18030 text too"

    @property
    def note(self) -> str | None:
        notes = []
        if self.regions:
            spans = ", ".join(f"{a}-{b}" for a, b in self.regions[:_NOTED_OFFSETS])
            more = ", …" if len(self.regions) > _NOTED_OFFSETS else ""
            notes.append(
                f"{len(self.regions)} runs of UTF-8 inside GB18030 text read as UTF-8 (bytes {spans}{more})"
            )
        if self.damage.count:
            notes.append(self.damage.note("undecodable GB18030 sequences") or "")
        return "; ".join(notes) or None


@lru_cache(maxsize=2)  # the declared, sniffed and lossy readings of one page ask for the same reading
def _gb_reading(raw: bytes) -> _GbReading:
    """The page read as GB18030, its runs of UTF-8 text (_utf8_regions) read as UTF-8, invalid bytes replaced
    and noted."""
    regions, undecided = _utf8_regions(raw) if not raw.isascii() else ([], [])
    parts: list[str] = []
    damage = Damage()
    at = 0
    for start, end in [*regions, (len(raw), len(raw))]:
        text, found = decode_noting(raw[at:start], "gb18030", base=at)
        parts += [text, raw[start:end].decode("utf-8")]
        damage += found
        at = end
    return _GbReading("".join(parts), damage, regions, undecided)


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
        near = (utf8, Damage()) if utf8 is not None else _near_utf8(raw)
        if near is None:
            notes.append(f"{how} charset {name!r} does not decode these bytes")
            return None
        text, damage = near
        return _Candidate(text, "utf-8", how, damage.note("invalid UTF-8 sequences"))
    # A GB-family declaration over bytes that are valid, non-ASCII UTF-8 is a mislabelled UTF-8 page:
    # real GBK text almost never forms valid UTF-8 sequences.
    if encoding == "gb18030" and utf8 is not None and not raw.isascii():
        return _Candidate(utf8, "utf-8", "utf-8", f"{how} declares {name!r} but the bytes are UTF-8")
    # … and so is one over UTF-8 with a stray byte (near UTF-8 needs ten valid multibyte characters per bad
    # sequence, which GBK text never has)
    if encoding == "gb18030" and not raw.isascii() and (near := _near_utf8(raw)):
        damaged = near[1].note("invalid UTF-8 sequences")
        return _Candidate(
            near[0], "utf-8", "utf-8", f"{how} declares {name!r} but the bytes are UTF-8; {damaged}"
        )
    if encoding == "gb18030":
        reading = _gb_reading(raw)
        if reading.damage.count and not tolerated(reading.damage.count, _non_ascii(reading.text)):
            notes.append(f"{how} charset {name!r} does not decode these bytes")
            return None
        return _Candidate(reading.text, encoding, how, reading.note, reading.failure)
    strict = _strict(raw, encoding)
    if strict is None:
        notes.append(f"{how} charset {name!r} does not decode these bytes")
        return None
    return _Candidate(strict, encoding, how)


def _non_ascii(text: str) -> int:
    return sum(1 for ch in text if ord(ch) > 0x7F)


def _sniffed(raw: bytes, utf8: str | None) -> Iterator[_Candidate]:
    """Readings of undeclared (or wrongly declared) bytes, most likely first (each decoded when asked for)."""
    if utf8 is not None:
        yield _Candidate(utf8, "utf-8", "utf-8")
    elif near := _near_utf8(raw):
        yield _Candidate(near[0], "utf-8", "utf-8", near[1].note("invalid UTF-8 sequences"))
    reading = _gb_reading(raw)
    if not reading.damage.count:
        yield _Candidate(reading.text, "gb18030", "gb18030", reading.note, reading.failure)
    if (text := _strict(raw, "big5hkscs")) is not None:
        yield _Candidate(text, "big5hkscs", "big5")
    if reading.damage.count:  # a few bad bytes in GB18030 text: plausibility judges how many (tolerated)
        yield _Candidate(reading.text, "gb18030", "fallback", reading.note, reading.failure)


def _fallbacks(raw: bytes) -> Iterator[_Candidate]:
    """Lossy readings, when no strict one held: the one with fewer replacement characters first."""
    gb = _gb_reading(raw)
    text, damage = decode_noting(raw, "utf-8")
    readings = [
        _Candidate(gb.text, "gb18030", "fallback", gb.note, gb.failure),
        _Candidate(text, "utf-8", "fallback", damage.note("invalid UTF-8 sequences")),
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
        failure = candidate.failure or plausibility(candidate.text)
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
