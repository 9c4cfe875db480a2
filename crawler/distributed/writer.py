"""The archive writer of distributed mode: the one process that records what the workers fetched, through
the same archive code as a local crawl, and closes runs once they are drained.

Rules:
- it reads the item stream in a consumer group; an entry is acknowledged (and deleted) only after the
  transaction recording it committed, in one Lua call that also counts it in its run's ``recorded``. A
  writer killed at any moment loses nothing: at start it first re-reads the entries it had been given and
  not acknowledged; those already committed are recognised by their capture id (``fetch_id``) and not
  recorded again;
- an entry it cannot read (another format, a damaged value) goes to ``courtnews:items:dead`` with the reason
  and counts as unstored in its run, which then fails saying so; nothing is dropped silently;
- a fetch the archive cannot take now (locked for minutes, disk full) stays in Redis and is tried again
  every ``RETRY_SECONDS``: in distributed mode nothing is ``unstored`` for lack of time or space;
- one writer per archive (a lock file beside it) and one per Redis (``courtnews:writer``, renewed while it
  runs, lapsing ``CLAIM_SECONDS`` after it stopped): a second one refuses to start, naming the first. The
  exception: a claim left by a writer of this host whose process is gone is taken over at once (a writer
  restarted after kill -9 need not wait);
- a run is closed when nothing of it is left (its queue and in-flight requests empty, every pushed fetch
  recorded), checked atomically, with the verdict a local crawl would get (``run_verdict``);
- requests held by a worker whose heartbeat has been missing for ``DEAD_AFTER`` seconds of continuous
  observation are put back in their queue (``frontier.requeue_dead``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from archive import open_archive
from archive.db import ArchiveError, ArchiveFull
from archive.runs import _pid_alive, finish_run, first_failure
from archive.store import Recorded, RecordResult
from archive.writer import ArchiveWriter
from crawler.crawling.process import pid_lock
from crawler.distributed import records as entries
from crawler.distributed import redis_link
from crawler.distributed.frontier import requeue_dead
from crawler.distributed.spiders import HEARTBEAT_TTL
from crawler.extract.counters import differ_only_in_counters
from crawler.pipeline.pipelines import RunFacts, run_verdict

logger = logging.getLogger("courtnews.writer")
CONSUMER = "writer"
CLAIM_SECONDS = 30
DEAD_AFTER = float(HEARTBEAT_TTL)
RETRY_SECONDS = 30.0
CLOSE_EVERY = 2.0
RECOVER_EVERY = 5.0

# KEYS: stream; ARGV: group, then (entry id, run hash key, counter) triples. An entry is counted only as it
# is acknowledged: the same call run again (its reply was lost) counts nothing twice.
_ACK = """
for i = 2, #ARGV, 3 do
  local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  if acked == 1 and redis.call('EXISTS', ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', ARGV[i + 1], ARGV[i + 2], 1)
  end
end
return (#ARGV - 1) / 3
"""

# KEYS: run hash, the source's queue, its in-flight hash. 1 drained, 0 not yet, -1 unknown run
_DRAINED = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local pushed = tonumber(redis.call('HGET', KEYS[1], 'pushed') or '0')
local done = tonumber(redis.call('HGET', KEYS[1], 'recorded') or '0') + tonumber(redis.call('HGET', KEYS[1], 'dead') or '0')
if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 or pushed > done then return 0 end
return 1
"""

# KEYS: claim; ARGV: the stale value, ours, seconds. Replace the claim only if it is still the stale one.
_REPLACE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return false
"""

# KEYS: claim; ARGV: our value, seconds. Renew only a claim that is still ours.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class WriterRefused(RuntimeError):
    """Another writer holds this archive or this Redis; the message is one line naming it."""


class FetchWriter(ArchiveWriter):
    """ArchiveWriter (batches, the write lock taken up front, each fetch all or nothing, a store error made a
    failed capture, a full disk reported), recording each fetch under its capture id."""

    def submit_fetch(self, run_id: int, records: list[Recorded], fetch_id: str) -> Future[list[RecordResult]]:
        return self.submit(run_id, records, fetch_id)


@dataclass
class _Seen:
    """When the writer first noticed a worker's heartbeat missing (monotonic), per worker."""

    since: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def archive_lock(db_path: Path) -> Iterator[None]:
    """The archive's writer lock, a file beside it released by the kernel when the holder dies."""
    path = Path(f"{db_path}.writer.lock")
    with pid_lock(
        path,
        lambda holder: WriterRefused(
            f"another courtnews writer (pid {holder}) already records into {db_path}; stop it first "
            f"(the lock {path} is released when that process ends)"
        ),
    ):
        yield


class Writer:
    def __init__(
        self,
        url: str,
        db_path: Path,
        with_comments: bool = False,
        batch: int = 200,
        block_ms: int = 1000,
    ) -> None:
        self.url = url
        self.db_path = db_path
        self.with_comments = with_comments
        self.batch = batch
        self.block_ms = block_ms
        self.server = redis_link.connect(url)
        self.stopping = threading.Event()
        self.claim = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "archive": str(db_path)})
        self.recorded = 0
        self.duplicates = 0
        self._ack = self.server.register_script(_ACK)
        self._drained = self.server.register_script(_DRAINED)
        self._renew = self.server.register_script(_RENEW)
        self._replace = self.server.register_script(_REPLACE)
        self._missing = _Seen()
        self._backlog = True  # first the entries given to us before and never acknowledged
        self._writer: FetchWriter | None = None
        self._control: Any = None
        self._due = {"claim": 0.0, "close": 0.0, "recover": 0.0}

    # ------------------------------------------------------------ start and stop
    def run(self) -> None:
        with archive_lock(self.db_path):
            self._take_claim()
            try:
                with contextlib.suppress(redis.ResponseError):  # BUSYGROUP: it exists already
                    self.server.xgroup_create(redis_link.ITEMS, redis_link.GROUP, id="0", mkstream=True)
                self._archive()
                logger.info(
                    "courtnews writer (pid %d): %s -> %s",
                    os.getpid(),
                    redis_link.safe_url(self.url),
                    self.db_path,
                )
                while not self.stopping.is_set():
                    self.step()
            finally:
                self.close()
                with contextlib.suppress(redis.RedisError):
                    if self.server.get(redis_link.WRITER_LOCK) == self.claim.encode():
                        self.server.delete(redis_link.WRITER_LOCK)
                logger.info("courtnews writer stopped: %d fetches recorded", self.recorded)

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        """Write what is queued and close the archive (run() does it on its way out)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._control is not None:
            self._control.close()
            self._control = None

    def _archive(self) -> Any:
        """The connection for closing runs (the recording one belongs to the FetchWriter's thread)."""
        if self._control is None:
            self._control = open_archive(self.db_path)
        return self._control

    def _take_claim(self) -> None:
        if self.server.set(redis_link.WRITER_LOCK, self.claim, nx=True, ex=CLAIM_SECONDS):
            return
        held = self.server.get(redis_link.WRITER_LOCK)
        other = json.loads(held) if held else {}
        # a writer of this host whose process is gone (killed) left a stale claim: a restart takes it over
        # at once instead of waiting for it to lapse
        stale = other.get("host") == socket.gethostname() and not _pid_alive(other.get("pid"))
        if stale and self._replace(keys=[redis_link.WRITER_LOCK], args=[held, self.claim, CLAIM_SECONDS]):
            logger.info("took over the claim of writer pid %s, which is gone", other.get("pid"))
            return
        raise WriterRefused(
            f"another courtnews writer (host {other.get('host', '?')}, pid {other.get('pid', '?')}, archive "
            f"{other.get('archive', '?')}) consumes {redis_link.safe_url(self.url)}; stop it first (its claim "
            f"lapses {CLAIM_SECONDS} s after it stops)"
        )

    # ------------------------------------------------------------ one step of the loop
    def step(self) -> None:
        """Renew the claim, do the housekeeping that is due, record one batch. Redis or archive trouble
        is waited out here, never passed up (except losing the claim to another writer)."""
        try:
            now = time.monotonic()
            if now >= self._due["claim"]:
                if not self._renew(keys=[redis_link.WRITER_LOCK], args=[self.claim, CLAIM_SECONDS]):
                    self._take_claim()  # lapsed while Redis was away: take it again, or refuse
                self._due["claim"] = now + CLAIM_SECONDS / 3
            if now >= self._due["recover"]:
                self.recover_dead_workers()
                self._due["recover"] = now + RECOVER_EVERY
            if now >= self._due["close"]:
                self.close_drained_runs()
                self._due["close"] = now + CLOSE_EVERY
            self.record_batch()
        except redis_link.RETRY_ERRORS as exc:
            logger.warning("redis unreachable (%s): waiting for it", redis_link.one_line(exc))
            self._missing = _Seen()  # heartbeats missed while we could not look prove nothing
            self._backlog = True
            self.stopping.wait(1.0)
        except ArchiveError as exc:
            logger.error("the archive cannot take fetches now (%s); they wait in Redis, retrying", exc)
            self._backlog = True
            if isinstance(exc, ArchiveFull) and self._writer is not None:
                self._writer.close()  # a full writer attempts nothing more: a new one tries again later
                self._writer = None
            self.stopping.wait(RETRY_SECONDS)

    def _fetch_writer(self) -> FetchWriter:
        if self._writer is None:
            self._writer = FetchWriter(
                self.db_path, with_comments=self.with_comments, same_text=differ_only_in_counters
            )
            self._writer.start()
        return self._writer

    # ------------------------------------------------------------ recording
    def record_batch(self) -> int:
        """Record one batch: entries given to us before and not acknowledged first, then new ones."""
        got = self._read("0") if self._backlog else []
        if not got:
            self._backlog = False
            got = self._read(">")
        if not got:
            return 0
        writer = self._fetch_writer()
        jobs: list[tuple[bytes, int | None, Future[list[RecordResult]] | None]] = []
        dead: list[tuple[bytes, int | None]] = []
        for entry_id, fields in got:
            if not fields:  # deleted after it was given to us: nothing left to record
                jobs.append((entry_id, None, None))
                continue
            try:
                fetch_id, run_id, records = entries.decode(fields)
            except entries.BadEntry as exc:
                self._bury(entry_id, fields, str(exc))
                dead.append((entry_id, entries.run_of_entry(fields)))
                continue
            jobs.append((entry_id, run_id, writer.submit_fetch(run_id, records, fetch_id)))
        done: list[tuple[bytes, int | None, str]] = [(i, run, "dead") for i, run in dead]
        failure: ArchiveError | None = None
        for entry_id, job_run, future in jobs:
            if future is None:
                done.append((entry_id, None, "recorded"))
                continue
            try:
                results = future.result()
            except ArchiveError as exc:
                failure = failure or exc
                continue  # not acknowledged: given to us again after the wait
            if results and results[0].outcome == "duplicate":
                self.duplicates += 1
            done.append((entry_id, job_run, "recorded"))
        self._acknowledge(done)
        self.recorded += sum(1 for _, run, what in done if what == "recorded" and run is not None)
        if failure is not None:
            raise failure
        return len(done)

    def _read(self, stream_id: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        reply = self.server.xreadgroup(
            redis_link.GROUP,
            CONSUMER,
            {redis_link.ITEMS: stream_id},
            count=self.batch,
            block=None if stream_id == "0" else self.block_ms,
        )
        return reply[0][1] if reply else []

    def _acknowledge(self, done: list[tuple[bytes, int | None, str]]) -> None:
        if not done:
            return
        args: list[Any] = [redis_link.GROUP]
        for entry_id, run_id, counter in done:
            args += [entry_id, redis_link.run_key(run_id) if run_id else "", counter]
        redis_link.retrying(
            "acknowledging recorded fetches", lambda: self._ack(keys=[redis_link.ITEMS], args=args)
        )

    def _bury(self, entry_id: bytes, fields: dict[bytes, bytes], reason: str) -> None:
        logger.error(
            "stream entry %s cannot be recorded (%s): moved to %s", entry_id.decode(), reason, redis_link.DEAD
        )
        kept: dict[Any, Any] = {**fields, b"entry": entry_id, b"reason": reason.encode()}
        self.server.xadd(redis_link.DEAD, kept)

    # ------------------------------------------------------------ housekeeping
    def recover_dead_workers(self) -> int:
        """Requests held by workers gone for DEAD_AFTER seconds go back in their queues."""
        now = time.monotonic()
        back = 0
        suffix = ":inflight"
        for key in self.server.scan_iter(match=f"{redis_link.PREFIX}:*{suffix}", count=500):
            name = key.decode()
            slug = name[len(redis_link.PREFIX) + 1 : -len(suffix)]
            by_worker: dict[str, list[str]] = {}
            for lease in self.server.hkeys(key):
                text = lease.decode()
                by_worker.setdefault(text.split("|", 1)[0], []).append(text)
            for worker, leases in by_worker.items():
                if self.server.exists(redis_link.heartbeat_key(worker)):
                    self._missing.since.pop(worker, None)
                    continue
                first = self._missing.since.setdefault(worker, now)
                if now - first >= DEAD_AFTER:
                    n = requeue_dead(self.server, slug, leases)
                    back += n
                    logger.warning(
                        "worker %s is gone (no heartbeat for %.0f s): %d of its requests for %s put back in the queue",
                        worker,
                        now - first + HEARTBEAT_TTL,
                        n,
                        slug,
                    )
        return back

    def close_drained_runs(self) -> list[int]:
        closed = []
        for raw in self.server.smembers(redis_link.RUNS):
            run_id = int(raw)
            key = redis_link.run_key(run_id)
            source = self.server.hget(key, "source")
            if source is None:
                self._forget(run_id)  # killed by the daemon: nothing left to wait for
                continue
            slug = source.decode()
            keys = [key, redis_link.queue_key(slug), redis_link.inflight_key(slug)]
            if self._drained(keys=keys) == 1:
                self.close_run(run_id)
                closed.append(run_id)
        return closed

    def close_run(self, run_id: int) -> None:
        """Close a drained run in the archive with its verdict, then forget it in Redis."""
        key = redis_link.run_key(run_id)
        known = {k.decode(): v.decode() for k, v in self.server.hgetall(key).items()}
        errors = [e.decode() for e in self.server.lrange(key + ":list_errors", 0, -1)]
        db = self._archive()
        row = dict(db["runs"].get(run_id))
        if row["status"] == "running":
            dead = int(known.get("dead", 0))
            facts = RunFacts(
                kind=row["kind"],
                close_reason=known.get("stop") or "finished",
                counts=row,
                list_pages_ok=int(known.get("list_pages_ok", 0)),
                list_errors=tuple(errors),
                links_found=int(known.get("links_found", 0)),
                unstored=dead,
                first_store_error=f"unreadable stream entries, kept in {redis_link.DEAD}" if dead else None,
                first_failure=first_failure(db, run_id),
                unavailable_sites=tuple(json.loads(known.get("unavailable") or "[]")),
            )
            status, why = run_verdict(facts)
            run = finish_run(
                db,
                run_id,
                status,
                why,
                unstored=dead,
                list_pages=facts.list_pages_ok,
                links_found=facts.links_found,
            )
            logger.info(
                "courtnews run %d (%s) %s%s: %d captures, %d new pages, %d new versions, %d unchanged, "
                "%d failures, %d unstored",
                run_id,
                run["source"],
                status,
                f" ({why})" if why else "",
                run["captures"],
                run["new_pages"],
                run["new_versions"],
                run["unchanged"],
                run["failures"],
                run["unstored"],
            )
        self._forget(run_id)

    def _forget(self, run_id: int) -> None:
        self.server.delete(*redis_link.run_keys(run_id))
        self.server.srem(redis_link.RUNS, run_id)
