"""The one item every spider yields: a fetched page as received, or the reason it could not be fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> str:
    """ISO 8601 in UTC with a Z, to the second: when a fetch happened."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class FetchedPage:
    url: str  # the article URL as requested: the page's identity in the archive
    source: str
    family: str
    court: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    reason: str | None = None  # why the fetch failed (timeout, size, redirect loop …)
    redirected_away: bool = False  # a redirect ended on a page that is not an article
    revisit: bool = False
    fetched_at: str = field(default_factory=utc_now)
