"""The content facts of a version, shared by the store and the schema's data migrations: what text counts
(normalised: layout never makes a version), its hash, and which fields changed. Pure: no SQLite."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata

from archive.model import HASHED_FIELDS, STORED_FIELDS

CONTENT_KINDS = ("first", "changed", "restored")  # versions with text

_WHITESPACE = re.compile(r"\s+")
# a space beside a Chinese character or punctuation mark is layout: Chinese text has no word spaces
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2026"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def normalise_text(value: str | None) -> str:
    """Unicode NFKC, whitespace folded per line (and dropped beside Chinese characters), blank lines dropped:
    layout noise, such as a space added after 。, never makes a version."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", value)
    lines = (_SPACE_BY_CJK.sub("", _WHITESPACE.sub(" ", line).strip()) for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(fields: dict[str, object], with_comments: bool = False) -> str:
    """sha1 of compact, key-sorted JSON of the normalised hashed fields (as git-history does); the comments
    (a JSON text) count only with_comments."""
    payload = {name: normalise_text(str(fields.get(name) or "")) for name in HASHED_FIELDS}
    if with_comments and fields.get("comments"):
        payload["comments"] = normalise_text(str(fields["comments"]))
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()


def changed_fields(old: dict[str, object] | None, new: dict[str, object]) -> list[str]:
    if old is None:
        return [name for name in STORED_FIELDS if new.get(name)]
    return [
        name
        for name in STORED_FIELDS
        if normalise_text(str(old.get(name) or "")) != normalise_text(str(new.get(name) or ""))
    ]
