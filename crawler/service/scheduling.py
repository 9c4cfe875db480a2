"""The daemon's rules, as pure functions and one small queue: when a source is due, when it is overdue, and
which waiting crawl starts next.

Rules:
- each source runs on its own trigger (interval or cron, in the configured timezone, with jitter);
- a source is overdue when its last successful list crawl is older than its cadence (or it never had one):
  after a restart it runs once soon, not once per missed slot;
- a crawl waits in a queue; at most one crawl per source runs at a time and at most ``max_concurrent``
  overall; a second request of the same kind for the same source while one waits or runs is coalesced
  into it, but a list crawl never displaces a revisit or the reverse: each kind keeps its slot;
- waiting crawls start first come, first served, skipping those whose source is busy; maintenance (prune,
  vacuum) starts only when nothing else runs, and no crawl starts while it does.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config.sources import DaemonConfig, Source

MAINTENANCE = "*maintenance*"  # the queue's name for the maintenance job (never a slug: slugs are [a-z0-9_-])


def source_trigger(source: Source, config: DaemonConfig, jitter: bool = True) -> BaseTrigger:
    tz = ZoneInfo(config.timezone)
    spread = config.jitter or None if jitter else None
    if source.schedule.cron:
        return cron_trigger(source.schedule.cron, tz, spread)
    return IntervalTrigger(seconds=source.schedule.interval_seconds or 1, timezone=tz, jitter=spread)


def cron_trigger(cron: str, tz: ZoneInfo, jitter: int | None = None) -> CronTrigger:
    minute, hour, day, month, day_of_week = cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=tz, jitter=jitter
    )


def cadence(source: Source, now: datetime, config: DaemonConfig) -> timedelta:
    """How long a source may go without a successful run before it is overdue."""
    if source.schedule.interval_seconds:
        return timedelta(seconds=source.schedule.interval_seconds)
    trigger = source_trigger(source, replace(config, jitter=0))
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    return second - first


def is_overdue(last_success: datetime | None, source: Source, now: datetime, config: DaemonConfig) -> bool:
    return last_success is None or now - last_success > cadence(source, now, config)


def next_run(source: Source, now: datetime, config: DaemonConfig) -> datetime:
    """The next scheduled start, in the configured timezone (without jitter)."""
    return source_trigger(source, config, jitter=False).get_next_fire_time(None, now)


@dataclass(frozen=True)
class Job:
    slug: str  # a source, or MAINTENANCE
    kind: str  # crawl | revisit | maintenance
    trigger: str  # schedule | catch-up | revisit | maintenance | manual


@dataclass
class CrawlQueue:
    max_concurrent: int
    waiting: deque[Job] = field(default_factory=deque)
    running: set[Job] = field(default_factory=set)

    def add(self, job: Job) -> bool:
        """Queue a job; False when the same kind of job for the same source already waits or runs."""
        same = [j for j in (*self.waiting, *self.running) if (j.slug, j.kind) == (job.slug, job.kind)]
        if same:
            return False
        self.waiting.append(job)
        return True

    def next_ready(self) -> Job | None:
        """The first waiting job that may start now (and marks it running), or None."""
        if any(j.slug == MAINTENANCE for j in self.running):
            return None
        for job in list(self.waiting):
            if job.slug == MAINTENANCE:
                if self.running:
                    return None  # maintenance waits for quiet, and nothing overtakes it meanwhile
            elif len(self.running) >= self.max_concurrent or any(j.slug == job.slug for j in self.running):
                continue
            self.waiting.remove(job)
            self.running.add(job)
            return job
        return None

    def done(self, job: Job) -> None:
        self.running.discard(job)

    def drop_waiting(self) -> list[Job]:
        dropped = list(self.waiting)
        self.waiting.clear()
        return dropped
