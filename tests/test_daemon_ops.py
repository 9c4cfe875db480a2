"""What an operator's test of the real daemon found (issue 32), each held by the real daemon and real crawl
processes: runs are owned from their creation (two crawls started together never interrupt each other, nor
does a manual crawl); SIGHUP keeps the next fire time of every unchanged job; the daemon records the sources
file and the jobs' fire times it runs with, and `courtnews status` reports those; catch-ups wait
``catch_up_delay``; COURTNEWS_LOG_LEVEL is obeyed and failed runs are WARNING."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from tests.conftest import crawl_env
from tests.daemon_process import FAST_DAEMON, crawl_processes, query, runs, start_daemon, wait_for


def entry(site, slug: str | None = None, schedule: str | None = None) -> str:
    """The site's sources entry, under another slug (one fixture site, several sources) or cadence."""
    text = site.source_entry()
    if slug:
        text = text.replace(f'slug = "{site.slug}"', f'slug = "{slug}"')
    if schedule:
        text = text.replace('schedule = "1h"', f'schedule = "{schedule}"')
    return text


def closed(db: Path) -> list[dict]:
    return [r for r in runs(db) if r["status"] != "running"]


def jobs_of(db: Path) -> dict[str, str | None]:
    rows = query(db, "SELECT name, value FROM daemon_state WHERE name LIKE 'job:%'")
    return {r["name"].removeprefix("job:"): r["value"] for r in rows}


def fires(db: Path, job: str) -> datetime:
    value = jobs_of(db)[job]
    assert value is not None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# ---------------------------------------------------------------- a run is owned from its creation
def test_two_sources_due_in_the_same_tick_never_interrupt_each_other(site_factory, tmp_path):
    """Both sources fire together every 2 s: each start's sweep of dead runs must leave the other's fresh
    run (created, not yet claimed by its crawl) alone."""
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    sources.write_text(
        FAST_DAEMON.format(max_concurrent=2, crawl_timeout="1m").replace('"2s"', '"1h"')
        + entry(site, "first", "2s")
        + entry(site, "second", "2s"),
        "utf-8",
    )
    daemon = start_daemon(tmp_path, sources)
    try:
        assert wait_for(lambda: len(closed(daemon.db)) >= 20, 400), daemon.output()[-3000:]
    finally:
        assert daemon.stop() == 0
    recorded = closed(daemon.db)
    started_together = {r["started_at"][:19] for r in recorded if r["source"] == "first"} & {
        r["started_at"][:19] for r in recorded if r["source"] == "second"
    }
    assert started_together, "the two sources never started in the same second: the test proves nothing"
    assert [r for r in recorded if r["status"] == "interrupted"] == []
    assert {r["status"] for r in recorded} <= {"finished", "stopped"}, json.dumps(recorded, indent=1)
    assert {r["claim_token"] for r in recorded if r["status"] == "finished"} == {
        None
    }  # each crawl claimed its run


def test_a_manual_crawl_started_while_the_daemons_crawl_has_not_claimed_its_run_interrupts_nothing(
    site_factory, tmp_path
):
    site = site_factory("court-gov-cn")
    sources, by_hand = tmp_path / "sources.toml", tmp_path / "by-hand.toml"
    header = FAST_DAEMON.format(max_concurrent=2, crawl_timeout="2m").replace('"2s"', '"1h"')
    sources.write_text(header + entry(site, "scheduled", "3s"), "utf-8")
    by_hand.write_text(entry(site, "by-hand"), "utf-8")  # the daemon does not schedule this one
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    held: int | None = None
    try:
        # catch the daemon's crawl before it claims its run, and hold it there (SIGSTOP): the window in
        # which a manual crawl's sweep used to mark that run interrupted, kept open as long as we need
        deadline = time.monotonic() + 120
        while held is None and time.monotonic() < deadline:
            unclaimed = query(
                db,
                "SELECT id FROM runs WHERE source = 'scheduled' AND status = 'running' AND claim_token IS NOT NULL",
            )
            pids = crawl_processes(db)  # the daemon's crawl (its extraction worker starts after its claim)
            if unclaimed and len(pids) == 1:
                os.killpg(pids[0], signal.SIGSTOP)
                if query(
                    db, "SELECT 1 FROM runs WHERE id = ? AND claim_token IS NOT NULL", (unclaimed[0]["id"],)
                ):
                    held, run_id = pids[0], unclaimed[0]["id"]
                else:
                    os.killpg(pids[0], signal.SIGCONT)  # it claimed meanwhile: try the next one
            time.sleep(0.05)
        assert held is not None, daemon.output()[-3000:]
        manual = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "crawl", "by-hand", "--db", str(db), "--sources", str(by_hand)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
            env={**crawl_env(), "COURTNEWS_DOWNLOAD_DELAY": "0", "COURTNEWS_EXTRACT_WORKERS": "1"},
        )  # fmt: skip
        assert manual.returncode == 0, manual.stderr[-2000:]
        os.killpg(held, signal.SIGCONT)
        held = None
        assert wait_for(
            lambda: query(db, "SELECT 1 FROM runs WHERE id = ? AND status != 'running'", (run_id,))
        )
    finally:
        if held is not None:
            os.killpg(held, signal.SIGCONT)
        assert daemon.stop() == 0
    recorded = runs(db)
    assert [r for r in recorded if r["status"] == "interrupted"] == [], json.dumps(recorded, indent=1)
    assert next(r for r in recorded if r["id"] == run_id)["status"] == "finished"


