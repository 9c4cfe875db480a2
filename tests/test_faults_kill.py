"""kill -9 at random moments: the archive is never left broken, and killed crawls leave no workers.\n\n`make soak` runs 200 loops instead of 20 (COURTNEWS_SOAK=1)."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import sqlite_utils

from tests.generated_sites import assert_sound, court_sites, pool_workers, start_crawl

SOAK = os.environ.get("COURTNEWS_SOAK") == "1"
KILL_LOOPS = 200 if SOAK else 20


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
            # every other loop: kill it at a random moment once at work (its extraction worker running);
            # the others at a random moment from its start (while it creates the archive, reads the list …)
            deadline = time.monotonic() + 30
            while (
                loop % 2
                and not pool_workers(crawl.pid)
                and crawl.poll() is None
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 2.0) if loop % 2 else rng.uniform(0.3, 4.0))
            workers += pool_workers(crawl.pid)
            os.kill(crawl.pid, signal.SIGKILL)  # the crawl process only: its workers must go by themselves
            crawl.wait()
            if db.exists():  # killed before it created the archive: nothing to check yet
                assert_sound(db)
        # the next crawl marks the killed runs interrupted and completes the archive
        final = start_crawl("court-0", db, sources, log=tmp_path / "final.log")
        assert final.wait(timeout=300) == 0, (tmp_path / "final.log").read_text("utf-8", "replace")[-3000:]
    finally:
        for server in servers:
            server.stop()
    time.sleep(1.5)
    assert workers, "no loop killed a crawl whose extraction worker was running"
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "orphaned pool workers"
    archive = sqlite_utils.Database(db)
    statuses = [r["status"] for r in archive.query("SELECT status FROM runs ORDER BY id")]
    assert statuses[-1] == "finished" and "running" not in statuses
    assert (
        archive.execute("SELECT COUNT(*) FROM pages WHERE current_version IS NOT NULL").fetchone()[0] == 200
    )
    assert_sound(db)
