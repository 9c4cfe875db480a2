"""The daemon's rules without processes: triggers and next runs in Asia/Shanghai, catch-up, the crawl queue
(one per source, a global cap, kinds never displacing each other), fair revisit batches, the lock, jobs
replaced rather than duplicated, and `courtnews status` exit codes for each kind of trouble."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import re
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from archive import ArticleFields, Capture, open_archive, record, start_run
from archive.revisits import due_counts, due_pages, next_due
from crawler.cli import main
from crawler.config.sources import load_daemon_config, load_sources
from crawler.crawling.process import ChildProcess
from crawler.service.daemon import Daemon, DaemonLocked, Running, daemon_lock, lock_holder, lock_path
from crawler.service.scheduling import MAINTENANCE, CrawlQueue, Job, cadence, next_run, source_trigger
from tests.daemon_process import wait_for

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
    daemon = Daemon(
        load_sources(path), tmp_path / "archive.db", path, load_daemon_config(path), tmp_path / "logs"
    )
    open_archive(daemon.db_path).close()
    return daemon, tmp_path


def start_now(daemon: Daemon, job: Job) -> None:
    """Queue job and start it at once, as the service loop does when its turn comes."""
    daemon.queue.add(job)
    assert daemon.queue.next_ready() == job
    daemon._start(job)


def watched(daemon: Daemon, process: ChildProcess, slug: str = "every-six-hours") -> int:
    """A process the daemon watches as a crawl of slug it started, with its open run; the run's id."""
    run_id = start_run(open_archive(daemon.db_path), slug, pid=os.getpid())
    log = daemon.log_dir / slug / "crawl.log"
    daemon.running.append(
        Running(Job(slug, "crawl", "schedule"), process, run_id, log, time.monotonic() + 60)
    )
    return run_id


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def add_run(db, slug: str, started: datetime, status: str = "finished", kind: str = "crawl", **more) -> None:
    columns = {"source": slug, "kind": kind, "started_at": stamp(started), "finished_at": stamp(started),
               "status": status, **more}  # fmt: skip
    db["runs"].insert(columns)


# ---------------------------------------------------------------- triggers and catch-up
def test_next_run_times_in_shanghai(setup):
    daemon, _ = setup
    cron = daemon.sources["cron-quarter-past"]
    assert (
        source_trigger(cron, daemon.config).get_next_fire_time(None, T0).isoformat()
        == "2024-01-01T09:15:00+08:00"
    )
    assert next_run(cron, T0, daemon.config).isoformat() == "2024-01-01T09:15:00+08:00"
    interval = source_trigger(daemon.sources["every-six-hours"], daemon.config)
    first = interval.get_next_fire_time(None, T0)
    assert interval.get_next_fire_time(first, first) - first == timedelta(hours=6)
    assert cadence(cron, T0, daemon.config) == timedelta(hours=3)


def test_catch_up_after_restart_runs_once_not_per_missed_slot(setup):
    daemon, tmp = setup
    assert daemon.overdue(T0) == ["every-six-hours", "cron-quarter-past"]  # never ran
    db = open_archive(tmp / "archive.db")
    add_run(db, "every-six-hours", T0 - timedelta(hours=2))  # within its 6 h cadence
    add_run(db, "cron-quarter-past", T0 - timedelta(days=3))  # 24 slots missed
    add_run(db, "every-six-hours", T0 - timedelta(minutes=5), kind="revisit")  # a revisit is no list crawl
    assert daemon.overdue(T0) == ["cron-quarter-past"]
    # queued once, however many slots were missed: a second request of the same kind folds into it
    assert daemon.enqueue("cron-quarter-past", "crawl", "catch-up") is True
    assert daemon.enqueue("cron-quarter-past", "crawl", "schedule") is False
    assert [j.trigger for j in daemon.queue.waiting] == ["catch-up"]


