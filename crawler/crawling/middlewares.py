"""Safety on every request, redirects included: only http/https and the source's allow-listed hosts;
politeness towards a failing site: retries that wait (``PoliteRetry``) and a per-host circuit breaker
(``CircuitBreaker``) that stops asking a host that no longer answers.

Importing this module (Scrapy does, for the allow-list) also keeps Scrapy's cookie handling offline: it asks
tldextract whether a cookie's domain is a public suffix, and tldextract's default is to download the Public
Suffix List from the internet (outside any allow-list) and cache it under the home folder. The list
tldextract ships is used instead, and nothing is cached.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.client import responses
from typing import TYPE_CHECKING, Any

import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from tldextract import TLDExtract

from crawler.pipeline.items import utc_now

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)
scrapy_cookies._split_domain = TLDExtract(  # noqa: SLF001 - see the module docstring
    cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
)


class AllowListMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        source = getattr(self.crawler.spider, "source", None)
        if source is None or source.allows(request.url):
            return
        raise IgnoreRequest(
            f"refused {request.url}: only http/https on the hosts {list(source.allowed_hosts)} of source "
            f"{source.slug!r} are fetched (add the host to allowed_hosts in the sources file if it belongs there)"
        )


# ---------------------------------------------------------------- retries
RETRIED = "courtnews_retried"  # request meta: the earlier attempts of this request, each to be a capture
RETRY_DELAY = "courtnews_retry_delay"  # request meta: seconds to wait before this attempt is sent
CLOSING_CHECK = 0.25  # seconds between two looks, while a retry waits, at whether the crawl is closing


class RetryNotSent(IgnoreRequest):
    """A retry that was waiting when the crawl began to close."""


def retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delay-seconds or an HTTP-date (RFC 9110 10.2.3); a date
    already past is 0; None when absent or unreadable (then only the back-off applies)."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds before retry number attempt (1, 2, …): base, 2 base, 4 base …, at most cap."""
    return min(cap, base * 2 ** (attempt - 1))


def _names(settings: BaseSettings, name: str) -> tuple[type[BaseException], ...]:
    return tuple(load_object(x) if isinstance(x, str) else x for x in settings.getlist(name))


