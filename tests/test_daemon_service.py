"""The real daemon, started from another folder, through many short cycles: it crawls, revisits (edits and
removals become versions), never runs two crawls of one source or more than max_concurrent at once,
records every run's outcome, exit code and log, rotates logs, sleeps while idle, and stops cleanly on
SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from archive import open_archive
from archive.runs import finish_run, start_run
from tests.conftest import write_sources
from tests.daemon_process import FAST_DAEMON, query, runs, start_daemon, wait_for


def kinds_of(db: Path, name: str) -> list[str]:
    rows = query(
        db,
        "SELECT v.kind FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE ? ORDER BY v.version",
        (f"%/{name}",),
    )
    return [r["kind"] for r in rows]


def test_the_daemon_crawls_revisits_and_stops_cleanly_from_another_folder(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "sources.toml", site)
    text = sources.read_text("utf-8").replace('schedule = "1h"', 'schedule = "3s"')
    sources.write_text(
        FAST_DAEMON.format(max_concurrent=2, crawl_timeout="1m") + "keep_logs = 3\n" + text, "utf-8"
    )
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    try:
        assert wait_for(lambda: any(r["status"] == "finished" for r in runs(db))), daemon.output()[-3000:]
        second = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "daemon", "--db", str(db), "--sources", str(sources)],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        assert second.returncode == 1 and "already running" in second.stderr
        edited = site.path("zixun/xiangqing/1002.html")
        edited.write_text(edited.read_text("utf-8").replace("平稳有序运行", "安全平稳有序运行"), "utf-8")
        site.path("zixun/xiangqing/1003.html").unlink()
        listing = site.path("zixun/gengduo/24_2.html")
        listing.write_text(
            listing.read_text("utf-8").replace("/zixun/xiangqing/1003.html", "/gone.html"), "utf-8"
        )
        assert wait_for(lambda: kinds_of(db, "1002.html") == ["first", "changed"]), kinds_of(db, "1002.html")
        assert wait_for(lambda: kinds_of(db, "1003.html") == ["first", "removed"]), kinds_of(db, "1003.html")
        assert wait_for(lambda: len(runs(db)) >= 6)
    finally:
        code = daemon.stop()
    output = daemon.output()
    assert code == 0, output[-3000:]
    assert "courtnews daemon stopped" in output and "Traceback" not in output
    recorded = runs(db)
    assert {r["trigger"] for r in recorded} >= {"catch-up", "revisit", "schedule"}
    assert {r["kind"] for r in recorded} == {"crawl", "revisit"}
    # every run has its outcome: finished (or stopped by the shutdown), an exit code and a log file
    assert all(r["status"] in ("finished", "stopped") for r in recorded), json.dumps(recorded, indent=1)
    # a crawl stopped while starting may die of the SIGTERM itself (-15) before Scrapy can close it (3)
    assert all(r["exit_code"] in {"finished": (0,), "stopped": (3, -15)}[r["status"]] for r in recorded)
    assert any(r["kind"] == "revisit" and r["removed"] == 1 for r in recorded)
    # never two crawls of one source at once
    for earlier, later in zip(recorded, recorded[1:], strict=False):
        assert later["started_at"] >= earlier["finished_at"], json.dumps([earlier, later])
    # each run's log line in the daemon's output gives its status and counts
    assert f"run {recorded[0]['id']} finished (exit 0)" in output and "captures" in output
    assert "next run" in output and "CST" in output
    # logs rotated: the newest 3 kept
    logs = sorted((tmp_path / "logs" / "court-gov-cn").glob("*.log"))
    assert len(logs) == 3 and all(Path(r["log_file"]).exists() for r in recorded[-3:])


def test_never_more_than_max_concurrent_crawls(site_factory, tmp_path):
    sites = [site_factory(slug) for slug in ("court-gov-cn", "chinacourt-org", "gov-county")]
    sources = write_sources(tmp_path / "sources.toml", *sites)
    sources.write_text(FAST_DAEMON.format(max_concurrent=1, crawl_timeout="1m") + sources.read_text("utf-8"))
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: len([r for r in runs(daemon.db) if r["status"] == "finished"]) >= 3, 90)
    finally:
        assert daemon.stop() == 0, daemon.output()[-3000:]
    recorded = sorted(runs(daemon.db), key=lambda r: r["started_at"])
    for earlier, later in zip(recorded, recorded[1:], strict=False):
        assert later["started_at"] >= earlier["finished_at"], "two crawls ran at once with max_concurrent = 1"


def test_sighup_reloads_the_sources_and_keeps_them_when_the_file_is_broken(site_factory, tmp_path):
    first, added = site_factory("court-gov-cn"), site_factory("chinacourt-org")
    sources = tmp_path / "sources.toml"
    header = FAST_DAEMON.format(max_concurrent=2, crawl_timeout="1m")
    sources.write_text(header + first.source_entry())
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: any(r["source"] == "court-gov-cn" for r in runs(daemon.db)))
        sources.write_text("[[source]\nbroken")
        daemon.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "was not reloaded" in daemon.output())
        sources.write_text(header + first.source_entry() + added.source_entry())
        daemon.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: any(r["source"] == "chinacourt-org" for r in runs(daemon.db))), (
            daemon.output()
        )
        assert daemon.process.poll() is None  # SIGHUP did not end it
    finally:
        assert daemon.stop() == 0
    assert "SIGHUP: reloaded" in daemon.output()


def cpu_seconds(pid: int) -> float:
    """The CPU time a process itself has used (user + system, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_an_idle_daemon_sleeps_between_ticks(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    idle = FAST_DAEMON.format(max_concurrent=2, crawl_timeout="1m").replace(
        'revisit_every = "2s"', 'revisit_every = "1h"'
    )
    sources.write_text(idle + site.source_entry())
    db = open_archive(tmp_path / "archive.db")
    finish_run(db, start_run(db, "court-gov-cn"), "finished")  # crawled just now: nothing is due
    db.close()
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: "job revisit every" in daemon.output()), daemon.output()
        time.sleep(1)
        before = cpu_seconds(daemon.process.pid)
        time.sleep(3)
        used = cpu_seconds(daemon.process.pid) - before
        # a loop that spins instead of waiting for its next tick burns a core (3 s here, or most of it)
        assert used < 0.3, f"the idle daemon used {used:.2f} s of CPU in 3 s"
        assert runs(daemon.db)[-1]["source"] == "court-gov-cn" and len(runs(daemon.db)) == 1  # it stayed idle
    finally:
        assert daemon.stop() == 0
