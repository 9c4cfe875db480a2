"""How the real daemon ends its crawls, path by path, with a crawl that is still busy (every article of a
generated court site answers after a second): a shutdown and a timeout first ask the crawl to stop
(SIGTERM), so it closes its own run (exit 3) within the grace period instead of being killed; a crawl killed
by a signal from outside is recorded `interrupted` with that signal; a crawl that dies before closing its
run (here: the sources file broke under it) is recorded `failed` with its exit code and log, and the daemon
goes on."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from tests.daemon_process import crawl_processes, runs, start_daemon, wait_for
from tests.generated_sites import court_sites

ARTICLES = 40


def daemon_config(*, grace: str = "60s", timeout: str = "10m") -> str:
    return f"""[daemon]
jitter = 0
revisit_every = "1h"
catch_up_delay = "1s"
min_cadence = "1s"
grace_period = "{grace}"
max_concurrent = 1
crawl_timeout = "{timeout}"
"""


def busy_site(tmp_path: Path, schedule: str = "1h", articles: int = ARTICLES, **config: str):
    """A generated court site whose every article answers after a second: a crawl of it is busy for
    articles / 2 seconds (two requests at a time), and stops within a second or two when asked to."""
    servers, sources = court_sites(tmp_path, [articles])
    root = servers[0].root
    slow = {
        "/" + str(page.relative_to(root)): {"delay": 1}
        for page in root.rglob("*.html")
        if "gengduo" not in page.parts and page.name != "index.html"
    }
    assert len(slow) >= articles, sorted(slow)[:5]
    (root / "_routes.json").write_text(json.dumps(slow))
    sources.write_text(
        daemon_config(**config) + sources.read_text("utf-8") + f'schedule = "{schedule}"\n', "utf-8"
    )
    return servers, sources


def busy(db: Path) -> bool:
    """A crawl is running and has stored at least one article (Scrapy is up, its signal handlers set)."""
    return any(r["status"] == "running" and r["captures"] for r in runs(db)) and bool(crawl_processes(db))


def test_a_shutdown_asks_running_crawls_to_stop_and_they_close_their_own_runs(tmp_path):
    servers, sources = busy_site(tmp_path, grace="60s")
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: busy(daemon.db), 90), daemon.output()[-3000:]
    finally:
        code = daemon.stop(timeout=120)
        for server in servers:
            server.stop()
    assert code == 0, daemon.output()[-3000:]
    [run] = runs(daemon.db)
    # SIGTERM reached the crawl: it closed its run itself (exit 3) long before the grace period ran out;
    # without it the crawl would have run to the end ("finished") or been killed (-9)
    assert (run["status"], run["exit_code"]) == ("stopped", 3), run
    assert run["reason"] == "stopped by a signal (an operator, or the daemon shutting down)"
    assert 0 < run["captures"] < ARTICLES
    assert not crawl_processes(daemon.db)


def test_a_crawl_over_its_time_is_asked_to_stop_before_it_is_killed(tmp_path):
    """The timeout sends SIGTERM and waits the grace period: a crawl that honours it exits on its own (3).
    The timeout leaves the crawl time to start on a busy machine (SIGTERM before Scrapy is up kills it
    outright); the crawl, a minute long, is still busy when it comes."""
    servers, sources = busy_site(tmp_path, articles=3 * ARTICLES, grace="60s", timeout="25s")
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: runs(daemon.db) and runs(daemon.db)[0]["exit_code"] is not None, 120), (
            daemon.output()[-3000:]
        )
    finally:
        daemon.stop(timeout=120)
        for server in servers:
            server.stop()
    run = runs(daemon.db)[0]
    assert (run["status"], run["exit_code"]) == ("stopped", 3), run
    assert 0 < run["captures"] < 3 * ARTICLES


def test_a_crawl_killed_from_outside_is_recorded_interrupted_with_the_signal(tmp_path):
    servers, sources = busy_site(tmp_path)
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: busy(daemon.db), 90), daemon.output()[-3000:]
        crawl = next(r for r in runs(daemon.db) if r["status"] == "running")
        os.killpg(crawl["pid"], signal.SIGKILL)  # the crawl's process group: it and its workers
        assert wait_for(lambda: runs(daemon.db)[0]["status"] != "running", 30), daemon.output()[-3000:]
        assert daemon.process.poll() is None  # the daemon carries on
    finally:
        code = daemon.stop(timeout=120)
        for server in servers:
            server.stop()
    assert code == 0
    run = runs(daemon.db)[0]
    assert (run["status"], run["exit_code"]) == ("interrupted", -signal.SIGKILL), run
    assert run["reason"] == "the crawl process was killed by signal 9"
    assert run["log_file"] and Path(run["log_file"]).exists()


def test_a_crawl_that_dies_before_closing_its_run_is_recorded_failed_with_its_exit_code(
    site_factory, tmp_path
):
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    sources.write_text(daemon_config() + site.source_entry().replace('schedule = "1h"', 'schedule = "2s"'))
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: any(r["status"] == "finished" for r in runs(daemon.db)), 90), daemon.output()[
            -3000:
        ]
        # the file breaks under the daemon (no SIGHUP): the next crawl dies while loading it
        sources.write_text("[[source]\nbroken", "utf-8")
        assert wait_for(lambda: any(r["status"] == "failed" for r in runs(daemon.db)), 60), daemon.output()[
            -3000:
        ]
        assert daemon.process.poll() is None
    finally:
        code = daemon.stop(timeout=120)
    assert code == 0
    failed = next(r for r in runs(daemon.db) if r["status"] == "failed")
    assert failed["exit_code"] is not None and failed["exit_code"] > 0, failed
    assert failed["reason"] == (
        f"the crawl process exited with {failed['exit_code']} before closing its run; see {failed['log_file']}"
    )
    assert failed["captures"] == 0 and failed["finished_at"]
    assert "sources" in Path(failed["log_file"]).read_text("utf-8", "replace").lower()
