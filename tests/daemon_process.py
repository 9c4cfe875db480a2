"""Running the real daemon (`courtnews daemon`) as a process for the service tests, from a folder that is
not the checkout, with short cadences."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import crawl_env

FAST_DAEMON = """
[daemon]
jitter = 0
revisit_every = "2s"
revisit_offsets = ["1s", "2s", "3s", "4s", "5s"]
catch_up_delay = "1s"
min_cadence = "1s"
grace_period = "5s"
max_concurrent = {max_concurrent}
crawl_timeout = "{crawl_timeout}"
"""


@dataclass
class DaemonProcess:
    process: subprocess.Popen[str]
    db: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text("utf-8", "replace")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def start_daemon(
    tmp_path: Path, sources: Path, db: Path | None = None, env: dict[str, str] | None = None
) -> DaemonProcess:
    """The daemon, started from a folder of its own (not the checkout), politeness relaxed for local sites;
    env: more of its environment (COURTNEWS_LOG_LEVEL, say)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    db = db or tmp_path / "archive.db"
    log = tmp_path / f"daemon-{time.monotonic_ns()}.log"
    env = {**crawl_env(), "COURTNEWS_DOWNLOAD_DELAY": "0", "COURTNEWS_AUTOTHROTTLE": "0",
           "COURTNEWS_EXTRACT_WORKERS": "1", **(env or {})}  # fmt: skip
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "crawler.cli", "daemon", "--db", str(db), "--sources", str(sources),
               "--log-dir", str(tmp_path / "logs")]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=elsewhere, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    return DaemonProcess(process, db, log)


def query(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return []
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def runs(db: Path) -> list[dict]:
    return query(db, "SELECT * FROM runs ORDER BY id")


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def crawl_processes(db: Path) -> list[int]:
    """Live `scrapy crawl` processes (and their extraction workers) writing this archive."""
    found = []
    marker = f"ARCHIVE_DB={db.resolve()}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if marker in cmdline:
            found.append(int(proc.name))
    return found


def is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