# ---------------------------------------------------------------- SIGHUP changes only what changed
def test_sighup_keeps_each_unchanged_jobs_next_fire_time_and_changes_only_what_changed(
    site_factory, tmp_path
):
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    header = FAST_DAEMON.format(max_concurrent=1, crawl_timeout="1m").replace('"2s"', '"1h"')
    header = header.replace('catch_up_delay = "1s"', 'catch_up_delay = "1h"')  # catch-ups spread over 1 h
    sources.write_text(
        header + entry(site, "kept", "1h") + entry(site, "changed", "1h") + entry(site, "dropped", "2h")
    )
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    try:
        assert wait_for(lambda: {"crawl:kept", "crawl:changed", "crawl:dropped"} <= set(jobs_of(db))), (
            daemon.output()[-3000:]
        )
        before = jobs_of(db)
        time.sleep(2.5)  # a fresh trigger would now fire at least 2 s later than the one it replaced
        sources.write_text(
            header + entry(site, "kept", "1h") + entry(site, "changed", "30m") + entry(site, "added", "1h")
        )
        daemon.process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "crawl:added" in jobs_of(db)), daemon.output()[-3000:]
        after = jobs_of(db)
    finally:
        assert daemon.stop() == 0
    for job in ("crawl:kept", "revisit", "maintenance"):
        assert after[job] == before[job], (job, before, after)
    assert after["crawl:changed"] != before["crawl:changed"]
    changed = datetime.fromisoformat(after["crawl:changed"].replace("Z", "+00:00"))  # type: ignore[union-attr]
    assert changed < datetime.fromisoformat(before["crawl:changed"].replace("Z", "+00:00"))  # type: ignore[union-attr]
    assert "crawl:dropped" not in after and "catch-up:dropped" not in after
    reloaded = next(line for line in daemon.output().splitlines() if "SIGHUP: reloaded" in line)
    assert "changed ['crawl:changed']" in reloaded and "'crawl:dropped'" in reloaded, reloaded


# ---------------------------------------------------------------- status reports what the daemon runs with
def status(db: Path, *more: str, env: dict[str, str] | None = None):
    clean = {k: None for k in os.environ if k.startswith("COURTNEWS_")}
    return CliRunner().invoke(main, ["status", "--db", str(db), *more], env={**clean, **(env or {})})


