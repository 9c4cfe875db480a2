"""Distributed mode end to end, with real processes: a real redis-server, crawl workers, the archive writer
and the daemon, over a generated court site on 127.0.0.1, into a real archive. Each test kills something:
a worker, the writer, Redis itself, and the archive still gets every article exactly once.

`COURTNEWS_SOAK=1` repeats the kill tests."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.generated_sites import assert_sound, court_sites
from tests.redis_server import Cluster, kill_group, needs_redis, running_cluster, worker_processes

pytestmark = needs_redis
SOAK = os.environ.get("COURTNEWS_SOAK") == "1"
ROUNDS = 5 if SOAK else 1


@pytest.fixture(name="cluster")
def cluster_fixture(tmp_path, request):
    yield from running_cluster(tmp_path, request)


def archived_once(c: Cluster, size: int) -> None:
    """Every article of the site has exactly one capture and one version; no capture id twice."""
    assert c.query("SELECT COUNT(*), COUNT(DISTINCT url), COUNT(DISTINCT fetch_id) FROM captures") == [
        (size, size, size)
    ], c.logs()
    assert c.query("SELECT COUNT(*) FROM pages WHERE current_version = 1") == [(size,)]
    assert c.query("SELECT COUNT(*) FROM captures WHERE outcome != 'version'") == [(0,)]
    assert_sound(c.db)


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


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_worker_killed_mid_crawl_loses_nothing(cluster: Cluster, tmp_path, round_):
    servers, cluster.sources = court_sites(tmp_path, [500])
    try:
        doomed = cluster.worker("worker-a")
        cluster.worker("worker-b")
        cluster.writer()
        cluster.wait_for("the workers", lambda: cluster.redis.client().zcard("courtnews:workers") == 2)
        cluster.enqueue("court-0")
        cluster.wait_for("some captures", lambda: cluster.captures() >= 60 + 60 * round_)
        server = cluster.redis.client()
        doomed_id = next(
            key.decode().split(":", 2)[2]
            for key in server.keys("courtnews:worker:*")
            if json.loads(server.get(key) or b"{}").get("pid") == doomed.pid
        )

        def held() -> list[bytes]:
            return [
                k
                for k in server.hkeys("courtnews:court-0:inflight")
                if k.decode().startswith(doomed_id + "|")
            ]

        cluster.wait_for("the doomed worker to hold requests", lambda: len(held()) >= 3)
        pool = worker_processes(doomed.pid)
        kill_group(doomed)  # SIGKILL, mid-crawl: fetches in flight and leased requests die with it
        lost_leases = held()
        cluster.wait_for("the run to end", lambda: cluster.run_status() not in (None, "running"))
    finally:
        for server in servers:
            server.stop()
    assert cluster.query("SELECT status, captures, unstored FROM runs") == [("finished", 500, 0)], (
        cluster.logs()
    )
    archived_once(cluster, 500)
    assert (
        lost_leases
    )  # it died holding requests, and the other worker fetched them once the writer put them back
    assert f"worker {doomed_id} is gone" in cluster.log("writer") and "put back in the queue" in cluster.log(
        "writer"
    )
    time.sleep(1.5)
    assert not [pid for pid in pool if os.path.exists(f"/proc/{pid}")], (
        "extraction workers outlived the worker"
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_writer_killed_mid_crawl_and_restarted_records_everything_once(
    cluster: Cluster, tmp_path, round_
):
    servers, cluster.sources = court_sites(tmp_path, [500])
    try:
        cluster.worker()
        writer = cluster.writer("writer-1")
        cluster.enqueue("court-0")
        cluster.wait_for("some captures", lambda: cluster.captures() >= 100 + 50 * round_)
        kill_group(writer)
        killed_at = cluster.captures()
        cluster.wait_for(
            "the worker to push more", lambda: cluster.redis.client().xlen("courtnews:items") > 20
        )
        cluster.writer("writer-2")
        cluster.wait_for("the run to end", lambda: cluster.run_status() not in (None, "running"))
    finally:
        for server in servers:
            server.stop()
    assert 0 < killed_at < 500
    assert cluster.query("SELECT status, captures, unstored FROM runs") == [("finished", 500, 0)], (
        cluster.logs()
    )
    archived_once(cluster, 500)
    assert cluster.redis.client().xlen("courtnews:items") == 0


def test_redis_going_away_and_coming_back_the_crawl_completes(cluster: Cluster, tmp_path):
    servers, cluster.sources = court_sites(tmp_path, [500])
    try:
        cluster.worker("worker-a")
        cluster.worker("worker-b")
        cluster.writer()
        cluster.enqueue("court-0")
        cluster.wait_for("some captures", lambda: cluster.captures() >= 80)
        cluster.redis.kill()  # SIGKILL: gone at once; its append-only file was synced on every write
        time.sleep(4)
        cluster.redis.start()  # same port: the workers and the writer reconnect by themselves
        cluster.wait_for("the run to end", lambda: cluster.run_status() not in (None, "running"))
    finally:
        for server in servers:
            server.stop()
    assert cluster.query("SELECT status, captures, unstored FROM runs") == [("finished", 500, 0)], (
        cluster.logs()
    )
    archived_once(cluster, 500)
    assert "redis unreachable" in cluster.log("writer") + cluster.log("worker-a") + cluster.log("worker-b")
