"""The one place that knows the Redis URL: connecting, naming the keys, saying what went wrong without the
password, and waiting out an outage.

Rules:
- a URL is only ever shown with its password replaced by ``***`` (``safe_url``), in logs and errors alike;
- a Redis that does not answer at start is one line naming the URL and what to do (``connect``);
- an operation that must not be lost (an item pushed, a request handed over with its lease) is retried
  until Redis answers again, at most ``REDIS_RETRY_SECONDS``; a read that can simply be tried later is not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis

logger = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "courtnews"
ITEMS = f"{PREFIX}:items"  # the stream of archive-ready fetches (one entry per FetchedPage)
DEAD = f"{PREFIX}:items:dead"  # entries the writer could not decode, kept for an operator
GROUP = "writers"  # the stream's consumer group; one writer consumes it
WRITER_LOCK = f"{PREFIX}:writer"  # which writer consumes the stream (host, pid, archive), with a TTL
RUNS = f"{PREFIX}:runs"  # run ids the writer has to close once drained
WORKERS = f"{PREFIX}:workers"  # sorted set: worker id -> last heartbeat (unix time)
PUSHED_BY = f"{PREFIX}:workers:pushed"  # hash: worker id -> items pushed (status: who did the work)
REDIS_RETRY_SECONDS = 300.0
RETRY_ERRORS = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)
# A client of ours answers bytes (decode_responses is off); redis-py's stubs type every reply as bytes or str or
# more, which only adds casts: replies are handled as the bytes they are.
Client = Any


class RedisUnavailable(ConnectionError):
    """Redis did not answer; the message is one line naming the URL (without its password). An OSError, so
    the daemon and the command line report it as they report a file that cannot be opened."""


def queue_key(slug: str) -> str:
    """scrapy-redis's request queue of a source (its SCHEDULER_QUEUE_KEY, ``%(spider)s`` = the slug)."""
    return f"{PREFIX}:{slug}:requests"


def inflight_key(slug: str) -> str:
    """Requests of a source taken by a worker and not yet handed over: lease id -> score and request."""
    return f"{PREFIX}:{slug}:inflight"


def run_key(run_id: int) -> str:
    """What a run knows while it is open: source, kind, pushed and recorded counts, list facts, samples."""
    return f"{PREFIX}:run:{run_id}"


def seen_key(run_id: int) -> str:
    """The run's duplicate filter (scrapy-redis fingerprints): one per run, so the next run fetches again."""
    return f"{PREFIX}:run:{run_id}:seen"


def known_key(run_id: int) -> str:
    """The page keys the archive held when a list run was queued (``archive.store.known_page_keys``): workers
    have no archive, so this is how a distributed list crawl skips articles already archived, as a local
    one does."""
    return f"{PREFIX}:run:{run_id}:known"


def run_keys(run_id: int) -> list[str]:
    """Every key of a run but the item stream's entries: what forgetting a run deletes."""
    key = run_key(run_id)
    return [key, key + ":list_errors", seen_key(run_id), probes_key(run_id), known_key(run_id)]


def probes_key(run_id: int) -> str:
    return f"{PREFIX}:run:{run_id}:probes"


def heartbeat_key(worker: str) -> str:
    return f"{PREFIX}:worker:{worker}"


def safe_url(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def client(url: str) -> Client:
    """A client with bounded waits: a Redis that is down answers an error within seconds, not never."""
    try:
        return redis.Redis.from_url(
            url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=15
        )
    except ValueError as exc:
        raise RedisUnavailable(
            f"{safe_url(url)}: not a Redis URL ({exc}); use redis://[:password@]host:6379/0"
        ) from None


def connect(url: str) -> Client:
    """A client whose server answered PING; RedisUnavailable (one line) otherwise."""
    server = client(url)
    try:
        server.ping()
    except redis.AuthenticationError:
        raise RedisUnavailable(
            f"{safe_url(url)}: Redis refused the password; check the URL (redis://:PASSWORD@host:port/db)"
        ) from None
    except redis.RedisError as exc:
        raise RedisUnavailable(
            f"{safe_url(url)} does not answer ({one_line(exc)}); start Redis there or pass --redis URL"
        ) from None
    return server


def one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:200]


def retrying(what: str, call: Callable[[], T], limit: float = REDIS_RETRY_SECONDS) -> T:
    """call(), tried again while Redis is unreachable (waits of 0.2 s growing to 5 s), for up to limit
    seconds; then the last error is raised. Blocking: for work that cannot go on without Redis anyway."""
    deadline = time.monotonic() + limit
    wait = 0.2
    told = False
    while True:
        try:
            result = call()
        except RETRY_ERRORS as exc:
            if time.monotonic() + wait > deadline:
                raise
            if not told:
                logger.warning("redis unreachable while %s (%s): retrying", what, one_line(exc))
                told = True
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
            continue
        if told:
            logger.info("redis answers again: %s done", what)
        return result
