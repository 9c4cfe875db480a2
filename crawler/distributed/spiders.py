"""The same spiders, as crawl workers: each source spider runs unchanged, wrapped so that its work comes from
Redis and goes back there.

Rules:
- a worker starts nothing on its own; a run starts when the enqueuer queues its not-found probes
  (``crawler/distributed/enqueue.py``), and when the last probe of the run is answered, by whichever
  worker, that worker queues the run's list pages and revisits (the spider's own ``_initial_requests``);
- each probe's answer (how the host says "not found") is kept in the run's hash, so every worker judges soft
  404s of that host as a local crawl does; a worker that lacks a host's sample reads it before parsing;
- per-run state of the spider (articles scheduled, list facts) starts afresh when a worker sees a new run,
  which also reads the page keys the archive held when the run was queued (``courtnews:run:<id>:known``):
  a list crawl skips archived articles as a local one does. ``max_articles`` is the run's: the hand-over
  counts new articles across all workers and queues none past it, and a worker reading a list page starts
  from the run's count, so it stops paginating where a local crawl would;
- callbacks are drained at once and their outcome handed over by ``HandOver`` (callbacks) or the errback
  wrappers here (errbacks skip spider middlewares); list facts travel in the response's meta to it;
- the worker stays up when the queue is empty (it waits for the next run) and says it is alive every
  ``HEARTBEAT_SECONDS``; stopping cleanly puts its leased requests back at once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler.crawling.spiderloader import SourceSpiderLoader
from crawler.distributed import redis_link
from crawler.distributed.frontier import FACTS, LEASE, REDIS_GONE, Envelope, Frontier, requeue_dead, run_of
from crawler.pipeline.items import NotFoundSample
from crawler.pipeline.site_state import judge_site

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TTL = 10  # seconds without a heartbeat before the writer may take the worker for dead


class DistributedSpider:
    """Mixed in before a source spider class (``DistributedSpiderLoader``)."""

    frontier: Frontier
    _run = 0
    _probing: str | None = None

    # the attributes of SourceSpider this wrapper reads and resets (declared for the type checker)
    scheduled: set[str]
    known: set[str]
    articles_found: int
    list_pages_ok: int
    links_found: int
    list_errors: list[str]
    not_found: dict[str, NotFoundSample | None]
    _controls: dict[str, tuple[str, int | None, str | None, str | None]]
    _answered: str = "probe"
    revisit: str
    _revisits: list[str]

    async def start(self) -> AsyncIterator[Any]:
        """Nothing: a worker's requests come from Redis."""
        return
        yield

    def article_request(self, url: str, revisit: bool = False) -> Request:
        # the first request for an article goes through the run's duplicate filter (by page key), so two
        # workers reading two list pages that both link it fetch it once; redirect hops still are never
        # filtered (the spider detects loops itself)
        return super().article_request(url, revisit).replace(dont_filter=False)  # type: ignore[misc]

    # ------------------------------------------------------------ runs
    def _enter_run(self, meta: dict[str, Any]) -> int:
        run = run_of(meta)
        if run != self._run:
            self._run = run
            self.scheduled, self.articles_found, self.list_errors = set(), 0, []
            self.not_found, self._controls = {}, {}
            members = self.frontier.waiting(
                "reading the archived articles",
                lambda: self.frontier.server.smembers(redis_link.known_key(run)),
            )
            self.known = {m.decode() for m in members}
        return run

    def _sample(self, run: int, netloc: str) -> None:
        """Make sure the not-found sample of netloc in this run is known here (read from Redis if not)."""
        if netloc in self.not_found:
            return
        raw = self.frontier.waiting(
            "reading a not-found sample",
            lambda: self.frontier.server.hget(redis_link.run_key(run), f"notfound:{netloc}"),
        )
        if raw is None:
            return  # not probed (a host reached by a redirect): judged without a sample, as locally
        data = json.loads(raw)
        self.not_found[netloc] = NotFoundSample(**data) if data else None

    def _facts(self, pages: int, links: int, errors: int) -> dict[str, Any]:
        return {
            "incr": {"list_pages_ok": self.list_pages_ok - pages, "links_found": self.links_found - links},
            "errors": self.list_errors[errors:],
        }

    # ------------------------------------------------------------ callbacks (HandOver settles them)
    def parse_list(self, response: Response) -> list[Any]:
        run = self._enter_run(response.meta)
        counted = self.frontier.waiting(
            "reading the run's article count",
            lambda: self.frontier.server.hget(redis_link.run_key(run), "articles"),
        )
        self.articles_found = int(counted or 0)  # the run's new articles so far, every worker's
        before = (self.list_pages_ok, self.links_found, len(self.list_errors))
        outputs = list(super().parse_list(response) or [])  # type: ignore[misc]
        response.meta[FACTS] = self._facts(*before)
        return outputs

    def parse_article(self, response: Response) -> list[Any]:
        run = self._enter_run(response.meta)
        self._sample(run, urlsplit(response.url).netloc)
        return list(super().parse_article(response))  # type: ignore[misc]

    def parse_probe(self, response: Response) -> list[Any]:
        self._enter_run(response.meta)
        self._probing, self._answered = response.meta["netloc"], "probe"
        return list(super().parse_probe(response) or [])  # type: ignore[misc]

    def parse_control(self, response: Response) -> list[Any]:
        self._enter_run(response.meta)
        self._probing, self._answered = response.meta["netloc"], "control"
        return list(super().parse_control(response) or [])  # type: ignore[misc]

    # ------------------------------------------------------------ errbacks (settled here)
    def list_failed(self, failure: Failure) -> list[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._enter_run(meta)
        before = (self.list_pages_ok, self.links_found, len(self.list_errors))
        super().list_failed(failure)  # type: ignore[misc]
        meta[FACTS] = self._facts(*before)
        self.frontier.hand_over(meta, [])
        return []

    def article_failed(self, failure: Failure) -> list[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._enter_run(meta)
        return self.frontier.settle(meta, list(super().article_failed(failure)))  # type: ignore[misc]

    def probe_failed(self, failure: Failure) -> list[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._enter_run(meta)
        self._probing, self._answered = meta["netloc"], "probe"
        self.not_found.pop(meta["netloc"], None)
        outputs = list(super().probe_failed(failure) or [])  # type: ignore[misc]
        self.frontier.settle(meta, outputs)
        return []

    def control_failed(self, failure: Failure) -> list[Any]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        self._enter_run(meta)
        self._probing, self._answered = meta["netloc"], "control"
        outputs = list(super().control_failed(failure) or [])  # type: ignore[misc]
        self.frontier.settle(meta, outputs)
        return []

    def _probe_done(self) -> list[Request]:
        """Keep this host's answer for the run (its not-found sample, or its list page's answer, the control);
        the last answer of the run judges every host (crawler/pipeline/site_state.py), keeps the verdicts with the
        samples, and queues the run's lists and revisits. Idempotent: an answer given twice (a worker died)
        counts once, and queuing twice is filtered."""
        server, run, netloc, answered = self.frontier.server, self._run, self._probing, self._answered
        key = redis_link.run_key(run)
        if answered == "control":
            value = json.dumps(self._controls.get(netloc or ""))
        else:
            sample = self.not_found.get(netloc or "")
            value = json.dumps(asdict(sample) if sample else None)

        def record() -> tuple[int, list[Any]]:
            with server.pipeline() as pipe:
                pipe.hset(key, f"{'control' if answered == 'control' else 'notfound'}:{netloc}", value)
                pipe.sadd(redis_link.probes_key(run), f"{answered}:{netloc or ''}")
                pipe.scard(redis_link.probes_key(run))
                pipe.hmget(key, ["probes", "kind", "revisits"])
                replies = pipe.execute()
            return replies[2], replies[3]

        done, (total, kind, revisits) = self.frontier.waiting("recording a not-found probe", record)
        if total is None or done < int(total):
            return []
        self._judge_sites(key)
        self.revisit = "due" if (kind or b"").decode() == "revisit" else "none"
        self._revisits = json.loads(revisits or b"[]")
        return self._initial_requests()  # type: ignore[attr-defined]

    def _judge_sites(self, key: str) -> None:
        """Every host's verdict of this run, as a local crawl reaches it, kept with its sample for every
        worker, and the unavailable ones in the run's hash for the writer's run verdict."""
        server = self.frontier.server
        stored = self.frontier.waiting("reading the run's probes", lambda: server.hgetall(key))
        fields = {k.decode(): v for k, v in stored.items()}
        unavailable: list[str] = []
        updates: dict[str, str] = {}
        for name, raw in fields.items():
            if not name.startswith("control:"):
                continue
            netloc = name.removeprefix("control:")
            control = json.loads(raw)
            if control is None:
                continue
            data = json.loads(fields.get(f"notfound:{netloc}", b"null"))
            sample = NotFoundSample(**data) if data else None
            why = judge_site(sample, *control)
            if why is None:
                continue
            sample = sample or NotFoundSample(None)
            sample.unavailable = why
            updates[f"notfound:{netloc}"] = json.dumps(asdict(sample))
            unavailable.append(f"{netloc}: {why}")
            self.not_found[netloc] = sample
            logger.warning(
                "%s is unavailable in this run: %s; no answer of it is recorded as a removal", netloc, why
            )
        if unavailable:
            updates["unavailable"] = json.dumps(unavailable, ensure_ascii=False)
            self.frontier.waiting(
                "recording the run's site verdicts", lambda: server.hset(key, mapping=updates)
            )


class DistributedSpiderLoader(SourceSpiderLoader):
    """The sources' spiders, each wrapped as a crawl worker (``DistributedSpider``)."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self._wrapped: dict[str, type[Spider]] = {}

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._wrapped:
            base = super().load(spider_name)
            self._wrapped[spider_name] = type(f"{base.__name__}_worker", (DistributedSpider, base), {})
        return self._wrapped[spider_name]


class HandOver:
    """Spider middleware, next to the engine: a callback's requests go to Redis with the lease's release,
    its pages on to the item pipeline (which releases the lease once they are pushed)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HandOver:
        return cls(crawler)

    def _settle(self, response: Response, outputs: list[Any]) -> list[Any]:
        frontier: Frontier = self.crawler.spider.frontier  # type: ignore[union-attr]
        if any(isinstance(o, Envelope) for o in outputs):
            return outputs  # an errback called by Scrapy on this path already settled its outputs
        return frontier.settle(response.meta, outputs)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        yield from self._settle(response, list(result))

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        for output in self._settle(response, [o async for o in result]):
            yield output

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Any]:
        # a bug in a callback: the response is lost as it would be in a local crawl; the lease is released
        # so the run can end (retrying would only meet the same bug)
        logger.error("%s: the callback failed (%s); nothing recorded", response.url, exception)
        if LEASE in response.meta:
            self.crawler.spider.frontier.hand_over(response.meta, [])  # type: ignore[union-attr]
        return []


class WorkerPresence:
    """Extension: keeps the worker up while its queue is empty, says every HEARTBEAT_SECONDS that it is alive
    (``courtnews:worker:<id>`` with a TTL, and its last time in ``courtnews:workers``), and when it stops
    cleanly puts the requests it still holds back in the queue."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.worker = crawler.settings.get("COURTNEWS_WORKER_ID")
        self.server = redis_link.client(crawler.settings.get("COURTNEWS_REDIS_URL"))
        self.loop = task.LoopingCall(self.beat)
        self.started = time.time()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerPresence:
        if not crawler.settings.get("COURTNEWS_REDIS_URL"):
            raise NotConfigured
        presence = cls(crawler)
        crawler.signals.connect(presence.opened, signal=signals.spider_opened)
        crawler.signals.connect(presence.idle, signal=signals.spider_idle)
        crawler.signals.connect(presence.closed, signal=signals.spider_closed)
        return presence

    def opened(self, spider: Spider) -> None:
        self.loop.start(HEARTBEAT_SECONDS, now=True)

    def idle(self, spider: Spider) -> None:
        raise DontCloseSpider("a worker waits for the next run")

    def beat(self) -> None:
        spider = self.crawler.spider
        about = {"pid": os.getpid(), "since": int(self.started), "source": spider.name if spider else None}
        try:
            with self.server.pipeline() as pipe:
                pipe.set(redis_link.heartbeat_key(self.worker), json.dumps(about), ex=HEARTBEAT_TTL)
                pipe.zadd(redis_link.WORKERS, {self.worker: time.time()})
                pipe.execute()
        except redis_link.RETRY_ERRORS:
            pass  # the scheduler says Redis is unreachable; the next beat tries again

    def closed(self, spider: Spider, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        if reason == REDIS_GONE:
            # the whole process stops, so its heartbeat ends and the writer recovers what it held; a
            # supervisor (compose, systemd) starts it again
            os.kill(os.getpid(), signal.SIGTERM)
        try:
            inflight = redis_link.inflight_key(spider.name)
            mine = [
                k.decode() for k in self.server.hkeys(inflight) if k.decode().startswith(f"{self.worker}|")
            ]
            back = requeue_dead(self.server, spider.name, mine)
            if back:
                logger.info("put %d requests this worker held back in the queue of %s", back, spider.name)
        except redis_link.RETRY_ERRORS as exc:
            logger.error(
                "redis unreachable at stop (%s): the writer will put this worker's requests back once "
                "its heartbeat expires",
                redis_link.one_line(exc),
            )
