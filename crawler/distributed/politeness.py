"""A site's politeness limits hold across all crawl workers, not per worker: one request every
``download_delay`` seconds to a host and at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests to it at once,
counted in Redis for every worker together.

Rules:
- the gate is taken at the last moment, in the download handler (after Scrapy's own slot delay and
  concurrency, which still apply within each worker): a slot reserved earlier and sent later could squeeze
  the next worker's request closer than the delay;
- one Lua call per request reserves the host's next free moment (Redis's clock, the same for every host
  of the cluster) and a place among its requests in flight; the request waits, without blocking the
  reactor, until that moment. Its place is given back when the response (or the error) is in, and lapses
  by itself after ``DOWNLOAD_TIMEOUT`` + ``LEASE_SPARE`` seconds if its worker dies. Given back means: with
  the worker's next gate call for that host, or within ``RELEASE_WITHIN`` seconds, whichever comes first
  (one round trip a request, not two);
- a host is its hostname, as Scrapy's download slots are; the delay is the source's ``download_delay``,
  else ``DOWNLOAD_DELAY``;
- Redis away: the request waits for it (a worker sends nothing its gate has not allowed).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.httpobj import urlparse_cached

from crawler.distributed import redis_link

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)
LEASE_SPARE = 30.0  # seconds a dead worker's place in flight outlives its request's timeout
FULL_WAIT = 0.05  # seconds before asking again when the host has its fill of requests in flight
RELEASE_WITHIN = 0.2  # seconds a finished request's place may wait for the next gate call to give it back

# KEYS: the host's next free moment (ms, Redis's clock), its requests in flight (member -> expiry ms);
# ARGV: delay ms, limit (0: none), member, lease ms, then places given back (requests of this worker that
# ended since its last call). -1: full, ask again; else ms to wait before sending.
_GATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 5, #ARGV do redis.call('ZREM', KEYS[2], ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if limit > 0 and redis.call('ZCARD', KEYS[2]) >= limit then return -1 end
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if delay > 0 then redis.call('SET', KEYS[1], slot + delay, 'PX', slot + delay - now + 60000) end
redis.call('ZADD', KEYS[2], slot + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], slot - now + tonumber(ARGV[4]))
return slot - now
"""


def host_keys(host: str) -> list[str]:
    """courtnews:polite:<host>:next and :sending (never ``…:inflight``, ``…:requests``: the writer and
    `status` find the sources' keys by those endings)."""
    return [f"{redis_link.PREFIX}:polite:{host}:next", f"{redis_link.PREFIX}:polite:{host}:sending"]


class SharedPolitenessHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, each request sent only when the host's shared gate lets it through."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.server = redis_link.client(settings.get("COURTNEWS_REDIS_URL"))
        self._gate = self.server.register_script(_GATE)
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.lease_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT") + LEASE_SPARE) * 1000)
        self.worker = settings.get("COURTNEWS_WORKER_ID") or "worker"
        self.setting_delay = settings.getfloat("DOWNLOAD_DELAY")
        self._numbers = itertools.count(1)
        self._down = False
        self._released: dict[str, list[str]] = {}  # host -> places of finished requests, not yet given back
        self._flush: asyncio.TimerHandle | None = None

    def delay(self) -> float:
        source = getattr(self._crawler.spider, "source", None)
        configured = getattr(source, "download_delay", None)
        return float(configured) if configured is not None else self.setting_delay

    async def download_request(self, request: Request) -> Response:
        host = urlparse_cached(request).hostname or ""
        keys = host_keys(host)
        member = f"{self.worker}|{next(self._numbers)}"
        await self._wait_turn(host, keys, member)
        try:
            return await super().download_request(request)
        finally:
            self._released.setdefault(host, []).append(member)
            if self._flush is None:  # the asyncio reactor's loop
                self._flush = asyncio.get_running_loop().call_later(RELEASE_WITHIN, self.give_back)

    def give_back(self) -> None:
        """The places of finished requests that no gate call took along, in one round trip."""
        self._flush = None
        released, self._released = self._released, {}
        if not released:
            return
        # on an error they lapse by themselves
        with contextlib.suppress(*redis_link.RETRY_ERRORS), self.server.pipeline(transaction=False) as pipe:
            for host, members in released.items():
                pipe.zrem(host_keys(host)[1], *members)
            pipe.execute()

    async def _wait_turn(self, host: str, keys: list[str], member: str) -> None:
        pause = 0.2
        while True:
            released = self._released.pop(host, [])
            args = [int(self.delay() * 1000), self.limit, member, self.lease_ms, *released]
            try:
                wait = int(self._gate(keys=keys, args=args))
            except redis_link.RETRY_ERRORS as exc:
                self._released.setdefault(host, []).extend(released)
                if not self._down:
                    logger.warning("redis unreachable (%s): requests wait for it", redis_link.one_line(exc))
                    self._down = True
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)
                continue
            if self._down:
                logger.info("redis answers again: requests go on")
                self._down = False
            if wait >= 0:
                if wait:
                    await asyncio.sleep(wait / 1000)
                return
            await asyncio.sleep(FULL_WAIT)
