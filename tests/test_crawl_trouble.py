"""Bad input gets a clear outcome: each failure is a capture with its reason, and the crawl goes on."""

from __future__ import annotations

import re

import sqlite_utils


def test_every_failure_is_recorded_with_its_reason(site_factory, crawl, tmp_path):
    site = site_factory("trouble")
    result = crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    captures = {row["url"].rsplit("/", 1)[1]: row for row in db.query("SELECT * FROM captures")}
    outcome = {name: (row["outcome"], row["reason"] or "") for name, row in captures.items()}
    assert outcome["good.html"][0] == "version"
    assert outcome["malformed.html"][0] == "version"
    assert outcome["slow.html"][0] == "failed" and "Timeout" in outcome["slow.html"][1]
    assert outcome["err503.html"] == ("failed", "HTTP 503")
    assert outcome["loop-a.html"][0] == "failed" and "redirect" in outcome["loop-a.html"][1].lower()
    assert outcome["empty.html"] == ("failed", "empty body (0 bytes)")
    assert outcome["binary.html"][0] == "failed" and "binary body" in outcome["binary.html"][1]
    assert outcome["big.html"][0] == "failed" and "size" in outcome["big.html"][1].lower()
    assert (
        outcome["challenge412.html"][0] == "challenge" and "riversecurity" in outcome["challenge412.html"][1]
    )
    assert outcome["enablejs.html"][0] == "challenge"
    assert outcome["shell.html"][0] == "challenge" and "empty shell" in outcome["shell.html"][1]
    assert outcome["offsite.html"][0] == "failed" and "allowed_hosts" in outcome["offsite.html"][1]
    assert outcome["gone.html"][0] == "gone"  # never archived, so no removal version
    # only real articles became versions
    titles = sorted(row["title"] for row in db.query("SELECT title FROM versions"))
    assert titles == ["残缺页面：法院开展普法宣传", "法院审结一起民间借贷纠纷案"]
    malformed = list(db.query("SELECT body FROM versions WHERE title LIKE '残缺%'"))[0]["body"]
    assert "群众表示收获很大" in malformed
    run = list(db.query("SELECT * FROM runs"))[0]
    # 10 failed fetches, and the first try of each retried one (slow.html timed out, err503.html answered 503)
    assert run["status"] == "finished" and run["failures"] == 12
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "localhost" not in [
        r["url"].split("/")[2].split(":")[0] for r in db.query("SELECT url FROM captures")
    ]
    # what the operator reads: each failure a warning with its reason and nothing else warned of, the outcomes
    # counted in the crawl's stats as the captures table counts them, the summary, and no traceback
    warned = [
        line.split("WARNING: ", 1)[1]
        for line in result.log.splitlines()
        if "[crawler.pipeline.pipelines] WARNING" in line
    ]
    assert sorted(w.split(": ", 1)[0].rsplit("/", 1)[1] for w in warned) == sorted(
        row["url"].rsplit("/", 1)[1]
        for row in db.query("SELECT url FROM captures WHERE outcome IN ('failed', 'challenge')")
    )
    assert f"{site.server.base_url}/err503.html: failed (HTTP 503)" in warned
    counted = dict(  # a capture that made a version is counted by its kind (first, changed, …)
        db.execute(
            "SELECT coalesce(v.kind, c.outcome), COUNT(*) FROM captures c "
            "LEFT JOIN versions v ON v.capture_id = c.id GROUP BY 1"
        ).fetchall()
    )
    stats = {k: int(v) for k, v in re.findall(r"'courtnews/(\w+)': (\d+)", result.log)}
    assert stats == counted
    assert f"courtnews run {run['id']} (trouble) finished: {run['captures']} captures" in result.log
    assert "Traceback" not in result.log and "Error processing" not in result.log
    # the writer was closed: the space it reserved against a full disk is given back, nothing left beside the archive
    assert sorted(p.name for p in tmp_path.glob("archive.db*")) in (
        ["archive.db"],
        ["archive.db", "archive.db-shm", "archive.db-wal"],
    )


def test_a_source_whose_list_cannot_be_fetched_fails_its_run(site_factory, crawl, tmp_path):
    import json

    site = site_factory("trouble")
    site.path("_routes.json").write_text(
        json.dumps({"/index.html": {"status": 412, "file": "challenge412.html"}})
    )
    crawl(site, expect_exit=1)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    run = list(db.query("SELECT status, reason, captures FROM runs"))[0]
    assert run["status"] == "failed" and run["captures"] == 0
    assert "no list page could be fetched" in run["reason"] and "index.html" in run["reason"]


def test_a_404_that_scripts_the_browser_home_is_a_challenge_not_a_removal(site_factory, crawl, tmp_path):
    import json

    site = site_factory("court-gov-cn")
    crawl(site)
    trap = site.path("trap404.html")
    trap.write_text("<html><script>window.location.href='/';</script></html>", "utf-8")
    site.path("_routes.json").write_text(
        json.dumps({"/zixun/xiangqing/1001.html": {"status": 404, "file": "trap404.html"}})
    )
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    kinds = [
        r["kind"]
        for r in db.query(
            "SELECT v.kind FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE '%1001.html'"
        )
    ]
    assert kinds == ["first"]
    last = list(
        db.query("SELECT outcome, reason FROM captures WHERE url LIKE '%1001.html' ORDER BY id DESC LIMIT 1")
    )[0]
    assert last["outcome"] == "challenge" and "script-redirect-home" in last["reason"]


def test_revisits_log_changes_and_removals_and_one_whose_every_fetch_fails_fails_naming_the_first(
    site_factory, crawl, tmp_path
):
    import json

    site = site_factory("court-gov-cn")
    crawl(site)
    # a revisit that finds one page edited and one gone says so in the crawl's log, with what changed or why
    edited = site.path("zixun/xiangqing/1001.html")
    edited.write_text(edited.read_text("utf-8").replace("最高法发布", "最高人民法院发布"), "utf-8")
    site.path("zixun/xiangqing/1003.html").unlink()
    log = crawl(site, "revisit=only").log
    assert f"{site.base_url}/zixun/xiangqing/1001.html: changed (version 2; title" in log, log[-3000:]
    assert f"{site.base_url}/zixun/xiangqing/1003.html: removed (version 2; HTTP 404)" in log, log[-3000:]
    # then every fetch fails, the page already gone too
    routes = {f"/zixun/xiangqing/{n}.html": {"status": 503} for n in (1001, 1002, 1003, 1004)}
    site.path("_routes.json").write_text(json.dumps(routes))
    crawl(site, "revisit=only", expect_exit=1)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    run = list(db.query("SELECT status, reason, captures, failures FROM runs ORDER BY id DESC LIMIT 1"))[0]
    assert run["status"] == "failed" and run["captures"] == run["failures"] > 0
    first = list(
        db.query(
            "SELECT url, reason FROM captures WHERE outcome = 'failed' AND reason LIKE 'HTTP 503%' ORDER BY id LIMIT 1"
        )
    )[0]
    assert run["reason"] == f"all {run['captures']} fetches failed (first: {first['url']}: {first['reason']})"
