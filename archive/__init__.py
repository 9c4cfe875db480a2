"""The courtnews archive: SQLite storage of pages, captures and versions. Knows SQLite, not the web.

The names below are loaded on first use, so a process that needs only the plain data of ``archive.model``
or ``archive.urls`` (an extraction worker) does not load the storage code and its libraries."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.db import open_archive, resolve_db_path
    from archive.model import ArticleFields, Capture, RecordResult
    from archive.runs import finish_run, start_run
    from archive.store import known_urls, record

_HOMES = {
    "ArticleFields": "archive.model",
    "Capture": "archive.model",
    "RecordResult": "archive.model",
    "finish_run": "archive.runs",
    "known_urls": "archive.store",
    "open_archive": "archive.db",
    "record": "archive.store",
    "resolve_db_path": "archive.db",
    "start_run": "archive.runs",
}

__all__ = [  # the names of _HOMES, spelled out for the linters
    "ArticleFields",
    "Capture",
    "RecordResult",
    "finish_run",
    "known_urls",
    "open_archive",
    "record",
    "resolve_db_path",
    "start_run",
]
assert sorted(__all__) == sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'archive' has no attribute {name!r}")
