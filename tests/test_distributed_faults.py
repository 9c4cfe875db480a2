"""Distributed mode when something dies, with real processes: a worker SIGKILLed mid-crawl, the writer
SIGKILLed and restarted, Redis itself killed and restarted; each time the archive still gets every article
exactly once. `COURTNEWS_SOAK=1` repeats the kill tests."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.conftest import slow_pages
from tests.generated_sites import court_sites
from tests.redis_server import (
    Cluster,
    archived_once,
    kill_group,
    needs_redis,
    running_cluster,
    worker_processes,
)

pytestmark = needs_redis
SOAK = os.environ.get("COURTNEWS_SOAK") == "1"
ROUNDS = 5 if SOAK else 1


@pytest.fixture(name="cluster")
def cluster_fixture(tmp_path, request):
    yield from running_cluster(tmp_path, request)


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

        # Every page now answers after a pause, so each worker's slots fill with leased requests and the
        # kill lands while the doomed worker holds some, however fast this machine crawls the rest.
        routes = slow_pages(servers[0].root, seconds=2.0)
        cluster.wait_for("the doomed worker to hold requests", lambda: len(held()) >= 3)
        pool = worker_processes(doomed.pid)
        kill_group(doomed)  # SIGKILL, mid-crawl: fetches in flight and leased requests die with it
        lost_leases = held()
        routes.unlink()
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
