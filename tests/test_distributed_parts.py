"""Distributed mode part by part, each against a real redis-server and a real archive: the writer's
exactly-once recording across a crash between commit and acknowledgement, unreadable entries, the queue's
safe serializer, one-line errors (no password in them), one writer per archive and per Redis, the status
section, and `scrapy crawl SLUG` as a worker."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from archive import open_archive
from archive.runs import start_run
from crawler.crawling.process import crawl_environment
from crawler.demo.sitegen import render_article, synthetic_articles
from crawler.distributed import redis_link, serializer
from crawler.distributed.records import encode
from crawler.distributed.writer import Writer
from crawler.pipeline.items import FetchedPage
from crawler.pipeline.records import classify, to_records
from tests.conftest import crawl_env
from tests.generated_sites import assert_sound, court_sites
from tests.redis_server import COURTNEWS, REDIS_SERVER, RedisServer, free_port, needs_redis

pytestmark = needs_redis


@pytest.fixture
def redis_server(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed and could not be (make installs it as root)")
    server = RedisServer(tmp_path / "redis", free_port()).start()
    yield server
    server.kill()


def courtnews(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COURTNEWS, *args], env=env, capture_output=True, text=True, timeout=60)


def open_run(server, db, slug: str = "court-0") -> int:
    """A run as the enqueuer leaves it, without probes (the writer tests push fetches themselves)."""
    run_id = start_run(db, slug, "revisit", pid=0)
    server.hset(redis_link.run_key(run_id), mapping={"source": slug, "kind": "revisit", "pushed": 0})
    server.sadd(redis_link.RUNS, run_id)
    return run_id


def push_fetches(server, run_id: int, count: int) -> list[str]:
    """Fetched pages of generated articles, classified and pushed as a worker pushes them."""
    ids = []
    for article in synthetic_articles(count, seed=7):
        url = f"http://127.0.0.1:9/zixun/xiangqing/{article.id}.html"
        page = FetchedPage(
            url=url,
            source="court-0",
            family="courtgov",
            court="某某市中级人民法院",
            status=200,
            final_url=url,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=render_article(article).encode("utf-8"),
            revisit=True,
        )
        fetch_id = uuid.uuid4().hex
        server.xadd(
            redis_link.ITEMS, encode(to_records(page, classify(page)), fetch_id, run_id, "court-0", "w", url)
        )
        server.hincrby(redis_link.run_key(run_id), "pushed", 1)
        ids.append(fetch_id)
    return ids


def run_with_fetches(redis_server, tmp_path: Path, count: int):
    """An archive, an open run in it and in Redis, and count fetches of it pushed to the item stream."""
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    server = redis_server.client()
    run_id = open_run(server, db)
    return db_path, db, server, run_id, push_fetches(server, run_id, count)


class CrashBeforeAck(Writer):
    """A writer that dies after its transaction committed and before Redis heard of it."""

    def _acknowledge(self, done):
        raise SystemExit("killed between commit and acknowledgement")


def test_a_writer_dying_between_commit_and_ack_records_nothing_twice(redis_server, tmp_path):
    db_path, db, server, run_id, fetch_ids = run_with_fetches(redis_server, tmp_path, 12)
    first = CrashBeforeAck(redis_server.url, db_path)
    server.xgroup_create(redis_link.ITEMS, redis_link.GROUP, id="0", mkstream=True)
    with pytest.raises(SystemExit):
        first.record_batch()
    first.close()
    assert db.execute("SELECT COUNT(*) FROM captures").fetchone()[0] == 12  # committed
    assert server.xpending(redis_link.ITEMS, redis_link.GROUP)["pending"] == 12  # and never acknowledged

    again = Writer(redis_server.url, db_path)  # the restarted writer: its own pending entries first
    while again.record_batch():
        pass
    again.close_drained_runs()
    again.close()
    assert again.duplicates == 12
    rows = db.execute("SELECT COUNT(*), COUNT(DISTINCT fetch_id) FROM captures").fetchone()
    assert rows == (12, 12)
    assert {r[0] for r in db.execute("SELECT fetch_id FROM captures")} == set(fetch_ids)
    assert server.xlen(redis_link.ITEMS) == 0
    run = db.execute("SELECT status, captures, new_versions FROM runs").fetchone()
    assert run == ("finished", 12, 12)  # counted once, and closed once drained
    assert not server.sismember(redis_link.RUNS, run_id)
    assert_sound(db_path)


def test_an_unreadable_entry_is_kept_aside_and_fails_its_run(redis_server, tmp_path):
    db_path, db, server, run_id, _ = run_with_fetches(redis_server, tmp_path, 2)
    server.xadd(redis_link.ITEMS, {"v": "9", "fetch": "x", "run": str(run_id), "records": "[]"})
    server.hincrby(redis_link.run_key(run_id), "pushed", 1)
    writer = Writer(redis_server.url, db_path)
    server.xgroup_create(redis_link.ITEMS, redis_link.GROUP, id="0", mkstream=True)
    while writer.record_batch():
        pass
    writer.close_drained_runs()
    writer.close()
    assert server.xlen(redis_link.DEAD) == 1
    dead = server.xrange(redis_link.DEAD)[0][1]
    assert b"format '9'" in dead[b"reason"]
    status, reason, captures, unstored = db.execute(
        "SELECT status, reason, captures, unstored FROM runs"
    ).fetchone()
    assert (status, captures, unstored) == ("failed", 2, 1)
    assert "courtnews:items:dead" in reason


def test_the_request_queue_never_unpickles_code():
    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match="may not contain"):
        serializer.loads(pickle.dumps({"meta": Evil()}))
    from crawler.pipeline.items import Hop

    hop = Hop("http://a/1", 301, "http://a/2", body=b"<html>")
    assert serializer.loads(serializer.dumps({"meta": {"hops": [hop]}})) == {"meta": {"hops": [hop]}}


@pytest.mark.parametrize("command", ["worker", "writer", "status"])
def test_a_redis_that_does_not_answer_is_one_line_without_its_password(tmp_path, command):
    """Every command of distributed mode, `courtnews status` included (it exited 0 and printed a table while
    the service it reports on could queue nothing), fails with one line naming the URL."""
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    db = str(tmp_path / "a.db")
    open_archive(db).close()
    args = {
        "worker": ["worker", "--redis", url],
        "writer": ["writer", "--redis", url, "--db", db],
        "status": ["status", "--db", db, "--without-daemon"],
    }[command]
    done = courtnews(*args, env={**crawl_env(), "COURTNEWS_REDIS_URL": url})
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "does not answer" in done.stderr and "redis://:***@127.0.0.1" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout


def test_one_writer_per_archive_and_per_redis(redis_server, tmp_path):
    env = crawl_env()
    first = subprocess.Popen(
        [COURTNEWS, "writer", "--redis", redis_server.url, "--db", str(tmp_path / "a.db")],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not redis_server.client().exists(redis_link.WRITER_LOCK):
            assert time.monotonic() < deadline and first.poll() is None, first.stderr.read()
            time.sleep(0.1)
        other = RedisServer(tmp_path / "redis-2", free_port()).start()
        try:
            cases = [
                (
                    redis_server.url,
                    tmp_path / "b.db",
                    f"pid {first.pid}, archive {tmp_path / 'a.db'}) consumes",
                ),
                (other.url, tmp_path / "a.db", f"writer (pid {first.pid}) already records into"),
            ]
            for url, db, expected in cases:
                done = courtnews("writer", "--redis", url, "--db", str(db), env=env)
                assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
                assert expected in done.stderr and "stop it first" in done.stderr
        finally:
            other.kill()
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    assert not redis_server.client().exists(redis_link.WRITER_LOCK)  # a clean stop gives the claim back


def test_status_shows_queues_workers_and_the_writer(redis_server, tmp_path):
    servers, sources = court_sites(tmp_path, [20])
    env = {**crawl_env(), "COURTNEWS_SOURCES": str(sources)}
    db = tmp_path / "archive.db"
    try:
        queued = courtnews("enqueue", "court-0", "--redis", redis_server.url, "--db", str(db), env=env)
        assert queued.returncode == 0, queued.stderr
        again = courtnews("enqueue", "court-0", "--redis", redis_server.url, "--db", str(db), env=env)
        assert again.returncode == 1 and "still queued in Redis" in again.stderr
        status = courtnews(
            "status",
            "--db",
            str(db),
            "--without-daemon",
            env={**env, "COURTNEWS_REDIS_URL": redis_server.url},
        )
    finally:
        for server in servers:
            server.stop()
    assert status.returncode == 1
    assert "1 runs open; writer: not running" in status.stdout
    assert "court-0" in status.stdout and "workers seen in the last 5 minutes: 0" in status.stdout
    assert "no writer is running" in status.stderr and "no crawl worker was seen" in status.stderr
    assert "stuck" not in status.stderr  # a distributed run has no local process, and is not stuck for that


def test_scrapy_crawl_with_a_redis_url_is_a_worker(redis_server, tmp_path):
    servers, sources = court_sites(tmp_path, [10])
    env = crawl_environment({**crawl_env(), "COURTNEWS_REDIS_URL": redis_server.url})
    command = [sys.executable, "-m", "scrapy", "crawl", "court-0", "-s", f"SOURCES_FILE={sources}"]
    worker = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not redis_server.client().zcard(redis_link.WORKERS):
            assert time.monotonic() < deadline and worker.poll() is None, worker.stderr.read()[-3000:]
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 3  # stopped by a signal, as a local crawl says it
    finally:
        if worker.poll() is None:
            worker.kill()
        for server in servers:
            server.stop()


def test_compose_adds_redis_scalable_workers_and_the_writer_behind_one_setting():
    import yaml

    compose = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "deploy" / "compose.yaml").read_text("utf-8")
    )
    services = compose["services"]
    local = {name for name, s in services.items() if "profiles" not in s}
    assert local == {"daemon", "datasette"}  # `docker compose up` without the profile: local mode as before
    assert {name for name, s in services.items() if s.get("profiles") == ["distributed"]} == {
        "redis",
        "worker",
        "writer",
    }
    for name in ("daemon", "worker", "writer"):
        assert services[name]["environment"]["COURTNEWS_REDIS_URL"] == "${COURTNEWS_REDIS_URL:-}"
    assert not any(v.startswith("archive:") for v in services["worker"]["volumes"])  # no archive on workers
    assert "container_name" not in services["worker"]  # scalable: --scale worker=N
    assert (
        services["writer"]["volumes"] == ["archive:/data"]
        and "archive:/data" in services["daemon"]["volumes"]
    )
    assert "--requirepass" in " ".join(services["redis"]["command"])
    assert "--appendfsync always" in " ".join(services["redis"]["command"])


class LostReplies:
    """A TCP relay to Redis that, for the next `drops` commands naming `marker`, lets Redis run the command
    and then cuts the client's connection instead of passing the reply on: a reply lost to a network cut or a
    Redis killed right after it ran the command."""

    def __init__(self, redis_port: int, marker: bytes, drops: int) -> None:
        self.redis_port, self.marker, self.drops = redis_port, marker, drops
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.redis_port))
        with client, upstream:
            while data := client.recv(65536):
                upstream.sendall(data)
                reply = upstream.recv(65536)  # one command at a time: redis-py waits for each reply
                if self.marker in data and self.drops > 0:
                    self.drops -= 1
                    return  # Redis ran it; the client never hears
                client.sendall(reply)


@pytest.mark.parametrize("drops", [1, 8], ids=["redis-py retries", "the error reaches the worker"])
def test_a_pop_whose_reply_is_lost_leaves_no_request_leased_to_nobody(redis_server, drops):
    from scrapy import Request, Spider
    from scrapy.settings import Settings

    from crawler.distributed.frontier import _POP, LeasedPriorityQueue

    direct = redis_link.connect(redis_server.url)
    spider = Spider(name="court-0")
    spider.settings = Settings({"COURTNEWS_WORKER_ID": "w1"})
    key = redis_link.queue_key("court-0")
    LeasedPriorityQueue(direct, spider, key, serializer).push(
        Request("http://127.0.0.1:9/a.html", priority=2)
    )
    LeasedPriorityQueue(direct, spider, key, serializer).push(
        Request("http://127.0.0.1:9/b.html", priority=1)
    )
    sha = direct.script_load(_POP)  # loaded: every pop the relay cuts has run in Redis
    relay = LostReplies(redis_server.port, sha.encode() if isinstance(sha, str) else sha, drops)
    queue = LeasedPriorityQueue(
        redis_link.client(f"redis://127.0.0.1:{relay.port}/0"), spider, key, serializer
    )
    taken = []
    while relay.drops:  # each pop's reply is lost until the relay has cut `drops` of them
        with contextlib.suppress(*redis_link.RETRY_ERRORS):
            taken.append(queue.pop())
    taken.append(queue.pop())
    first = [request.url for request in taken if request is not None][0]
    assert first == "http://127.0.0.1:9/a.html"  # the best request, taken once, by the pop in doubt
    inflight = direct.hgetall(redis_link.inflight_key("court-0"))
    assert len(inflight) == 1 and b"a.html" in next(iter(inflight.values()))
    assert [serializer.loads(d)["url"] for d in direct.zrange(key, 0, -1)] == ["http://127.0.0.1:9/b.html"]


def test_an_acknowledgement_whose_reply_is_lost_counts_each_fetch_once(redis_server, tmp_path):
    from crawler.distributed.writer import _ACK

    db_path, db, server, run_id, _ = run_with_fetches(redis_server, tmp_path, 12)
    server.xgroup_create(redis_link.ITEMS, redis_link.GROUP, id="0", mkstream=True)
    relay = LostReplies(redis_server.port, server.script_load(_ACK).encode(), drops=1)
    writer = Writer(f"redis://127.0.0.1:{relay.port}/0", db_path)
    while writer.record_batch():
        pass
    assert relay.drops == 0  # the acknowledgement ran in Redis, its reply was cut, and it was sent again
    assert server.hget(redis_link.run_key(run_id), "recorded") == b"12"  # not 24: the run drains at 12 of 12
    writer.close_drained_runs()
    writer.close()
    assert db.execute("SELECT status, captures FROM runs").fetchone() == ("finished", 12)
