"""Distributed mode as it runs in production, for the tests: a real redis-server (Debian's package, installed
by `make` where missing) bound to 127.0.0.1 on a free port, its files in a temporary folder, persistent only
when a test asks (an append-only file synced on every write, so a SIGKILL loses nothing); `courtnews
worker`, `writer`, `enqueue` and the daemon as processes, over generated court sites on 127.0.0.1, into a
real SQLite archive."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from crawler.crawling.process import ChildProcess
from tests.conftest import TEST_SETTINGS, crawl_env
from tests.generated_sites import assert_sound

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisServer:
    folder: Path
    port: int
    persistent: bool = False
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        assert REDIS_SERVER, "redis-server is not installed"
        self.folder.mkdir(parents=True, exist_ok=True)
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                *persistence,
                "--protected-mode",
                "yes",
                "--logfile",
                str(self.folder / "redis.log"),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(
                        f"redis-server did not start; see {self.folder / 'redis.log'}"
                    ) from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the server goes away at once, as a crashed or unplugged Redis does."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port)


COURTNEWS = str(Path(sys.executable).with_name("courtnews"))
needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed and could not be (make installs Debian's redis-server as root)",
)


@dataclass
class Cluster:
    """Redis, and the processes of distributed mode started against it; everything stopped at the end."""

    tmp: Path
    redis: RedisServer
    sources: Path | None = None
    db: Path = field(init=False)
    processes: list[ChildProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.db = self.tmp / "archive.db"

    def env(self, **extra: str) -> dict[str, str]:
        env = crawl_env()
        if self.sources is not None:
            env["COURTNEWS_SOURCES"] = str(self.sources)
        return {**env, **extra}

    def _start(self, name: str, *args: str, env: dict[str, str] | None = None) -> ChildProcess:
        log = self.tmp / f"{name}.log"
        process = ChildProcess([COURTNEWS, *args], cwd=self.tmp, log_file=log, env=env or self.env()).start()
        self.processes.append(process)
        return process

    def worker(self, name: str = "worker", **settings: str) -> ChildProcess:
        pairs = {**TEST_SETTINGS, "DOWNLOAD_TIMEOUT": "10", "EXTRACT_WORKERS": "1", **settings}
        options = [a for k, v in pairs.items() for a in ("-s", f"{k}={v}")]
        return self._start(name, "worker", "--redis", self.redis.url, *options)

    def writer(self, name: str = "writer") -> ChildProcess:
        return self._start(name, "writer", "--redis", self.redis.url, "--db", str(self.db))

    def daemon(self) -> ChildProcess:
        env = self.env(COURTNEWS_REDIS_URL=self.redis.url)
        return self._start(
            "daemon", "daemon", "--db", str(self.db), "--log-dir", str(self.tmp / "logs"), env=env
        )

    def enqueue(self, slug: str) -> str:
        done = subprocess.run(
            [COURTNEWS, "enqueue", slug, "--redis", self.redis.url, "--db", str(self.db)],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text('utf-8', 'replace')[-3000:]}" for p in self.tmp.glob("*.log")
        )

    def query(self, sql: str, *params: object) -> list[tuple]:
        if not self.db.exists():
            return []
        with sqlite3.connect(self.db, timeout=30) as conn:
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                return []  # the schema is not there yet

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(0.5)

    def run_status(self) -> str | None:
        rows = self.query("SELECT status FROM runs ORDER BY id DESC LIMIT 1")
        return rows[0][0] if rows else None

    def captures(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM captures")
        return rows[0][0] if rows else 0

    def stop(self) -> None:
        for process in self.processes:
            if process.popen is not None and process.poll() is None:
                process.stop(30)


def running_cluster(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """For a fixture: a Cluster on its own redis-server, everything stopped at the end."""
    if REDIS_SERVER is None:
        pytest.skip(
            "redis-server is not installed and could not be (make installs Debian's redis-server as root)"
        )
    # persistent (every write synced) only where a test restarts Redis: elsewhere it would only slow it down
    redis = RedisServer(
        tmp_path / "redis", free_port(), persistent="redis_going_away" in request.node.name
    ).start()
    made = Cluster(tmp_path, redis)
    try:
        yield made
    finally:
        made.stop()
        redis.kill()


def worker_processes(pid: int) -> list[int]:
    """The pids of a worker process's extraction pool, to check none outlives it."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def kill_group(process: ChildProcess) -> None:
    """SIGKILL the process (its own process group holds it and its extraction workers)."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def archived_once(c: Cluster, size: int) -> None:
    """Every article of the site has exactly one capture and one version; no capture id twice."""
    assert c.query("SELECT COUNT(*), COUNT(DISTINCT url), COUNT(DISTINCT fetch_id) FROM captures") == [
        (size, size, size)
    ], c.logs()
    assert c.query("SELECT COUNT(*) FROM pages WHERE current_version = 1") == [(size,)]
    assert c.query("SELECT COUNT(*) FROM captures WHERE outcome != 'version'") == [(0,)]
    assert_sound(c.db)
