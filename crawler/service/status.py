"""`courtnews status`: what the daemon has done and will do, source by source, for people and monitors.

A source needs attention (and `status` exits 1) when:
- its last ``fail_after`` runs, list crawls and revisits alike, all failed or were interrupted (runs an
  operator or a shutdown stopped do not count);
- it is overdue: no successful list crawl within twice its cadence (or never one);
- a run of it is stuck: still ``running`` though its process is gone, or running past the crawl timeout;
and the whole service needs attention when no daemon holds the archive (unless --without-daemon).

Each source's next run is the daemon's own next fire time for its job (recorded in the archive, jitter and
catch-ups included), shown as overdue once it has passed; an archive no daemon recorded jobs in gets the
schedule's: a cron source's next slot, an interval source's last successful crawl plus its interval. In
distributed mode (COURTNEWS_REDIS_URL set) Redis judges the runs it holds and the status ends with its
queues, workers and writer (``crawler/distributed/status.py``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlite_utils

from archive.revisits import failed_checks
from archive.runs import last_success, open_runs, recent_runs, source_totals
from crawler.config.sources import DaemonConfig, Source
from crawler.crawling.process import process_is_crawl
from crawler.service.scheduling import cadence, next_run
from crawler.service.status_model import SourceStatus

if TYPE_CHECKING:
    from crawler.distributed.status import RedisView

RUN_FIELDS = (
    "id", "kind", "trigger", "started_at", "finished_at", "status", "exit_code", "captures", "new_versions",
    "removed", "moved", "failures", "unstored", "reason",
)  # fmt: skip


# a recorded fire time this far in the past is overdue (the daemon records a job's next time within seconds)
OVERDUE_AFTER = timedelta(minutes=1)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def next_fire(
    slug: str,
    source: Source,
    config: DaemonConfig,
    now: datetime,
    success: datetime | None,
    jobs: dict[str, str | None] | None,
) -> tuple[datetime | None, str]:
    """When the source runs next and who says so. The daemon's recorded fire time of its job when there is
    one (a catch-up before it, if sooner); else a cron source's next slot, an interval source's last success
    plus its interval (None when it never succeeded: due now)."""
    if jobs is not None:
        times = [_parse(t) for t in (jobs.get(f"catch-up:{slug}"), jobs.get(f"crawl:{slug}")) if t]
        if times:
            return min(times), "daemon"
    if source.schedule.cron:
        return next_run(source, now, config), "schedule"
    if success is None:
        return None, "schedule"
    return success + cadence(source, now, config), "schedule"


def source_status(
    db: sqlite_utils.Database,
    db_path: Path,
    sources: dict[str, Source],
    config: DaemonConfig,
    fail_after: int,
    now: datetime | None = None,
    redis: RedisView | None = None,
    jobs: dict[str, str | None] | None = None,
    daemon_pid: int | None = None,
) -> list[SourceStatus]:
    """jobs: the daemon's recorded next fire times (None: none recorded for these sources); daemon_pid: the
    pid of the daemon holding the archive, which owns the runs it created and no crawl claimed yet."""
    now = now or datetime.now(UTC)
    tz = ZoneInfo(config.timezone)
    running: dict[str, list[dict]] = {}
    for run in open_runs(db):
        running.setdefault(run["source"], []).append(run)
    rows = []
    for slug, source in sources.items():
        runs = recent_runs(db, slug, max(fail_after, 1) * 4)
        judged = [r for r in runs if r["status"] != "stopped" and r["status"] != "running"][:fail_after]
        success = last_success(db, slug)
        totals = source_totals(db, slug)
        fires, told_by = next_fire(slug, source, config, now, success, jobs)
        status = SourceStatus(
            source=slug,
            schedule=source.schedule.text,
            last_run={k: runs[0][k] for k in RUN_FIELDS} if runs else None,
            last_success=success.astimezone(tz).isoformat(timespec="minutes") if success else None,
            next_run=fires.astimezone(tz).isoformat(timespec="seconds") if fires else None,
            next_run_overdue=fires is None or now - fires > OVERDUE_AFTER,
            next_run_from=told_by,
            pages=totals["pages"],
            versions=totals["versions"],
        )
        if len(judged) >= fail_after and all(r["status"] in ("failed", "interrupted") for r in judged):
            status.problems.append(
                f"failing: its last {fail_after} runs failed (last: {judged[0]['reason']})"
            )
        limit = 2 * cadence(source, now, config)
        if success is None:
            status.problems.append("overdue: no successful list crawl yet")
        elif now - success > limit:
            status.problems.append(f"overdue: last successful list crawl {_ago(now - success)} ago")
        for run in running.get(slug, []):
            age = now - _parse(run["started_at"])
            if run["pid"] == 0:
                continue  # a distributed run: Redis tells how it goes (below)
            if run.get("claim_token"):  # created by a daemon for a crawl that has not claimed it yet
                if run["pid"] != daemon_pid:
                    status.problems.append(
                        f"stuck: run {run['id']} was created by daemon pid {run['pid']}, which is gone, and no "
                        "crawl claimed it (the next daemon marks it interrupted)"
                    )
                elif age > timedelta(seconds=config.crawl_timeout + config.grace_period):
                    status.problems.append(f"stuck: run {run['id']} has been starting for {_ago(age)}")
                continue
            if not process_is_crawl(run["pid"], db_path):
                status.problems.append(
                    f"stuck: run {run['id']} is 'running' but its process {run['pid']} is gone"
                )
            elif age > timedelta(seconds=config.crawl_timeout + config.grace_period):
                status.problems.append(f"stuck: run {run['id']} has been running for {_ago(age)}")
        status.failed_checks, status.checked_since = failed_checks(db, slug)
        rows.append(status)
    redis = redis or redis_view()
    if redis is not None:  # distributed mode (crawler/distributed/status.py)
        from crawler.distributed.status import judge

        judge(rows, open_runs(db), redis)
    return rows


def _ago(delta: timedelta) -> str:
    """A duration in the unit a person reads at a glance: 45 s, 12 min, 5.5 h, 3.2 days."""
    seconds = delta.total_seconds()
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _next_cell(row: SourceStatus, tz: ZoneInfo, now: datetime) -> str:
    if row.next_run is None:
        return "due now"
    when = datetime.fromisoformat(row.next_run)
    if row.next_run_overdue:
        return f"overdue {_ago(now - when)}"
    return when.astimezone(tz).strftime("%m-%d %H:%M:%S")


def redis_view() -> RedisView | None:
    """Distributed mode's state when COURTNEWS_REDIS_URL is set (queues, workers, the writer's lag), else None."""
    url = os.environ.get("COURTNEWS_REDIS_URL")
    if not url:
        return None
    from crawler.distributed.status import look

    return look(url)


def format_status(
    rows: list[SourceStatus],
    daemon: str,
    timezone: str,
    redis: RedisView | None = None,
    header: tuple[str, ...] = (),
    now: datetime | None = None,
) -> str:
    tz = ZoneInfo(timezone)
    now = now or datetime.now(UTC)
    lines = [
        daemon,
        *header,
        f"{'source':<26}{'last run (' + timezone + ')':<32}{'next run':<20}{'pages':>7}{'versions':>9}",
    ]
    for row in rows:
        last = row.last_run
        outcome = "never run" if not last else f"{last['kind']} {last['status']}"
        when = _parse(last["started_at"]).astimezone(tz).strftime("%m-%d %H:%M") if last else ""
        lines.append(
            f"{row.source:<26}{(when + ' ' + outcome).strip():<32}{_next_cell(row, tz, now):<20}"
            f"{row.pages:>7}{row.versions:>9}"
        )
        lines += [f"    ! {problem}" for problem in row.problems]
        if row.failed_checks and row.checked_since:
            lines.append(
                f"    ~ {row.failed_checks} articles failed their last check (retrying); the oldest last "
                f"checked {_ago(now - _parse(row.checked_since))} ago"
            )
    redis = redis or redis_view()
    if redis is not None:
        from crawler.distributed.status import section

        lines += section(redis)
    return "\n".join(lines)
