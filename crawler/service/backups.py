"""The daemon's backup job, when the operator asks for one: a ``[backup]`` table in the sources file.

    [backup]
    every = "1d"                             # how often (a duration: 6h, 1d; or seconds)
    folder = "/var/lib/courtnews/backups"    # where the copies go (relative: beside the archive)
    keep = 7                                 # the newest copies kept there; older ones are deleted

Rules:
- without a ``[backup]`` table there is no job (back up with `courtnews backup` from cron instead);
- each copy is ``archive.upkeep.backup.scheduled_backup``: a new ``courtnews-<UTC time>.db``, checked before it gets
  its name; the oldest beyond ``keep`` are deleted only after a new copy passed its check;
- a copy that fails (a full disk, a check that fails) is one ERROR line in the daemon's log and the next one
  is tried at its time; the archive is never touched;
- a mistake in the table is one line naming the file and the key: the daemon refuses to start with it, and
  a SIGHUP that brings one is reported and leaves the daemon without the job until the file is fixed.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config.sources import SourcesError, parse_duration

logger = logging.getLogger("courtnews.backup")
KEYS = ("every", "folder", "keep")


@dataclass(frozen=True)
class BackupConfig:
    every: int  # seconds
    folder: Path
    keep: int = 7


def load_backup_config(sources_path: Path, db_path: Path) -> BackupConfig | None:
    """The ``[backup]`` table of the sources file, checked; None when there is none."""
    try:
        data = tomllib.loads(Path(sources_path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"{sources_path}: cannot read it ({exc})") from None
    raw: Any = data.get("backup")
    if raw is None:
        return None
    where = f"{sources_path}: [backup]"
    if not isinstance(raw, dict):
        raise SourcesError(f"{where} must be a table (every, folder, keep)")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SourcesError(f"{where} unknown key(s) {unknown}; use {', '.join(KEYS)}")
    if "every" not in raw or "folder" not in raw:
        raise SourcesError(f'{where} needs every (e.g. "1d") and folder (where the copies go)')
    every = parse_duration(raw["every"], f"{where} every")
    if every <= 0:
        raise SourcesError(f"{where} every must be longer than 0 seconds")
    if not isinstance(raw["folder"], str) or not raw["folder"].strip():
        raise SourcesError(f'{where} folder must be a path, e.g. "/var/lib/courtnews/backups"')
    keep = raw.get("keep", 7)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise SourcesError(f"{where} keep must be a whole number of copies, 1 or more (got {keep!r})")
    folder = Path(raw["folder"])
    return BackupConfig(every, folder if folder.is_absolute() else db_path.parent / folder, keep)


def back_up(db_path: Path, config: BackupConfig) -> None:
    """One scheduled copy; a failure is logged, never raised (the scheduler's thread runs it)."""
    from archive.db import ArchiveError
    from archive.upkeep.backup import scheduled_backup

    try:
        done = scheduled_backup(db_path, config.folder, config.keep)
    except (ArchiveError, OSError) as exc:
        logger.error("backup of %s into %s failed: %s", db_path, config.folder, exc)
        return
    logger.info(
        "backup %s: %.1f MiB, %d versions, checked (%.1f s); the newest %d kept in %s",
        done.path.name,
        done.bytes / 2**20,
        done.versions,
        done.seconds,
        config.keep,
        config.folder,
    )


def backup_job(
    sources_path: Path, db_path: Path, strict: bool
) -> tuple[tuple[object, ...], Callable[[], Any], Callable[..., None], list[object], str] | None:
    """The daemon's ``backup`` job as (key, trigger, function, args, name), when the sources file asks for
    one. strict (the daemon starting): a mistake raises SourcesError and the daemon refuses to start; on a
    reload it is logged and there is no job until the file is fixed."""
    try:
        config = load_backup_config(sources_path, db_path)
    except SourcesError as exc:
        if strict:
            raise
        logger.error("%s; no backups until it is fixed (then SIGHUP)", exc)
        return None
    if config is None:
        return None
    from apscheduler.triggers.interval import IntervalTrigger

    every = config.every
    logger.info("job backup every %d s into %s, the newest %d kept", every, config.folder, config.keep)
    return (
        (every, str(config.folder), config.keep),
        lambda: IntervalTrigger(seconds=every),
        back_up,
        [db_path, config],
        "back up the archive",
    )
