"""FetchedPage → extraction → archive. No site-specific branches: site knowledge arrives in the item."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals

from archive import ArticleFields, Capture, finish_run, open_archive, record, start_run
from crawler.extract import ExtractionError, detect_challenge, extract_decoded
from crawler.extract.decode import decode_html, looks_binary
from crawler.items import FetchedPage
from crawler.records import article_fields

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
GONE_STATUSES = {404, 410}
MIN_ARTICLE_CHARS = 20


def classify(item: FetchedPage) -> tuple[str, ArticleFields | None, Capture]:
    """Decide what a fetch is: an article, a removal, a challenge or a failure (with its reason)."""
    capture = Capture(
        url=item.url,
        source=item.source,
        status=item.status,
        final_url=item.final_url,
        headers=item.headers,
        raw=item.body,
        reason=item.reason,
        fetched_at=item.fetched_at,
    )
    if item.reason or item.status is None:
        capture.reason = item.reason or "no response"
        return "failed", None, capture
    if item.status in GONE_STATUSES:
        # an anti-bot page can answer 404 too (one whose script sends the browser home): not a removal.
        # A short 404 page is normal, so the empty-shell verdict does not apply here.
        challenge = detect_challenge(item.status, item.headers, decode_html(item.body or b"").text)
        if challenge and not challenge.startswith("empty shell"):
            capture.reason = f"HTTP {item.status} {challenge}"
            return "challenge", None, capture
        capture.reason = f"HTTP {item.status}"
        return "gone", None, capture
    if item.redirected_away:
        capture.reason = f"redirected to a non-article page {item.final_url}"
        return "gone", None, capture
    raw = item.body or b""
    if not raw:
        capture.reason = "empty body (0 bytes)"
        return "failed", None, capture
    if looks_binary(raw):
        capture.reason = f"binary body served as {item.headers.get('Content-Type', 'unknown type')}"
        return "failed", None, capture
    decoded = decode_html(raw, item.headers.get("Content-Type"))
    capture.encoding = decoded.encoding
    challenge = detect_challenge(item.status, item.headers, decoded.text)
    if challenge:
        capture.reason = challenge
        return "challenge", None, capture
    if item.status >= 400:
        capture.reason = f"HTTP {item.status}"
        return "failed", None, capture
    try:
        article = extract_decoded(decoded, item.url, family=item.family, court_hint=item.court)
    except ExtractionError as exc:
        capture.reason = str(exc)
        return "failed", None, capture
    if len(article.body) < MIN_ARTICLE_CHARS:
        capture.reason = f"no article text found ({len(article.body)} characters after extraction)"
        return "failed", None, capture
    fields = article_fields(article)
    if decoded.note:
        capture.reason = f"decoding: {decoded.note}"
    return "article", fields, capture


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        self.db = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.db = open_archive(self.db_path)
        kind = "revisit" if getattr(spider, "revisit", "none") in ("only", "due") else "crawl"
        self.run_id = start_run(self.db, spider.name, kind)
        logger.info("archive %s: run %d of %s started", self.db_path, self.run_id, spider.name)

    def process_item(self, item: FetchedPage) -> FetchedPage:
        outcome, fields, capture = classify(item)
        result = record(self.db, self.run_id, capture, outcome, fields)
        stats = self.crawler.stats
        stats.inc_value(f"courtnews/{result.outcome}")
        if result.outcome in ("failed", "challenge"):
            logger.warning("%s: %s (%s)", item.url, result.outcome, capture.reason)
        elif result.outcome in ("changed", "removed", "restored"):
            logger.info(
                "%s: %s (version %s; %s)",
                item.url,
                result.outcome,
                result.version,
                ", ".join(result.changed_fields),
            )
        item.body = None  # the bytes are stored; do not keep them in memory or feeds
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.db is None or self.run_id is None:
            return
        status, why = ("finished", None) if reason == "finished" else ("failed", f"spider closed: {reason}")
        errors = getattr(spider, "list_errors", [])
        if status == "finished" and errors and not getattr(spider, "list_pages_ok", 1):
            status, why = (
                "failed",
                f"no list page could be fetched ({len(errors)} errors; first: {errors[0]})",
            )
        run = finish_run(self.db, self.run_id, status, why)
        logger.info(
            "courtnews run %d (%s) %s: %d captures, %d new pages, %d new versions (%d changed, %d removed, "
            "%d restored), %d unchanged, %d failures",
            run["id"],
            spider.name,
            status,
            run["captures"],
            run["new_pages"],
            run["new_versions"],
            run["changed"],
            run["removed"],
            run["restored"],
            run["unchanged"],
            run["failures"],
        )
        self.db.close()
        self.db = None
