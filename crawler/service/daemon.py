"""The scheduled service: APScheduler 3.11 triggers each source's crawl on its cadence, revisits of archived
articles on a decaying schedule and a weekly maintenance; a service loop starts the crawls as child
processes, one per source at a time and ``max_concurrent`` in all (``crawler/service/scheduling.py`` has the rules).

Guarantees:
- one daemon per archive (a lock file beside it, released by the kernel when the holder dies);
- the daemon owns its children: each crawl runs in its own process group and stops itself within a second
  when the daemon is gone (kill -9 included); crawls a crashed daemon left behind are stopped when the next
  one starts; crawls work whatever folder the daemon was started from;
- every crawl's run row is created before the process starts, with a claim token the crawl claims it with
  (until then the run is the daemon's, never judged by a pid), and gets its exit code, log file and, if the
  process could not close it, the daemon's verdict (a timeout is ``failed``, a shutdown ``stopped``);
- SIGTERM/SIGINT stop scheduling, give running crawls ``grace_period`` seconds, then kill them (and wait at
  most KILL_WAIT more for a crawl SIGKILL cannot end); SIGHUP re-reads the sources file (a broken file is
  reported and the old one kept) and changes only the jobs that changed: an unchanged job keeps its next
  fire time;
- after a restart, an overdue source runs once within ``catch_up_delay`` (the overdue ones spread over it);
  late runs coalesce into one;
- the sources file in force (path, sha256) and every job's next fire time are recorded in the archive
  (``daemon_state``) for `courtnews status`;
- it logs at COURTNEWS_LOG_LEVEL; a failed or interrupted run is a WARNING;
- each crawl's log goes to ``<log dir>/<slug>/<time>-<trigger>.log``, capped in size, the newest
  ``keep_logs`` kept per source.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from archive import open_archive
from archive.db import ArchiveError
from archive.revisits import due_counts
from archive.runs import (
    last_success,
    mark_interrupted_runs,
    mark_unclaimed_runs,
    open_runs,
    record_daemon_state,
    record_process_exit,
    start_run,
)
from crawler.config.sources import DaemonConfig, Source, SourcesError, load_daemon_config, load_sources
from crawler.crawling.process import ChildProcess, crawl_process, pid_lock, process_is_crawl
from crawler.service.backups import backup_job
from crawler.service.running import Running
from crawler.service.scheduling import (
    MAINTENANCE,
    CrawlQueue,
    Job,
    cron_trigger,
    is_overdue,
    next_run,
    source_trigger,
)

if TYPE_CHECKING:
    from crawler.distributed.enqueue import DistributedRuns

logger = logging.getLogger("courtnews.daemon")


class DaemonLocked(RuntimeError):
    """Another daemon holds this archive."""


def lock_path(db_path: Path) -> Path:
    return Path(f"{db_path}.daemon.lock")


@contextlib.contextmanager
def daemon_lock(db_path: Path) -> Iterator[None]:
    """Hold the archive's daemon lock for the duration; DaemonLocked when another process holds it."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pid_lock(
        path,
        lambda holder: DaemonLocked(
            f"another courtnews daemon (pid {holder}) is already running on {db_path}; stop it first "
            f"(the lock is {path}, released automatically when that process ends)"
        ),
    ):
        yield


