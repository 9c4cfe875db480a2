"""Open the archive: one SQLite file in WAL mode, for a writer (creating and migrating it) or a reader.

Rules:
- A writer takes SQLite's write lock up front (``BEGIN IMMEDIATE``), waiting up to ``BUSY_TIMEOUT_SECONDS``
  and retrying a bounded number of times, so two crawls, the daemon and a maintenance command never lose a
  write to "database is locked" (a deferred transaction that reads first cannot wait for the lock).
- Migrations run under that lock: two crawls opening a new archive at once create it once. Switching a new
  file to WAL, which SQLite refuses at once rather than wait (see _until_unlocked), is retried as long.
- A file that is not a SQLite database, a SQLite file that is not a courtnews archive, and an archive written
  by a newer courtnews are refused with one line saying so; nothing is written to them.
- Readers open the file read-only (``mode=ro``; on a read-only mount, ``immutable``) and never create,
  migrate or alter it.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from archive.schema import MIGRATION_SET, migrations

DEFAULT_DB = "data/archive.db"
BUSY_TIMEOUT_SECONDS = 30.0
LOCK_ATTEMPTS = 4  # BEGIN IMMEDIATE tries, each waiting BUSY_TIMEOUT_SECONDS: two minutes in all


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written; the message is one line naming the file and what to do."""


class ArchiveBusy(ArchiveError):
    """Another process held the write lock longer than we wait."""


class ArchiveFull(ArchiveError):
    """The disk (or the file system's quota) is full: nothing more can be stored."""


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The archive path: an explicit value, else $COURTNEWS_DB, else data/archive.db."""
    return Path(explicit or os.environ.get("COURTNEWS_DB") or DEFAULT_DB)


def refuse_directory(db_path: Path) -> None:
    """A directory is never an archive: say so, rather than SQLite's "unable to open database file" (from
    --db, $COURTNEWS_DB or a daemon's configuration naming the folder instead of the file in it)."""
    if db_path.is_dir():
        raise ArchiveError(
            f"{db_path}: a directory, not an archive file; give a file path (e.g. --db {db_path / 'archive.db'})"
        )


def storage_error(exc: sqlite3.Error, path: object) -> ArchiveError:
    """Name a SQLite failure the way an operator can act on it."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return ArchiveFull(f"{path}: the disk is full ({exc}); free space, then run the crawl again")
    if name.startswith("SQLITE_BUSY") or "locked" in str(exc):
        return ArchiveBusy(
            f"{path}: another process held the write lock for over "
            f"{int(BUSY_TIMEOUT_SECONDS * LOCK_ATTEMPTS)} s ({exc}); find it with `fuser {path}`"
        )
    if name == "SQLITE_READONLY" or "readonly" in str(exc):
        return ArchiveError(
            f"{path}: the file or its folder is read-only ({exc}); the archive needs write access"
        )
    if name == "SQLITE_NOTADB" or "not a database" in str(exc):
        return ArchiveError(f"{path}: not a SQLite database; pass the archive's path with --db")
    return ArchiveError(f"{path}: {exc}")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction holding the write lock from its first statement: all of it or none of it.

    Nested ``db.atomic()`` blocks inside it are savepoints. Raises ArchiveBusy when the lock could not be
    had, ArchiveFull when the disk is full (the transaction is rolled back in both cases).
    """
    path = _path_of(db)
    for attempt in range(LOCK_ATTEMPTS):
        try:
            db.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            error = storage_error(exc, path)
            if not isinstance(error, ArchiveBusy) or attempt == LOCK_ATTEMPTS - 1:
                raise error from exc
            time.sleep(0.05 * (attempt + 1))
    try:
        yield db
        db.execute("COMMIT")
    except BaseException as exc:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise storage_error(exc, path) from exc
        raise


def _use_wal(db: sqlite_utils.Database) -> None:
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode=WAL")


def _until_unlocked(action: Callable[[], None], path: Path) -> None:
    """Run action, again after a short random pause while SQLite answers "locked", for as long as a writer
    waits for the write lock (BUSY_TIMEOUT_SECONDS * LOCK_ATTEMPTS). For statements SQLite answers BUSY at once,
    without its busy timeout: switching a new file to WAL needs an exclusive lock, and a connection that holds
    a shared lock is refused rather than left waiting for one that waits for it (deadlock avoidance). Without
    the retry, one of 48 processes opening a brand-new archive together failed at once."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS * LOCK_ATTEMPTS
    pause = 0.005
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if not isinstance(storage_error(exc, path), ArchiveBusy) or time.monotonic() >= deadline:
                raise
        time.sleep(pause * (1 + random.random()))  # random: two processes must not retry in step
        pause = min(pause * 2, 0.2)


def _path_of(db: sqlite_utils.Database) -> str:
    rows = db.execute("PRAGMA database_list").fetchall()
    return rows[0][2] if rows else "archive"


def _connect(uri: str, path: Path) -> sqlite_utils.Database:
    try:
        # check_same_thread off: a connection may be opened by one thread and then used by one other (the writer)
        conn = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from None
    return sqlite_utils.Database(conn)


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{quote(str(path.resolve()))}" + (f"?{query}" if query else "")


def schema_problem(db: sqlite_utils.Database, path: Path) -> str | None:
    """Why this database cannot be used as an archive by this courtnews, or None."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return None  # a new, empty file: a writer makes it an archive
    applied: list[str] = []
    if "_sqlite_migrations" in tables:
        applied = [
            row[0]
            for row in db.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        ]
    if not applied:
        return (
            f"{path}: a SQLite database, but not a courtnews archive (tables: {', '.join(sorted(tables)[:5])}); "
            "pass the archive's path with --db"
        )
    known = {m.name for m in migrations._migrations}
    newer = [name for name in applied if name not in known]
    if newer:
        return (
            f"{path}: written by a newer courtnews (schema step {newer[0]} is unknown here); upgrade courtnews "
            "before opening it"
        )
    return None


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


