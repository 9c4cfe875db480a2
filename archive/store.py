"""Record a capture and, when the article really changed, a version.

Rules (one transaction per call, so a crash never leaves half a version):
- every fetch is a capture; its raw bytes are stored once, compressed, by sha256;
- an article whose normalised fields hash differently from the page's last version gets a new version;
- a page that is gone (404/410, redirect to a non-article page) gets a dated ``removed`` version, and a
  ``restored`` one when it comes back;
- failures and challenge pages are captures with a reason, never versions.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import sqlite_utils

from archive.search import index_short

HASHED_FIELDS = ("title", "body", "published", "source_name", "author")
STORED_FIELDS = (*HASHED_FIELDS, "published_precision", "editor", "court")
RUN_COUNTERS = (
    "captures",
    "new_pages",
    "new_versions",
    "changed",
    "removed",
    "restored",
    "unchanged",
    "failures",
)

Outcome = Literal["article", "gone", "failed", "challenge"]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Capture:
    """One fetch, as received."""

    url: str
    source: str
    status: int | None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    encoding: str | None = None
    reason: str | None = None
    fetched_at: str = field(default_factory=utc_now)


@dataclass
class ArticleFields:
    """What extraction made of a capture; the archive only stores it."""

    title: str = ""
    body: str = ""
    published: str | None = None
    published_precision: str | None = None
    source_name: str | None = None
    author: str | None = None
    editor: str | None = None
    court: str | None = None
    removed_blocks: list[dict[str, str]] = field(default_factory=list)
    extractor_version: str = ""
    rules_hash: str = ""

    def as_row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in STORED_FIELDS}


@dataclass
class RecordResult:
    outcome: str  # first | changed | unchanged | removed | restored | gone | failed | challenge
    page_id: int
    version: int | None = None
    changed_fields: list[str] = field(default_factory=list)


def normalise_text(value: str | None) -> str:
    """Unicode NFKC, whitespace folded per line, blank lines dropped: layout noise never makes a version."""
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", value)
    lines = (re.sub(r"\s+", " ", line).strip() for line in value.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(fields: dict[str, object]) -> str:
    """sha1 of compact, key-sorted JSON of the normalised hashed fields (as git-history does)."""
    payload = {name: normalise_text(str(fields.get(name) or "")) for name in HASHED_FIELDS}
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


def put_blob(db: sqlite_utils.Database, raw: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    db.execute(
        "INSERT OR IGNORE INTO blobs (digest, size, compression, data) VALUES (?, ?, 'zlib', ?)",
        [digest, len(raw), zlib.compress(raw, 6)],
    )
    return digest


def get_blob(db: sqlite_utils.Database, digest: str) -> bytes:
    rows = list(db.query("SELECT compression, data FROM blobs WHERE digest = ?", [digest]))
    if not rows:
        raise KeyError(f"no stored bytes for {digest}")
    data = rows[0]["data"]
    return zlib.decompress(data) if rows[0]["compression"] == "zlib" else bytes(data)


def _bump(db: sqlite_utils.Database, run_id: int, *counters: str) -> None:
    for counter in counters:
        assert counter in RUN_COUNTERS
        db.execute(f"UPDATE runs SET {counter} = {counter} + 1 WHERE id = ?", [run_id])


def _page(db: sqlite_utils.Database, capture: Capture) -> tuple[dict, bool]:
    rows = list(db.query("SELECT * FROM pages WHERE url = ?", [capture.url]))
    if rows:
        return rows[0], False
    cursor = db.execute(
        "INSERT INTO pages (url, source, first_seen, last_seen, state) VALUES (?, ?, ?, ?, 'new')",
        [capture.url, capture.source, capture.fetched_at, capture.fetched_at],
    )
    return dict(db["pages"].get(cursor.lastrowid)), True


def _last_version(db: sqlite_utils.Database, page_id: int, with_content: bool = False) -> dict | None:
    """The page's newest version; with_content: the newest that has text (not a removal)."""
    where = " AND kind != 'removed'" if with_content else ""
    rows = list(
        db.query(f"SELECT * FROM versions WHERE page_id = ?{where} ORDER BY version DESC LIMIT 1", [page_id])
    )
    return rows[0] if rows else None


def _insert_capture(
    db: sqlite_utils.Database, run_id: int, page_id: int, capture: Capture, outcome: str
) -> int:
    digest = put_blob(db, capture.raw) if capture.raw else None
    cursor = db.execute(
        "INSERT INTO captures (page_id, run_id, url, fetched_at, status, final_url, headers, digest, size, "
        "encoding, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            page_id,
            run_id,
            capture.url,
            capture.fetched_at,
            capture.status,
            capture.final_url,
            json.dumps(capture.headers, ensure_ascii=False),
            digest,
            len(capture.raw) if capture.raw is not None else None,
            capture.encoding,
            outcome,
            capture.reason,
        ],
    )
    return int(cursor.lastrowid)


