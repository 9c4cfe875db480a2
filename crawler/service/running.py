"""A run the daemon follows to its end, and the part of the daemon a run launcher may touch (the daemon owns
this interface: distributed mode adopts the runs an earlier daemon left open through it, and never imports the
daemon)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from crawler.crawling.process import ChildProcess
from crawler.service.scheduling import CrawlQueue, Job


@dataclass
class Running:
    job: Job
    process: ChildProcess
    run_id: int | None  # None for maintenance
    log_file: Path
    deadline: float  # monotonic time at which it is stopped for taking too long
    stop_reason: tuple[str, str] | None = (
        None  # (status, reason) the daemon gives it if it leaves its run open
    )
    stopping_since: float | None = None


class RunFollower(Protocol):
    """What a launcher adopting open runs sees of the daemon: its queue (a source with a run open is not
    started again), the runs it follows to their end, and the folder of their logs."""

    queue: CrawlQueue
    running: list[Running]
    log_dir: Path
