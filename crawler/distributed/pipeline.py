"""A crawl worker's item pipeline: a fetched page is classified as in a local crawl (in the extraction pool)
and turned into archive-ready records (``crawler.pipeline.records.to_records``), then pushed to the item stream with a
capture id made here, once per fetch. The archive is never opened: ``courtnews writer`` records the stream.

Rules:
- classification never raises (``classify``), so every fetch that reaches the pipeline is pushed;
- the push waits for Redis (``redis_link.retrying``) and releases the lease the page was fetched under;
- one extraction pool serves every crawler of a worker process (``courtnews worker`` runs one per source);
- the page's bytes are dropped once pushed; an item's repr never holds them, so no log line carries a page.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.distributed import records as entries
from crawler.distributed.frontier import Envelope, Frontier
from crawler.pipeline.pool import ExtractionPool, default_workers
from crawler.pipeline.records import to_records

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
_POOL: ExtractionPool | None = None
_USERS = 0


def _shared_pool(workers: int) -> ExtractionPool:
    global _POOL, _USERS
    if _POOL is None:
        _POOL = ExtractionPool(workers)
    _USERS += 1
    return _POOL


def _release_pool() -> None:
    global _POOL, _USERS
    _USERS -= 1
    if _USERS <= 0 and _POOL is not None:
        _POOL.close()
        _POOL = None


class RedisItemPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        workers = crawler.settings.getint("EXTRACT_WORKERS", -1)
        self.workers = default_workers() if workers < 0 else workers
        self.worker = crawler.settings.get("COURTNEWS_WORKER_ID")
        self.pool: ExtractionPool | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisItemPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.pool = _shared_pool(self.workers)

    def close_spider(self) -> None:
        if self.pool is not None:
            _release_pool()
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Envelope):
            return item
        assert self.pool is not None
        page = item.page
        verdicts = await self.pool.classify(page)
        records = to_records(page, verdicts)
        fetch_id = uuid.uuid4().hex
        fields = entries.encode(records, fetch_id, item.run_id, page.source, self.worker, page.url)
        frontier: Frontier = self.crawler.spider.frontier  # type: ignore[union-attr]
        frontier.push(item, fields)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("courtnews/pushed")
        page.body = None  # pushed; do not keep the bytes in memory or feeds
        for hop in page.hops:
            hop.body = b""
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # `scrapy crawl SLUG` as a worker: its exit code tells how the worker ended (crawler/crawling/commands/crawl.py)
        if self.crawler.stats is not None:
            status = "stopped" if reason == "shutdown" else "finished" if reason == "finished" else "failed"
            self.crawler.stats.set_value("courtnews/run_status", status)
