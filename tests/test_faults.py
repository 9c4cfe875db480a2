"""Faults an archive meets in production, with real processes on a real SQLite file: several crawls writing at
once, a process holding the write lock, kill -9 at random moments, a full disk. Nothing is lost, nothing is
half-written, and a run that could not store a fetch says so.

`make soak` runs the same tests with more iterations (COURTNEWS_SOAK=1)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils

from archive.db import open_reader
from tests.generated_sites import assert_sound, court_sites, pool_workers, start_crawl

SOAK = os.environ.get("COURTNEWS_SOAK") == "1"
KILL_LOOPS = 200 if SOAK else 20


@pytest.mark.parametrize("crawls", [2, 3])
def test_concurrent_crawls_into_one_new_archive_lose_nothing(tmp_path, crawls):
    sizes = [600 // crawls] * crawls
    servers, sources = court_sites(tmp_path, sizes)
    db = tmp_path / "archive.db"  # does not exist yet: every crawl races to create it
    try:
        procs = [
            start_crawl(f"court-{i}", db, sources, log=tmp_path / f"crawl-{i}.log") for i in range(crawls)
        ]
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for server in servers:
            server.stop()
    logs = [(tmp_path / f"crawl-{i}.log").read_text("utf-8", "replace") for i in range(crawls)]
    assert codes == [0] * crawls, "\n".join(log[-2000:] for log in logs)
    archive = sqlite_utils.Database(db)
    runs = list(archive.query("SELECT source, status, captures, unstored FROM runs ORDER BY source"))
    assert [(r["status"], r["captures"], r["unstored"]) for r in runs] == [("finished", n, 0) for n in sizes]
    assert archive["captures"].count == 600  # every fetch is a capture
    assert archive.execute("SELECT COUNT(*) FROM pages WHERE current_version = 1").fetchone()[0] == 600
    assert_sound(db)


def test_a_process_holding_the_write_lock_for_45_s_costs_no_fetch(tmp_path):
    servers, sources = court_sites(tmp_path, [100])
    db = tmp_path / "archive.db"
    from archive.db import open_archive

    open_archive(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sqlite3, sys, time\n"
                f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
                "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(45); c.execute('COMMIT')\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        crawl = start_crawl("court-0", db, sources, log=tmp_path / "crawl.log")
        code = crawl.wait(timeout=400)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        for server in servers:
            server.stop()
    log = (tmp_path / "crawl.log").read_text("utf-8", "replace")
    assert code == 0, log[-3000:]
    assert waited > 30  # it really had to wait for the lock
    run = list(sqlite_utils.Database(db).query("SELECT status, captures, unstored FROM runs"))
    assert run == [{"status": "finished", "captures": 100, "unstored": 0}]
    assert_sound(db)


def test_kill_9_at_random_moments_never_leaves_a_broken_archive(tmp_path):
    servers, sources = court_sites(tmp_path, [200])
    db = tmp_path / "archive.db"
    rng = random.Random(20261125)
    workers: list[int] = []
    try:
        for loop in range(KILL_LOOPS):
            crawl = start_crawl(
                "court-0", db, sources, log=tmp_path / f"kill-{loop}.log", EXTRACT_WORKERS="1"
            )
            time.sleep(rng.uniform(0.3, 3.0))
            workers += pool_workers(crawl.pid)
            os.kill(crawl.pid, signal.SIGKILL)  # the crawl process only: its workers must go by themselves
            crawl.wait()
            assert_sound(db)
        # the next crawl marks the killed runs interrupted and completes the archive
        final = start_crawl("court-0", db, sources, log=tmp_path / "final.log")
        assert final.wait(timeout=300) == 0, (tmp_path / "final.log").read_text("utf-8", "replace")[-3000:]
    finally:
        for server in servers:
            server.stop()
    time.sleep(1.5)
    assert workers and not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "orphaned pool workers"
    archive = sqlite_utils.Database(db)
    statuses = [r["status"] for r in archive.query("SELECT status FROM runs ORDER BY id")]
    assert statuses[-1] == "finished" and "running" not in statuses
    assert (
        archive.execute("SELECT COUNT(*) FROM pages WHERE current_version IS NOT NULL").fetchone()[0] == 200
    )
    assert_sound(db)


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.decode().strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_the_crawl_at_once_failed_with_its_reason(tmp_path, small_disk):
    servers, sources = court_sites(tmp_path, [400])
    db = small_disk / "archive.db"
    try:
        crawl = start_crawl("court-0", db, sources, log=tmp_path / "crawl.log")
        code = crawl.wait(timeout=300)
    finally:
        for server in servers:
            server.stop()
    log = (tmp_path / "crawl.log").read_text("utf-8", "replace")
    assert code == 1, log[-3000:]
    run = list(open_reader(db).query("SELECT status, reason, captures, unstored FROM runs"))[0]
    assert run["status"] == "failed" and "disk is full" in run["reason"], run
    assert 0 < run["captures"] < 400 and run["unstored"] > 0
    # it stopped at once: far fewer fetches than the site has, and a log of bounded size
    assert log.count("not stored") == run["unstored"] and len(log) < 400_000
    assert_sound(db)
