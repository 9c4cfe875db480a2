"""Bytes to text the way Chinese court sites need: header, BOM, meta, strict UTF-8, then GB18030.

Scrapy alone guesses UTF-8 then cp1252 when nothing is declared, which turns GBK pages into mojibake; and
some pages declare gb2312 while being UTF-8. A declared charset is trusted only if the bytes decode under it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

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
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    how: str  # header | bom | meta | utf-8 | gb18030 | fallback
    note: str | None = None  # set when a declared charset was wrong


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


def declared_charsets(raw: bytes, content_type: str | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if content_type and (m := _HEADER_CHARSET.search(content_type)):
        found.append(("header", m.group(1)))
    if m := _META_CHARSET.search(raw[:4096]):
        found.append(("meta", m.group(1).decode("ascii", "replace")))
    return found


def decode_html(raw: bytes, content_type: str | None = None) -> Decoded:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return Decoded(raw[len(bom) :].decode(encoding, "replace"), encoding, "bom")
    utf8 = _strict(raw, "utf-8")
    notes = []
    for how, name in declared_charsets(raw, content_type):
        encoding = _normalise(name)
        if encoding is None:
            notes.append(f"unknown {how} charset {name!r}")
            continue
        text = _strict(raw, encoding)
        if text is None:
            notes.append(f"{how} charset {name!r} does not decode these bytes")
            continue
        # A GB-family declaration over bytes that are valid, non-ASCII UTF-8 is a mislabelled UTF-8 page:
        # real GBK text almost never forms valid UTF-8 sequences.
        if encoding == "gb18030" and utf8 is not None and not raw.isascii():
            return Decoded(utf8, "utf-8", "utf-8", f"{how} declares {name!r} but the bytes are UTF-8")
        return Decoded(text, encoding, how, "; ".join(notes) or None)
    if utf8 is not None:
        return Decoded(utf8, "utf-8", "utf-8", "; ".join(notes) or None)
    gb = _strict(raw, "gb18030")
    if gb is not None:
        return Decoded(gb, "gb18030", "gb18030", "; ".join(notes) or None)
    return Decoded(
        raw.decode("gb18030", "replace"),
        "gb18030",
        "fallback",
        "; ".join([*notes, "undecodable bytes replaced"]),
    )


def looks_binary(raw: bytes) -> bool:
    """A body with NUL bytes or mostly control bytes is not HTML, whatever its Content-Type says."""
    head = raw[:2048]
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control / len(head) > 0.1
