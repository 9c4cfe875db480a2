"""Extraction off the reactor: fetches are classified (decoded, extracted, judged) in worker processes, so
the reactor only fetches and a page that crashes or exhausts a worker cannot take the crawl with it.

Rules: the pool has ``EXTRACT_WORKERS`` processes (default: the CPU count; 0 classifies inline, in the
crawl process). A worker ends when the crawl process that started it ends, however it ends (kill -9
included): the kernel's parent-death signal, and a watch on the parent as a second line. A worker that dies is replaced and its pages are classified again; a page on which workers
keep dying is recorded as ``failed`` with that reason. Workers are started fresh (``spawn``), never forked
from a process running a reactor and threads, and replaced after ``MAX_TASKS_PER_WORKER`` pages each so a
slow leak in a parser cannot grow without bound: the pool retires its executor (which finishes the pages it
holds) and starts a new one. Not Python's ``max_tasks_per_child``: in 3.11 an executor whose worker leaves
after its quota skips starting the replacement whenever its idle-worker count says one is free, and then
holds its pages forever (a crawl that hung with pages in flight after 500 per worker).

A page whose verdict has not come back after ``PAGE_TIMEOUT`` seconds (a worker stopped, wedged in a
parser, or an executor that lost its workers without noticing) is recorded as ``failed`` with that reason,
and the pool is replaced, its workers killed: a crawl never waits forever on extraction. Extraction bounds
its own cost far below that (a 30 MB page is refused in about a second).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.pipeline.items import FetchedPage
from crawler.pipeline.records import Verdict, classify, failed_verdicts

logger = logging.getLogger(__name__)
MAX_TASKS_PER_WORKER = 500
PAGE_TIMEOUT = 120.0  # seconds
PR_SET_PDEATHSIG = 1  # linux/prctl.h
ATTEMPTS = 3


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class ExtractionPool:
    def __init__(
        self, workers: int, tasks_per_worker: int = MAX_TASKS_PER_WORKER, page_timeout: float = PAGE_TIMEOUT
    ) -> None:
        self.workers = workers
        self.page_timeout = page_timeout
        self.timeouts = 0
        self.restarts = 0
        self.renewals = 0
        self._quota = max(1, tasks_per_worker) * max(1, workers)  # pages one executor takes before it retires
        self._submitted = 0
        self._executor: ProcessPoolExecutor | None = self._new() if workers > 0 else None

    def _new(self) -> ProcessPoolExecutor:
        self._submitted = 0
        executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        )
        # start every worker now, while the crawl asks its first list pages, not when the first article comes
        for _ in range(self.workers):
            executor.submit(_warm_up)
        return executor

    def _executor_for_next_page(self) -> ProcessPoolExecutor:
        assert self._executor is not None
        if self._submitted >= self._quota:
            retiring, self._executor = self._executor, self._new()
            self.renewals += 1
            retiring.shutdown(wait=False)  # its workers finish the pages they hold, then exit
        self._submitted += 1
        return self._executor

    async def classify(self, item: FetchedPage) -> list[Verdict]:
        if self._executor is None:
            return classify(item)
        for _attempt in range(ATTEMPTS):
            executor = self._executor_for_next_page()
            try:
                return await asyncio.wait_for(
                    asyncio.wrap_future(executor.submit(classify, item)), self.page_timeout
                )
            except TimeoutError:
                self.timeouts += 1
                if self._executor is executor:
                    logger.error(
                        "%s: no verdict from the extraction workers in %.0f s; starting a new pool",
                        item.url,
                        self.page_timeout,
                    )
                    self._replace(executor)
                return failed_verdicts(item, f"extraction gave no verdict in {self.page_timeout:.0f} s")
            except BrokenProcessPool:
                if self._executor is executor:  # the first page to notice replaces the pool
                    self.restarts += 1
                    logger.error("an extraction worker died; starting a new pool (restart %d)", self.restarts)
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._new()
        return failed_verdicts(item, f"extraction workers died {ATTEMPTS} times on this page")

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        """A new executor for the next pages; the old one's workers are killed (they may be wedged), its pages
        answered as failed by the caller."""
        self._executor = self._new()
        workers = list(getattr(executor, "_processes", {}).values())  # no public way to reach them
        executor.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            with contextlib.suppress(Exception):
                process.kill()

    def close(self) -> None:
        if self._executor is not None:
            if self.timeouts:  # a wedged worker would hold a waiting shutdown forever
                self._replace(self._executor)
                self._executor.shutdown(wait=False, cancel_futures=True)
            else:
                self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _warm_up() -> None:
    """In a worker: import what extraction loads on first use (trafilatura, readability-lxml)."""
    import readability  # noqa: F401
    import trafilatura  # noqa: F401


def _die_with_parent(parent: int) -> None:
    """In a worker: end when the crawl process is gone, so a killed crawl leaves no worker behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
