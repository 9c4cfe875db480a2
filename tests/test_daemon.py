"""The scheduled service: jobs, next run times, misfires, catch-up, revisit due-times, and a real daemon run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from archive import ArticleFields, Capture, open_archive, record, start_run
from archive.revisits import due_pages, next_due
from crawler.daemon import Daemon, DaemonLocked, overdue_sources, source_trigger
from crawler.sources import DaemonConfig, load_sources
from tests.conftest import ROOT, write_sources

T0 = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
SOURCES = """
[daemon]
jitter = 0
misfire_grace = "1h"

[[source]]
slug = "every-six-hours"
court = "甲法院"
family = "courtgov"
start_urls = ["https://a.example.gov.cn/list.html"]
allowed_hosts = ["a.example.gov.cn"]
schedule = "6h"

[[source]]
slug = "cron-quarter-past"
court = "乙法院"
family = "chinacourt"
start_urls = ["https://b.example.gov.cn/list.html"]
allowed_hosts = ["b.example.gov.cn"]
schedule = "15 */3 * * *"
"""


@pytest.fixture
def setup(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(SOURCES, "utf-8")
    sources = load_sources(path)
    config = DaemonConfig(jitter=0, misfire_grace=3600)
    daemon = Daemon(sources, tmp_path / "archive.db", path, config, tmp_path / "logs")
    return daemon, tmp_path


def finished_run(db, slug: str, started: datetime) -> None:
    db.execute(
        "INSERT INTO runs (source, kind, started_at, finished_at, status) VALUES (?, 'crawl', ?, ?, 'finished')",
        [slug, started.isoformat().replace("+00:00", "Z"), started.isoformat().replace("+00:00", "Z")],
    )
    db.conn.commit()


@pytest.fixture
def paused():
    """A real scheduler that never fires: jobs go to its store (so replace_existing applies)."""
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def test_one_job_per_source_plus_revisit_with_safe_defaults(setup, paused):
    daemon, _ = setup
    scheduler = daemon.build(paused, now=T0)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "crawl:every-six-hours",
        "crawl:cron-quarter-past",
        "revisit",
        "catch-up:every-six-hours",
        "catch-up:cron-quarter-past",
    }
    for job_id in ("crawl:every-six-hours", "crawl:cron-quarter-past", "revisit"):
        job = jobs[job_id]
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    # building again (a restart with a persistent store) replaces jobs instead of duplicating them
    daemon.build(scheduler, now=T0)
    assert len(scheduler.get_jobs()) == 5


def test_next_run_times_in_shanghai(setup):
    daemon, _ = setup
    cron = source_trigger(daemon.sources["cron-quarter-past"], daemon.config)
    assert cron.get_next_fire_time(None, T0).isoformat() == "2024-01-01T09:15:00+08:00"
    interval = source_trigger(daemon.sources["every-six-hours"], daemon.config)
    first = interval.get_next_fire_time(None, T0)
    assert interval.get_next_fire_time(first, first) - first == timedelta(hours=6)


def test_catch_up_after_restart_runs_once_not_per_missed_slot(setup, paused):
    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    assert overdue_sources(db, daemon.sources, T0, daemon.config) == ["every-six-hours", "cron-quarter-past"]
    finished_run(db, "every-six-hours", T0 - timedelta(hours=2))  # within its 6 h cadence
    finished_run(db, "cron-quarter-past", T0 - timedelta(days=3))  # 24 slots missed
    assert overdue_sources(db, daemon.sources, T0, daemon.config) == ["cron-quarter-past"]
    scheduler = daemon.build(paused, now=T0)
    catch_up = [job for job in scheduler.get_jobs() if job.id.startswith("catch-up:")]
    assert [job.id for job in catch_up] == ["catch-up:cron-quarter-past"]
    assert catch_up[0].trigger.run_date - T0 <= timedelta(seconds=daemon.config.catch_up_delay)


def test_misfire_grace_and_coalescing():
    """A run that is late but within the grace period still runs, once; beyond it, it is reported missed."""
    events: list[tuple[str, str]] = []
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(
        lambda e: events.append((e.job_id, "missed" if e.code == EVENT_JOB_MISSED else "ran")),
        EVENT_JOB_EXECUTED | EVENT_JOB_MISSED,
    )
    now = datetime.now(UTC)
    scheduler.add_job(
        lambda: None, DateTrigger(now - timedelta(seconds=30)), id="late-in-grace", misfire_grace_time=3600
    )
    scheduler.add_job(
        lambda: None, DateTrigger(now - timedelta(seconds=30)), id="late-past-grace", misfire_grace_time=1
    )
    scheduler.start()
    time.sleep(1)
    scheduler.shutdown()
    assert sorted(events) == [("late-in-grace", "ran"), ("late-past-grace", "missed")]


@pytest.mark.parametrize(
    ("last_checked", "due"),
    [
        (timedelta(minutes=10), timedelta(hours=1)),
        (timedelta(hours=2), timedelta(hours=6)),
        (timedelta(hours=30), timedelta(days=3)),
        (timedelta(days=8), timedelta(days=30)),
        (timedelta(days=40), timedelta(days=70)),  # past the last offset: monthly
    ],
)
def test_revisit_due_times(last_checked, due):
    assert next_due(T0, T0 + last_checked) == T0 + due


def test_due_pages_oldest_due_first_and_bounded(tmp_path):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "s")
    for n, age in enumerate([2, 50, 10]):  # first seen this many hours before T0, last seen then too
        seen = (T0 - timedelta(hours=age)).isoformat().replace("+00:00", "Z")
        capture = Capture(url=f"https://a.example/{n}", source="s", status=200, raw=b"x", fetched_at=seen)
        record(db, run, capture, "article", ArticleFields(title=str(n), body="正文。"))
    due = due_pages(db, now=T0, limit=2)
    assert [row["url"] for row in due] == ["https://a.example/1", "https://a.example/2"]
    assert due_pages(db, now=T0 - timedelta(days=10)) == []


def test_a_second_daemon_on_the_same_archive_refuses(setup):
    daemon, tmp = setup
    daemon.acquire_lock()
    other = Daemon(daemon.sources, daemon.db_path, daemon.sources_path, daemon.config, tmp / "logs")
    with pytest.raises(DaemonLocked, match=f"pid {os.getpid()}"):
        other.acquire_lock()


# ---------------------------------------------------------------- the real daemon
DAEMON_SETTINGS = """
[daemon]
jitter = 0
revisit_every = "2s"
revisit_offsets = ["1s", "2s", "3s", "4s", "5s"]
catch_up_delay = "1s"
grace_period = "10s"
max_concurrent = 2
"""


def runs(db_path: Path) -> list[dict]:
    conn = sqlite3.connect(db_path, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY started_at, id")]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def kinds_of(db_path: Path, name: str) -> list[str]:
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT v.kind FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE ? ORDER BY v.version",
                [f"%/{name}"],
            )
        ]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_daemon_crawls_revisits_and_stops_cleanly(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "sources.toml", site)
    sources.write_text(
        DAEMON_SETTINGS + sources.read_text("utf-8").replace('schedule = "1h"', 'schedule = "3s"'), "utf-8"
    )
    db = tmp_path / "archive.db"
    env = {**os.environ, "COURTNEWS_DOWNLOAD_DELAY": "0", "COURTNEWS_AUTOTHROTTLE": "0"}
    command = [
        sys.executable,
        "-m",
        "crawler.cli",
        "daemon",
        "--db",
        str(db),
        "--sources",
        str(sources),
        "--log-dir",
        str(tmp_path / "logs"),
    ]
    daemon = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert wait_for(lambda: any(r["status"] == "finished" for r in runs(db))), "no crawl finished"
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "already running" in second.stderr
        edited = site.path("zixun/xiangqing/1002.html")
        edited.write_text(edited.read_text("utf-8").replace("平稳有序运行", "安全平稳有序运行"), "utf-8")
        site.path("zixun/xiangqing/1003.html").unlink()
        listing = site.path("zixun/gengduo/24_2.html")
        listing.write_text(
            listing.read_text("utf-8").replace("/zixun/xiangqing/1003.html", "/gone.html"), "utf-8"
        )
        assert wait_for(lambda: kinds_of(db, "1002.html") == ["first", "changed"]), kinds_of(db, "1002.html")
        assert wait_for(lambda: kinds_of(db, "1003.html") == ["first", "removed"]), kinds_of(db, "1003.html")
        assert wait_for(lambda: len(runs(db)) >= 4)
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, output[-3000:]
    assert "courtnews daemon stopped" in output
    recorded = runs(db)
    assert {r["trigger"] for r in recorded} >= {"catch-up", "revisit"}
    assert all(
        r["status"] in ("finished", "interrupted", "failed")
        and r["exit_code"] is not None
        or r["status"] == "interrupted"
        for r in recorded
    )
    assert any(r["kind"] == "revisit" and r["removed"] == 1 for r in recorded)
    # never two crawls of one source at once
    for earlier, later in zip(recorded, recorded[1:], strict=False):
        assert later["started_at"] >= earlier["finished_at"], json.dumps([earlier, later])
    assert all(Path(r["log_file"]).exists() for r in recorded if r["log_file"])


def test_status_shows_last_and_next_runs_and_fails_for_monitoring(setup):
    from click.testing import CliRunner

    from crawler.cli import main

    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    now = datetime.now(UTC)
    finished_run(db, "every-six-hours", now - timedelta(hours=1))
    for hours in (3, 2, 1):
        stamp = (now - timedelta(hours=hours)).isoformat().replace("+00:00", "Z")
        db.execute(
            "INSERT INTO runs (source, kind, started_at, finished_at, status, exit_code) VALUES "
            "('cron-quarter-past', 'crawl', ?, ?, 'failed', 1)",
            [stamp, stamp],
        )
    db.conn.commit()
    args = ["status", "--db", str(tmp / "archive.db"), "--sources", str(tmp / "sources.toml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "cron-quarter-past" in result.output and "FAILING" in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:3]}
    assert "finished" in lines["every-six-hours"] and "soon" not in lines["every-six-hours"]
    assert "soon (overdue" in lines["cron-quarter-past"]
    assert CliRunner().invoke(main, [*args, "--fail-after", "4"]).exit_code == 0
    as_json = CliRunner().invoke(main, [*args, "--fail-after", "4", "--json"])
    assert {row["source"]: row["failing"] for row in json.loads(as_json.output)} == {
        "every-six-hours": False,
        "cron-quarter-past": False,
    }
