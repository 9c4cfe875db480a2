"""A process that opens an archive for writing at an agreed instant (tests/test_hostile_outputs.py starts 48 of
them on one brand-new file): a light module, so that spawned processes start fast."""

from __future__ import annotations

import time


def open_at(path: str, at: float) -> str:
    """Wait for the wall clock to reach at (a busy wait, so that every process starts within microseconds),
    open the archive at path for writing and close it: "ok", or the one-line error it gave."""
    from archive import open_archive
    from archive.db import ArchiveError

    while time.time() < at:
        pass
    try:
        open_archive(path).close()
    except ArchiveError as exc:
        return str(exc)
    return "ok"
