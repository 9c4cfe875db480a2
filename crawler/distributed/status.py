"""Distributed mode in `courtnews status`: queue depths, the workers seen lately, the writer and its lag.

A Redis that does not answer is no status at all: `courtnews status` fails (exit 1) with one line naming the
Redis URL (``look`` raises ``RedisUnavailable``), whether or not a run is open, since a distributed service
without its Redis queues nothing. A source needs attention (status exits 1) when it has a run open in
distributed mode and:
- Redis no longer knows the run (restarted without its data);
- its requests wait but no worker has been seen for ``WORKERS_SEEN`` seconds;
- no writer is running (fetches wait in Redis, the run cannot end);
- the writer lags: the oldest fetch not yet recorded is older than ``LAG_ALERT`` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import redis

from crawler.distributed import redis_link

if TYPE_CHECKING:
    from crawler.service.status_model import SourceStatus

WORKERS_SEEN = 300  # "workers seen in the last minutes"
LAG_ALERT = 900


@dataclass
class RedisView:
    url: str
    queues: dict[str, tuple[int, int]] = field(default_factory=dict)  # slug -> (queued, in flight)
    runs: dict[int, dict[str, str]] = field(default_factory=dict)
    workers: list[tuple[str, float, int]] = field(default_factory=list)  # id, seconds ago, fetches pushed
    writer: dict[str, Any] | None = None
    waiting: int = 0  # fetches pushed and not yet recorded
    pending: int = 0  # of which given to the writer and not yet acknowledged
    oldest: float | None = None  # age in seconds of the oldest fetch not yet recorded
    dead: int = 0


def look(url: str, now: float | None = None) -> RedisView:
    """What Redis says, read-only. RedisUnavailable (one line naming the URL, without its password) when
    Redis does not answer or fails while being read."""
    import json

    now = now or time.time()
    view = RedisView(redis_link.safe_url(url))
    try:
        server = redis_link.client(url)
        server.ping()
        for raw in server.smembers(redis_link.RUNS):
            fields = {k.decode(): v.decode() for k, v in server.hgetall(redis_link.run_key(int(raw))).items()}
            view.runs[int(raw)] = {k: v for k, v in fields.items() if k != "revisits"}
        slugs = {run.get("source", "") for run in view.runs.values()} - {""}
        for key in server.scan_iter(match=f"{redis_link.PREFIX}:*:requests", count=500):
            slugs.add(key.decode()[len(redis_link.PREFIX) + 1 : -len(":requests")])
        for slug in sorted(slugs):
            view.queues[slug] = (
                int(server.zcard(redis_link.queue_key(slug))),
                int(server.hlen(redis_link.inflight_key(slug))),
            )
        pushed = {k.decode(): int(v) for k, v in server.hgetall(redis_link.PUSHED_BY).items()}
        for member, seen in server.zrangebyscore(
            redis_link.WORKERS, now - WORKERS_SEEN, "+inf", withscores=True
        ):
            worker = member.decode()
            view.workers.append((worker, max(0.0, now - seen), pushed.get(worker, 0)))
        claim = server.get(redis_link.WRITER_LOCK)
        view.writer = json.loads(claim) if claim else None
        view.waiting = int(server.xlen(redis_link.ITEMS)) if server.exists(redis_link.ITEMS) else 0
        if view.waiting:
            groups = server.xinfo_groups(redis_link.ITEMS)
            view.pending = sum(int(g.get("pending", 0)) for g in groups)
            first = server.xrange(redis_link.ITEMS, count=1)
            if first:
                view.oldest = max(0.0, now - int(first[0][0].split(b"-")[0]) / 1000)
        view.dead = int(server.xlen(redis_link.DEAD)) if server.exists(redis_link.DEAD) else 0
    except redis.RedisError as exc:
        raise redis_link.RedisUnavailable(
            f"{view.url} does not answer ({redis_link.one_line(exc)}): start Redis there, or unset "
            "COURTNEWS_REDIS_URL if this archive is crawled locally"
        ) from None
    return view


def judge(rows: list[SourceStatus], open_runs: list[dict[str, Any]], view: RedisView) -> None:
    """Add distributed mode's problems to the sources that have a distributed run open (pid 0)."""
    by_slug = {row.source: row for row in rows}
    for run in open_runs:
        row = by_slug.get(run["source"])
        if row is None or run["pid"] != 0:
            continue
        if run["id"] not in view.runs:
            row.problems.append(f"stuck: run {run['id']} is 'running' but Redis no longer knows it")
            continue
        queued, inflight = view.queues.get(run["source"], (0, 0))
        if (queued or inflight) and not any(ago < WORKERS_SEEN for _, ago, _ in view.workers):
            row.problems.append(
                f"waiting: run {run['id']} has {queued} requests queued but no crawl worker was seen for "
                f"{WORKERS_SEEN // 60} minutes (start `courtnews worker`)"
            )
        if view.writer is None:
            row.problems.append(
                f"waiting: no writer is running; {view.waiting} fetches wait in Redis (start `courtnews writer`)"
            )
        elif view.oldest is not None and view.oldest > LAG_ALERT:
            row.problems.append(
                f"lagging: the writer's oldest unrecorded fetch is {view.oldest / 60:.0f} minutes old"
            )


def section(view: RedisView) -> list[str]:
    """The lines `courtnews status` prints for distributed mode."""
    writer = (
        f"writer: host {view.writer.get('host')} pid {view.writer.get('pid')}"
        if view.writer
        else "writer: not running"
    )
    lag = f", oldest {view.oldest:.0f} s old" if view.oldest is not None else ""
    lines = [
        f"redis {view.url}: {len(view.runs)} runs open; {writer}; lag {view.waiting} fetches waiting "
        f"({view.pending} being recorded{lag}); {view.dead} unreadable (in {redis_link.DEAD})",
        f"{'queue':<26}{'queued':>8}{'in flight':>11}",
    ]
    lines += [f"{slug:<26}{q:>8}{f:>11}" for slug, (q, f) in view.queues.items()]
    lines.append(f"workers seen in the last {WORKERS_SEEN // 60} minutes: {len(view.workers)}")
    lines += [
        f"    {worker:<40} {ago:>5.0f} s ago {pushed:>8} fetches pushed"
        for worker, ago, pushed in view.workers
    ]
    return lines
