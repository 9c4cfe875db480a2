"""The one item every spider yields: a fetch of an article URL, its redirect hops and its final response,
or the reason it could not be fetched. Plain data, so it crosses process boundaries (the extraction pool,
Redis) unchanged; raw bytes never appear in its repr, so a log line cannot carry a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> str:
    """ISO 8601 in UTC with a Z, to the second: when a fetch happened."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Connection:
    """What the evidence log records of how a response came: the request's headers as sent, the peer's IP
    address and the SHA-256 of the server's TLS certificate (None over plain HTTP)."""

    request_headers: dict[str, str] = field(default_factory=dict)
    peer_ip: str | None = None
    tls_cert_sha256: str | None = None


@dataclass
class Hop:
    """A response that sent us elsewhere: an HTTP redirect, or a page whose meta refresh names another URL."""

    url: str
    status: int
    location: str  # absolute
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = field(default=b"", repr=False)
    fetched_at: str = field(default_factory=utc_now)
    how: str = "redirect"  # redirect | meta refresh
    connection: Connection = field(default_factory=lambda: Connection())


@dataclass
class NotFoundSample:
    """How a site answers for a page that does not exist, probed once per crawl and host: a real 404, a 200
    page (a soft 404, whose text is kept to recognise it), or a redirect (to its home page, usually).

    ``main_text`` is what extraction makes of that page (None when it finds no article in it): a page is a
    soft 404 when its own main text is the probe's, not when its menus and footer are. ``unavailable`` says
    why the site does not "otherwise work" in this run (its list page answered like the made-up address, or
    not at all): then no answer of it is a removal, since a removal needs the article's own address to answer
    gone while the rest of the site answers normally."""

    status: int | None
    location: str | None = None
    text: str | None = field(default=None, repr=False)
    main_text: str | None = field(default=None, repr=False)
    unavailable: str | None = None


@dataclass
class FetchedPage:
    url: str  # the article URL as requested: the page's identity in the archive
    source: str
    family: str
    court: str
    status: int | None = None  # of the final response
    final_url: str | None = None  # the URL of the final response; None when a redirect chain ended unfollowed
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = field(default=None, repr=False)
    reason: str | None = None  # why the fetch failed (timeout, size, redirect loop …)
    hops: list[Hop] = field(default_factory=list)
    revisit: bool = False
    fetched_at: str = field(default_factory=utc_now)
    # what the classifier needs to know about the site (from the spider, never from a pipeline branch)
    allowed_hosts: tuple[str, ...] = ()
    article_pattern: str | None = None
    list_urls: tuple[str, ...] = ()
    not_found: NotFoundSample | None = None
    truncated: bool = False  # the connection ended before the announced length (Scrapy's dataloss flag)
    conditional: bool = False  # the request asked "changed since?" (If-None-Match / If-Modified-Since)
    connection: Connection = field(default_factory=Connection)
