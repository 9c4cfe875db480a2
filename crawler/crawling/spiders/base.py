"""What every source spider shares: list pages → article pages, revisits, redirects, and failure items.

A family subclass only says where a list page keeps its article links and its next page.

Rules:
- an article is fetched once per run under its page key (``archive.urls.page_key``): ``#comment``,
  ``?utm_source=`` and http/https spellings are one article;
- a list crawl fetches only articles the archive does not hold yet (it still reads every list page up to
  ``max_list_pages``: a crawl killed halfway must not hide the rest of the list from the next one);
  archived articles are fetched again by revisits (``-a revisit=…``), which
  ask the server whether the page changed (If-None-Match / If-Modified-Since from its last response) except
  with ``revisit=all``, which fetches every archived article whole;
- redirects of article requests are followed here, not by Scrapy's middleware, so every hop (its status,
  headers and Location) reaches the archive; a meta refresh naming another URL is a hop too. Loops, more
  than ``REDIRECT_MAX_TIMES`` hops and hops to a host outside the allow-list end the fetch with a reason;
- before the first list page, each site is asked once for a page that cannot exist, so that its own way of
  saying "not found" (a real 404, a 200 soft 404, a redirect home) is known when articles are judged, and
  once for its list page, so that a site that does not otherwise work (down, or one maintenance page for
  every address) records no removals (crawler/pipeline/site_state.py);
- 4xx and 5xx responses reach the callback, so removals and server errors are recorded;
- a response cut short (Scrapy's dataloss flag) is recorded as truncated, never as an article;
- a ``Location`` is read as UTF-8 when its bytes are UTF-8 (CMSs send Chinese paths raw), as Latin-1 only
  when they are not, and followed percent-encoded; the headers are recorded as the bytes that came (one
  Latin-1 character per byte, which ``archive.export.bulk`` writes back as those bytes);
- every attempt of a retried article fetch (crawler/crawling/middlewares.py ``PoliteRetry``) is a capture of its
  own, with its status, headers and body, and the reason it was retried;
- a list page that fails says how (``HTTP 503``, the connection error) in the run's list errors.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_meta_refresh
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from archive.urls import page_key
from crawler.config.sources import Source
from crawler.crawling.middlewares import RETRIED
from crawler.extract.rules.challenge import detect_challenge
from crawler.pipeline.items import Connection, FetchedPage, Hop, NotFoundSample, utc_now
from crawler.pipeline.site_state import judge_site, soft_404_sample, visible_text

RECORDED_STATUSES = list(range(300, 600))  # every non-2xx status reaches the callback
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
REVISIT_MODES = {
    "none": "list pages only",
    "all": "also every archived article",
    "live": "archived articles not yet removed",
    "only": "archived articles, no list pages",
    "due": "archived articles whose next check is due, no list pages",
}
META_REFRESH_MAX_DELAY = 100  # seconds; a longer refresh is a page reloading itself, not a redirect
NOT_FOUND_SAMPLE_CHARS = 20_000
BYTES_RECEIVED = "courtnews_bytes_received"  # request meta: body bytes received so far
NEXT_PAGE_TEXT = (
    '//a[contains(normalize-space(.), "下一页") or normalize-space(.)="下页" or normalize-space(.)=">"]/@href'
)


def failed_request(failure: Failure) -> Request:
    """The request a failure is about (Scrapy sets it on the failure it hands to an errback)."""
    return failure.request  # type: ignore[attr-defined]


def connection_of(response: Response) -> Connection:
    """The request's headers as sent, the peer's address and the server certificate's SHA-256."""
    request = response.request
    sent = (
        {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
        if request is not None
        else {}
    )
    cert_sha256 = None
    if response.certificate is not None:
        try:
            der = response.certificate.dump()  # DER (ASN.1) by default
            cert_sha256 = hashlib.sha256(der).hexdigest()
        except Exception:  # noqa: BLE001 - a certificate we cannot serialise is recorded as unknown
            cert_sha256 = None
    peer = str(response.ip_address) if response.ip_address is not None else None
    return Connection(sent, peer, cert_sha256)


def response_headers(response: Response) -> dict[str, str]:
    """Headers as received, repeated ones joined, as plain strings for the archive and the challenge check:
    one Latin-1 character per byte, so the bytes that came are kept exactly (UTF-8 or not)."""
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


def header_text(raw: bytes) -> str:
    """A header value as text: UTF-8 when its bytes are UTF-8 (a CMS sending a Chinese path raw), Latin-1
    only when they are not (every byte sequence is Latin-1)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def location_url(response: Response) -> str | None:
    """Where a redirect points, absolute and percent-encoded as it is requested (UTF-8), or None."""
    raw = response.headers.get("Location")
    if not raw:
        return None
    return safe_url_string(response.urljoin(header_text(raw).strip()))


class SourceSpider(scrapy.Spider):
    source: ClassVar[Source]
    default_article_pattern: ClassVar[str] = r"."

    def __init__(self, *args: Any, revisit: str = "none", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if problem := self.argument_error({"revisit": revisit}):
            raise ValueError(problem)
        self.revisit = revisit
        self.article_pattern = self.source.article_pattern or self.default_article_pattern
        self.article_re = re.compile(self.article_pattern)
        self.scheduled: set[str] = set()  # page keys of the articles requested in this run
        self.articles_found = 0
        self.links_found = 0  # article links seen on list pages, new or known
        self.list_pages_ok = 0  # a crawl that reached no list page at all has failed, whatever else happened
        self.list_errors: list[str] = []
        self.not_found: dict[str, NotFoundSample] = {}  # host → how it answers for a missing page
        self._controls: dict[str, tuple[str, int | None, str | None, str | None]] = {}  # host → list page
        self.unavailable_sites: list[str] = []  # "host: why": no removal is recorded for them this run
        self._probes_pending = 0
        self._revisits: list[str] = []
        self._validators: dict[str, dict[str, str]] = {}
        self.known: set[str] = set()  # page keys the archive holds: list crawls skip them

    @staticmethod
    def argument_error(arguments: dict[str, str]) -> str | None:
        """What is wrong with the spider's -a arguments (one line, naming the value), or None."""
        revisit = arguments.get("revisit", "none")
        if revisit in REVISIT_MODES:
            return None
        modes = ", ".join(f"{name} ({what})" for name, what in REVISIT_MODES.items())
        return f"-a revisit={revisit}: unknown revisit mode; use one of {modes}"

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if cls.source.download_delay is not None:
            crawler.settings.set("DOWNLOAD_DELAY", cls.source.download_delay, priority="spider")
        crawler.signals.connect(spider.count_bytes, signal=signals.bytes_received)
        return spider

    @staticmethod
    def count_bytes(data: bytes, request: Request, **_: Any) -> None:
        """Count a request's body bytes as they come: a cancelled download can then say how much came."""
        request.meta[BYTES_RECEIVED] = request.meta.get(BYTES_RECEIVED, 0) + len(data)

    # ------------------------------------------------------------ requests
    def load_archive_state(self) -> None:
        """What this run needs from the archive: the articles it holds, and those to revisit with the
        validators of their last response."""
        from archive import open_archive
        from archive.store import known_page_keys, known_urls, validators

        db = open_archive(self.settings.get("ARCHIVE_DB"))
        try:
            self.known = known_page_keys(db, self.source.slug)
            if self.revisit == "none":
                return
            if self.revisit == "due":
                from datetime import timedelta

                from archive.revisits import DEFAULT_OFFSETS, due_pages

                offsets = tuple(timedelta(seconds=int(s)) for s in self.settings.getlist("REVISIT_OFFSETS"))
                limit = self.settings.getint("REVISIT_BATCH", 200)
                due = due_pages(db, offsets=offsets or DEFAULT_OFFSETS, source=self.source.slug, limit=limit)
                urls = [row["url"] for row in due]
            else:
                urls = known_urls(db, self.source.slug, include_removed=self.revisit != "live")
            self._revisits = [u for u in dict.fromkeys(urls) if self.source.allows(u)]
            if self.revisit != "all":  # all: every archived article fetched whole
                self._validators = validators(db, self._revisits)
        finally:
            db.close()

    def article_request(self, url: str, revisit: bool = False) -> Request:
        self.scheduled.add(page_key(url))
        meta: dict[str, Any] = {"revisit": revisit, "article_url": url, "hops": []}
        headers = {}
        for name, header in (("etag", "If-None-Match"), ("last-modified", "If-Modified-Since")):
            if value := self._validators.get(url, {}).get(name):
                headers[header] = value
        if headers:
            meta["conditional"] = True
        request = self._article_request(url, meta)
        for header, value in headers.items():
            request.headers[header] = value
        return request

    def _article_request(self, url: str, meta: dict[str, Any]) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            # the spider dedupes articles itself; the dupefilter would silently swallow a redirect loop
            dont_filter=True,
            priority=10,  # articles before further list pages: bounded memory, early results
            meta={**meta, "handle_httpstatus_list": RECORDED_STATUSES, "dont_redirect": True},
        )

    def list_requests(self) -> Iterable[Request]:
        for url in self.source.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.list_failed, meta={"list_page": 1})

    def _initial_requests(self) -> list[Request]:
        requests = list(self.list_requests()) if self.revisit not in ("only", "due") else []
        requests += [self.article_request(url, revisit=True) for url in self._revisits]
        if self._revisits:
            self.logger.info("revisiting %d archived articles of %s", len(self._revisits), self.source.slug)
        return requests

    async def start(self) -> AsyncIterator[Any]:
        self.load_archive_state()
        self.scheduled.update(page_key(u) for u in self._revisits)
        probes = list(self.not_found_probes())
        if not probes:
            for request in self._initial_requests():
                yield request
            return
        self._probes_pending = len(probes)  # a not-found probe and a control per host
        for request in probes:
            yield request

    # ------------------------------------------------------------ how each site says "not found"
    def not_found_probes(self) -> Iterable[Request]:
        """Per host: a made-up address (how the site says "not found") and its list page, the control that
        tells whether the site otherwise works (crawler/pipeline/site_state.py)."""
        hosts: dict[str, str] = {}
        for url in [*self.source.start_urls, *self._revisits]:
            parts = urlsplit(url)
            hosts.setdefault(parts.netloc, url)
        for netloc, url in hosts.items():
            probe = urljoin(url, f"courtnews-not-found-{secrets.token_hex(6)}.html")
            yield Request(
                probe,
                callback=self.parse_probe,
                errback=self.probe_failed,
                dont_filter=True,
                priority=20,
                meta={"handle_httpstatus_all": True, "dont_redirect": True, "netloc": netloc},
            )
            if (control := self.control_request(netloc)) is not None:
                yield control

    def control_request(self, netloc: str) -> Request | None:
        """The source's own first list request (its list page, or its list API), on this host when it has
        one there, asked again before the crawl: does the site answer it normally?"""
        lists = list(self.list_requests())
        here = [r for r in lists if urlsplit(r.url).netloc == netloc]
        if not lists:
            return None
        return (here or lists)[0].replace(
            callback=self.parse_control,
            errback=self.control_failed,
            dont_filter=True,
            priority=20,
            meta={"handle_httpstatus_all": True, "netloc": netloc},
        )

    def parse_probe(self, response: Response) -> Iterable[Request]:
        location = location_url(response) if response.status in REDIRECT_STATUSES else None
        if location is None and isinstance(response, TextResponse):
            location = self._meta_refresh(response)
        if response.status == 200 and isinstance(response, TextResponse) and location is None:
            sample = soft_404_sample(response.text, response.url, self.source.family)
        else:
            sample = NotFoundSample(response.status, location)
        self.not_found[response.meta["netloc"]] = sample
        self.logger.info(
            "%s answers a missing page with HTTP %s%s",
            response.meta["netloc"],
            response.status,
            f" → {location}" if location else " (a soft 404)" if sample.text else "",
        )
        return self._probe_done()

    def probe_failed(self, failure: Failure) -> Iterable[Request]:
        self.logger.info(
            "not-found probe %s failed: %s", failed_request(failure).url, failure.getErrorMessage()
        )
        return self._probe_done()

    def parse_control(self, response: Response) -> Iterable[Request]:
        text = visible_text(response.text) if isinstance(response, TextResponse) else None
        self._controls[response.meta["netloc"]] = (response.url, response.status, text, None)
        return self._probe_done()

    def control_failed(self, failure: Failure) -> Iterable[Request]:
        request = failed_request(failure)
        error = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self._controls[request.meta["netloc"]] = (request.url, None, None, error)
        return self._probe_done()

    def _probe_done(self) -> list[Request]:
        self._probes_pending -= 1
        if self._probes_pending:
            return []
        for netloc, (url, status, text, error) in self._controls.items():
            sample = self.not_found.get(netloc)
            why = judge_site(sample, url, status, text, error)
            if why is None:
                continue
            if sample is None:
                sample = self.not_found[netloc] = NotFoundSample(None)
            sample.unavailable = why
            self.unavailable_sites.append(f"{netloc}: {why}")
            self.logger.warning(
                "%s is unavailable in this run: %s; no answer of it is recorded as a removal", netloc, why
            )
        return self._initial_requests()

    # ------------------------------------------------------------ lists
    def article_links(self, response: Response) -> list[str]:
        raise NotImplementedError

    def next_page(self, response: Response) -> str | None:
        href = response.xpath(NEXT_PAGE_TEXT).get()
        return response.urljoin(href) if href and not href.startswith("javascript") else None

    def is_article_url(self, url: str) -> bool:
        return bool(self.article_re.search(url)) and self.source.allows(url)

    def parse_list(self, response: Response) -> Iterable[Request]:
        page = response.meta.get("list_page", 1)
        links = [response.urljoin(h) for h in self.article_links(response)]
        articles = [u for u in dict.fromkeys(links) if self.is_article_url(u)]
        if not articles and (challenge := self.list_challenge(response, page)):
            self.list_errors.append(f"{response.url}: {challenge}")
            self.logger.error("list page %s is a %s; backing off", response.url, challenge)
            return
        self.list_pages_ok += 1
        self.links_found += len(articles)
        if not articles:
            self.logger.info("list page %s has no articles: stopping pagination of this list", response.url)
            return
        for url in articles:
            if page_key(url) in self.known or page_key(url) in self.scheduled:
                continue  # archived already (revisits fetch it) or asked for in this run under some spelling
            if self.articles_found >= self.source.max_articles:
                self.logger.info("max_articles=%d reached for %s", self.source.max_articles, self.source.slug)
                return
            self.articles_found += 1
            yield self.article_request(url)
        next_url = self.next_page(response)
        if next_url and page < self.source.max_list_pages and next_url != response.url:
            yield response.follow(
                next_url, callback=self.parse_list, errback=self.list_failed, meta={"list_page": page + 1}
            )

    def list_challenge(self, response: Response, page: int) -> str | None:
        """Why a list page without articles is an anti-bot page rather than the end of the list."""
        if not isinstance(response, TextResponse):
            return None
        challenge = detect_challenge(response.status, response_headers(response), response.text)
        # a short page deep in the pagination is just the empty end of the list
        if challenge and challenge.startswith("empty shell") and page > 1:
            return None
        return challenge

    def list_failed(self, failure: Failure) -> None:
        """A list page that could not be read: its URL and how (the HTTP status, the connection error) go to
        the run's list errors, which fail a run that read no list page (crawler/pipeline/pipelines.py)."""
        url, why = (
            failed_request(failure).url,
            failure_reason(failure, self.settings.getint("DOWNLOAD_MAXSIZE")),
        )
        self.list_errors.append(f"{url}: {why}")
        self.logger.warning("list page %s failed: %s", url, why)

    # ------------------------------------------------------------ articles
    def _item(self, meta: dict[str, Any]) -> FetchedPage:
        url = meta["article_url"]
        return FetchedPage(
            url=url,
            source=self.source.slug,
            family=self.source.family,
            court=self.source.court,
            revisit=meta.get("revisit", False),
            hops=list(meta.get("hops", [])),
            allowed_hosts=self.source.allowed_hosts,
            article_pattern=self.article_pattern,
            list_urls=self.source.start_urls,
        )

    @staticmethod
    def _meta_refresh(response: TextResponse) -> str | None:
        try:
            delay, target = get_meta_refresh(response)
        except (ValueError, UnicodeError):
            return None
        if target is None or delay is None or delay > META_REFRESH_MAX_DELAY:
            return None
        return target if page_key(target) != page_key(response.url) else None

    def retried_items(self, meta: dict[str, Any]) -> Iterable[FetchedPage]:
        """A capture for each earlier attempt of this request that was retried (a 503, a refused
        connection): the evidence of every response, and of when the site was asked again."""
        for attempt in meta.get(RETRIED, []):
            item = self._item({**meta, "hops": []})
            item.final_url = attempt["url"]
            item.status = attempt["status"]
            item.headers = dict(attempt["headers"])
            item.body = attempt["body"]
            item.fetched_at = attempt["fetched_at"]
            item.reason = attempt["reason"]
            yield item

    def parse_article(self, response: Response) -> Iterable[FetchedPage | Request]:
        meta = response.meta
        yield from self.retried_items(meta)
        location = None
        if response.status in REDIRECT_STATUSES and (location := location_url(response)):
            how = "redirect"
        elif response.status == 200 and isinstance(response, TextResponse):
            location = self._meta_refresh(response)
            how = "meta refresh"
        if location is not None:
            hop = Hop(
                response.url,
                response.status,
                location,
                response_headers(response),
                response.body,
                how=how,
                connection=connection_of(response),
            )
            follow = self._follow(meta, hop)
            if isinstance(follow, Request):
                yield follow
                return
            # the chain ends without a further response: the reason belongs to the URL asked for
            item = self._item({**meta, "hops": [*meta.get("hops", []), hop]})
            item.final_url, item.reason = None, follow
            yield item
            return
        item = self._item(meta)
        item.status = response.status
        item.final_url = response.url
        item.headers = response_headers(response)
        item.body = response.body
        item.fetched_at = utc_now()
        item.truncated = "dataloss" in response.flags
        item.conditional = bool(meta.get("conditional"))
        item.connection = connection_of(response)
        item.not_found = self.not_found.get(urlsplit(response.url).netloc)
        yield item

    def _follow(self, meta: dict[str, Any], hop: Hop) -> Request | str:
        """The request for the next hop, or why the chain ends here."""
        hops = [*meta.get("hops", []), hop]
        if hop.location in {h.url for h in hops}:  # the very URL again (http→https of one page is no loop)
            return f"redirect loop: {' → '.join(h.url for h in hops)} → {hop.location}"
        if len(hops) > self.settings.getint("REDIRECT_MAX_TIMES", 5):
            return f"more than {len(hops) - 1} redirects, last to {hop.location}"
        if not self.source.allows(hop.location):
            return (
                f"redirected to {hop.location}: only http/https on the hosts {list(self.source.allowed_hosts)} "
                "are fetched (add the host to allowed_hosts if it belongs to this court)"
            )
        follow = {k: v for k, v in meta.items() if k not in (RETRIED, "retry_times")}  # a new request's tries
        return self._article_request(hop.location, {**follow, "hops": hops, "conditional": False})

    def article_failed(self, failure: Failure) -> Iterable[FetchedPage]:
        request = failed_request(failure)
        yield from self.retried_items(request.meta)
        item = self._item(request.meta)
        item.final_url = request.url
        item.reason = failure_reason(failure, self.settings.getint("DOWNLOAD_MAXSIZE"))
        self.logger.warning("article %s failed: %s", request.url, item.reason)
        yield item


def failure_reason(failure: Failure, maxsize: int = 0) -> str:
    """How a request failed, in one line: the HTTP status of a response Scrapy would not pass on, the
    sentence of a request we refused to send (the allow-list, an open circuit), why a download was
    cancelled (Scrapy says nothing when a body without Content-Length grows past DOWNLOAD_MAXSIZE), or the
    exception and its message."""
    if isinstance(failure.value, DownloadCancelledError) and not str(failure.value):
        received = failed_request(failure).meta.get(BYTES_RECEIVED, 0)
        limit = failed_request(failure).meta.get("download_maxsize", maxsize)
        if limit and received > limit:
            return (
                f"DownloadCancelledError: over the size limit: {received} bytes received, more than "
                f"DOWNLOAD_MAXSIZE={limit} bytes (the body was sent without a Content-Length)"
            )
        return f"DownloadCancelledError: the download was cancelled after {received} bytes"
    if isinstance(failure.value, HttpError):
        response = failure.value.response
        return f"HTTP {response.status} {http_reason(response.status)}".rstrip()
    if isinstance(failure.value, IgnoreRequest):
        return str(failure.value)
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def http_reason(status: int) -> str:
    from http.client import responses

    return responses.get(status, "")
