"""The daemon owns its children: a crawl over its time limit is stopped (SIGTERM, then SIGKILL after the
grace period when it does not stop), a SIGTERM to the daemon stops its crawls as `stopped` runs, crawls die
with a daemon killed by SIGKILL, and crawls a dead daemon left behind are stopped by the next one."""

from __future__ import annotations

import json
import signal
import time

from crawler.crawling.process import crawl_process
from tests.conftest import TEST_SETTINGS, crawl_env, slow_pages, write_sources
from tests.daemon_process import FAST_DAEMON, crawl_processes, runs, start_daemon, wait_for

SLOW = {"/zixun/xiangqing/1004.html": {"delay": 120}}  # one article that never answers in time


def slow_site(site_factory, tmp_path, crawl_timeout: str = "1m"):
    site = site_factory("court-gov-cn")
    site.path("_routes.json").write_text(json.dumps(SLOW))
    sources = write_sources(tmp_path / "sources.toml", site)
    sources.write_text(
        FAST_DAEMON.format(max_concurrent=2, crawl_timeout=crawl_timeout) + sources.read_text()
    )
    return site, sources


def running_crawl(db) -> bool:
    return any(r["status"] == "running" for r in runs(db)) and bool(crawl_processes(db))


def test_a_crawl_over_its_time_that_ignores_sigterm_is_killed_and_recorded_failed(site_factory, tmp_path):
    # Scrapy answers SIGTERM by waiting for downloads in flight: the slow article holds it past the grace
    _, sources = slow_site(site_factory, tmp_path, crawl_timeout="10s")
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: any(r["status"] == "failed" for r in runs(daemon.db)), 60), daemon.output()[
            -3000:
        ]
    finally:
        daemon.stop()
    run = [r for r in runs(daemon.db) if r["status"] == "failed"][0]
    assert run["reason"] == "stopped after the 10 s crawl timeout"
    assert run["exit_code"] == -signal.SIGKILL and run["log_file"]  # SIGTERM was not enough: killed
    assert not crawl_processes(daemon.db)


def test_sigterm_to_the_daemon_stops_its_crawls_as_stopped_runs(site_factory, tmp_path):
    _, sources = slow_site(site_factory, tmp_path)
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: running_crawl(daemon.db)), daemon.output()[-3000:]
        time.sleep(1)
    finally:
        assert daemon.stop() == 0
    recorded = runs(daemon.db)
    assert [r["status"] for r in recorded] == ["stopped"], recorded
    assert recorded[0]["reason"] in ("stopped: the daemon was shutting down", "stopped by a signal (an operator, or "
                                     "the daemon shutting down)")  # fmt: skip
    assert recorded[0]["exit_code"] is not None and not crawl_processes(daemon.db)


def test_crawls_die_with_a_daemon_killed_by_sigkill(site_factory, tmp_path):
    _, sources = slow_site(site_factory, tmp_path)
    daemon = start_daemon(tmp_path, sources)
    assert wait_for(lambda: running_crawl(daemon.db)), daemon.output()[-3000:]
    children = crawl_processes(daemon.db)
    daemon.stop(signal.SIGKILL)
    assert wait_for(lambda: not crawl_processes(daemon.db), 45), f"left running: {crawl_processes(daemon.db)}"
    assert children  # there were crawl processes (and workers) to stop
    run = runs(daemon.db)[0]
    # the crawl saw its daemon go and closed its own run; were it killed instead, the next daemon marks it
    assert run["status"] in ("stopped", "running"), run
    if run["status"] == "stopped":
        assert run["reason"] == "stopped: the daemon that started it ended"
    again = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: len(runs(again.db)) >= 2)
        assert runs(again.db)[0]["status"] in ("stopped", "interrupted")
    finally:
        again.stop()


def daemon_after_a_left_over_crawl(tmp_path, sources):
    """A crawl that does not watch its parent, as one left by a daemon that died before it could stop it,
    then the next daemon, stopped once the left-over crawl has ended and its run is closed; (crawl, daemon)."""
    db = tmp_path / "archive.db"
    left = crawl_process("court-gov-cn", db, sources, settings=dict(TEST_SETTINGS, DOWNLOAD_TIMEOUT="120"),
                         log_file=tmp_path / "left.log", env=crawl_env()).start()  # fmt: skip
    assert wait_for(lambda: running_crawl(db)), (tmp_path / "left.log").read_text()[-2000:]
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: left.poll() is not None, 60), "the left-over crawl still runs"
        assert wait_for(lambda: runs(db)[0]["status"] != "running", 30)
    finally:
        daemon.stop()
    return left, daemon


def test_the_next_daemon_stops_crawls_a_dead_daemon_left_behind(site_factory, tmp_path):
    site, sources = slow_site(site_factory, tmp_path)
    # every page slow, none hanging: the left-over crawl can stop in its grace period
    slow_pages(site.root, 1.0)
    _, daemon = daemon_after_a_left_over_crawl(tmp_path, sources)
    assert wait_for(lambda: "left by an earlier daemon" in daemon.output())
    left_run = runs(daemon.db)[0]
    # asked first (SIGTERM), it closed its own run within the grace period: no kill was needed
    assert left_run["status"] == "stopped", dict(left_run)
    assert left_run["reason"].startswith("stopped by a signal")


def test_the_next_daemon_kills_a_left_over_crawl_that_does_not_stop_in_its_grace_period(
    site_factory, tmp_path
):
    _, sources = slow_site(site_factory, tmp_path)  # one article never answers: the crawl cannot close
    left, daemon = daemon_after_a_left_over_crawl(tmp_path, sources)
    assert left.poll() == -signal.SIGKILL  # asked with SIGTERM first; killed once its grace period was over
    left_run = runs(daemon.db)[0]
    assert left_run["status"] == "interrupted", dict(left_run)
    assert left_run["reason"].startswith("stopped when the daemon started: an earlier daemon left it running")