class PoliteRetry:
    """Scrapy's retry, made polite and kept as evidence (it replaces ``RetryMiddleware``):
    - a response with a status of RETRY_HTTP_CODES, or a failure of RETRY_EXCEPTIONS, is asked again at most
      RETRY_TIMES times, after RETRY_BACKOFF_BASE seconds doubled at each try (at most RETRY_BACKOFF_MAX), or
      after the server's ``Retry-After`` when it asks for longer;
    - a ``Retry-After`` beyond RETRY_AFTER_MAX is not waited for in this run: the response is the answer;
    - each retried attempt travels in the new request's meta (``RETRIED``) with its status, headers, body
      and the reason it was retried, so that the spider records it as a capture like any response.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.max_retries = settings.getint("RETRY_TIMES")
        self.codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.exceptions = _names(settings, "RETRY_EXCEPTIONS")
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.after_max = settings.getfloat("RETRY_AFTER_MAX", 60.0)
        self.priority_adjust = settings.getint("RETRY_PRIORITY_ADJUST", -1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PoliteRetry:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Wait the retry's delay, unless the crawl is closing (a stop, the daemon gone, a full disk): then
        the retry is not sent and fails with its reason, so that its earlier attempts are still recorded and
        a stop is never held up by a Retry-After."""
        delay = request.meta.pop(RETRY_DELAY, 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while (left := deadline - loop.time()) > 0:
            if self._closing():
                raise RetryNotSent(
                    f"the crawl was closing before try {request.meta.get('retry_times', 0) + 1}"
                )
            await asyncio.sleep(min(left, CLOSING_CHECK))

    def _closing(self) -> bool:
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy keeps "closing" on its engine's slot
        return not self.crawler.crawling or getattr(slot, "closing", None) is not None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.codes:
            return response
        status = f"HTTP {response.status} {responses.get(response.status, '')}".rstrip()
        asked = retry_after(response.headers.get("Retry-After"))
        if asked is not None and asked > self.after_max:
            logger.warning(
                "%s answered %s with Retry-After %.0f s, over RETRY_AFTER_MAX=%.0f s: not asked again in this run",
                request.url,
                status,
                asked,
                self.after_max,
            )
            return response
        attempt = {
            "url": response.url,
            "status": response.status,
            "headers": {
                k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
            },
            "body": response.body,
        }
        return self._retry(request, status, attempt, asked) or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions):
            return None
        why = f"{type(exception).__name__}: {exception}".rstrip(": ")
        attempt: dict[str, Any] = {"url": request.url, "status": None, "headers": {}, "body": None}
        return self._retry(request, why, attempt, None)

    def _retry(
        self, request: Request, why: str, attempt: dict[str, Any], asked: float | None
    ) -> Request | None:
        tries = request.meta.get("retry_times", 0) + 1
        if tries > self.max_retries:
            logger.info("%s: %s, given up after %d tries", request.url, why, tries)
            return None
        delay = max(backoff(tries, self.base, self.cap), asked or 0.0)
        told = f" (Retry-After: {asked:.0f} s)" if asked is not None else ""
        attempt["reason"] = (
            f"{why}; asked again in {delay:g} s{told}, try {tries + 1} of {self.max_retries + 1}"
        )
        attempt["fetched_at"] = utc_now()
        retry = request.copy()
        retry.meta["retry_times"] = tries
        retry.meta[RETRY_DELAY] = delay
        retry.meta[RETRIED] = [*request.meta.get(RETRIED, []), attempt]
        retry.dont_filter = True
        retry.priority = request.priority + self.priority_adjust
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("retry/count")
        # INFO: the pipeline warns of the attempt's capture (a list page's failure is warned of by the spider)
        logger.info("%s: %s", request.url, attempt["reason"])
        return retry


# ---------------------------------------------------------------- the circuit breaker
class CircuitOpen(IgnoreRequest):
    """A request not sent: its host failed to answer CIRCUIT_BREAKER_FAILURES times in a row."""


class CircuitBreaker:
    """After CIRCUIT_BREAKER_FAILURES consecutive connection failures (RETRY_EXCEPTIONS: refused, timed
    out, unresolvable, cut) to one host, the rest of the run's requests to that host fail at once, each
    with the reason ``circuit open: N consecutive connection failures to HOST`` (an article's is a capture):
    a dead site costs seconds, not minutes of retries, and its source's slot is freed. Any response from the
    host, whatever its status, closes the circuit's count again. 0 turns the breaker off."""

    def __init__(self, threshold: int, exceptions: tuple[type[BaseException], ...]) -> None:
        self.threshold = threshold
        self.exceptions = exceptions
        self.failures: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CircuitBreaker:
        settings = crawler.settings
        return cls(settings.getint("CIRCUIT_BREAKER_FAILURES", 5), _names(settings, "RETRY_EXCEPTIONS"))

    @staticmethod
    def host(request: Request) -> str:
        return urlparse_cached(request).netloc

    def process_request(self, request: Request) -> None:
        failures = self.failures.get(self.host(request), 0)
        if self.threshold and failures >= self.threshold:
            raise CircuitOpen(
                f"circuit open: {failures} consecutive connection failures to {self.host(request)}"
            )

    def process_response(self, request: Request, response: Response) -> Response:
        self.failures[self.host(request)] = 0
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, self.exceptions) and not isinstance(exception, IgnoreRequest):
            host = self.host(request)
            self.failures[host] = self.failures.get(host, 0) + 1
            if self.failures[host] == self.threshold:
                logger.error(
                    "circuit open for %s after %d consecutive connection failures: the rest of this run's "
                    "requests to it fail at once",
                    host,
                    self.threshold,
                )
