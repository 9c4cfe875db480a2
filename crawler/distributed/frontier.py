"""The shared frontier is scrapy-redis's: its scheduler, its priority queue (a sorted set per source) and its
duplicate filter, configured for courtnews. What is added here makes a worker's death lose nothing.

Rules:
- taking a request is a lease: one Lua call moves it from the source's queue into the source's in-flight
  hash under ``<worker>|<n>`` (``LeasedPriorityQueue.pop``), so a request is always in Redis somewhere;
- a response's outcome is handed over with the lease's release in one Lua call: the requests it produced are
  queued (those its run has seen are dropped by the run's duplicate filter) together with the run's list
  facts (``Frontier.hand_over``); a fetched page is pushed to the item stream with the release
  (``Frontier.push``). Until then the lease stays, and if the worker dies the writer puts the request
  back in the queue (``requeue_dead``): a fetch may happen twice, never zero times;
- a request's run travels in its meta (``courtnews_run``) to everything it produces; a run that is stopping
  or gone (stopped by the daemon) gets no new requests, but what was fetched is still pushed;
- the duplicate filter is per run (``courtnews:run:<id>:seen``, deleted when the run closes): the next run
  fetches list pages again. ``max_articles`` is the run's, counted in the hand-over across all workers. Articles are keyed by their page key (``archive.urls.page_key``), so one
  article is fetched once per run however many list pages, or workers, find it;
- work that cannot go on without Redis (a hand-over, a push) waits for it (``redis_link.retrying``);
  taking the next request does not: a worker with no Redis is idle.
"""

# scrapy-redis 0.9.1 with Scrapy 2.19 (checked with a RedisSpider crawl against a local site, and here): it
# works. Its scheduler fits Scrapy's scheduler interface, requests round-trip through Request.to_dict and
# request_from_dict, async start() is not involved (workers start nothing; the enqueuer queues requests).
# What does not fit, and how it is handled: StatsCollector.inc_value(spider=) and Spider.log() are deprecated
# (our next_request/open do without them); RedisPipeline's process_item(spider) and its Deferred are
# deprecated (not used: our pipeline pushes to a stream); its pop is not reliable (a worker's death loses
# what it popped: hence the lease); its fingerprints are its own sha1 of method, URL and body, not Scrapy's
# REQUEST_FINGERPRINTER (ours key articles by page key); the default pickle serializer would run code found
# in Redis (serializer.py); SCHEDULER_PERSIST=False would empty the shared queue when any worker stops.
from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from archive.urls import page_key
from crawler.distributed import redis_link
from crawler.pipeline.items import FetchedPage

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RUN = "courtnews_run"  # meta: the run a request belongs to
LEASE = "courtnews_lease"  # meta: the lease under which this worker holds the request
FACTS = "courtnews_facts"  # meta (set by the spider while parsing): list facts handed over with the lease
REDIS_GONE = "redis_unreachable"  # close reason of a worker's crawl that waited for Redis in vain
T = TypeVar("T")

# KEYS: queue, in-flight; ARGV: lease. The best request moves to in-flight as "<score>\n<request>". A lease
# already held answers its own request: the same pop run again (its reply was lost) takes nothing more.
_POP = """
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then return string.sub(held, string.find(held, '\\n', 1, true) + 1) end
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return false end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], ARGV[1], best[2] .. '\\n' .. best[1])
return best[1]
"""

# KEYS: queue, in-flight, run hash, run's seen set, run's list errors; ARGV: lease ('' = none),
# facts JSON, then (fingerprint or '', score, request, counted) quadruples. Queued only while the run is open;
# a counted request (an article found on a list page) only while the run's articles are below its
# max_articles (0: no limit), counted here across every worker.
_HAND_OVER = """
local open = redis.call('EXISTS', KEYS[3]) == 1 and redis.call('HEXISTS', KEYS[3], 'stop') == 0
local queued = 0
if open then
  local limit = tonumber(redis.call('HGET', KEYS[3], 'max_articles') or '0')
  for i = 3, #ARGV, 4 do
    local room = ARGV[i + 3] == '' or limit == 0
      or tonumber(redis.call('HGET', KEYS[3], 'articles') or '0') < limit
    if room and (ARGV[i] == '' or redis.call('SADD', KEYS[4], ARGV[i]) == 1) then
      redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
      if ARGV[i + 3] ~= '' then redis.call('HINCRBY', KEYS[3], 'articles', 1) end
      queued = queued + 1
    end
  end
  local facts = cjson.decode(ARGV[2])
  for name, n in pairs(facts['incr'] or {}) do redis.call('HINCRBY', KEYS[3], name, n) end
  for _, text in ipairs(facts['errors'] or {}) do redis.call('RPUSH', KEYS[5], text) end
  redis.call('LTRIM', KEYS[5], 0, 99)
end
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return queued
"""

# KEYS: stream, in-flight, run hash, pushed-by hash; ARGV: lease ('' = keep), worker, then field/value pairs
_PUSH = """
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('HINCRBY', KEYS[3], 'pushed', 1) end
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
if ARGV[1] ~= '' then redis.call('HDEL', KEYS[2], ARGV[1]) end
return id
"""

