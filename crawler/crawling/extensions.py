"""Scrapy extensions that keep a crawl process in bounds: it stops when the daemon that started it is gone,
and its log stops growing past a size (bodies are never logged, but a crawl of thousands of failing pages
could still fill a disk with one line each)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
PARENT_GONE = "daemon_gone"


class ParentWatch:
    """With PARENT_PID set (the daemon sets it), check every second that this process's parent is still that
    process; when the daemon is gone (killed, crashed), close the spider as a stop, with its run recorded."""

    def __init__(self, crawler: Crawler, parent: int) -> None:
        self.crawler = crawler
        self.parent = parent
        self.loop = task.LoopingCall(self.check)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ParentWatch:
        parent = crawler.settings.getint("PARENT_PID", 0)
        if not parent:
            raise NotConfigured
        watch = cls(crawler, parent)
        from scrapy import signals

        crawler.signals.connect(watch.opened, signal=signals.engine_started)
        crawler.signals.connect(watch.closed, signal=signals.engine_stopped)
        return watch

    def opened(self) -> None:
        self.loop.start(1.0, now=True)

    def closed(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        if os.getppid() == self.parent:
            return
        logger.error("the daemon (pid %d) that started this crawl is gone: stopping", self.parent)
        self.loop.stop()
        engine = self.crawler.engine
        if engine is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason=PARENT_GONE))


class _Cap(logging.Filter):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.written = 0
        self.told = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.written < self.limit:
            self.written += len(str(record.msg)) + 80
            return True
        if record.name == "crawler.pipeline.pipelines" and str(record.msg).startswith("courtnews run"):
            return True  # the run's summary line always gets through
        if self.told:
            return False
        self.told = True
        record.msg = f"log capped at {self.limit} bytes (LOG_MAX_BYTES): further lines dropped"
        record.args, record.levelno, record.levelname = (), logging.WARNING, "WARNING"
        return True


class LogLimit:
    """Stop the crawl's log at LOG_MAX_BYTES (0: no limit); the run's summary line still gets through."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LogLimit:
        limit = crawler.settings.getint("LOG_MAX_BYTES", 0)
        if not limit:
            raise NotConfigured
        cap = _Cap(limit)
        for handler in logging.getLogger().handlers:
            handler.addFilter(cap)
        return cls()
