"""A distributed run fetches what a local run of the same source fetches, and is as polite to the site:
real redis-server, real workers and writer, a generated court site on 127.0.0.1, real archives.

- A list crawl skips the articles the archive holds, and ``max_articles`` bounds the run (not each worker):
  the same article captures as a local crawl, run after run (the known page keys are in Redis, since
  workers have no archive).
- A site's ``download_delay`` holds across all workers together: the request times seen by the site's own
  server are spaced by the delay, whatever the number of workers (a per-host reservation in Redis).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.generated_sites import court_sites
from tests.redis_server import Cluster, needs_redis, running_cluster

pytestmark = needs_redis


@pytest.fixture(name="cluster")
def cluster_fixture(tmp_path, request):
    yield from running_cluster(tmp_path, request)


def distributed_run(cluster: Cluster, slug: str, workers: int = 0) -> tuple[str, int]:
    """Queue a list run of slug (once `workers` workers have said they are alive, on a loaded machine one may
    start seconds after the other), wait for the writer to close it: (status, captures) of that run."""
    if workers:
        cluster.wait_for(
            f"{workers} workers to be up",
            lambda: cluster.redis.client().zcard("courtnews:workers") >= workers,
            timeout=120,
        )
    before = cluster.query("SELECT COUNT(*) FROM runs")
    runs = before[0][0] if before else 0
    cluster.enqueue(slug)
    cluster.wait_for(
        "the run to end",
        lambda: cluster.query("SELECT COUNT(*) FROM runs WHERE status != 'running'") == [(runs + 1,)],
        timeout=300,
    )
    return cluster.query("SELECT status, captures FROM runs ORDER BY id DESC LIMIT 1")[0]


def local_run(cluster: Cluster, db: Path, slug: str) -> tuple[str, int]:
    assert cluster.sources is not None
    done = run_crawl(slug, db, cluster.sources)
    assert done.returncode == 0, done.log[-3000:]
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT status, captures FROM runs ORDER BY id DESC LIMIT 1").fetchone()


@pytest.mark.parametrize(
    ("articles", "max_articles"),
    [(30, 30), (30, 8)],
    ids=["archived articles are skipped", "max_articles bounds the run, not each worker"],
)
def test_a_distributed_list_crawl_fetches_what_a_local_one_does(cluster, tmp_path, articles, max_articles):
    """Before: workers had no idea what the archive held, so a second list crawl of an unchanged site
    fetched every article again (600 unchanged captures where a local crawl makes 0), and each worker counted
    max_articles on its own (two workers: up to twice the limit)."""
    servers, cluster.sources = court_sites(tmp_path, [articles])
    text = cluster.sources.read_text("utf-8")
    cluster.sources.write_text(text.replace(f"max_articles = {articles}", f"max_articles = {max_articles}"))
    try:
        cluster.worker("worker-a")
        cluster.worker("worker-b")
        cluster.writer()
        local_db = tmp_path / "local.db"
        rounds = -(-articles // max_articles) + 1  # until every article is archived, then one more
        local = [local_run(cluster, local_db, "court-0") for _ in range(rounds)]
        distributed = [distributed_run(cluster, "court-0") for _ in range(rounds)]
    finally:
        for server in servers:
            server.stop()
    assert distributed == local, cluster.logs()
    assert local[-1] == ("finished", 0)  # the last round: an unchanged site, nothing new to fetch
    assert [captures for _, captures in local[:-1]] == [
        min(max_articles, articles - n * max_articles) for n in range(rounds - 1)
    ]
    # each article archived once, by one fetch
    assert cluster.query("SELECT COUNT(*), COUNT(DISTINCT url) FROM captures") == [(articles, articles)]


def logged_requests(server) -> list[tuple[float, str]]:
    """Make a fixture server note the time (its own clock) and path of every request it receives."""
    seen: list[tuple[float, str]] = []
    intervals: list[tuple[float, float]] = []  # (arrived, answered), for concurrency
    server.intervals = intervals
    lock = threading.Lock()
    handler = server.server.RequestHandlerClass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        with lock:
            seen.append((time.monotonic(), self.path))
        began = time.monotonic()
        handler.do_GET(self)
        with lock:
            intervals.append((began, time.monotonic()))

    server.server.RequestHandlerClass = type("Logged", (handler,), {"do_GET": do_GET})
    return seen


@pytest.mark.parametrize("workers", [1, 2])
def test_the_download_delay_of_a_site_holds_across_workers(cluster, tmp_path, workers):
    """Before: the delay was each worker's, so a site with download_delay = 0.5 saw 1.60 requests a second
    from one worker and 2.65 from two. Now the site sees at most 1/delay requests a second in all: each
    request waits for its host's next slot, reserved atomically in Redis by whichever worker sends it."""
    delay = 0.5
    servers, cluster.sources = court_sites(tmp_path, [24])
    text = cluster.sources.read_text("utf-8")
    cluster.sources.write_text(text + f"download_delay = {delay}\n", "utf-8")
    seen = logged_requests(servers[0])
    try:
        for n in range(workers):
            # the worker's own Scrapy delay off (the test settings): only the shared one spaces requests
            cluster.worker(f"worker-{n}", DOWNLOAD_DELAY="0", CONCURRENT_REQUESTS_PER_DOMAIN="8")
        cluster.writer()
        status, captures = distributed_run(cluster, "court-0", workers=workers)
    finally:
        for server in servers:
            server.stop()
    assert (status, captures) == ("finished", 24), cluster.logs()
    if workers == 2:
        pushed = cluster.redis.client().hgetall("courtnews:workers:pushed")
        assert len(pushed) == 2, pushed  # both workers fetched from the site
    times = sorted(t for t, _ in seen)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # the server's clock: a request may arrive a little late (a busy machine), never early; the average
    # spacing is the delay, and no two requests arrive much closer than it
    assert len(times) >= 26  # robots.txt, the probe, list pages, 24 articles
    assert (times[-1] - times[0]) / (len(times) - 1) >= delay * 0.95, gaps
    assert min(gaps) >= delay * 0.6, gaps


def test_the_concurrency_limit_of_a_site_holds_across_workers(cluster, tmp_path):
    """CONCURRENT_REQUESTS_PER_DOMAIN = 1 in two workers: the site never has two requests at once (it had
    one per worker), though each answer takes 0.2 s and the delay is 0."""
    servers, cluster.sources = court_sites(tmp_path, [16])
    root = servers[0].root
    slow = {"/" + str(p.relative_to(root)): {"delay": 0.2} for p in root.rglob("xiangqing/*.html")}
    (root / "_routes.json").write_text(json.dumps(slow), "utf-8")
    logged_requests(servers[0])
    try:
        for n in range(2):
            cluster.worker(f"worker-{n}", DOWNLOAD_DELAY="0", CONCURRENT_REQUESTS_PER_DOMAIN="1")
        cluster.writer()
        assert distributed_run(cluster, "court-0", workers=2) == ("finished", 16), cluster.logs()
    finally:
        for server in servers:
            server.stop()
    intervals = sorted(servers[0].intervals)
    overlaps = [(a, b) for a, b in zip(intervals, intervals[1:], strict=False) if b[0] < a[1] - 0.1]
    assert not overlaps, overlaps
    # both workers were up for the whole run (distributed_run waited for their heartbeats); which of them
    # leases the requests is Redis's affair: with one request at a time a single worker may take them all
    assert len(cluster.redis.client().hgetall("courtnews:workers:pushed")) >= 1
