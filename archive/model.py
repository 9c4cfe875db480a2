"""What the archive is handed: a capture (one response, or a failed fetch), the crawler's verdict on it and
the fields extraction made of it; and what recording it gives back. Plain data, no SQLite: extraction workers
build these without loading the archive's storage code (archive.store records them)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

HASHED_FIELDS = ("title", "body", "published", "source_name", "author")
STORED_FIELDS = (*HASHED_FIELDS, "published_precision", "editor", "court")
# replies and readers' comments are stored with a version but make one only when the archive asks for it
# (COMMENTS_MAKE_VERSIONS): a new reply is not the court changing its article

# article: extracted text; gone: the article is not there (404/410, soft 404, redirect to a non-article);
# moved: it redirects to another article (Capture.location); redirect: a hop on the way to the final
# response, no verdict of its own; not-article: a page that is not an article, reached by a redirect;
# not-modified: the server answered a conditional revisit with 304, the page is as last archived;
# failed / challenge: nothing could be read, with the reason.
Outcome = Literal[
    "article", "gone", "moved", "redirect", "not-article", "not-modified", "failed", "challenge"
]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Capture:
    """One response (or failed fetch), as received."""

    url: str  # the URL fetched
    source: str
    status: int | None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = field(default=None, repr=False)
    encoding: str | None = None
    reason: str | None = None
    fetched_at: str = field(default_factory=utc_now)
    location: str | None = None  # where a redirect (or meta refresh) pointed
    page_url: str | None = None  # the page this capture belongs to, when not url (rel=canonical)
    suspect: str | None = None  # why the crawler thinks the page may be incomplete (not stored as such)
    # the connection, for the evidence log: what we asked with, whom we reached, which certificate
    request_headers: dict[str, str] = field(default_factory=dict)
    peer_ip: str | None = None
    tls_cert_sha256: str | None = None


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
    comments: list[dict[str, str | None]] = field(default_factory=list)  # {author, published, text}
    extractor_version: str = ""
    rules_hash: str = ""

    def as_row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in STORED_FIELDS}

    def comments_json(self) -> str | None:
        return json.dumps(self.comments, ensure_ascii=False) if self.comments else None


@dataclass
class Recorded:
    """One capture of a fetch with the verdict the crawler reached on it."""

    capture: Capture
    outcome: Outcome
    article: ArticleFields | None = None


@dataclass
class RecordResult:
    outcome: str  # first | changed | unchanged | removed | moved | restored | gone | redirect | ...
    page_id: int
    version: int | None = None
    changed_fields: list[str] = field(default_factory=list)
    capture_id: int | None = None
