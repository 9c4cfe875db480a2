"""The status model: one row per source, filled by `courtnews status` from the archive's runs
(crawler/service/status.py) and, in distributed mode, judged further from Redis (crawler/distributed/status.py).
Both views import it; neither imports the other's module for it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceStatus:
    source: str
    schedule: str
    last_run: dict | None
    last_success: str | None
    next_run: str | None  # ISO time in the configured timezone; None: now (never crawled, no daemon record)
    next_run_overdue: bool  # that time has passed (more than OVERDUE_AFTER ago)
    next_run_from: str  # daemon (its recorded fire time) | schedule (worked out here)
    pages: int
    versions: int
    problems: list[str] = field(default_factory=list)
    failed_checks: int = 0  # archived articles whose last revisit check failed (retried with backoff)
    checked_since: str | None = None  # the oldest good check among them: where their record has a gap
