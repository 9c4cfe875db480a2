"""One writer thread per process owns the archive connection: fetches are recorded in batches, one write
transaction per batch, each fetch still all or nothing (a savepoint).

Rules:
- the write lock is taken up front and waited for (``write_transaction``); a batch that still finds the
  archive locked is tried again, ``BATCH_ATTEMPTS`` times in all;
- a fetch whose records the store rejects (a bug, a constraint) is stored instead as a ``failed`` capture
  of its first URL with the error as reason: the fetch is never dropped;
- what cannot be stored at all (the lock never came, the disk is full) is counted in ``unstored`` with the
  first error, and the caller fails the run; after a full disk nothing more is attempted;
- a reserve file of ``RESERVE_BYTES`` beside the archive is given back when the disk fills, so the run can
  still be closed with its reason instead of being left ``running``.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive.db import ArchiveBusy, ArchiveError, ArchiveFull, open_archive, storage_error, write_transaction
from archive.store import Recorded, RecordResult, SameText, record_fetch

logger = logging.getLogger(__name__)
BATCH_ATTEMPTS = 3
RESERVE_BYTES = 1024 * 1024


@dataclass
class _Job:
    run_id: int
    records: list[Recorded]
    fetch_id: str | None = None  # recorded once under this id, however often it is delivered
    future: Future[list[RecordResult]] = field(default_factory=Future)


class ArchiveWriter:
    """Record fetches from any thread; ``submit`` returns a future that resolves once they are committed."""

    def __init__(
        self,
        path: str | Path,
        batch_size: int = 50,
        window: float = 0.2,
        with_comments: bool = False,
        same_text: SameText | None = None,
    ) -> None:
        self.path = Path(path)
        self.with_comments = with_comments  # comments alone make versions (COMMENTS_MAKE_VERSIONS)
        self.same_text = same_text  # the crawler's judgement that two bodies differ only in page furniture
        self.batch_size = batch_size
        self.window = window
        self.stored = 0
        self.unstored = 0
        self.first_error: str | None = None
        self.full: ArchiveFull | None = None
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self._db = open_archive(self.path)  # opened (and migrated) here, so a bad archive fails at start
        self.reserve = self.path.with_name(self.path.name + "-reserve")
        try:
            with open(self.reserve, "wb") as fh:
                fh.write(b"\0" * RESERVE_BYTES)
        except OSError as exc:
            self.reserve.unlink(missing_ok=True)
            self._db.close()
            raise ArchiveFull(
                f"{self.path}: less than {RESERVE_BYTES // 1024} KiB free beside the archive ({exc.strerror}); "
                "free space, then run the crawl again"
            ) from None

    def start(self) -> ArchiveWriter:
        self._thread.start()
        return self

    def submit(
        self, run_id: int, records: list[Recorded], fetch_id: str | None = None
    ) -> Future[list[RecordResult]]:
        job = _Job(run_id, records, fetch_id)
        if self.full is not None:
            self._give_up([job], self.full)
        else:
            self._queue.put(job)
        return job.future

    def close(self) -> None:
        """Write what is queued, then stop the thread and close the connection."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._db.close()
        self.release_reserve()

    def release_reserve(self) -> None:
        """Give the reserved space back (done at once when the disk fills, so the run can be closed)."""
        self.reserve.unlink(missing_ok=True)

    # ------------------------------------------------------------ the thread
    def _run(self) -> None:
        # the connection was opened by the constructing thread; from here on only this thread uses it
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            deadline = time.monotonic() + self.window
            stop = False
            while len(batch) < self.batch_size:
                try:
                    more = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Job]) -> None:
        if self.full is not None:
            self._give_up(batch, self.full)
            return
        error: ArchiveError | None = None
        for attempt in range(BATCH_ATTEMPTS):
            try:
                with write_transaction(self._db):
                    results = [self._record(job) for job in batch]
            except ArchiveFull as exc:
                self.full = exc
                self.release_reserve()
                error = exc
                break
            except ArchiveBusy as exc:
                error = exc
                logger.warning("archive busy (batch attempt %d of %d): %s", attempt + 1, BATCH_ATTEMPTS, exc)
                continue
            except ArchiveError as exc:
                error = exc
                break
            for job, result in zip(batch, results, strict=True):
                job.future.set_result(result)
            self.stored += len(batch)
            return
        assert error is not None
        self._give_up(batch, error)

    def _record(self, job: _Job) -> list[RecordResult]:
        try:
            return record_fetch(
                self._db, job.run_id, job.records, self.with_comments, job.fetch_id, self.same_text
            )
        except sqlite3.Error as exc:
            problem = storage_error(exc, self.path)
            if isinstance(problem, ArchiveBusy | ArchiveFull) or not self._db.conn.in_transaction:
                raise problem from exc
            reason = f"could not be stored as judged: {problem}"
        except (ValueError, TypeError, KeyError, AssertionError) as exc:
            reason = f"could not be stored as judged: {type(exc).__name__}: {exc}"
        first = job.records[0]
        fallback = Recorded(replace(first.capture, reason=" ".join(reason.split())[:300]), "failed")
        logger.error("%s: %s", first.capture.url, fallback.capture.reason)
        return record_fetch(
            self._db, job.run_id, [fallback], self.with_comments, job.fetch_id, self.same_text
        )

    def _give_up(self, batch: list[_Job], error: ArchiveError) -> None:
        self.unstored += len(batch)
        self.first_error = self.first_error or str(error)
        for job in batch:
            if not job.future.done():
                job.future.set_exception(error)
