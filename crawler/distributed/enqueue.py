"""Starting a run in distributed mode: the run row is made in the archive (as the daemon does for a local
crawl), then its first requests go to Redis for the workers, and the writer closes it once drained.

Rules:
- a run's first requests are the spider's own not-found probes (one per host of its list pages and
  revisits); the worker that answers the last one queues the list pages and due revisits
  (``crawler/distributed/spiders.py``), so no article is judged before its host's sample is known;
- due revisits are chosen here, beside the archive (workers have none), as ``-a revisit=due`` does; a list
  run gets the page keys the archive holds (``courtnews:run:<id>:known``), so its workers skip archived
  articles exactly as a local list crawl does, and its ``max_articles`` is kept in the run's hash, where
  every worker's new articles are counted against it (a per-run limit, not a per-worker one);
- the run's hash, its probes and its entry in ``courtnews:runs`` are written in one transaction: the writer
  never sees half a run; a Redis that does not answer fails the run at once with the reason;
- distributed runs have pid 0 (no local process owns them): Redis, not a process, says whether they live;
- the daemon drives them like its crawl processes (``EnqueuedRun``: poll, terminate, kill), at most one
  run per source at a time; terminate stops queuing (the run ends ``stopped`` once in-flight fetches are
  recorded), kill forgets the run in Redis at once.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
import sqlite_utils
from scrapy.settings import Settings

from archive import open_archive
from archive.db import ArchiveError, open_reader
from archive.revisits import DEFAULT_OFFSETS, due_pages
from archive.runs import finish_run, open_distributed_runs, start_run
from archive.store import known_page_keys
from crawler.crawling.process import process_is_crawl
from crawler.crawling.spiderloader import SourceSpiderLoader
from crawler.distributed import redis_link, serializer
from crawler.distributed.frontier import RUN

if TYPE_CHECKING:
    from crawler.config.sources import DaemonConfig
    from crawler.service.running import RunFollower
    from crawler.service.scheduling import Job

logger = logging.getLogger(__name__)
EXIT_CODES = {"finished": 0, "failed": 1, "stopped": 3, "interrupted": -9}
POLL_SECONDS = 2.0
KNOWN_CHUNK = 5000  # page keys per SADD of the known set (a command of megabytes would block Redis)


def run_alive(pid: int | None) -> bool:
    """For ``start_run``'s sweep: a distributed run (pid 0) is judged by Redis, a local one by its process."""
    return pid == 0 or process_is_crawl(pid)


def _spider(sources_path: str | Path | None, slug: str, revisit: str) -> Any:
    settings = Settings({"SOURCES_FILE": str(sources_path) if sources_path else None})
    return SourceSpiderLoader(settings).load(slug)(revisit=revisit)


def enqueue_run(
    server: redis_link.Client,
    db: sqlite_utils.Database,
    sources_path: str | Path | None,
    slug: str,
    kind: str = "crawl",
    trigger: str = "manual",
    revisit_offsets: tuple[int, ...] = (),
    revisit_batch: int = 200,
) -> int:
    """Make a run of slug and queue its probes; the run id. A Redis error fails the run and is raised as
    RedisUnavailable (one line)."""
    spider = _spider(sources_path, slug, "due" if kind == "revisit" else "none")  # a bad slug fails here
    run_id = start_run(db, slug, kind, pid=0, trigger=trigger, is_alive=run_alive)
    revisits: list[str] = []
    if kind == "revisit":
        offsets = tuple(timedelta(seconds=s) for s in revisit_offsets) or DEFAULT_OFFSETS
        due = [row["url"] for row in due_pages(db, offsets=offsets, source=slug, limit=revisit_batch)]
        revisits = [u for u in dict.fromkeys(due) if spider.source.allows(u)]
    spider._revisits = revisits  # what SourceSpider.start() sets before probing
    known = sorted(known_page_keys(db, slug)) if kind == "crawl" else []
    probes = list(spider.not_found_probes())
    for probe in probes:
        probe.meta[RUN] = run_id
    try:
        with server.pipeline() as pipe:  # MULTI: the writer sees the whole run or none of it
            pipe.hset(
                redis_link.run_key(run_id),
                mapping={
                    "source": slug,
                    "kind": kind,
                    "trigger": trigger,
                    "probes": len(probes),
                    "revisits": json.dumps(revisits, ensure_ascii=False),
                    "created": int(time.time()),
                    "pushed": 0,
                    "recorded": 0,
                    "dead": 0,
                    "max_articles": spider.source.max_articles,
                    "articles": 0,
                },
            )
            for start in range(0, len(known), KNOWN_CHUNK):
                pipe.sadd(redis_link.known_key(run_id), *known[start : start + KNOWN_CHUNK])
            for probe in probes:
                data = serializer.dumps(probe.to_dict(spider=spider))
                pipe.zadd(redis_link.queue_key(slug), {data: -probe.priority})
            pipe.sadd(redis_link.RUNS, run_id)
            pipe.execute()
    except redis.RedisError as exc:
        reason = f"could not be queued: {redis_link.safe_url(_url_of(server))} ({redis_link.one_line(exc)})"
        finish_run(db, run_id, "failed", reason)
        raise redis_link.RedisUnavailable(f"run {run_id} of {slug} {reason}") from None
    logger.info(
        "%s: %s run %d queued in Redis (%d hosts to probe, %d revisits, %d articles archived already)",
        slug,
        kind,
        run_id,
        len(probes),
        len(revisits),
        len(known),
    )
    return run_id