def test_status_reads_the_daemons_sources_file_and_its_real_next_fire_times(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    sources = tmp_path / "elsewhere-sources.toml"
    header = FAST_DAEMON.format(max_concurrent=1, crawl_timeout="1m").replace('"2s"', '"1h"')
    header = header.replace('catch_up_delay = "1s"', 'catch_up_delay = "2h"')
    sources.write_text(header + entry(site, "mine", "5m"), "utf-8")
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    try:
        assert wait_for(lambda: "crawl:mine" in jobs_of(db)), daemon.output()[-3000:]
        shown = status(db, "--json")
        report = json.loads(shown.stdout)
        assert report["daemon"] == {"running": True, "pid": daemon.process.pid}
        assert report["sources_file"] == {
            "path": str(sources.resolve()),
            "origin": "daemon",
            "changed_since_daemon_read_it": False,
        }
        (row,) = report["sources"]
        assert row["source"] == "mine" and row["next_run_from"] == "daemon"
        # the job's own next fire time (its 5 min interval, from the daemon's start), not now + 5 min
        assert datetime.fromisoformat(row["next_run"]) == fires(db, "crawl:mine")
        assert row["next_run_overdue"] is False
        assert "(the daemon's, unchanged)" in status(db).stdout
        other = tmp_path / "other.toml"
        other.write_text(entry(site, "other", "1h"), "utf-8")
        origin = {  # the daemon's file wins over $COURTNEWS_SOURCES; --sources over both
            "env": json.loads(status(db, "--json", env={"COURTNEWS_SOURCES": str(other)}).stdout),
            "its own": json.loads(status(db, "--json", "--sources", str(sources)).stdout),
            "another": json.loads(status(db, "--json", "--sources", str(other)).stdout),
        }
        assert (
            origin["env"]["sources_file"]["origin"] == origin["its own"]["sources_file"]["origin"] == "daemon"
        )
        assert [r["source"] for r in origin["another"]["sources"]] == ["other"]
        assert origin["another"]["sources_file"]["origin"] == "option"
        sources.write_text(sources.read_text("utf-8") + "\n# edited\n", "utf-8")
        assert "changed since it read it" in status(db).stdout
    finally:
        assert daemon.stop() == 0
    assert json.loads(status(db, "--json").stdout)["daemon"] == {"running": False, "pid": None}


def test_status_shows_a_job_whose_fire_time_passed_as_overdue_in_human_units(tmp_path):
    from archive import open_archive
    from archive.runs import finish_run, record_daemon_state, start_run

    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nslug = "quick"\ncourt = "甲法院"\nfamily = "courtgov"\n'
        'start_urls = ["https://a.example.gov.cn/list.html"]\nallowed_hosts = ["a.example.gov.cn"]\n'
        'schedule = "2m"\n',
        "utf-8",
    )
    db = open_archive(tmp_path / "archive.db")
    ran = datetime.now(UTC) - timedelta(minutes=7)
    run = start_run(db, "quick")
    finish_run(db, run)
    db.execute("UPDATE runs SET started_at = ?", [ran.isoformat().replace("+00:00", "Z")])
    past = (datetime.now(UTC) - timedelta(minutes=3)).isoformat(timespec="seconds").replace("+00:00", "Z")
    record_daemon_state(
        db, {"pid": 1, "sources_file": str(sources), "sources_sha256": "x"}, {"crawl:quick": past}
    )
    db.close()
    result = status(tmp_path / "archive.db", "--without-daemon")
    assert "overdue 3 min" in result.stdout, result.output
    assert "overdue: last successful list crawl 7 min ago" in result.output
    assert "0.0 h" not in result.output and "0.1 h" not in result.output


# ---------------------------------------------------------------- catch-up delay, cadence floor
def test_catch_ups_are_spread_over_catch_up_delay_and_status_shows_each_as_the_next_run(
    site_factory, tmp_path
):
    """Two overdue sources, catch_up_delay 1 h: the first is crawled at once, the second half an hour later
    (not at once, as before: the setting was never read), and status gives that time as its next run."""
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    header = FAST_DAEMON.format(max_concurrent=1, crawl_timeout="1m").replace('"2s"', '"1h"')
    header = header.replace('catch_up_delay = "1s"', 'catch_up_delay = "1h"')
    sources.write_text(header + entry(site, "first") + entry(site, "second"), "utf-8")
    started = datetime.now(UTC)
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    try:
        assert wait_for(lambda: "catch-up:second" in jobs_of(db)), daemon.output()[-3000:]
        catch_up = fires(db, "catch-up:second")
        rows = {r["source"]: r for r in json.loads(status(db, "--json").stdout)["sources"]}
        assert wait_for(lambda: any(r["source"] == "first" and r["status"] == "finished" for r in runs(db)))
    finally:
        assert daemon.stop() == 0
    assert "catch-up:first" not in jobs_of(db)  # queued at once, not scheduled
    assert started + timedelta(minutes=29) <= catch_up <= started + timedelta(minutes=31)
    assert datetime.fromisoformat(rows["second"]["next_run"]) == catch_up
    assert {r["source"] for r in runs(db)} == {"first"}  # the second waits for its slot
    assert "second: overdue; catch-up crawl at" in daemon.output()


