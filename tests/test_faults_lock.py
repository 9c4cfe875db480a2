"""A process holding the archive's write lock for 45 s: the crawl waits its turn and loses nothing."""

from __future__ import annotations

import subprocess
import sys
import time

import sqlite_utils

from tests.generated_sites import assert_sound, court_sites, start_crawl


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
