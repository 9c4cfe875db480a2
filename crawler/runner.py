"""Run one crawl as its own `scrapy crawl` process: a Twisted reactor cannot be restarted, and a process
isolates memory and crashes. The CLI, the demo and the daemon all crawl through here."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlOutcome:
    slug: str
    returncode: int | None  # None: killed after the timeout
    log_file: Path | None
    timed_out: bool = False


def crawl_command(
    slug: str,
    db: str | os.PathLike[str],
    sources: str | os.PathLike[str] | None = None,
    revisit: str = "none",
    settings: dict[str, str] | None = None,
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        slug,
        "-s",
        f"ARCHIVE_DB={db}",
        "-a",
        f"revisit={revisit}",
    ]
    if sources:
        cmd += ["-s", f"SOURCES_FILE={sources}"]
    for name, value in (settings or {}).items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


def run_crawl(
    slug: str,
    db: str | os.PathLike[str],
    sources: str | os.PathLike[str] | None = None,
    revisit: str = "none",
    log_file: Path | None = None,
    timeout: float | None = None,
    settings: dict[str, str] | None = None,
) -> CrawlOutcome:
    """Crawl one source into the archive; output goes to log_file (or is inherited when None)."""
    cmd = crawl_command(slug, db, sources, revisit, settings)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - closed below
    try:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT if out else None)
        try:
            return CrawlOutcome(slug, proc.wait(timeout=timeout), log_file)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            return CrawlOutcome(slug, None, log_file, timed_out=True)
    finally:
        if out:
            out.close()