@pytest.mark.parametrize(
    ("daemon_table", "schedule", "refused"),
    [
        ("", '"1s"', "schedule '1s' is shorter than min_cadence (60 s)"),
        ("", '"59s"', "schedule '59s' is shorter than min_cadence (60 s)"),
        ('[daemon]\nrevisit_every = "10s"\n', '"1h"', "revisit_every is 10 s, below min_cadence (60 s)"),
        ('[daemon]\nmin_cadence = "1s"\n', '"1s"', None),  # lowered on purpose: accepted
        ("", '"1m"', None),
        ("", '"*/1 * * * *"', None),
    ],
)
def test_a_cadence_below_the_floor_is_refused_in_one_line(tmp_path, daemon_table, schedule, refused):
    sources = tmp_path / "sources.toml"
    sources.write_text(
        daemon_table + '[[source]]\nslug = "quick"\ncourt = "甲法院"\nfamily = "courtgov"\n'
        'start_urls = ["https://a.example.gov.cn/list.html"]\nallowed_hosts = ["a.example.gov.cn"]\n'
        f"schedule = {schedule}\n",
        "utf-8",
    )
    result = CliRunner().invoke(main, ["sources", "--sources", str(sources)])
    if refused is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and refused in result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


# ---------------------------------------------------------------- logging
def test_the_daemon_obeys_courtnews_log_level_and_logs_failed_runs_as_warnings(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    site.path("zixun/gengduo/24.html").unlink()  # the list is gone: every crawl fails
    sources = tmp_path / "sources.toml"
    sources.write_text(FAST_DAEMON.format(max_concurrent=1, crawl_timeout="1m") + entry(site), "utf-8")
    daemon = start_daemon(tmp_path, sources, env={"COURTNEWS_LOG_LEVEL": "warning"})
    try:
        assert wait_for(lambda: any(r["status"] == "failed" for r in runs(daemon.db))), daemon.output()[
            -3000:
        ]
        assert wait_for(lambda: " run 1 failed" in daemon.output())
    finally:
        assert daemon.stop() == 0
    output = daemon.output()
    failed_line = next(line for line in output.splitlines() if " run 1 failed" in line)
    assert " WARNING courtnews.daemon: " in failed_line
    assert " INFO " not in output  # neither the start banner nor the job list: WARNING and above only
    bad = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "daemon", "--db", str(tmp_path / "b.db"), "--sources", str(sources)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**crawl_env(), "COURTNEWS_LOG_LEVEL": "loud"},
    )  # fmt: skip
    assert bad.returncode == 1 and "COURTNEWS_LOG_LEVEL='loud' is not a log level" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- a failed check is not a check
def page_of(db: Path, name: str) -> dict:
    (row,) = query(db, "SELECT * FROM pages WHERE url LIKE ?", (f"%/{name}",))
    return row


def test_a_failed_revisit_check_leaves_the_schedule_and_is_retried_with_backoff(
    site_factory, crawl, tmp_path
):
    """Checks at 1 s and 30 days: an outage at the 1 s check must not push the page's next check 30 days
    out (as if it had been checked); it is retried after 1 s, then 2 s, and a good check resets that."""
    from archive import open_archive
    from archive.revisits import due_at

    site = site_factory("court-gov-cn")
    offsets = (timedelta(seconds=1), timedelta(days=30))
    revisit = {"REVISIT_OFFSETS": "1,2592000"}
    db = tmp_path / "archive.db"
    crawl(site)
    first = page_of(db, "1001.html")
    time.sleep(1.1)  # both pages are now due for their 1 s check
    site.path("_routes.json").write_text(json.dumps({"/zixun/xiangqing/1001.html": {"status": 503}}))
    for failures in (1, 2):
        crawl(site, "revisit=due", expect_exit=failures - 1, **revisit)  # then 1001 alone is due: all failed
        failing, fine = page_of(db, "1001.html"), page_of(db, "1002.html")
        assert failing["check_failures"] == failures and failing["last_failed_check"] > first["last_checked"]
        assert failing["last_checked"] == first["last_checked"]  # the outage is not a check
        retry = datetime.fromisoformat(failing["last_failed_check"].replace("Z", "+00:00"))
        assert due_at(failing, offsets) == retry + timedelta(seconds=2 ** (failures - 1))  # 1 s, then 2 s
        assert (
            due_at(fine, offsets)
            == datetime.fromisoformat(fine["first_seen"].replace("Z", "+00:00")) + offsets[1]
        )
        time.sleep(2 ** (failures - 1) + 0.1)
    shown = status(db, "--without-daemon", "--sources", str(tmp_path / "sources-court-gov-cn.toml"))
    assert "~ 1 articles failed their last check (retrying)" in shown.stdout, shown.output
    site.path("_routes.json").unlink()  # the site is back
    crawl(site, "revisit=due", **revisit)
    healed = page_of(db, "1001.html")
    assert healed["check_failures"] == 0 and healed["last_checked"] > first["last_checked"]
    assert due_at(healed, offsets) > datetime.now(UTC) + timedelta(days=29)
    reader = open_archive(db)
    assert reader.execute("SELECT COUNT(*) FROM pages WHERE check_failures > 0").fetchone()[0] == 0


