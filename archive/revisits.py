"""When an archived article is due to be fetched again: a decaying schedule counted from its first sighting.

Edits and removals mostly happen in the first days after publication, so a page is checked 1 h, 6 h, 1 d,
3 d, 7 d and 30 d after it was first seen, then every 30 days (the offsets are configurable).
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


def due_pages(
    db: sqlite_utils.Database,
    now: datetime | None = None,
    offsets: tuple[timedelta, ...] = DEFAULT_OFFSETS,
    source: str | None = None,
    limit: int = 200,
) -> list[dict]:
    """Archived pages whose next check is due, oldest-due first, at most limit."""
    now = now or datetime.now(UTC)
    sql = "SELECT url, source, first_seen, last_seen FROM pages WHERE current_version IS NOT NULL"
    params: list[object] = []
    if source:
        sql += " AND source = ?"
        params.append(source)
    due = []
    for row in db.query(sql, params):
        when = next_due(parse_time(row["first_seen"]), parse_time(row["last_seen"]), offsets)
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
