"""FetchedPage → classification (in the extraction pool) → the archive writer. No site-specific branches:
site knowledge arrives in the item.

Every item becomes captures, whatever happens on the way: classification never raises, a store error turns
into a failed capture, and what cannot be stored at all (a lock never released, a full disk) fails the run
with the count and the first error. A full disk ends the crawl at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy import signals

from archive import finish_run, open_archive, start_run
from archive.db import ArchiveError
from archive.runs import claim_run, get_run
from archive.writer import ArchiveWriter
from crawler.crawling.extensions import PARENT_GONE
from crawler.crawling.process import process_is_crawl
from crawler.extract.counters import differ_only_in_counters
from crawler.pipeline.forensics import use_in_archive
from crawler.pipeline.items import FetchedPage
from crawler.pipeline.pool import ExtractionPool, default_workers
from crawler.pipeline.records import to_records

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Spider close reasons that are not failures of the site or of us
OPERATOR_STOPS = {
    "shutdown": "stopped by a signal (an operator, or the daemon shutting down)",
    PARENT_GONE: "stopped: the daemon that started it ended",
}
DISK_FULL = "disk_full"
NOTEWORTHY = ("changed", "removed", "moved", "restored")


@dataclass
class RunFacts:
    """What a run knows when it closes, to decide whether it succeeded."""

    kind: str  # crawl | revisit
    close_reason: str
    counts: dict[str, Any]
    list_pages_ok: int = 0
    list_errors: tuple[str, ...] = ()
    links_found: int = 0
    unstored: int = 0
    first_store_error: str | None = None
    first_failure: str | None = None
    unavailable_sites: tuple[str, ...] = ()  # "host: why" (crawler/pipeline/site_state.py)


def run_verdict(facts: RunFacts) -> tuple[str, str | None]:
    """finished, stopped or failed, with the reason. A run fails when it lost fetches, when a site it
    crawled did not otherwise work (down, or one page for every address: none of its answers was taken for a
    removal), when it could not read its list (no list page fetched, or pages without a single article link),
    or when every fetch failed.
    """
    counts = facts.counts
    if facts.close_reason == DISK_FULL or facts.unstored:
        return "failed", (
            f"{facts.unstored} fetches could not be stored ({facts.first_store_error or facts.close_reason})"
        )
    if facts.close_reason in OPERATOR_STOPS:
        return "stopped", OPERATOR_STOPS[facts.close_reason]
    if facts.close_reason != "finished":
        return "failed", f"spider closed: {facts.close_reason}"
    unavailable = (
        f"site unavailable: {facts.unavailable_sites[0]}; its answers were recorded as failed fetches, "
        "none as a removal"
        if facts.unavailable_sites
        else None
    )
    if facts.kind == "crawl" and not facts.list_pages_ok:
        errors = facts.list_errors
        no_list = (
            f"no list page could be fetched ({len(errors)} errors; first: {errors[0]})"
            if errors
            else "no list page could be fetched"
        )
        return "failed", f"{no_list}; {unavailable}" if unavailable else no_list
    if unavailable:
        return "failed", unavailable
    if facts.kind == "crawl" and not facts.links_found:
        return "failed", (
            f"the list ({facts.list_pages_ok} pages read) had no article links: the site changed its layout "
            "or served a block page; check the source's selectors and article_pattern"
        )
    if counts.get("captures") and counts.get("failures") == counts.get("captures"):
        return "failed", f"all {counts['captures']} fetches failed (first: {facts.first_failure})"
    return "finished", None


class ArchivePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path = crawler.settings.get("ARCHIVE_DB")
        workers = crawler.settings.getint("EXTRACT_WORKERS", -1)
        self.workers = default_workers() if workers < 0 else workers
        self.pool: ExtractionPool | None = None
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.first_failure: str | None = None
        self._closing: asyncio.Task[None] | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None, "the pipeline opens with its spider"
        with_comments = self.crawler.settings.getbool("COMMENTS_MAKE_VERSIONS")
        use_in_archive()  # every changed version records its kinds of edit (crawler/edits)
        # first: the writer refuses a bad archive or a full disk before a run is started
        self.writer = ArchiveWriter(
            self.db_path, with_comments=with_comments, same_text=differ_only_in_counters
        )
        db = open_archive(self.db_path)
        try:
            given = self.crawler.settings.getint("RUN_ID", 0)  # the daemon creates the run it watches
            if given:
                token = self.crawler.settings.get("CLAIM_TOKEN") or None  # the run is ours by its token
                self.run_id = int(claim_run(db, given, os.getpid(), token)["id"])
            else:
                kind = "revisit" if getattr(spider, "revisit", "none") in ("only", "due") else "crawl"
                self.run_id = start_run(db, spider.name, kind, is_alive=process_is_crawl)
        finally:
            db.close()
        self.writer.start()
        self.pool = ExtractionPool(self.workers)
        logger.info(
            "archive %s: run %d of %s started (%d extraction workers)",
            self.db_path,
            self.run_id,
            spider.name,
            self.workers,
        )

    async def process_item(self, item: FetchedPage) -> FetchedPage:
        assert self.pool is not None and self.writer is not None and self.run_id is not None
        verdicts = await self.pool.classify(item)
        records = to_records(item, verdicts)
        try:
            results = await asyncio.wrap_future(self.writer.submit(self.run_id, records))
        except ArchiveError as exc:
            logger.error("%s: not stored: %s", item.url, exc)
            if self.writer.full is not None:
                self._close(DISK_FULL)
            return self._forget(item)
        stats = self.crawler.stats
        for record, result in zip(records, results, strict=True):
            if stats is not None:
                stats.inc_value(f"courtnews/{result.outcome}")
            if result.outcome in ("failed", "challenge"):
                self.first_failure = self.first_failure or f"{record.capture.url}: {record.capture.reason}"
                logger.warning("%s: %s (%s)", record.capture.url, result.outcome, record.capture.reason)
            elif result.outcome in NOTEWORTHY:
                logger.info(
                    "%s: %s (version %s; %s)",
                    record.capture.url,
                    result.outcome,
                    result.version,
                    ", ".join(result.changed_fields) or record.capture.reason or "",
                )
        return self._forget(item)

    def _close(self, reason: str) -> None:
        """End the crawl now (not awaited here: closing waits for the items in progress, this one included)."""
        engine = self.crawler.engine
        if engine is not None and self._closing is None:
            logger.error("closing the crawl: %s", reason)
            self._closing = asyncio.get_running_loop().create_task(engine.close_spider_async(reason=reason))

    @staticmethod
    def _forget(item: FetchedPage) -> FetchedPage:
        item.body = None  # the bytes are stored; do not keep them in memory or feeds
        for hop in item.hops:
            hop.body = b""
        return item

    def close_spider(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.writer is not None:
            self.writer.close()  # writes what is queued

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        writer = self.writer
        try:
            db = open_archive(self.db_path)
        except ArchiveError as exc:
            logger.error("courtnews run %d (%s) could not be closed: %s", self.run_id, spider.name, exc)
            self._set_exit(spider, "failed")
            return
        try:
            counts = get_run(db, self.run_id)
            facts = RunFacts(
                kind=counts["kind"],
                close_reason=reason,
                counts=counts,
                list_pages_ok=getattr(spider, "list_pages_ok", 0),
                list_errors=tuple(getattr(spider, "list_errors", ())),
                links_found=getattr(spider, "links_found", 0),
                unstored=writer.unstored if writer else 0,
                first_store_error=writer.first_error if writer else None,
                first_failure=self.first_failure,
                unavailable_sites=tuple(getattr(spider, "unavailable_sites", ())),
            )
            status, why = run_verdict(facts)
            run = finish_run(
                db,
                self.run_id,
                status,
                why,
                unstored=facts.unstored,
                list_pages=facts.list_pages_ok,
                links_found=facts.links_found,
            )
        except ArchiveError as exc:
            logger.error("courtnews run %d (%s) could not be closed: %s", self.run_id, spider.name, exc)
            self._set_exit(spider, "failed")
            return
        finally:
            db.close()
        self._checkpoint(spider)
        self._set_exit(spider, status)
        logger.info(
            "courtnews run %d (%s) %s%s: %d captures, %d new pages, %d new versions (%d changed, %d removed, "
            "%d moved, %d restored), %d unchanged, %d failures, %d unstored",
            run["id"],
            spider.name,
            status,
            f" ({why})" if why else "",
            run["captures"],
            run["new_pages"],
            run["new_versions"],
            run["changed"],
            run["removed"],
            run["moved"],
            run["restored"],
            run["unchanged"],
            run["failures"],
            run["unstored"],
        )

    def _checkpoint(self, spider: Spider) -> None:
        """Sign the evidence log's head now that the run's rows are committed (archive/evidence): a failure
        here is a warning, never a failed run; the next run or `courtnews checkpoint` signs it."""
        from archive.evidence.service import checkpoint_after_run

        try:
            db = open_archive(self.db_path)
        except ArchiveError as exc:
            logger.warning("evidence checkpoint not signed: %s", exc)
            return
        try:
            signed = checkpoint_after_run(db)  # the key: $COURTNEWS_KEY, else beside the archive
        except (OSError, ValueError) as exc:
            logger.warning("evidence checkpoint not signed: %s", exc)
            return
        finally:
            db.close()
        if signed.warning:
            logger.warning("evidence checkpoint %d: %s", signed.checkpoint.id, signed.warning)
        logger.info(
            "evidence log of %s signed at size %d (checkpoint %d)",
            self.db_path,
            signed.checkpoint.size,
            signed.checkpoint.id,
        )

    def _set_exit(self, spider: Spider, status: str) -> None:
        """The run's status for the crawl command's exit code (see crawler/crawling/commands/crawl.py)."""
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("courtnews/run_status", status)