# KEYS: queue, in-flight; ARGV: leases. Each goes back into the queue with its score.
_REQUEUE = """
local n = 0
for _, lease in ipairs(ARGV) do
  local held = redis.call('HGET', KEYS[2], lease)
  if held then
    local cut = string.find(held, '\\n', 1, true)
    redis.call('ZADD', KEYS[1], tonumber(string.sub(held, 1, cut - 1)), string.sub(held, cut + 1))
    redis.call('HDEL', KEYS[2], lease)
    n = n + 1
  end
end
return n
"""


@dataclass
class Envelope:
    """A fetched page on its way to the item stream, with the run it belongs to and the lease it settles."""

    page: FetchedPage
    run_id: int
    lease: str | None = field(default=None, repr=False)


def run_of(meta: dict[str, Any]) -> int:
    return int(meta.get(RUN) or 0)


def is_list_article(request: Request) -> bool:
    """A new article found on a list page: the first request for it (not a revisit, not a redirect hop).
    These, and only these, count against the run's ``max_articles``, as in a local crawl."""
    meta = request.meta
    return meta.get("article_url") == request.url and not meta.get("revisit") and not meta.get("hops")


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue (a sorted set per source) whose pop is a lease (see the module rules)."""

    def __init__(self, server: redis_link.Client, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.worker = spider.settings.get("COURTNEWS_WORKER_ID") or "worker"
        self.inflight = redis_link.inflight_key(spider.name)
        self._numbers = itertools.count(1)
        self._doubtful: str | None = None  # the lease of a pop that raised: it may have taken a request
        self._pop = server.register_script(_POP)

    def pop(self, timeout: int = 0) -> Request | None:
        """The best request, leased to this worker. A pop whose reply was lost (Redis went away after running
        it) may have moved a request to in-flight: redis-py's own retry, or the next pop after an error, asks
        again with the same lease and gets that request, so none is left leased to a worker that never saw it
        (the run would never drain while the worker lives)."""
        lease = self._doubtful or f"{self.worker}|{next(self._numbers)}"
        self._doubtful = lease
        data = self._pop(keys=[self.key, self.inflight], args=[lease])
        self._doubtful = None
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = lease
        return request

    def encode(self, request: Request) -> bytes:
        request.meta.pop(LEASE, None)  # a lease belongs to the worker that took the request, never to a copy
        return self._encode_request(request)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, one set per run; an article is known by its page key."""

    def fingerprint(self, request: Request) -> str:
        meta = request.meta
        if meta.get("article_url") == request.url and not meta.get("hops"):
            return "page:" + page_key(request.url)
        return self.request_fingerprint(request)

    def request_seen(self, request: Request) -> bool:
        key = redis_link.seen_key(run_of(request.meta))
        return self.server.sadd(key, self.fingerprint(request)) == 0

    def clear(self) -> None:
        """Nothing: a run's fingerprints are deleted when the writer closes the run, not when a worker stops."""