# ---------------------------------------------------------------- the next daemon owns what a dead one left
def test_a_run_no_crawl_claimed_stays_its_daemons_until_the_next_daemon_marks_it(tmp_path):
    from archive import open_archive
    from archive.runs import mark_interrupted_runs, start_run
    from crawler.config.sources import load_daemon_config, load_sources
    from crawler.service.daemon import Daemon, daemon_lock

    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nslug = "quick"\ncourt = "甲法院"\nfamily = "courtgov"\n'
        'start_urls = ["https://a.example.gov.cn/list.html"]\nallowed_hosts = ["a.example.gov.cn"]\n',
        "utf-8",
    )
    db = open_archive(tmp_path / "archive.db")
    dead_daemon = 2**22 + 11  # no such process: the daemon that created the run is gone
    run_id = start_run(db, "quick", pid=dead_daemon, trigger="schedule", claim_token="t0ken")
    assert mark_interrupted_runs(db, lambda _pid: False) == 0  # no sweep judges it by its pid
    shown = status(tmp_path / "archive.db", "--without-daemon", "--sources", str(sources))
    assert f"stuck: run {run_id} was created by daemon pid {dead_daemon}, which is gone" in shown.output
    daemon = Daemon(
        load_sources(sources), tmp_path / "archive.db", sources, load_daemon_config(sources), tmp_path
    )
    with daemon_lock(daemon.db_path):
        daemon.stop_left_over_crawls()
    row = db.table("runs").get(run_id)
    assert row["status"] == "interrupted" and "before its crawl process claimed it" in row["reason"]


@pytest.mark.parametrize(
    ("outcomes", "failures"),
    [
        (["failed"], 1),
        (["failed", "challenge"], 2),  # a challenge page is no answer either
        (["failed", "article"], 0),  # a good check resets the count
        (["gone"], 0),  # a removal is an answer: the page was checked
        (["not-modified"], 0),
    ],
)
def test_only_a_fetch_that_got_an_answer_counts_as_a_check(tmp_path, outcomes, failures):
    """The store's rule, recorded fetch by fetch: a failed or challenged fetch leaves last_checked and
    counts a failed check; any other outcome is a check and resets the count."""
    from archive import ArticleFields, Capture, finish_run, open_archive, record, start_run

    db = open_archive(tmp_path / "archive.db")
    run = start_run(db, "a-court")
    url = "https://a.example.gov.cn/1.html"
    first = Capture(url=url, source="a-court", status=200, raw=b"<p>x</p>", fetched_at="2024-01-01T00:00:00Z")
    record(db, run, first, "article", ArticleFields(title="标题", body="正文" * 20))
    for day, outcome in enumerate(outcomes, 2):
        when = f"2024-01-0{day}T00:00:00Z"
        status = {"failed": 503, "challenge": 412, "gone": 404}.get(outcome, 200)
        capture = Capture(
            url=url, source="a-court", status=status, raw=b"<p>x</p>", fetched_at=when, reason="r"
        )
        fields = ArticleFields(title="标题", body="正文" * 20) if outcome == "article" else None
        finish_run(db, run, "finished", None)  # a check a day: each its own revisit run
        run = start_run(db, "a-court")
        record(db, run, capture, outcome, fields)  # type: ignore[arg-type]
    (page,) = db.query("SELECT last_seen, last_checked, check_failures, last_failed_check FROM pages")
    assert page["last_seen"] == when  # every fetch is a sighting
    assert page["check_failures"] == failures
    good = [i for i, o in enumerate(outcomes, 2) if o not in ("failed", "challenge")]
    assert page["last_checked"] == (f"2024-01-0{good[-1]}T00:00:00Z" if good else "2024-01-01T00:00:00Z")
    bad = [i for i, o in enumerate(outcomes, 2) if o in ("failed", "challenge")]
    assert page["last_failed_check"] == (f"2024-01-0{bad[-1]}T00:00:00Z" if bad else None)
