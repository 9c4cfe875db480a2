"""courtnews's Datasette plugin: how the archive reads in a browser. Registered as a Datasette plugin
(entry point ``courtnews``), so both `courtnews serve` and plain `datasette archive.db --metadata ...` load it.

- Connections get the SQL functions the shipped metadata uses: ``fts_query(q)`` turns a literal query into the
  bigram index's syntax (archive/search.py), and Datasette's own ``escape_fts`` is replaced by it, so the search
  box of every table and view searches Chinese of any length; ``search_snippet(q, text, …)`` gives the passage
  around the first match, the match between 【】; ``search_character(q)`` is the character a one-character query
  searches (NULL otherwise), whose total the canned search query reads from ``search_chars``.
- A plain search in the versions table's box (``/DB/versions?_search=…``, optionally with court, source or kind)
  is sent to the reader's search page, which counts matches in the index; Datasette's table counts them row by
  row (seconds at a million versions). JSON, CSV and searches with other filters or sorts stay Datasette's.
- Pages of its own (archive/reader/views.py): article, timeline, diff, search, courts and court, raw capture,
  WARC record, Atom feed; templates in templates/courtnews/, one stylesheet in static/, no script anywhere.
- The reader views' facets read counts the archive keeps (archive/reader/facets.py, facet type ``counted``).
- Datasette's own tables read better (archive/reader/cells.py): times in Beijing time, kinds and fields in
  Chinese, long texts cut with a link to the article, ids linked to the reader's pages, a row shown as a list.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from archive.search import fts_query, marked, match_pattern, one_character, snippet


def _fts_query(query: str | None) -> str:
    # no token at all (empty, only punctuation): the empty phrase, which FTS5 accepts and nothing matches
    # (a NUL inside the phrase, as before, ended the string early: "unterminated string" in Datasette)
    return fts_query(query or "") or '""'


def _search_snippet(query: str | None, *texts: str | None) -> str:
    return marked(snippet(list(texts), match_pattern(query or "")))


@hookimpl(trylast=True)  # after Datasette's own prepare_connection, so its escape_fts is replaced
def prepare_connection(conn: Any) -> None:
    conn.create_function("fts_query", 1, _fts_query, deterministic=True)
    conn.create_function("escape_fts", 1, _fts_query, deterministic=True)
    conn.create_function("search_snippet", -1, _search_snippet, deterministic=True)
    conn.create_function("search_character", 1, lambda q: one_character(q or ""), deterministic=True)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """A plain search in the versions table's box is answered by the reader's search (see search_box_target)."""
    from datasette.utils.asgi import asgi_send_redirect

    from archive.reader.views import search_box_location

    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict, receive: Any, send: Any) -> None:
            location = search_box_location(datasette, scope) if scope["type"] == "http" else None
            if location is None:
                await app(scope, receive, send)
            else:
                await asgi_send_redirect(send, location)

        return wrapped

    return wrap


@hookimpl
def register_routes(datasette: Any) -> list:
    from archive.reader.views import ROUTES

    return ROUTES


@hookimpl
def register_facet_classes() -> list:
    from archive.reader.facets import facet_classes

    return facet_classes()


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    return [datasette.urls.static_plugins("courtnews", "courtnews.css")]


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    from archive.reader.cells import render

    return render(row, value, column, table, database, datasette)