def test_jobs_are_replaced_not_duplicated_and_follow_the_sources(setup):
    daemon, tmp = setup
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.start(paused=True)
    try:
        daemon.schedule(scheduler)
        daemon.schedule(scheduler)  # a restart or a reload
        ids = sorted(job.id for job in scheduler.get_jobs())
        assert ids == ["crawl:cron-quarter-past", "crawl:every-six-hours", "maintenance", "revisit"]
        for job in scheduler.get_jobs():
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
        # SIGHUP with a source removed: its job goes
        (tmp / "sources.toml").write_text(
            SOURCES.split("[[source]]")[0] + "[[source]]" + SOURCES.split("[[source]]")[1]
        )
        daemon.scheduler = scheduler
        daemon.reload()
        assert sorted(job.id for job in scheduler.get_jobs()) == [
            "crawl:every-six-hours",
            "maintenance",
            "revisit",
        ]
        # a broken file is reported and the old sources stay in force
        (tmp / "sources.toml").write_text("[[source]\n")
        daemon.reload()
        assert list(daemon.sources) == ["every-six-hours"]
    finally:
        scheduler.shutdown(wait=False)


# ---------------------------------------------------------------- the queue
def test_one_crawl_per_source_a_global_cap_and_kinds_never_displace_each_other():
    queue = CrawlQueue(max_concurrent=2)
    a_crawl, a_revisit = Job("a", "crawl", "schedule"), Job("a", "revisit", "revisit")
    b_crawl, c_crawl = Job("b", "crawl", "schedule"), Job("c", "crawl", "schedule")
    for job in (a_revisit, a_crawl, b_crawl, c_crawl):
        assert queue.add(job)
    assert not queue.add(Job("a", "crawl", "catch-up"))  # same source and kind: folded in
    assert queue.next_ready() == a_revisit
    assert queue.next_ready() == b_crawl  # a's list crawl waits for a's revisit; it is not dropped
    assert queue.next_ready() is None  # the cap of 2
    queue.done(a_revisit)
    assert queue.next_ready() == a_crawl
    queue.done(b_crawl)
    assert queue.next_ready() == c_crawl
    assert not queue.waiting


def test_maintenance_waits_for_quiet_and_nothing_overtakes_it():
    queue = CrawlQueue(max_concurrent=3)
    running = Job("a", "crawl", "schedule")
    queue.add(running)
    assert queue.next_ready() == running
    maintenance = Job(MAINTENANCE, "maintenance", "maintenance")
    queue.add(maintenance)
    queue.add(Job("b", "crawl", "schedule"))
    assert queue.next_ready() is None  # maintenance first in line, waiting for a's crawl to end
    queue.done(running)
    assert queue.next_ready() == maintenance
    assert queue.next_ready() is None  # no crawl while it runs
    queue.done(maintenance)
    assert queue.next_ready() == Job("b", "crawl", "schedule")


def test_a_job_folded_into_a_waiting_one_is_logged_and_nothing_is_queued_once_stopping(setup, caplog):
    daemon, _ = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    assert daemon.enqueue("every-six-hours", "crawl", "schedule")
    assert not caplog.records  # queued: nothing to explain
    assert not daemon.enqueue("every-six-hours", "crawl", "catch-up")
    assert [r.getMessage() for r in caplog.records] == [
        "every-six-hours: a crawl is already waiting or running; this catch-up one is folded into it"
    ]
    caplog.clear()
    daemon.stopping.set()
    assert not daemon.enqueue(
        "cron-quarter-past", "crawl", "schedule"
    )  # shutting down: not queued, not folded
    assert [job.slug for job in daemon.queue.waiting] == ["every-six-hours"]
    assert not caplog.records


