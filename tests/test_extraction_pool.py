"""Extraction runs in worker processes: it archives exactly what the inline path archives, and a worker that
dies loses no page."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import sqlite_utils

from crawler.pipeline.items import FetchedPage
from crawler.pipeline.records import classify
from tests.generated_sites import court_sites, pool_workers, start_crawl


def archived(db_path: Path) -> dict[str, tuple]:
    db = sqlite_utils.Database(db_path)
    return {
        row["url"].split("/", 3)[3]: (row["kind"], row["content_hash"], row["title"], row["published"])
        for row in db.query("SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id")
    }


def test_the_pool_archives_exactly_what_inline_extraction_archives(tmp_path):
    servers, sources = court_sites(tmp_path, [60])
    try:
        for workers in ("0", "2"):
            crawl = start_crawl(
                "court-0",
                tmp_path / f"w{workers}.db",
                sources,
                log=tmp_path / f"w{workers}.log",
                EXTRACT_WORKERS=workers,
            )
            assert crawl.wait(timeout=300) == 0, (tmp_path / f"w{workers}.log").read_text()[-2000:]
    finally:
        for server in servers:
            server.stop()
    inline, pooled = archived(tmp_path / "w0.db"), archived(tmp_path / "w2.db")
    assert len(inline) == 60 and inline == pooled


def _captures(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM captures").fetchone()[0]
    except Exception:  # noqa: BLE001 - not created or not migrated yet
        return 0


def test_a_killed_extraction_worker_loses_no_page(tmp_path):
    servers, sources = court_sites(tmp_path, [300])
    db = tmp_path / "archive.db"
    try:
        crawl = start_crawl("court-0", db, sources, log=tmp_path / "crawl.log", EXTRACT_WORKERS="1")
        killed = 0
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline and crawl.poll() is None:
            archive_rows = _captures(db)
            workers = pool_workers(crawl.pid)
            if workers and archive_rows >= 20:  # mid-crawl: some pages stored, most still to come
                os.kill(workers[0], signal.SIGKILL)
                killed += 1
            time.sleep(0.05)
        code = crawl.wait(timeout=300)
    finally:
        for server in servers:
            server.stop()
    log = (tmp_path / "crawl.log").read_text("utf-8", "replace")
    assert killed == 1, "the crawl ended before a worker could be killed"
    assert code == 0, log[-3000:]
    assert "an extraction worker died" in log
    archive = sqlite_utils.Database(db)
    assert archive["captures"].count == 300
    assert archive.execute("SELECT COUNT(*) FROM pages WHERE current_version = 1").fetchone()[0] == 300


def test_an_exception_in_extraction_becomes_a_failed_capture_with_a_one_line_reason(monkeypatch):
    import crawler.pipeline.records

    def explode(*args, **kwargs):
        raise RuntimeError("boom\nsecond line of a traceback\n" + "x" * 5000)

    monkeypatch.setattr(crawler.pipeline.records, "extract_decoded", explode)
    item = FetchedPage(
        url="http://court.example/a.html",
        source="s",
        family="courtgov",
        court="c",
        status=200,
        final_url="http://court.example/a.html",
        headers={"Content-Type": "text/html; charset=utf-8"},
        body="<html><body><p>法院审理了一起案件，依法作出判决。</p></body></html>".encode() * 20,
    )
    [verdict] = classify(item)
    assert verdict.outcome == "failed"
    assert verdict.reason.startswith("classification failed: RuntimeError: boom second line")
    assert "\n" not in verdict.reason and len(verdict.reason) <= 300


def test_workers_replaced_after_their_quota_keep_taking_pages():
    """Past each worker's quota of pages the pool starts fresh workers and every page still gets its verdict
    (Python's own max_tasks_per_child left pages waiting forever once a worker had left)."""
    import asyncio

    from crawler.pipeline.pool import ExtractionPool
    from tests.test_classification import fetch

    pool = ExtractionPool(1, tasks_per_worker=2)

    async def classify_all() -> list[str]:
        one_by_one = [(await pool.classify(fetch()))[-1].outcome for _ in range(3)]
        at_once = await asyncio.gather(*(pool.classify(fetch()) for _ in range(5)))
        return one_by_one + [verdicts[-1].outcome for verdicts in at_once]

    try:
        outcomes = asyncio.run(asyncio.wait_for(classify_all(), timeout=120))
    except TimeoutError:
        raise AssertionError("pages waited forever once a worker had left after its quota") from None
    finally:
        if pool._executor is not None:  # not close(): it would wait on the pages a stuck executor holds
            pool._executor.shutdown(wait=False, cancel_futures=True)
    assert outcomes == ["article"] * 8
    assert pool.renewals == 3 and pool.restarts == 0


def test_a_worker_that_stops_answering_costs_one_page_recorded_failed_and_the_crawl_goes_on():
    """A wedged worker (here: stopped with SIGSTOP) never holds a page forever: after the page timeout the page
    is a failed verdict with that reason, the pool is replaced, and the next page is classified."""
    import asyncio

    from crawler.pipeline.pool import ExtractionPool
    from tests.test_classification import fetch

    pool = ExtractionPool(1, page_timeout=5)

    async def scenario() -> list[tuple[str, str | None]]:
        first = (await pool.classify(fetch()))[-1]
        assert pool._executor is not None
        [worker] = list(pool._executor._processes.values())
        os.kill(worker.pid, signal.SIGSTOP)
        stuck = (await pool.classify(fetch()))[-1]
        after = (await pool.classify(fetch()))[-1]
        return [(v.outcome, v.reason) for v in (first, stuck, after)]

    try:
        outcomes = asyncio.run(asyncio.wait_for(scenario(), timeout=120))
    finally:
        pool.close()
    assert outcomes[0] == ("article", None) and outcomes[2] == ("article", None)
    assert outcomes[1] == ("failed", "extraction gave no verdict in 5 s")
    assert pool.timeouts == 1