def _insert_version(
    db: sqlite_utils.Database,
    page_id: int,
    number: int,
    kind: str,
    capture_id: int,
    created_at: str,
    article: ArticleFields | None,
    fields_changed: list[str],
) -> None:
    row: dict[str, object] = {
        "page_id": page_id,
        "version": number,
        "kind": kind,
        "capture_id": capture_id,
        "created_at": created_at,
        "changed_fields": json.dumps(fields_changed),
    }
    if article is not None:
        row.update(article.as_row())
        row["content_hash"] = content_hash(article.as_row())
        row["removed_blocks"] = json.dumps(article.removed_blocks, ensure_ascii=False)
        row["extractor_version"] = article.extractor_version
        row["rules_hash"] = article.rules_hash
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"INSERT INTO versions ({columns}) VALUES ({marks})", list(row.values()))
    index_short(db, int(cursor.lastrowid), row.get("title"), row.get("body"))  # type: ignore[arg-type]
    db.execute("UPDATE pages SET current_version = ? WHERE id = ?", [number, page_id])


def record(
    db: sqlite_utils.Database,
    run_id: int,
    capture: Capture,
    outcome: Outcome,
    article: ArticleFields | None = None,
) -> RecordResult:
    """Store one capture and decide whether it makes a version. All or nothing."""
    with db.atomic():
        page, is_new = _page(db, capture)
        page_id = int(page["id"])
        counters = ["captures"] + (["new_pages"] if is_new else [])
        last = _last_version(db, page_id)
        result: RecordResult
        if outcome == "article":
            assert article is not None, "an article outcome needs the extracted fields"
            new_row = article.as_row()
            new_hash = content_hash(new_row)
            if last is None:
                kind, fields = "first", changed_fields(None, new_row)
            elif last["kind"] == "removed":
                previous = _last_version(db, page_id, with_content=True)
                kind, fields = "restored", changed_fields(previous, new_row)
            elif last["content_hash"] != new_hash:
                kind, fields = "changed", changed_fields(last, new_row)
            else:
                kind, fields = "unchanged", []
            capture_id = _insert_capture(
                db, run_id, page_id, capture, "unchanged" if kind == "unchanged" else "version"
            )
            if kind == "unchanged":
                counters.append("unchanged")
                result = RecordResult("unchanged", page_id, last["version"] if last else None)
            else:
                number = (last["version"] if last else 0) + 1
                _insert_version(db, page_id, number, kind, capture_id, capture.fetched_at, article, fields)
                counters += ["new_versions"] + (
                    {"changed": ["changed"], "restored": ["restored"]}.get(kind, [])
                )
                result = RecordResult(kind, page_id, number, fields)
            state, error = "live", None
        elif outcome == "gone":
            capture_id = _insert_capture(db, run_id, page_id, capture, "gone")
            if last is not None and last["kind"] != "removed":
                number = last["version"] + 1
                _insert_version(db, page_id, number, "removed", capture_id, capture.fetched_at, None, [])
                db.execute("UPDATE captures SET outcome = 'removed' WHERE id = ?", [capture_id])
                counters += ["new_versions", "removed"]
                result = RecordResult("removed", page_id, number)
            else:
                result = RecordResult("gone", page_id, last["version"] if last else None)
            state, error = "removed", capture.reason
        else:
            _insert_capture(db, run_id, page_id, capture, outcome)
            counters.append("failures")
            result = RecordResult(outcome, page_id, last["version"] if last else None)
            state = page["state"] if page["state"] not in (None, "new") else "failed"
            error = capture.reason
        db.execute(
            "UPDATE pages SET last_seen = ?, last_status = ?, state = ?, last_error = ? WHERE id = ?",
            [capture.fetched_at, capture.status, state, error, page_id],
        )
        _bump(db, run_id, *counters)
    return result


def known_urls(db: sqlite_utils.Database, source: str, include_removed: bool = True) -> list[str]:
    """URLs of pages of a source that have at least one version (what a revisit checks again)."""
    sql = "SELECT url FROM pages WHERE source = ? AND current_version IS NOT NULL"
    if not include_removed:
        sql += " AND state != 'removed'"
    return [row["url"] for row in db.query(sql + " ORDER BY last_seen", [source])]
