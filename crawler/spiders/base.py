"""What every source spider shares: list pages → article pages, revisits, and failure items.

A family subclass only says where a list page keeps its article links and its next page.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract.challenge import detect_challenge
from crawler.items import FetchedPage
from crawler.sources import Source

# 4xx and 5xx reach the callback so removals and server errors are recorded; 3xx are still followed.
RECORDED_STATUSES = list(range(400, 600))
NEXT_PAGE_TEXT = (
    '//a[contains(normalize-space(.), "下一页") or normalize-space(.)="下页" or normalize-space(.)=">"]/@href'
)


def response_headers(response: Response) -> dict[str, str]:
    """Headers as received, repeated ones joined, as plain strings for the archive and the challenge check."""
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


class SourceSpider(scrapy.Spider):
    source: ClassVar[Source]
    default_article_pattern: ClassVar[str] = r"."

    def __init__(self, *args: Any, revisit: str = "none", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if revisit not in ("none", "all", "live", "only", "due"):
            raise ValueError(
                f"revisit={revisit!r}: use none (list pages only), all (also every archived article), "
                "live (archived articles not yet removed), only (archived articles, no list pages) or due "
                "(archived articles whose next check is due, no list pages)"
            )
        self.revisit = revisit
        self.article_re = re.compile(self.source.article_pattern or self.default_article_pattern)
        self.scheduled: set[str] = set()
        self.articles_found = 0
        self.list_pages_ok = 0  # a crawl that reached no list page at all has failed, whatever else happened
        self.list_errors: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if cls.source.download_delay is not None:
            crawler.settings.set("DOWNLOAD_DELAY", cls.source.download_delay, priority="spider")
        return spider

    # ------------------------------------------------------------ requests
    def revisit_urls(self) -> list[str]:
        if self.revisit == "none":
            return []
        from archive import known_urls, open_archive

        db = open_archive(self.settings.get("ARCHIVE_DB"))
        try:
            if self.revisit == "due":
                from datetime import timedelta

                from archive.revisits import DEFAULT_OFFSETS, due_pages

                offsets = tuple(timedelta(seconds=int(s)) for s in self.settings.getlist("REVISIT_OFFSETS"))
                limit = self.settings.getint("REVISIT_BATCH", 200)
                return [
                    row["url"]
                    for row in due_pages(
                        db, offsets=offsets or DEFAULT_OFFSETS, source=self.source.slug, limit=limit
                    )
                ]
            return known_urls(db, self.source.slug, include_removed=self.revisit != "live")
        finally:
            db.close()

    def article_request(self, url: str, revisit: bool = False) -> Request:
        self.scheduled.add(url)
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            # the spider dedupes articles itself; the dupefilter would silently swallow a redirect loop
            dont_filter=True,
            priority=10,  # articles before further list pages: bounded memory, early results
            meta={"handle_httpstatus_list": RECORDED_STATUSES, "revisit": revisit, "article_url": url},
        )

    def list_requests(self) -> Iterable[Request]:
        for url in self.source.start_urls:
            yield Request(url, callback=self.parse_list, errback=self.list_failed, meta={"list_page": 1})

    async def start(self) -> AsyncIterator[Any]:
        revisits = [u for u in self.revisit_urls() if self.source.allows(u)]
        self.scheduled.update(revisits)
        if self.revisit not in ("only", "due"):
            for request in self.list_requests():
                yield request
        for url in revisits:
            yield self.article_request(url, revisit=True)
        if revisits:
            self.logger.info("revisiting %d archived articles of %s", len(revisits), self.source.slug)

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
        if not articles:
            self.logger.info("list page %s has no articles: stopping pagination of this list", response.url)
            return
        for url in articles:
            if url in self.scheduled:
                continue
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
        self.list_errors.append(f"{failure.request.url}: {failure.getErrorMessage()}")
        self.logger.error("list page %s failed: %s", failure.request.url, failure.getErrorMessage())

    # ------------------------------------------------------------ articles
    def _item(self, url: str, revisit: bool) -> FetchedPage:
        return FetchedPage(
            url=url,
            source=self.source.slug,
            family=self.source.family,
            court=self.source.court,
            revisit=revisit,
        )

    def parse_article(self, response: Response) -> Iterable[FetchedPage]:
        url = response.meta.get("article_url", response.url)
        item = self._item(url, response.meta.get("revisit", False))
        item.status = response.status
        item.final_url = response.url
        item.headers = response_headers(response)
        item.body = response.body
        redirected = response.meta.get("redirect_urls")
        item.redirected_away = (
            bool(redirected) and response.url != url and not self.is_article_url(response.url)
        )
        yield item

    def article_failed(self, failure: Failure) -> Iterable[FetchedPage]:
        request = failure.request
        url = request.meta.get("article_url", request.url)
        item = self._item(url, request.meta.get("revisit", False))
        item.reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.logger.warning("article %s failed: %s", url, item.reason)
        yield item