def lock_holder(db_path: Path) -> int | None:
    """The pid of the daemon running on this archive, or None when none runs."""
    path = lock_path(db_path)
    if not path.exists():
        return None
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job as this configuration wants it; key: what, when it changes, makes a fresh trigger."""

    key: tuple[object, ...]
    trigger: Callable[[], BaseTrigger] = field(compare=False)
    func: Callable[..., object] = field(compare=False)
    args: list[object] = field(compare=False)
    name: str = field(compare=False)


def file_sha256(path: Path) -> str | None:
    """The content hash of the sources file in force (None when it cannot be read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# how long shutdown waits for a crawl it SIGKILLed to be reaped (a process stuck in the kernel may never be)
KILL_WAIT = 10.0
# how often the main loop compares the scheduler's next fire times with those recorded for `courtnews status`
STATE_EVERY = 2.0


class Daemon:
    def __init__(
        self,
        sources: dict[str, Source],
        db_path: Path,
        sources_path: Path,
        config: DaemonConfig,
        log_dir: Path,
    ) -> None:
        self.sources = sources
        self.db_path = db_path
        self.sources_path = sources_path
        self.config = config
        self.log_dir = log_dir
        self.queue = CrawlQueue(config.max_concurrent)
        self.running: list[Running] = []
        self.stopping = threading.Event()
        self.reload_requested = threading.Event()
        self.scheduler: BackgroundScheduler | None = None
        self._cond = threading.Condition()
        self._job_specs: dict[str, tuple[object, ...]] = {}  # the key each scheduled job was made from
        self.sources_sha256 = file_sha256(sources_path)
        self.state_changed = threading.Event()  # jobs changed: record their next fire times now
        self._recorded: dict[str, str | None] | None = None
        self._state_checked = 0.0
        # distributed mode (crawler/distributed/enqueue.py): runs are queued in Redis for crawl workers on
        # any host instead of started here as processes; everything else in this service stays as it is
        self.distributed: DistributedRuns | None = None
        if os.environ.get("COURTNEWS_REDIS_URL"):
            from crawler.distributed.enqueue import DistributedRuns

            self.distributed = DistributedRuns(
                os.environ["COURTNEWS_REDIS_URL"], db_path, sources_path, config
            )

    # ------------------------------------------------------------ what jobs do: enqueue, nothing more
    def enqueue(self, slug: str, kind: str = "crawl", trigger: str = "schedule") -> bool:
        with self._cond:
            added = not self.stopping.is_set() and self.queue.add(Job(slug, kind, trigger))
            self._cond.notify_all()
        if not added and not self.stopping.is_set():
            logger.info(
                "%s: a %s is already waiting or running; this %s one is folded into it", slug, kind, trigger
            )
        return added

    def revisit_due(self, now: datetime | None = None) -> list[str]:
        """Queue a revisit of each source with articles due for a check: one batch per source, fairly."""
        offsets = tuple(timedelta(seconds=s) for s in self.config.revisit_offsets)
        db = open_archive(self.db_path)
        try:
            counts = due_counts(db, now=now, offsets=offsets)
        finally:
            db.close()
        due = [slug for slug in self.sources if counts.get(slug)]
        for slug in due:
            self.enqueue(slug, "revisit", "revisit")
        return due

    def overdue(self, now: datetime) -> list[str]:
        db = open_archive(self.db_path)
        try:
            return [
                slug
                for slug, source in self.sources.items()
                if is_overdue(last_success(db, slug), source, now, self.config)
            ]
        finally:
            db.close()

    def wanted_jobs(self) -> dict[str, JobSpec]:
        """Every job this configuration schedules, by id: one per source, the revisit job, maintenance."""
        tz = ZoneInfo(self.config.timezone)
        jobs: dict[str, JobSpec] = {}
        for slug, source in self.sources.items():
            jobs[f"crawl:{slug}"] = JobSpec(
                (source.schedule.text, self.config.timezone, self.config.jitter, self.config.misfire_grace),
                lambda source=source: source_trigger(source, self.config),  # type: ignore[misc]
                self.enqueue,
                [slug, "crawl", "schedule"],
                f"crawl {slug}",
            )
        jobs["revisit"] = JobSpec(
            (self.config.revisit_every, self.config.timezone, self.config.misfire_grace),
            lambda: IntervalTrigger(seconds=self.config.revisit_every, timezone=tz),
            self.revisit_due,
            [],
            "revisit due articles",
        )
        jobs["maintenance"] = JobSpec(
            (self.config.maintenance, self.config.timezone, self.config.misfire_grace),
            lambda: cron_trigger(self.config.maintenance, tz),
            self.enqueue,
            [MAINTENANCE, "maintenance", "maintenance"],
            "prune and vacuum",
        )
        return jobs

    def schedule(self, scheduler: BackgroundScheduler) -> dict[str, list[str]]:
        """Bring the scheduler's jobs to this configuration, touching only what changed: a job whose
        cadence (and timezone, jitter, misfire grace) is unchanged keeps its next fire time, so a reload
        postpones nothing; a changed one gets a fresh trigger, a removed one goes, a new one is added.
        One-shot catch-up jobs are left alone unless their source is gone. Returns the ids by change."""
        wanted = self.wanted_jobs()
        backup = backup_job(self.sources_path, self.db_path, strict=not scheduler.running)
        if backup is not None:  # the [backup] table of the sources file (crawler/service/backups.py)
            wanted["backup"] = JobSpec(*backup)
        changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": [], "kept": []}
        for job in scheduler.get_jobs():
            catch_up_of = job.id.removeprefix("catch-up:") if job.id.startswith("catch-up:") else None
            if (catch_up_of is not None and catch_up_of not in self.sources) or (
                catch_up_of is None and job.id not in wanted
            ):
                job.remove()
                self._job_specs.pop(job.id, None)
                changes["removed"].append(job.id)
        present = {job.id for job in scheduler.get_jobs()}
        for job_id, spec in wanted.items():
            if job_id in present and self._job_specs.get(job_id) == spec.key:
                changes["kept"].append(job_id)
                continue
            changes["changed" if job_id in present else "added"].append(job_id)
            scheduler.add_job(
                spec.func,
                spec.trigger(),
                args=spec.args,
                id=job_id,
                name=spec.name,
                misfire_grace_time=self.config.misfire_grace,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
            )
            self._job_specs[job_id] = spec.key
        self.state_changed.set()
        return changes

    def schedule_catch_up(self, slugs: list[str], now: datetime) -> None:
        """Overdue sources after a restart start within ``catch_up_delay`` seconds, spread evenly over it:
        of n sources the first is queued at once, the k-th k/n of the delay later, so they do not all start
        in one burst (and a single overdue source is not kept waiting). A delay of 0 queues them all at once."""
        if self.scheduler is None or not self.config.catch_up_delay:
            for slug in slugs:
                self.enqueue(slug, "crawl", "catch-up")
            return
        for index, slug in enumerate(slugs):
            if index == 0:
                self.enqueue(slug, "crawl", "catch-up")
                continue
            when = now + timedelta(seconds=self.config.catch_up_delay * index / len(slugs))
            self.scheduler.add_job(
                self.enqueue,
                DateTrigger(run_date=when),
                args=[slug, "crawl", "catch-up"],
                id=f"catch-up:{slug}",
                name=f"catch up {slug}",
                misfire_grace_time=None,  # a catch-up is never dropped for being late
                replace_existing=True,
            )
            logger.info(
                "%s: overdue; catch-up crawl at %s",
                slug,
                when.astimezone(ZoneInfo(self.config.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z"),
            )
        self.state_changed.set()

    def _record_state_if_changed(self) -> None:
        """Record the jobs' next fire times when they moved (a job fired, a reload): every STATE_EVERY s at
        most, at once when asked (state_changed)."""
        now = time.monotonic()
        if not self.state_changed.is_set() and now < self._state_checked + STATE_EVERY:
            return
        self._state_checked = now
        self.state_changed.clear()
        if self.scheduler is None or not self.scheduler.running:
            return
        jobs = {
            job.id: job.next_run_time.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            if job.next_run_time
            else None
            for job in self.scheduler.get_jobs()
        }
        if jobs != self._recorded:
            self.record_state(jobs)

    def record_state(self, jobs: dict[str, str | None]) -> None:
        """Write what `courtnews status` reads: the sources file in force (path and content hash) and every
        job's next fire time (UTC), as the scheduler holds them."""
        info = {
            "pid": os.getpid(),
            "sources_file": str(self.sources_path),
            "sources_sha256": self.sources_sha256,
            "timezone": self.config.timezone,
        }
        try:
            db = open_archive(self.db_path)
            try:
                record_daemon_state(db, info, jobs)
            finally:
                db.close()
        except ArchiveError as exc:  # tried again at the next check
            logger.warning("could not record the daemon's jobs for `courtnews status`: %s", exc)
            return
        self._recorded = jobs

    # ------------------------------------------------------------ the service loop
    def run(self) -> None:
        with daemon_lock(self.db_path):
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, self._on_stop)
            signal.signal(signal.SIGHUP, self._on_hup)
            self.stop_left_over_crawls()
            self.scheduler = BackgroundScheduler(timezone=ZoneInfo(self.config.timezone))
            self.schedule(self.scheduler)
            self.scheduler.start()
            self._log_start()
            now = datetime.now(UTC)
            self.schedule_catch_up(self.overdue(now), now)
            try:
                while not self.stopping.is_set():
                    self.tick()
                    with self._cond:
                        self._cond.wait(0.5)
            finally:
                self.shutdown()

    def tick(self) -> None:
        """Reload if asked, reap ended children, stop those over time, start what may start."""
        if self.reload_requested.is_set():
            self.reload_requested.clear()
            self.reload()
        self._record_state_if_changed()
        self._reap()
        now = time.monotonic()
        for running in self.running:
            if running.stopping_since is None and now > running.deadline:
                running.stop_reason = (
                    "failed",
                    f"stopped after the {self.config.crawl_timeout} s crawl timeout",
                )
                self._terminate(running)
            elif (
                running.stopping_since is not None and now > running.stopping_since + self.config.grace_period
            ):
                running.process.kill()
        while not self.stopping.is_set():
            with self._cond:
                job = self.queue.next_ready()
            if job is None:
                break
            self._start(job)

    def _start(self, job: Job) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        log_file = self.log_dir / job.slug.strip("*") / f"{stamp}-{job.trigger}.log"
        run_id = None
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            if job.slug == MAINTENANCE:
                process = ChildProcess(
                    [
                        sys.executable,
                        "-m",
                        "crawler.cli",
                        "prune",
                        "--db",
                        str(self.db_path),
                        "--vacuum",
                        "--older-than",
                        f"{self.config.retention}s",
                    ],
                    cwd=self.db_path.parent,
                    log_file=log_file,
                )
            elif self.distributed is not None:
                run_id, process = self.distributed.launch(job)  # type: ignore[assignment]
            else:
                token = secrets.token_hex(16)
                db = open_archive(self.db_path)
                try:  # the run exists before the process does, so even a crawl that dies at once is recorded;
                    # it is ours (by its token) until the crawl claims it: no sweep judges it by our pid
                    run_id = start_run(
                        db,
                        job.slug,
                        job.kind,
                        trigger=job.trigger,
                        is_alive=process_is_crawl,
                        claim_token=token,
                    )
                finally:
                    db.close()
                process = crawl_process(
                    job.slug,
                    self.db_path,
                    self.sources_path,
                    revisit="due" if job.kind == "revisit" else "none",
                    settings={
                        "RUN_ID": str(run_id),
                        "CLAIM_TOKEN": token,
                        "REVISIT_OFFSETS": ",".join(str(o) for o in self.config.revisit_offsets),
                        "REVISIT_BATCH": str(self.config.revisit_batch),
                        "LOG_MAX_BYTES": str(self.config.log_max_bytes),
                    },
                    log_file=log_file,
                    watch_parent=True,
                )
            process.start()
        except (ArchiveError, OSError) as exc:
            logger.error("%s: the %s could not start: %s", job.slug, job.kind, exc)
            if run_id is not None:
                self._record_exit(run_id, None, log_file, ("failed", f"the crawl could not start: {exc}"))
            with self._cond:
                self.queue.done(job)
            return
        deadline = time.monotonic() + self.config.crawl_timeout
        self.running.append(Running(job, process, run_id, log_file, deadline))
        logger.info("%s: %s started (%s; run %s; log %s)", job.slug, job.kind, job.trigger, run_id, log_file)

    def _terminate(self, running: Running) -> None:
        running.stopping_since = time.monotonic()
        running.process.terminate()

    def _reap(self) -> None:
        for running in list(self.running):
            code = running.process.poll()
            if code is None:
                continue
            self.running.remove(running)
            with self._cond:
                self.queue.done(running.job)
                self._cond.notify_all()
            if running.run_id is None:
                logger.log(
                    logging.INFO if code == 0 else logging.WARNING,
                    "maintenance ended with exit %s (log %s)",
                    code,
                    running.log_file,
                )
            else:
                if code < 0:
                    verdict = running.stop_reason or (
                        "interrupted",
                        f"the crawl process was killed by signal {-code}",
                    )
                else:
                    verdict = running.stop_reason or (
                        "failed",
                        f"the crawl process exited with {code} before closing its run; see {running.log_file}",
                    )
                self._record_exit(running.run_id, code, running.log_file, verdict, running.job)
            self._rotate_logs(running.log_file.parent)

    def _record_exit(
        self, run_id: int, code: int | None, log_file: Path, verdict: tuple[str, str], job: Job | None = None
    ) -> None:
        try:
            db = open_archive(self.db_path)
            try:
                run = record_process_exit(db, run_id, code, str(log_file), *verdict)
            finally:
                db.close()
        except ArchiveError as exc:
            logger.error("run %d: could not record its end: %s", run_id, exc)
            return
        level = logging.INFO if run["status"] in ("finished", "stopped") else logging.WARNING
        logger.log(
            level,
            "%s: %s run %d %s (exit %s)%s: %d captures, %d new versions (%d changed, %d removed, %d moved), "
            "%d failures",
            run["source"],
            run["kind"],
            run_id,
            run["status"],
            code,
            f" — {run['reason']}" if run["reason"] else "",
            run["captures"],
            run["new_versions"],
            run["changed"],
            run["removed"],
            run["moved"],
            run["failures"],
        )

    def _rotate_logs(self, folder: Path) -> None:
        logs = sorted(folder.glob("*.log"))
        for old in logs[: max(0, len(logs) - self.config.keep_logs)]:
            old.unlink(missing_ok=True)

    # ------------------------------------------------------------ start, reload, stop
    def stop_left_over_crawls(self) -> None:
        """Crawls of this archive left running by a daemon that died: stop them, mark their runs."""
        db = open_archive(self.db_path)
        try:
            left = [run for run in open_runs(db) if process_is_crawl(run["pid"], self.db_path)]
            for run in left:
                logger.warning(
                    "stopping crawl pid %d (run %d) left by an earlier daemon", run["pid"], run["id"]
                )
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(run["pid"], signal.SIGTERM)
            deadline = time.monotonic() + self.config.grace_period
            while left and time.monotonic() < deadline and any(process_is_crawl(r["pid"]) for r in left):
                time.sleep(0.2)
            for run in left:
                if process_is_crawl(run["pid"]):
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(run["pid"], signal.SIGKILL)
            time.sleep(0.2 if left else 0)
            marked = mark_interrupted_runs(  # distributed runs (pid 0) are not its to judge: Redis's, below
                db,
                lambda pid: process_is_crawl(pid, self.db_path),
                "stopped when the daemon started: an earlier daemon left it running (or it was killed)",
            )
            marked += mark_unclaimed_runs(  # we hold the lock: the daemon that created them is gone
                db,
                os.getpid(),
                "interrupted: the daemon that created it ended before its crawl process claimed it",
            )
        finally:
            db.close()
        if marked:
            logger.warning("marked %d run(s) interrupted by an earlier crash", marked)
        if self.distributed is not None:
            self.distributed.adopt(self)

    def reload(self) -> None:
        try:
            sources = load_sources(self.sources_path)
            config = load_daemon_config(self.sources_path)
        except SourcesError as exc:
            logger.error("SIGHUP: the sources file was not reloaded (the old one stays in force): %s", exc)
            return
        added = set(sources) - set(self.sources)
        self.sources, self.config = sources, config
        self.sources_sha256 = file_sha256(self.sources_path)
        self.queue.max_concurrent = config.max_concurrent
        changes = self.schedule(self.scheduler) if self.scheduler is not None else {}
        logger.info(
            "SIGHUP: reloaded %s: %d sources; jobs added %s, changed %s, removed %s; %d unchanged keep "
            "their next run",
            self.sources_path,
            len(sources),
            changes.get("added") or "none",
            changes.get("changed") or "none",
            changes.get("removed") or "none",
            len(changes.get("kept", [])),
        )
        self._recorded = None  # the sources file's hash may have changed: record the state again
        self._log_jobs()
        for slug in self.overdue(datetime.now(UTC)):
            if slug in added:  # a new court is crawled now, not at its first scheduled slot
                self.enqueue(slug, "crawl", "catch-up")

    def _on_stop(self, signum: int, _frame: object) -> None:
        self.stopping.set()
        with self._cond:
            self._cond.notify_all()

    def _on_hup(self, _signum: int, _frame: object) -> None:
        self.reload_requested.set()
        with self._cond:
            self._cond.notify_all()

    def shutdown(self) -> None:
        self.stopping.set()
        logger.info("stopping: no new crawls; running crawls get %d s to finish", self.config.grace_period)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self._cond:
            self.queue.drop_waiting()
        for running in self.running:
            running.stop_reason = running.stop_reason or ("stopped", "stopped: the daemon was shutting down")
            self._terminate(running)
        deadline = time.monotonic() + self.config.grace_period
        while self.running and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.1)
        for running in self.running:
            running.process.kill()
        deadline = time.monotonic() + KILL_WAIT
        while self.running and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        for running in list(self.running):  # not reaped after SIGKILL: stuck in the kernel; do not wait on it
            logger.error(
                "%s: crawl pid %d did not end %d s after SIGKILL; leaving it (its run is marked interrupted)",
                running.job.slug,
                running.process.pid,
                KILL_WAIT,
            )
            if running.run_id is not None:
                self._record_exit(
                    running.run_id,
                    None,
                    running.log_file,
                    ("interrupted", f"the crawl process did not end {KILL_WAIT:.0f} s after SIGKILL"),
                )
            self.running.remove(running)
        logger.info("courtnews daemon stopped")

    # ------------------------------------------------------------ what the operator sees
    def _log_start(self) -> None:
        logger.info(
            "courtnews daemon (pid %d): %d sources, archive %s, timezone %s; SIGTERM stops it, SIGHUP reloads %s",
            os.getpid(),
            len(self.sources),
            self.db_path,
            self.config.timezone,
            self.sources_path,
        )
        self._log_jobs()

    def _log_jobs(self) -> None:
        tz = ZoneInfo(self.config.timezone)
        now = datetime.now(tz)
        for slug, source in self.sources.items():
            job = self.scheduler.get_job(f"crawl:{slug}") if self.scheduler is not None else None
            fires = getattr(job, "next_run_time", None)  # the scheduler's own (jitter included) once started
            when = fires.astimezone(tz) if fires else next_run(source, now, self.config)
            logger.info(
                "job crawl:%-28s %-16s next run %s",
                slug,
                source.schedule.text,
                when.strftime("%Y-%m-%d %H:%M %Z"),
            )
        logger.info(
            "job revisit every %d s; maintenance %s (%s)",
            self.config.revisit_every,
            self.config.maintenance,
            tz,
        )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(value: str | None) -> int:
    """COURTNEWS_LOG_LEVEL (one of LOG_LEVELS, any case; INFO when unset or empty) as a logging level."""
    name = (value or "INFO").strip().upper()
    if name not in LOG_LEVELS:
        raise ValueError(
            f"COURTNEWS_LOG_LEVEL={value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}"
        )
    return int(getattr(logging, name))


def configure_logging(level: int | None = None) -> None:
    """The service's log on stderr at COURTNEWS_LOG_LEVEL (INFO by default; the daemon command refuses a bad
    value before it gets here, another service warns and uses INFO). Failed and interrupted runs are
    WARNING, so `journalctl -p warning` lists them."""
    problem = None
    if level is None:
        try:
            level = log_level(os.environ.get("COURTNEWS_LOG_LEVEL"))
        except ValueError as exc:
            level, problem = logging.INFO, str(exc)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    if problem:
        logger.warning("%s; logging at INFO", problem)
