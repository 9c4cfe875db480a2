"""The courtnews archive: SQLite storage of pages, captures and versions. Knows SQLite, not the web."""

from archive.db import open_archive, resolve_db_path
from archive.runs import finish_run, start_run
from archive.store import ArticleFields, Capture, RecordResult, known_urls, record

__all__ = [
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
