"""When an archived article is due to be fetched again: a decaying schedule counted from its first sighting.

Edits and removals mostly happen in the first days after publication, so a page is checked 1 h, 6 h, 1 d,
3 d, 7 d and 30 d after it was first seen, then every 30 days (the offsets are configurable).

Only a check that got an answer counts (``pages.last_checked``: any outcome but a failed fetch): a check that
failed (an outage, a timeout) leaves the schedule where it was and is retried soon, after the first offset,
doubling with each consecutive failure (``pages.check_failures``) up to a day; ``pages.last_failed_check``
and `courtnews status` show the gap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

DEFAULT_OFFSETS = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def next_due(
    first_seen: datetime, last_checked: datetime, offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
) -> datetime:
    """The first scheduled check after the last one; past the last offset, one period after the last check."""
    for offset in offsets:
        if first_seen + offset > last_checked:
            return first_seen + offset
    period = offsets[-1] if offsets else timedelta(days=30)
    return last_checked + period


RETRY_CAP = timedelta(days=1)


def retry_after(failures: int, offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS) -> timedelta:
    """How long after its n-th consecutive failed check a page is tried again: the first offset, doubled
    for each further failure, at most RETRY_CAP (or the first offset, if that is longer)."""
    base = offsets[0] if offsets else timedelta(hours=1)
    return min(base * 2 ** min(max(failures - 1, 0), 32), max(RETRY_CAP, base))


def due_at(row: dict, offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS) -> datetime:
    """When a page (first_seen, last_checked, check_failures, last_failed_check) is due: its scheduled check
    after the last one that got an answer, but not before its retry after a failed one."""
    first_seen = parse_time(row["first_seen"])
    when = next_due(
        first_seen, parse_time(row["last_checked"]) if row["last_checked"] else first_seen, offsets
    )
    if row["check_failures"] and row["last_failed_check"]:
        when = max(when, parse_time(row["last_failed_check"]) + retry_after(row["check_failures"], offsets))
    return when


def due_pages(
    db: sqlite_utils.Database,
    now: datetime | None = None,
    offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS,
    source: str | None = None,
    limit: int = 200,
) -> list[dict]:
    """Archived pages whose next check is due, oldest-due first, at most limit."""
    now = now or datetime.now(UTC)
    sql = (
        "SELECT url, source, first_seen, last_seen, last_checked, check_failures, last_failed_check FROM pages "
        "WHERE current_version IS NOT NULL"
    )
    params: list[object] = []
    if source:
        sql += " AND source = ?"
        params.append(source)
    due = []
    for row in db.query(sql, params):
        when = due_at(row, offsets)
        if when <= now:
            due.append({**row, "due": when})
    due.sort(key=lambda row: row["due"])
    return due[:limit]


def due_counts(
    db: sqlite_utils.Database, now: datetime | None = None, offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS
) -> dict[str, int]:
    """How many archived pages of each source are due for a check: each source gets its own revisit batch,
    so one large source never starves the others."""
    counts: dict[str, int] = {}
    for row in due_pages(db, now=now, offsets=offsets, limit=2**62):
        counts[row["source"]] = counts.get(row["source"], 0) + 1
    return counts


def failed_checks(db: sqlite_utils.Database, source: str) -> tuple[int, str | None]:
    """How many archived pages of a source failed their last check, and the oldest good check among them
    (how long the gap in their record is)."""
    row = next(
        iter(
            db.query(
                "SELECT COUNT(*) AS n, MIN(COALESCE(last_checked, first_seen)) AS since FROM pages "
                "WHERE source = ? AND current_version IS NOT NULL AND check_failures > 0",
                [source],
            )
        )
    )
    return int(row["n"]), row["since"]
