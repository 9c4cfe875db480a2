"""A crawl killed mid-way leaves a consistent archive; the next run marks it interrupted and carries on."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time

from crawler.crawling.process import crawl_process
from tests.conftest import TEST_SETTINGS, crawl_env, write_sources


def test_kill_minus_nine_mid_crawl(site_factory, tmp_path, crawl):
    site = site_factory("court-gov-cn")
    # one article answers slowly, so the crawl is surely still running when it is killed
    site.path("_routes.json").write_text(json.dumps({"/zixun/xiangqing/1004.html": {"delay": 30}}))
    db_path = tmp_path / "archive.db"
    sources = write_sources(tmp_path / "sources.toml", site)
    process = crawl_process(
        "court-gov-cn",
        db_path,
        sources,
        settings={**TEST_SETTINGS, "DOWNLOAD_TIMEOUT": "60"},
        env=crawl_env(),
    )
    proc = subprocess.Popen(
        process.command,
        cwd=process.cwd,
        env=process.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if db_path.exists():
                try:
                    with sqlite3.connect(db_path, timeout=5) as conn:
                        if conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0] >= 3:
                            break
                except sqlite3.OperationalError:
                    continue  # schema not created yet
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every version points at a capture with stored bytes: nothing half-written
    orphans = conn.execute(
        "SELECT COUNT(*) FROM versions v LEFT JOIN captures c ON c.id = v.capture_id "
        "LEFT JOIN blobs b ON b.digest = c.digest WHERE b.digest IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]
    conn.close()
    site.path("_routes.json").unlink()
    crawl(site)
    conn = sqlite3.connect(db_path)
    assert [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY id")] == ["interrupted", "finished"]
    assert conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 4
