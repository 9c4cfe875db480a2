"""One crawl as its own `scrapy crawl` process: a Twisted reactor cannot be restarted, and a process isolates
memory and crashes. The CLI, the demo, the daemon, the tests and the benchmarks all crawl through here.

Rules:
- the child finds courtnews's settings by module (``SCRAPY_SETTINGS_MODULE``), not by a scrapy.cfg in its
  working directory, and runs in the archive's folder: a crawl works from wherever it was started;
- the child runs in its own process group, so stopping it stops everything it started (its extraction
  workers); stop means SIGTERM (Scrapy closes the spider and its run cleanly), then SIGKILL after the grace;
- a parent that asks for it (the daemon) is watched by the child, which stops itself when the parent is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

SETTINGS_MODULE = "crawler.crawling.settings"


def crawl_command(
    slug: str,
    db: str | os.PathLike[str],
    sources: str | os.PathLike[str] | None = None,
    revisit: str = "none",
    settings: dict[str, str] | None = None,
) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", slug, "-s", f"ARCHIVE_DB={Path(db).resolve()}"]
    cmd += ["-a", f"revisit={revisit}"]
    if sources:
        cmd += ["-s", f"SOURCES_FILE={Path(sources).resolve()}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def crawl_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    env.pop("SCRAPY_PROJECT", None)
    return env


@dataclass
class ChildProcess:
    """A command run in its own process group, its output in a log file (or ours), stopped with grace."""

    command: list[str]
    cwd: Path
    log_file: Path | None = None  # None: the child writes to our stdout/stderr
    env: dict[str, str] | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildProcess:
        out: IO[bytes] | None = None
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            out = open(self.log_file, "ab")  # noqa: SIM115 - the child holds it; closed below once started
        try:
            self.popen = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,  # its own process group: signals reach its workers too
            )
        finally:
            if out is not None:
                out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, "not started"
        return self.popen.pid

    def poll(self) -> int | None:
        assert self.popen is not None, "not started"
        return self.popen.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit code, or None if it is still running after timeout seconds."""
        assert self.popen is not None, "not started"
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM to its process group): a crawl closes its spider and its run."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def stop(self, grace: float) -> int:
        """SIGTERM, then SIGKILL after grace seconds; the exit code (negative: the signal that ended it)."""
        if self.poll() is None:
            self.terminate()
            if self.wait(grace) is None:
                self.kill()
        code = self.wait()
        assert code is not None
        return code

    def _signal(self, signum: int) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)


def crawl_process(
    slug: str,
    db: str | os.PathLike[str],
    sources: str | os.PathLike[str] | None = None,
    revisit: str = "none",
    settings: dict[str, str] | None = None,
    log_file: Path | None = None,
    watch_parent: bool = False,
    env: dict[str, str] | None = None,
) -> ChildProcess:
    """A `scrapy crawl` of one source into db, run from the archive's folder; watch_parent: the crawl stops
    itself when this process is gone (the daemon asks for that)."""
    settings = dict(settings or {})
    if watch_parent:
        settings["PARENT_PID"] = str(os.getpid())
    if log_file is not None:
        log_file = log_file.resolve()  # the crawl runs in the archive's folder: no path may be relative
        settings.setdefault("LOG_FILE", str(log_file))
    return ChildProcess(
        crawl_command(slug, db, sources, revisit, settings),
        cwd=Path(db).resolve().parent,
        log_file=log_file,
        env=crawl_environment(env),
    )


def run_crawl(process: ChildProcess, timeout: float | None = None, grace: float = 30) -> tuple[int, bool]:
    """Start a crawl and wait for it; stop it after timeout seconds. (exit code, whether it timed out)."""
    process.start()
    code = process.wait(timeout)
    if code is None:
        return process.stop(grace), True
    return code, False


def process_is_crawl(pid: int | None, db: Path | None = None) -> bool:
    """Whether pid is a live `scrapy crawl` process (of the archive db, when given): a recycled pid is not."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True  # no /proc: alive is the best we can tell
    if b"scrapy" not in b" ".join(cmdline) or b"crawl" not in cmdline:
        return False
    return db is None or f"ARCHIVE_DB={Path(db).resolve()}".encode() in cmdline


@contextlib.contextmanager
def pid_lock(path: Path, refused: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an exclusive lock on path (the kernel releases it when this process ends) with our pid written
    in it; raise refused(holder's pid) at once when another process holds it."""
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise refused(handle.read().strip() or "unknown") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