def _check_connection(db_path: Path) -> sqlite_utils.Database:
    """A connection that only looks: immutable when all the data is in the file (no -wal beside it) or the
    file may not be written here, so looking leaves no -wal/-shm file behind."""
    whole = not Path(f"{db_path}-wal").exists()
    immutable = {"immutable": "1"} if whole or not _writable(db_path) else {}
    return _connect(_uri(db_path, mode="ro", **immutable), db_path)


def _refuse_foreign(db_path: Path) -> None:
    """Refuse, before anything is written, a file that is not a courtnews archive or is from a newer one."""
    check = _check_connection(db_path)
    try:
        problem = schema_problem(check, db_path)
    except sqlite3.Error as exc:
        raise storage_error(exc, db_path) from None
    finally:
        check.close()
    if problem:
        raise ArchiveError(problem)


def schema_steps_due(path: str | os.PathLike[str]) -> list[str]:
    """The schema steps a writer would apply to this existing archive (looking only: nothing is written)."""
    db_path = Path(path)
    refuse_directory(db_path)
    _refuse_foreign(db_path)
    check = _check_connection(db_path)
    try:
        return pending_migrations(check)
    finally:
        check.close()


def open_archive(path: str | os.PathLike[str] | None = None) -> sqlite_utils.Database:
    """Open the archive for writing, creating it if needed and bringing its schema up to date."""
    db_path = resolve_db_path(path)
    refuse_directory(db_path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"{db_path}: cannot create its folder ({exc.strerror})") from None
    if db_path.exists() and not _writable(db_path):
        raise ArchiveError(
            f"{db_path}: the file or its folder is read-only; writing the archive needs write access"
        )
    db = _connect(_uri(db_path), db_path)
    try:
        problem = schema_problem(db, db_path)
        if problem:
            raise ArchiveError(problem)
        db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _until_unlocked(lambda: _use_wal(db), db_path)
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")
        if pending_migrations(db):
            with write_transaction(db):
                # another process may have migrated while we waited for the lock: apply() re-reads
                problem = schema_problem(db, db_path)
                if problem:
                    raise ArchiveError(problem)
                migrations.apply(db)
    except sqlite3.Error as exc:
        db.close()
        raise storage_error(exc, db_path) from None
    except BaseException:
        db.close()
        raise
    return db


def _writable(path: Path) -> bool:
    """Whether this archive may be written here: the mount and folder allow it, and the file's mode says so
    (root may write a file of mode 444, but its owner made it read-only for a reason)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK) and bool(path.stat().st_mode & 0o222)


def open_reader(path: str | os.PathLike[str] | None = None) -> sqlite_utils.Database:
    """Open an existing archive read-only: nothing is created, migrated or written.

    Refuses a missing file, a file that is not a courtnews archive, an archive from a newer courtnews, and
    an archive whose schema is older than this courtnews (a writer upgrades it: `courtnews migrate`). A file
    nobody here may write (a read-only file or mount) is read as immutable, so no -wal/-shm file appears
    beside it; so is any archive while it is being checked, when all its data is in the file (no -wal).
    """
    db_path = resolve_db_path(path)
    refuse_directory(db_path)
    if not db_path.is_file():
        raise ArchiveError(
            f"{db_path}: no archive here; crawl first (`courtnews crawl SLUG`) or pass --db PATH"
        )
    writable = _writable(db_path)
    whole = not Path(f"{db_path}-wal").exists()
    check = _connect(
        _uri(db_path, mode="ro", **({"immutable": "1"} if whole or not writable else {})), db_path
    )
    try:
        problem = schema_problem(check, db_path)
        if problem is None and not {r[0] for r in check.execute("SELECT name FROM sqlite_master")}:
            problem = f"{db_path}: an empty file, not a courtnews archive; pass the archive's path with --db"
        if problem is None and pending_migrations(check):
            problem = (
                f"{db_path}: an archive from an older courtnews; run `courtnews migrate --db {db_path}` "
                "(it writes) before reading it"
            )
    except sqlite3.Error as exc:
        check.close()
        raise storage_error(exc, db_path) from None
    if problem:
        check.close()
        raise ArchiveError(problem)
    if writable:  # a writer may come: read through SQLite's locks (this may create -wal/-shm beside it)
        check.close()
        db = _connect(_uri(db_path, mode="ro"), db_path)
    else:
        db = check
    db.execute("PRAGMA query_only = ON")
    return db
