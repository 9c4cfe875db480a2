"""courtnews's Datasette plugin: how the archive reads in a browser. Registered as a Datasette plugin
(entry point ``courtnews``), so both `courtnews serve` and plain `datasette archive.db --metadata ...` load it.

Connections get the SQL functions the shipped metadata uses: ``fts_query(q)`` turns a literal query into the
bigram index's syntax (archive/search.py), and Datasette's own ``escape_fts`` is replaced by it, so the
search box of every table and view searches Chinese of any length.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from archive.search import fts_query


def _fts_query(query: str | None) -> str:
    # no token at all (empty, only punctuation): a phrase no text contains, so the search finds nothing
    return fts_query(query or "") or '"\u0000"'


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so its escape_fts is replaced
def prepare_connection(conn: Any) -> None:
    conn.create_function("fts_query", 1, _fts_query, deterministic=True)
    conn.create_function("escape_fts", 1, _fts_query, deterministic=True)