def _url_of(server: redis_link.Client) -> str:
    kwargs = server.connection_pool.connection_kwargs
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def stop_run(server: redis_link.Client, run_id: int, slug: str, reason: str = "shutdown") -> None:
    """No more requests for the run: its queue is emptied and its in-flight fetches end it (``stopped``)."""
    with server.pipeline() as pipe:
        pipe.hset(redis_link.run_key(run_id), "stop", reason)
        pipe.delete(redis_link.queue_key(slug))
        pipe.execute()


def forget_run(server: redis_link.Client, run_id: int, slug: str) -> None:
    """Drop everything Redis holds for the run but its pushed fetches (which the writer still records)."""
    server.delete(*redis_link.run_keys(run_id), redis_link.queue_key(slug), redis_link.inflight_key(slug))
    server.srem(redis_link.RUNS, run_id)


@dataclass
class EnqueuedRun:
    """A distributed run as the daemon sees a crawl process: poll for its end, terminate, kill."""

    server: redis_link.Client
    db_path: Path
    run_id: int
    slug: str
    pid: int = 0
    _code: int | None = None
    _next_poll: float = 0.0
    _status: dict[str, Any] = field(default_factory=dict)

    def start(self) -> EnqueuedRun:
        return self

    def poll(self) -> int | None:
        """The run's exit code once the writer closed it (0 finished, 1 failed, 3 stopped), else None."""
        if self._code is not None or time.monotonic() < self._next_poll:
            return self._code
        self._next_poll = time.monotonic() + POLL_SECONDS
        try:
            db = open_reader(self.db_path)
            try:
                status = db.table("runs").get(self.run_id)["status"]
            finally:
                db.close()
            if status != "running":
                self._code = EXIT_CODES.get(status, 1)
            elif not self.server.sismember(redis_link.RUNS, self.run_id):
                db = open_archive(self.db_path)
                try:
                    finish_run(
                        db,
                        self.run_id,
                        "failed",
                        "Redis no longer knows this run (restarted without its data?); the next run fetches again",
                    )
                finally:
                    db.close()
                self._code = 1
        except (ArchiveError, redis.RedisError) as exc:
            logger.warning(
                "run %d: cannot tell whether it ended yet (%s)", self.run_id, redis_link.one_line(exc)
            )
        return self._code

    def terminate(self) -> None:
        try:
            stop_run(self.server, self.run_id, self.slug)
        except redis.RedisError as exc:
            logger.error("run %d: could not be stopped in Redis (%s)", self.run_id, redis_link.one_line(exc))

    def kill(self) -> None:
        try:
            forget_run(self.server, self.run_id, self.slug)
        except redis.RedisError as exc:
            logger.error(
                "run %d: could not be dropped from Redis (%s)", self.run_id, redis_link.one_line(exc)
            )
        self._code = -9


class DistributedRuns:
    """The daemon's hook in distributed mode: launch a job as an enqueued run, adopt runs at start."""

    def __init__(self, redis_url: str, db_path: Path, sources_path: Path, config: DaemonConfig) -> None:
        self.url = redis_url
        self.server = redis_link.client(redis_url)
        self.db_path = db_path
        self.sources_path = sources_path
        self.config = config

    def launch(self, job: Job) -> tuple[int, EnqueuedRun]:
        db = open_archive(self.db_path)
        try:
            run_id = enqueue_run(
                self.server,
                db,
                self.sources_path,
                job.slug,
                job.kind,
                job.trigger,
                tuple(self.config.revisit_offsets),
                self.config.revisit_batch,
            )
        finally:
            db.close()
        return run_id, EnqueuedRun(self.server, self.db_path, run_id, job.slug)

    def adopt(self, daemon: RunFollower) -> None:
        """Runs still open from before a daemon restart: followed again if Redis has them, else closed."""
        from crawler.service.running import Running
        from crawler.service.scheduling import Job

        db = open_archive(self.db_path)
        try:
            rows = open_distributed_runs(db)
            for row in rows:
                try:
                    known = bool(self.server.sismember(redis_link.RUNS, row["id"]))
                except redis.RedisError as exc:
                    raise redis_link.RedisUnavailable(
                        f"{redis_link.safe_url(self.url)} does not answer ({redis_link.one_line(exc)}); "
                        "start Redis, then the daemon"
                    ) from None
                if not known:
                    finish_run(db, row["id"], "interrupted", "Redis no longer knows this run")
                    continue
                job = Job(row["source"], row["kind"], row["trigger"] or "schedule")
                daemon.queue.running.add(job)
                log = daemon.log_dir / row["source"] / "redis.log"
                deadline = time.monotonic() + self.config.crawl_timeout
                process = EnqueuedRun(self.server, self.db_path, row["id"], row["source"])
                daemon.running.append(Running(job, process, row["id"], log, deadline))  # type: ignore[arg-type]
                logger.info(
                    "%s: following %s run %d, still queued in Redis", row["source"], row["kind"], row["id"]
                )
        finally:
            db.close()
