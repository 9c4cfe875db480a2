"""A copy of the archive that can be restored: taken while crawls and the daemon write, checked before it is
given its name.

Rules:
- the copy is SQLite's ``VACUUM INTO`` from a read-only connection: one read transaction, so it holds
  exactly what was committed when it began (every version, capture and blob of it, and nothing half
  written), never blocks a writer (WAL) and is never restarted by one (the online backup API starts over
  whenever another process writes between its steps, which a busy daemon may do forever);
- it is written beside its destination under a temporary name, checked (``PRAGMA integrity_check`` and
  ``archive.upkeep.verify``: every raw page present and hashing to its digest, versions without gaps, the search
  index in step), made durable (fsync), and only then renamed to its name: a file of that name is a whole,
  verified copy. A copy that fails a check is deleted and the error names what failed;
- an existing file is never overwritten unless asked (``force``);
- ``rotate`` keeps the newest N copies a schedule made in a folder (``courtnews-*.db``), deleting older ones
  only after a new one was written and verified.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from archive.db import ArchiveError, open_reader, resolve_db_path, schema_problem, storage_error
from archive.upkeep.verify import verify

SCHEDULED_PREFIX = "courtnews-"  # the copies a schedule makes: courtnews-<UTC time>.db
PROGRESS_EVERY = 1.0  # seconds between two progress reports
Progress = Callable[[str], None]


@dataclass
class BackupResult:
    path: Path
    bytes: int
    versions: int
    captures: int
    seconds: float


def _quiet(_: str) -> None:
    pass


def _source(path: Path) -> sqlite3.Connection:
    """A read-only connection that sees writers' commits (never immutable: the archive may be written)."""
    if not path.is_file():
        raise ArchiveError(f"{path}: no archive here; pass --db PATH")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=30)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from None
    return conn


def _check_is_archive(conn: sqlite3.Connection, path: Path) -> None:
    import sqlite_utils

    problem = schema_problem(sqlite_utils.Database(conn), path)
    if problem:
        raise ArchiveError(problem)


def _copy(conn: sqlite3.Connection, target: Path, progress: Progress) -> None:
    """VACUUM INTO target, reporting how far the copy is every PROGRESS_EVERY seconds."""
    pages, page_size = (conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "page_size"))
    total = max(1, pages * page_size)
    last = [time.monotonic()]

    def report() -> int:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            done = target.stat().st_size if target.exists() else 0
            progress(
                f"copied {done / 2**20:.1f} of about {total / 2**20:.1f} MiB ({min(done / total, 1):.0%})"
            )
        return 0  # go on

    conn.set_progress_handler(report, 20_000)
    try:
        conn.execute("VACUUM INTO ?", [str(target)])
    finally:
        conn.set_progress_handler(None, 0)


def check_copy(path: Path) -> tuple[int, int]:
    """integrity_check and the archive's own verify on a copy; (versions, captures) it holds. ArchiveError
    naming the first problem otherwise."""
    db = open_reader(path)
    try:
        report = verify(db)
        problems = [f"{name}: {items[0]}" for name, items in report.items() if items]
        if problems:
            raise ArchiveError(
                f"{path}: the copy fails its check ({problems[0]}); the archive was not changed"
            )
        versions = int(db.execute("SELECT COUNT(*) FROM versions").fetchone()[0])
        captures = int(db.execute("SELECT COUNT(*) FROM captures").fetchone()[0])
    finally:
        db.close()
    return versions, captures


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup(
    db_path: str | os.PathLike[str] | None,
    output: str | os.PathLike[str],
    force: bool = False,
    progress: Progress = _quiet,
) -> BackupResult:
    """Copy the archive at db_path to output, checked; see the module's rules."""
    began = time.monotonic()
    source = resolve_db_path(db_path)
    target = Path(output)
    if target.exists() and not force:
        raise ArchiveError(f"{target}: exists already; choose another file or pass --force to replace it")
    if not target.parent.is_dir():
        raise ArchiveError(f"{target.parent}: no such folder; create it or choose another --output")
    if target.exists() and target.resolve() == source.resolve():
        raise ArchiveError(f"{target}: that is the archive itself; choose another --output")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    conn = _source(source)
    try:
        _check_is_archive(conn, source)
        progress(f"copying {source} to {target}")
        _copy(conn, partial, progress)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise storage_error(exc, partial) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        conn.close()
    try:
        progress("checking the copy (integrity_check, verify)")
        versions, captures = check_copy(partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, versions, captures, time.monotonic() - began)


def scheduled_name(now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{SCHEDULED_PREFIX}{moment.strftime('%Y%m%dT%H%M%SZ')}.db"


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` scheduled copies in folder (by name: their UTC time); the deleted."""
    copies = sorted(p for p in folder.glob(f"{SCHEDULED_PREFIX}*.db") if p.is_file())
    old = copies[:-keep] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


def scheduled_backup(db_path: Path, folder: Path, keep: int, progress: Progress = _quiet) -> BackupResult:
    """One copy of a schedule: a new timestamped file in folder, checked, then the oldest beyond keep go."""
    folder.mkdir(parents=True, exist_ok=True)
    result = backup(db_path, folder / scheduled_name(), progress=progress)
    rotate(folder, keep)
    return result
