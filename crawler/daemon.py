"""The scheduled service: APScheduler 3.11 runs each source's crawl on its cadence and revisits archived
articles on a decaying schedule, each crawl in its own `scrapy crawl` process.

Guarantees: one crawl per source at a time and at most ``max_concurrent`` overall; late runs coalesce into
one; after a restart an overdue source runs once soon; SIGTERM/SIGINT stop scheduling, give running crawls a
grace period, then stop them, recording each outcome; a second daemon on the same archive refuses to start.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from archive import open_archive
from archive.revisits import due_pages
from archive.runs import mark_interrupted_runs, record_process_exit
from archive.store import utc_now
from crawler.runner import crawl_command
from crawler.sources import DaemonConfig, Source

logger = logging.getLogger("courtnews.daemon")


class DaemonLocked(RuntimeError):
    """Another daemon holds this archive."""


def source_trigger(source: Source, config: DaemonConfig) -> BaseTrigger:
    tz = ZoneInfo(config.timezone)
    if source.schedule.cron:
        minute, hour, day, month, day_of_week = source.schedule.cron.split()
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=day_of_week,
            timezone=tz,
            jitter=config.jitter or None,
        )
    return IntervalTrigger(
        seconds=source.schedule.interval_seconds, timezone=tz, jitter=config.jitter or None
    )


def cadence(source: Source, now: datetime, config: DaemonConfig) -> timedelta:
    """How long a source may go without a successful run before it is overdue."""
    if source.schedule.interval_seconds:
        return timedelta(seconds=source.schedule.interval_seconds)
    trigger = CronTrigger.from_crontab(source.schedule.cron, timezone=ZoneInfo(config.timezone))
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    return second - first


def last_success(db, slug: str) -> datetime | None:
    rows = list(
        db.query(
            "SELECT started_at FROM runs WHERE source = ? AND status = 'finished' AND kind = 'crawl' ORDER BY started_at DESC LIMIT 1",
            [slug],
        )
    )
    return datetime.fromisoformat(rows[0]["started_at"].replace("Z", "+00:00")) if rows else None


def overdue_sources(db, sources: dict[str, Source], now: datetime, config: DaemonConfig) -> list[str]:
    """Sources whose last successful crawl is older than their cadence (or that never ran): run once soon."""
    overdue = []
    for slug, source in sources.items():
        last = last_success(db, slug)
        if last is None or now - last > cadence(source, now, config):
            overdue.append(slug)
    return overdue


@dataclass
class Daemon:
    sources: dict[str, Source]
    db_path: Path
    sources_path: Path
    config: DaemonConfig
    log_dir: Path
    scheduler: BaseScheduler | None = None
    busy: set[str] = field(default_factory=set)  # sources with a crawl queued or running
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)  # the running crawl processes
    stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _slots: threading.Semaphore | None = None
    _lock_file: object = None

    def __post_init__(self) -> None:
        self._slots = threading.Semaphore(self.config.max_concurrent)

    # ------------------------------------------------------------ single instance
    def acquire_lock(self) -> None:
        path = Path(f"{self.db_path}.daemon.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held for the daemon's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DaemonLocked(
                f"another courtnews daemon (pid {holder}) is already running on {self.db_path}; stop it first "
                f"(the lock is {path}, released automatically when that process ends)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    # ------------------------------------------------------------ jobs
    def build(self, scheduler: BaseScheduler | None = None, now: datetime | None = None) -> BaseScheduler:
        """Add one job per source, the revisit job, and a one-off catch-up for overdue sources."""
        tz = ZoneInfo(self.config.timezone)
        self.scheduler = scheduler or BlockingScheduler(
            timezone=tz,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.config.misfire_grace,
            },
            executors={"default": {"type": "threadpool", "max_workers": self.config.max_concurrent + 2}},
        )
        for slug, source in self.sources.items():
            self.scheduler.add_job(
                self.crawl_job,
                source_trigger(source, self.config),
                args=[slug, "schedule"],
                id=f"crawl:{slug}",
                name=f"crawl {slug}",
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self.config.misfire_grace,
            )
        self.scheduler.add_job(
            self.revisit_job,
            IntervalTrigger(seconds=self.config.revisit_every, timezone=tz),
            id="revisit",
            name="revisit due articles",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.config.misfire_grace,
        )
        now = now or datetime.now(UTC)
        db = open_archive(self.db_path)
        try:
            for index, slug in enumerate(overdue_sources(db, self.sources, now, self.config)):
                # spread catch-up runs over the first minute(s) rather than all at once
                when = now + timedelta(seconds=min(self.config.catch_up_delay, 1 + index * 5))
                self.scheduler.add_job(
                    self.crawl_job,
                    DateTrigger(when, timezone=tz),
                    args=[slug, "catch-up"],
                    id=f"catch-up:{slug}",
                    name=f"catch up {slug}",
                    replace_existing=True,
                    misfire_grace_time=self.config.misfire_grace,
                )
        finally:
            db.close()
        return self.scheduler

    def crawl_job(self, slug: str, trigger: str = "schedule", revisit: str = "none") -> int | None:
        """Run one crawl process for a source; skip if that source is already crawling."""
        if self.stopping.is_set():
            return None
        with self._lock:
            if slug in self.busy:
                logger.info("%s: a crawl is already running; this %s run is skipped", slug, trigger)
                return None
            self.busy.add(slug)
        try:
            with self._slots:  # the global cap on concurrent crawls
                if self.stopping.is_set():
                    return None
                return self._run_process(slug, trigger, revisit)
        finally:
            with self._lock:
                self.busy.discard(slug)
                self.processes.pop(slug, None)

    def _run_process(self, slug: str, trigger: str, revisit: str) -> int | None:
        started_at = utc_now()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        log_file = self.log_dir / slug / f"{stamp}-{trigger}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        settings = {
            "REVISIT_OFFSETS": ",".join(str(o) for o in self.config.revisit_offsets),
            "REVISIT_BATCH": str(self.config.revisit_batch),
            "LOG_FILE": str(log_file),
        }
        command = crawl_command(slug, self.db_path, self.sources_path, revisit, settings)
        logger.info("%s: starting %s crawl (log %s)", slug, trigger, log_file)
        with open(log_file, "ab") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        with self._lock:
            self.processes[slug] = process
        reason = None
        try:
            code = process.wait(timeout=self.config.crawl_timeout)
        except subprocess.TimeoutExpired:
            reason = f"stopped after the {self.config.crawl_timeout} s crawl timeout"
            code = self._stop(process)
        if self.stopping.is_set() and code != 0:
            reason = reason or "stopped because the daemon was shutting down"
        db = open_archive(self.db_path)
        try:
            run_id = record_process_exit(db, slug, started_at, code, str(log_file), trigger, reason)
        finally:
            db.close()
        logger.info("%s: %s crawl ended with exit %s (run %d)", slug, trigger, code, run_id)
        return code

    def _stop(self, process: subprocess.Popen, grace: float | None = None) -> int | None:
        """SIGTERM (Scrapy closes the spider cleanly), then SIGKILL after the grace period."""
        if process.poll() is not None:
            return process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=self.config.grace_period if grace is None else grace)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def revisit_job(self, now: datetime | None = None) -> list[str]:
        """Crawl, source by source, the archived articles whose next check is due (oldest first)."""
        offsets = tuple(timedelta(seconds=s) for s in self.config.revisit_offsets)
        db = open_archive(self.db_path)
        try:
            due = due_pages(
                db, now=now, offsets=offsets, limit=self.config.revisit_batch * max(1, len(self.sources))
            )
        finally:
            db.close()
        slugs = list(dict.fromkeys(row["source"] for row in due if row["source"] in self.sources))
        for slug in slugs:
            if self.stopping.is_set():
                break
            self.crawl_job(slug, "revisit", revisit="due")
        return slugs

    # ------------------------------------------------------------ lifecycle
    def run(self) -> None:
        self.acquire_lock()
        db = open_archive(self.db_path)
        try:
            marked = mark_interrupted_runs(db)
        finally:
            db.close()
        if marked:
            logger.info("marked %d run(s) interrupted by an earlier crash", marked)
        scheduler = self.build()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        logger.info(
            "courtnews daemon: %d sources, archive %s, timezone %s; Ctrl-C or SIGTERM stops it",
            len(self.sources),
            self.db_path,
            self.config.timezone,
        )
        for job in scheduler.get_jobs():
            logger.info("job %-32s next run %s", job.id, getattr(job, "next_run_time", None) or job.trigger)
        try:
            scheduler.start()  # blocks until shutdown
        finally:
            self.shutdown()

    def _on_signal(self, signum: int, _frame: object) -> None:
        logger.info(
            "received %s: no new crawls; running crawls get %d s to finish",
            signal.Signals(signum).name,
            self.config.grace_period,
        )
        self.stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def shutdown(self) -> None:
        self.stopping.set()
        deadline = time.monotonic() + self.config.grace_period
        with self._lock:
            processes = list(self.processes.values())
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # job threads record each outcome once their process has ended
        while True:
            with self._lock:
                busy = bool(self.busy)
            if not busy or time.monotonic() > deadline + 30:
                break
            time.sleep(0.1)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        logger.info("courtnews daemon stopped")


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
