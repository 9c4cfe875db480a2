"""Distributed mode end to end, with real processes: a real redis-server, two crawl workers, the archive
writer and the daemon in distributed mode, over a generated court site of 2,000 articles on 127.0.0.1, into
a real archive: every article archived exactly once, both workers did work. (The same with something killed
on the way: tests/test_distributed_faults.py.)"""

from __future__ import annotations

import pytest

from tests.generated_sites import court_sites
from tests.redis_server import Cluster, archived_once, needs_redis, running_cluster

pytestmark = needs_redis


@pytest.fixture(name="cluster")
def cluster_fixture(tmp_path, request):
    yield from running_cluster(tmp_path, request)


def test_two_workers_and_a_writer_archive_2000_articles_each_once(cluster: Cluster, tmp_path):
    servers, cluster.sources = court_sites(tmp_path, [2000])
    try:
        workers = [cluster.worker("worker-a"), cluster.worker("worker-b")]
        cluster.writer()
        cluster.daemon()  # distributed mode: it queues the source (overdue: never crawled) in Redis
        # about 2 minutes on an idle 2-core machine; the bound is for a machine shared with other suites
        cluster.wait_for("the run to end", lambda: cluster.run_status() not in (None, "running"), timeout=900)
        cluster.wait_for(
            "the daemon to see it end", lambda: cluster.query("SELECT exit_code FROM runs") == [(0,)]
        )
    finally:
        for server in servers:
            server.stop()
    run = cluster.query(
        "SELECT status, reason, kind, trigger, pid, captures, new_versions, unstored FROM runs"
    )
    assert run == [("finished", None, "crawl", "catch-up", 0, 2000, 2000, 0)], cluster.logs()
    archived_once(cluster, 2000)
    pushed = {
        k.decode(): int(v) for k, v in cluster.redis.client().hgetall("courtnews:workers:pushed").items()
    }
    assert len(pushed) == 2 and all(n > 0 for n in pushed.values()) and sum(pushed.values()) == 2000, pushed
    # the run is gone from Redis with its duplicate filter; the stream holds nothing unrecorded
    server = cluster.redis.client()
    assert server.scard("courtnews:runs") == 0 and not server.keys("courtnews:run:*")
    assert server.xlen("courtnews:items") == 0
    assert all(w.poll() is None for w in workers)  # workers wait for the next run


def test_a_retried_fetch_gives_its_lease_back_and_the_run_ends(cluster: Cluster, tmp_path):
    """Scrapy's retry is a copy of the request that re-enters the scheduler: it goes back in the queue and the
    lease of the attempt that failed is released with it, so the run drains and nothing is fetched twice."""
    import json

    servers, cluster.sources = court_sites(tmp_path, [40])
    root = servers[0].root
    failing = sorted(root.rglob("xiangqing/*.html"))[:3]
    routes = {"/" + str(path.relative_to(root)): {"status": 503} for path in failing}
    (root / "_routes.json").write_text(json.dumps(routes), "utf-8")
    try:
        cluster.worker("worker-a")
        cluster.writer()
        cluster.enqueue("court-0")
        cluster.wait_for("the run to end", lambda: cluster.run_status() not in (None, "running"), timeout=120)
    finally:
        for server in servers:
            server.stop()
    # each failing page: its first answer (retried, a capture of its own) and its last
    assert cluster.query("SELECT status, captures, failures, unstored FROM runs") == [("finished", 43, 6, 0)]
    assert cluster.query("SELECT COUNT(DISTINCT url) FROM captures") == [(40,)]
    assert (
        sorted(cluster.query("SELECT reason FROM captures WHERE outcome = 'failed'"))
        == [("HTTP 503",)] * 3 + [("HTTP 503 Service Unavailable; asked again in 1 s, try 2 of 2",)] * 3
    )
    assert cluster.redis.client().hlen("courtnews:court-0:inflight") == 0
