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
    next_run: str
    pages: int
    versions: int
    problems: list[str] = field(default_factory=list)