def test_an_ended_crawl_is_reaped_while_one_started_before_it_still_runs(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    db = open_archive(daemon.db_path)
    long = ChildProcess([sys.executable, "-c", "import time; time.sleep(60)"], tmp).start()
    short = ChildProcess([sys.executable, "-c", "pass"], tmp).start()  # exits 0 without closing its run
    try:
        runs = [watched(daemon, long, "every-six-hours"), watched(daemon, short, "cron-quarter-past")]
        short.wait(10)
        daemon._reap()
        assert [r.process for r in daemon.running] == [long]  # the ended one is gone, though listed second
        ended = db["runs"].get(runs[1])
        assert (ended["status"], ended["exit_code"]) == ("failed", 0)
        assert ended["reason"].startswith("the crawl process exited with 0 before closing its run")
        (summary,) = [r.getMessage() for r in caplog.records if f"run {runs[1]} " in r.getMessage()]
        assert summary.startswith(
            f"cron-quarter-past: crawl run {runs[1]} failed (exit 0) — the crawl process exited with 0 "
        )
        assert summary.endswith(": 0 captures, 0 new versions (0 changed, 0 removed, 0 moved), 0 failures")
        assert db["runs"].get(runs[0])["status"] == "running"
    finally:
        long.kill()
        long.wait(10)


def test_maintenance_prunes_the_archive_in_a_process_of_its_own_and_its_end_is_logged(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    job = Job(MAINTENANCE, "maintenance", "maintenance")
    start_now(daemon, job)
    (running,) = daemon.running
    assert running.run_id is None  # maintenance is no crawl: no run row
    assert running.process.wait(60) == 0
    daemon._reap()
    assert daemon.running == [] and not daemon.queue.running
    assert f"maintenance ended with exit 0 (log {running.log_file})" in caplog.text
    assert "vacuum" in running.log_file.read_text("utf-8").lower()
    assert open_archive(daemon.db_path)["runs"].count == 0


def test_an_end_that_cannot_be_recorded_is_logged_and_the_daemon_goes_on(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.ERROR, "courtnews.daemon")
    daemon.db_path.write_bytes(b"not an archive")  # the archive replaced or broken while a crawl ran
    daemon._record_exit(7, 0, tmp / "crawl.log", ("failed", "the crawl process exited with 0"))
    (record,) = caplog.records
    assert record.getMessage().startswith("run 7: could not record its end: ")
    assert str(daemon.db_path) in record.getMessage()


def test_the_operator_is_told_each_jobs_next_run_at_start(setup, caplog):
    daemon, _ = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    daemon._log_start()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith(f"courtnews daemon (pid {os.getpid()}): 2 sources, archive {daemon.db_path}")
    for slug, schedule in (("every-six-hours", "6h"), ("cron-quarter-past", "15 */3 * * *")):
        (line,) = [line for line in lines if line.startswith(f"job crawl:{slug} ")]
        assert re.search(rf"{re.escape(schedule)}\s+next run \d{{4}}-\d\d-\d\d \d\d:\d\d CST$", line), line
    assert lines[-1].startswith("job revisit every ")


def test_shutdown_stops_the_scheduler_so_no_job_fires_while_crawls_finish(setup, caplog):
    daemon, _ = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    daemon.shutdown()  # before it ever scheduled anything: nothing to stop, and no error
    assert caplog.records[-1].getMessage() == "courtnews daemon stopped"
    daemon.scheduler = BackgroundScheduler()
    daemon.schedule(daemon.scheduler)
    daemon.scheduler.start()
    daemon.shutdown()
    assert not daemon.scheduler.running
    assert daemon.stopping.is_set()


IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("up", flush=True)
time.sleep(60)
"""


def test_a_crawl_killed_by_any_signal_is_interrupted_with_that_signal(setup):
    daemon, tmp = setup
    db = open_archive(daemon.db_path)
    process = ChildProcess([sys.executable, "-c", "import time; time.sleep(60)"], tmp).start()
    run_id = watched(daemon, process)
    process.popen.send_signal(signal.SIGHUP)  # the lowest signal number: a hangup
    process.wait(10)
    daemon._reap()
    run = db["runs"].get(run_id)
    assert (run["status"], run["reason"], run["exit_code"]) == (
        "interrupted",
        "the crawl process was killed by signal 1",
        -1,
    )


def test_a_crawl_that_outlives_the_shutdown_grace_is_killed_and_its_run_stopped(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    daemon.config = dataclasses.replace(daemon.config, grace_period=1)
    db = open_archive(daemon.db_path)
    log = tmp / "crawl.log"
    process = ChildProcess([sys.executable, "-c", IGNORES_SIGTERM], tmp, log_file=log).start()
    assert wait_for(lambda: log.exists() and "up" in log.read_text(), 30)
    run_id = watched(daemon, process)
    daemon.shutdown()  # SIGTERM, ignored; SIGKILL after the grace period
    assert process.poll() == -signal.SIGKILL and daemon.running == []
    run = db["runs"].get(run_id)
    assert (run["status"], run["reason"]) == ("stopped", "stopped: the daemon was shutting down")


def test_runs_an_earlier_daemon_left_open_are_marked_interrupted_and_counted_in_the_log(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    daemon.stop_left_over_crawls()  # nothing left: nothing said
    assert not [r for r in caplog.records if "interrupted" in r.getMessage()]
    db = open_archive(daemon.db_path)
    run_id = start_run(db, "every-six-hours", pid=os.getpid())
    db.execute("UPDATE runs SET pid = ? WHERE id = ?", [2**22 + 7, run_id])  # its process is gone
    daemon.stop_left_over_crawls()
    assert db["runs"].get(run_id)["status"] == "interrupted"
    assert "marked 1 run(s) interrupted by an earlier crash" in caplog.text


def test_each_sources_newest_logs_are_kept_and_a_short_folder_is_left_whole(setup):
    daemon, tmp = setup
    daemon.config = dataclasses.replace(daemon.config, keep_logs=3)
    folder = tmp / "logs" / "every-six-hours"
    folder.mkdir(parents=True)
    names = [f"2024010{day}T000000000000-schedule.log" for day in range(1, 6)]
    for name in names[:2]:
        (folder / name).write_text("a crawl's log")
    daemon._rotate_logs(folder)
    assert sorted(p.name for p in folder.iterdir()) == names[:2]  # under the limit: all kept
    (folder / names[2]).write_text("a crawl's log")
    daemon._rotate_logs(folder)
    assert sorted(p.name for p in folder.iterdir()) == names[:3]  # at the limit: all kept
    for name in names[3:]:
        (folder / name).write_text("a crawl's log")
    (folder / "notes.txt").write_text("not a crawl log")
    daemon._rotate_logs(folder)
    assert sorted(p.name for p in folder.iterdir()) == [*names[2:], "notes.txt"]  # the newest three


def test_a_crawl_that_cannot_start_fails_its_run_with_the_reason_and_frees_its_slot(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.ERROR, "courtnews.daemon")
    # its log file cannot be opened (a name over the file system's 255-byte limit) after its run was created
    job = Job("every-six-hours", "crawl", "x" * 300)
    start_now(daemon, job)
    assert daemon.running == [] and not daemon.queue.running
    (run,) = open_archive(daemon.db_path)["runs"].rows
    assert run["status"] == "failed"
    assert run["reason"].startswith("the crawl could not start: [Errno 36] File name too long")
    assert caplog.records[0].getMessage().startswith("every-six-hours: the crawl could not start: [Errno 36]")


def test_a_crawl_whose_log_folder_cannot_be_made_frees_its_slot_and_the_daemon_goes_on(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.ERROR, "courtnews.daemon")
    (tmp / "logs").mkdir()
    (tmp / "logs" / "every-six-hours").write_text("a file where the source's log folder goes")
    job = Job("every-six-hours", "crawl", "schedule")
    start_now(daemon, job)  # no exception: the service loop goes on with the other sources
    assert daemon.running == [] and not daemon.queue.running
    assert caplog.records[0].getMessage().startswith("every-six-hours: the crawl could not start: [Errno 17]")
    assert open_archive(daemon.db_path)["runs"].count == 0  # nothing started, nothing to record


def test_a_crawl_whose_archive_cannot_be_opened_frees_its_slot_and_says_why(setup, caplog):
    daemon, tmp = setup
    caplog.set_level(logging.ERROR, "courtnews.daemon")
    daemon.db_path.write_bytes(b"not an archive")
    job = Job("every-six-hours", "crawl", "schedule")
    start_now(daemon, job)
    assert daemon.running == [] and not daemon.queue.running
    assert caplog.records[0].getMessage().startswith("every-six-hours: the crawl could not start: ")
    assert str(daemon.db_path) in caplog.records[0].getMessage()


# ---------------------------------------------------------------- revisits
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


def archive_pages(db, source: str, ages_in_hours: list[int]) -> None:
    run = start_run(db, source)
    for n, age in enumerate(ages_in_hours):  # first and last seen this many hours before T0
        seen = stamp(T0 - timedelta(hours=age))
        capture = Capture(
            url=f"https://{source}.example/{n}", source=source, status=200, raw=b"x", fetched_at=seen
        )
        record(db, run, capture, "article", ArticleFields(title=str(n), body="正文。"))


def test_due_pages_oldest_due_first_bounded_and_counted_per_source(tmp_path):
    db = open_archive(tmp_path / "a.db")
    archive_pages(db, "big", [2, 50, 10] + [3] * 40)
    archive_pages(db, "small", [5])
    due = due_pages(db, now=T0, limit=2, source="big")
    assert [row["url"] for row in due] == ["https://big.example/1", "https://big.example/2"]
    assert due_pages(db, now=T0 - timedelta(days=10)) == []
    # each source gets its own batch: the big one cannot starve the small one
    assert due_counts(db, now=T0) == {"big": 43, "small": 1}


def test_the_revisit_job_queues_one_revisit_per_source_with_due_articles(setup):
    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    archive_pages(db, "every-six-hours", [3])
    queued = daemon.revisit_due(now=T0)
    assert queued == ["every-six-hours"]
    assert list(daemon.queue.waiting) == [Job("every-six-hours", "revisit", "revisit")]


# ---------------------------------------------------------------- the lock
def test_a_second_daemon_on_the_same_archive_refuses(setup):
    daemon, tmp = setup
    assert lock_holder(daemon.db_path) is None
    with daemon_lock(daemon.db_path):
        assert lock_holder(daemon.db_path) == os.getpid()
        with pytest.raises(DaemonLocked, match=f"pid {os.getpid()}"), daemon_lock(daemon.db_path):
            pass
    assert lock_holder(daemon.db_path) is None  # released


def test_the_lock_is_made_with_the_archives_folder_when_neither_exists_yet(tmp_path):
    db_path = tmp_path / "var" / "lib" / "courtnews" / "archive.db"
    with daemon_lock(db_path):
        assert lock_holder(db_path) == os.getpid()


def test_a_lock_held_before_its_pid_is_written_still_shows_a_running_daemon(setup):
    daemon, tmp = setup
    with open(lock_path(daemon.db_path), "w") as held:  # locked, no pid yet (or the file emptied)
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert lock_holder(daemon.db_path) == -1  # held, by a pid nobody knows
        result = status_of(tmp)
    assert "daemon: running (pid not known)" in result.output and "not running" not in result.output


# ---------------------------------------------------------------- status, for monitoring
def status_of(tmp: Path, *more: str):
    args = ["status", "--db", str(tmp / "archive.db"), "--sources", str(tmp / "sources.toml"), *more]
    return CliRunner().invoke(main, args)  # .output has stdout and stderr, .stdout the report alone


def healthy(db, now: datetime) -> None:
    add_run(db, "every-six-hours", now - timedelta(hours=1))
    add_run(db, "cron-quarter-past", now - timedelta(hours=1))


def test_status_is_zero_when_all_is_well_and_lists_last_and_next_runs(setup):
    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    healthy(db, datetime.now(UTC))
    with daemon_lock(daemon.db_path):
        result = status_of(tmp)
        assert result.exit_code == 0, result.output
        assert f"daemon: running (pid {os.getpid()})" in result.output
        assert "crawl finished" in result.output
    as_json = json.loads(status_of(tmp, "--json", "--without-daemon").stdout)
    assert [s["source"] for s in as_json["sources"]] == ["every-six-hours", "cron-quarter-past"]
    assert as_json["problems"] == []


@pytest.mark.parametrize(
    ("trouble", "message"),
    [
        ("no-daemon", "daemon: not running"),
        ("failing", "every-six-hours: failing: its last 3 runs failed"),
        ("failed-revisits", "every-six-hours: failing: its last 3 runs failed"),
        ("overdue", "cron-quarter-past: overdue: last successful list crawl"),
        ("never-run", "cron-quarter-past: overdue: no successful list crawl yet"),
        ("stuck", "every-six-hours: stuck: run"),
    ],
)
def test_status_exits_one_for_each_kind_of_trouble(setup, trouble, message):
    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    now = datetime.now(UTC)
    healthy(db, now)
    if trouble == "failing":
        for hours in (0.6, 0.4, 0.2):
            add_run(db, "every-six-hours", now - timedelta(hours=hours), "failed", reason="HTTP 503")
    if trouble == "failed-revisits":
        for hours in (0.6, 0.4, 0.2):
            add_run(
                db,
                "every-six-hours",
                now - timedelta(hours=hours),
                "failed",
                kind="revisit",
                reason="all failed",
            )
    if trouble == "overdue":
        db.execute("DELETE FROM runs WHERE source = 'cron-quarter-past'")
        add_run(db, "cron-quarter-past", now - timedelta(hours=7))  # cadence 3 h: two slots missed
    if trouble == "never-run":
        db.execute("DELETE FROM runs WHERE source = 'cron-quarter-past'")
    if trouble == "stuck":
        add_run(
            db, "every-six-hours", now - timedelta(minutes=5), "running", pid=2**22 + 7
        )  # no such process
    with daemon_lock(daemon.db_path) if trouble != "no-daemon" else open(os.devnull):
        result = status_of(tmp)
    assert result.exit_code == 1
    assert message in result.output


def test_operator_stops_are_not_failures(setup):
    daemon, tmp = setup
    db = open_archive(tmp / "archive.db")
    now = datetime.now(UTC)
    healthy(db, now)
    add_run(db, "every-six-hours", now - timedelta(hours=0.5), "failed", reason="x")
    add_run(db, "every-six-hours", now - timedelta(hours=0.4), "failed", reason="x")
    add_run(db, "every-six-hours", now - timedelta(hours=0.3), "stopped", reason="stopped by a signal")
    assert status_of(tmp, "--without-daemon").exit_code == 0  # two failures and a stop: not three failures
    assert status_of(tmp, "--without-daemon", "--fail-after", "2").exit_code == 1


class Unkillable(ChildProcess):
    """A crawl the kernel will not let go: a process in uninterruptible sleep (a hung NFS read, a dying
    disk) ignores even SIGKILL. No test can put a process there, so this one's SIGKILL never reaches it
    (and it ignores SIGTERM): everything else, its process and its run, is real."""

    def kill(self) -> None:
        pass


def test_shutdown_waits_a_bounded_time_for_a_crawl_sigkill_cannot_end(setup, caplog):
    from crawler.service import daemon as service

    daemon, tmp = setup
    caplog.set_level(logging.INFO, "courtnews.daemon")
    daemon.config = dataclasses.replace(daemon.config, grace_period=1)
    log = tmp / "crawl.log"
    process = Unkillable([sys.executable, "-c", IGNORES_SIGTERM], tmp, log_file=log).start()
    try:
        assert wait_for(lambda: log.exists() and "up" in log.read_text(), 30)
        run_id = watched(daemon, process)
        daemon.shutdown()  # returns: SIGTERM ignored, SIGKILL without effect, then KILL_WAIT and no more
        assert process.poll() is None and daemon.running == []
    finally:
        ChildProcess.kill(process)
        process.wait()
    run = open_archive(daemon.db_path)["runs"].get(run_id)
    assert run["status"] == "interrupted"  # its process may live on: it did not stop, it was abandoned
    assert f"did not end {service.KILL_WAIT:.0f} s after SIGKILL" in caplog.text
    assert "courtnews daemon stopped" in caplog.text