class Frontier(Scheduler):
    """scrapy-redis's scheduler; also hands each response's outcome back to Redis (see the module rules)."""

    df: RunDupeFilter
    queue: LeasedPriorityQueue
    crawler: Crawler
    worker: str
    pending: dict[str, int]  # lease -> pages still to push before it is released
    _down = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Frontier:
        url = crawler.settings.get("COURTNEWS_REDIS_URL")
        if not url:
            raise NotConfigured("COURTNEWS_REDIS_URL is not set: this is not a distributed crawl")
        try:
            instance = cls.from_settings(crawler.settings)  # scrapy-redis pings the server (REDIS_URL) here
        except redis.RedisError as exc:
            raise redis_link.RedisUnavailable(
                f"{redis_link.safe_url(url)} does not answer ({redis_link.one_line(exc)}); "
                "start Redis there or set COURTNEWS_REDIS_URL"
            ) from None
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.worker = crawler.settings.get("COURTNEWS_WORKER_ID") or "worker"
        instance.pending = {}
        instance._hand_over = instance.server.register_script(_HAND_OVER)
        instance._push = instance.server.register_script(_PUSH)
        return instance

    def open(self, spider: Spider) -> None:
        # scrapy-redis's open() less its Spider.log() call (deprecated in Scrapy 2.19) and its flush option
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        spider.frontier = self  # type: ignore[attr-defined]  # the spider and its middleware hand over here

    def close(self, reason: str) -> None:
        """Nothing is flushed: the queue is shared with other workers (SCHEDULER_PERSIST)."""

    # ------------------------------------------------------------ the scheduler interface
    def next_request(self) -> Request | None:
        try:
            request = self.queue.pop()
        except redis_link.RETRY_ERRORS as exc:
            self._unreachable(exc)
            return None
        self._reachable()
        if request is not None and self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return len(self.queue) > 0
        except redis_link.RETRY_ERRORS as exc:
            self._unreachable(exc)
            return False

    def enqueue_request(self, request: Request) -> bool:
        """A request that reached the engine by itself (our spiders hand theirs over instead): queued in its
        run, through the run's duplicate filter. A copy of a leased request (Scrapy's retry of a failed
        attempt) carries the lease of that attempt: it is released in the same call, since the copy is the
        request now and takes a lease of its own when it is popped; a lease left behind would keep the run
        from draining and, once its worker stopped, send the page to be fetched twice."""
        meta = {RUN: run_of(request.meta), LEASE: request.meta.get(LEASE)}
        # a retry is the same article again, already counted against max_articles: never dropped for it
        return self.hand_over(meta, [request], release=meta[LEASE] is not None, count=False) == 1

    def _unreachable(self, exc: Exception) -> None:
        if not self._down:
            logger.warning(
                "redis unreachable (%s): no new requests until it answers", redis_link.one_line(exc)
            )
            self._down = True

    def _reachable(self) -> None:
        if self._down:
            logger.info("redis answers again: taking requests")
            self._down = False

    def waiting(self, what: str, call: Callable[[], T]) -> T:
        """call(), waiting for Redis (``redis_link.retrying``). If Redis stays away, the crawl closes
        (``REDIS_GONE``) and the worker process stops (``WorkerPresence``): its heartbeat ends, so the
        writer puts the requests it held back in the queue once Redis answers again."""
        try:
            return redis_link.retrying(what, call)
        except redis_link.RETRY_ERRORS:
            engine = self.crawler.engine
            if engine is not None:
                logger.error(
                    "redis unreachable for %d s while %s: stopping", redis_link.REDIS_RETRY_SECONDS, what
                )
                deferred_from_coro(engine.close_spider_async(reason=REDIS_GONE))
            raise

    # ------------------------------------------------------------ hand-over
    def settle(self, meta: dict[str, Any], outputs: list[Any]) -> list[Any]:
        """What a callback produced: requests are handed over now; pages are wrapped for the item pipeline,
        which releases the lease once the last of them is pushed."""
        requests = [o for o in outputs if isinstance(o, Request)]
        pages = [o for o in outputs if isinstance(o, FetchedPage)]
        others = [o for o in outputs if not isinstance(o, Request | FetchedPage)]
        lease = meta.get(LEASE)
        if pages and lease:
            self.pending[lease] = self.pending.get(lease, 0) + len(pages)
        if requests or not pages or meta.get(FACTS):
            # an article's page alone has nothing to hand over: its push releases the lease (one round trip
            # a page less, a fifth of a worker's calls to Redis)
            self.hand_over(meta, requests, release=not pages)
        run = run_of(meta)
        return [Envelope(page, run, lease) for page in pages] + others

    def hand_over(
        self, meta: dict[str, Any], requests: list[Request], release: bool = True, count: bool = True
    ) -> int:
        """Queue requests in meta's run with the list facts, and release meta's lease: one atomic call.
        count: new articles among them count against the run's max_articles (False: a retry's copy)."""
        run = run_of(meta)
        lease = meta.get(LEASE) if release else None
        facts = meta.pop(FACTS, None) or {}
        args: list[Any] = [lease or "", json.dumps(facts, ensure_ascii=False)]
        for request in requests:
            if not request.meta.get(RUN):
                request.meta[RUN] = run
            fingerprint = "" if request.dont_filter else self.df.fingerprint(request)
            counted = "1" if count and not request.dont_filter and is_list_article(request) else ""
            args += [fingerprint, -request.priority, self.queue.encode(request), counted]
        keys = [
            self.queue.key,
            self.queue.inflight,
            redis_link.run_key(run),
            redis_link.seen_key(run),
            redis_link.run_key(run) + ":list_errors",
        ]
        queued = self.waiting("handing requests over", lambda: self._hand_over(keys=keys, args=args))
        if self.stats is not None and queued:
            self.stats.inc_value("scheduler/enqueued/redis", queued)
        return int(queued)

    def push(self, envelope: Envelope, fields: dict[str, bytes | str]) -> str:
        """Push one archive-ready fetch to the item stream; the last page of a lease releases it. Called in
        the reactor's thread, like settle: the lease bookkeeping is not shared with other threads."""
        lease = envelope.lease
        release = ""
        if lease is not None:
            left = self.pending.get(lease, 1) - 1
            if left <= 0:
                self.pending.pop(lease, None)
                release = lease
            else:
                self.pending[lease] = left
        args: list[Any] = [release, self.worker]
        for name, value in fields.items():
            args += [name, value]
        keys = [
            redis_link.ITEMS,
            self.queue.inflight,
            redis_link.run_key(envelope.run_id),
            redis_link.PUSHED_BY,
        ]
        entry = self.waiting("pushing a fetch", lambda: self._push(keys=keys, args=args))
        return entry.decode() if isinstance(entry, bytes) else str(entry)


def requeue_dead(server: redis_link.Client, slug: str, leases: list[str]) -> int:
    """Put requests leased by dead workers back in the source's queue."""
    if not leases:
        return 0
    script = server.register_script(_REQUEUE)
    return int(script(keys=[redis_link.queue_key(slug), redis_link.inflight_key(slug)], args=leases))
