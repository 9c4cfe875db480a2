"""The reader's pages, served by Datasette under each archive database: /DB/-/article/ID, /-/timeline/PAGE,
/-/diff/A/B, /-/search, /-/courts, /-/court?name=, /-/raw/CAPTURE, /-/warc/CAPTURE, /-/feed.atom.

Rules:
- archived text is only ever text: templates autoescape, and every HTML page is sent with a Content-Security-Policy
  that allows no script at all and styles only from our own static file; a stored address is a link only when
  it is an http(s) address (archive/reader/links.py), so a redirect to ``javascript:`` is text even without it;
- a raw capture is never a page: it is sent as text/plain (or, with ?download=1, as an attachment) with nosniff
  and a sandboxing CSP, whatever type the court's server gave it;
- an id not in the archive is a 404 page, a malformed parameter a 400 page, both in the reader's layout.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import zlib
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sqlite_utils
from datasette.utils.asgi import Request, Response
from zstandard import ZstdError

from archive import search as archive_search
from archive.blobs import BlobError
from archive.export.feed import atom_feed
from archive.export.warc import capture_warc
from archive.reader import data, diffs, labels
from archive.reader.chart import weekly_svg
from archive.reader.links import web_href
from archive.store import get_blob

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
RAW_CSP = "default-src 'none'; sandbox"
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
RESULTS_PER_PAGE = 20
MAX_PAGE = 10**9  # as the CLI's --page: its offset stays far inside SQLite's integers


class BadRequest(ValueError):
    """A parameter the page cannot use; the message says which and what it expects."""


class Missing(LookupError):
    """The id asked for is not in this archive."""


class Damaged(RuntimeError):
    """Stored bytes that cannot be read (a blob rewritten by another tool): a 500 page saying so, not a trace."""


View = Callable[[Request, Any], Awaitable[Response]]


def _reader_view(handler: Callable[[Request, Any, str], Awaitable[Response]]) -> View:
    """Resolve the database, check the actor may see it, and turn Missing/BadRequest into pages."""

    async def view(request: Request, datasette: Any) -> Response:
        name = request.url_vars["database"]
        try:
            datasette.get_database(name)
        except KeyError:
            return await _error(
                request, datasette, name, 404, f"没有名为 {name} 的数据库 (no database {name})"
            )
        await datasette.ensure_permissions(request.actor, [("view-database", name), "view-instance"])
        try:
            return await handler(request, datasette, name)
        except Missing as exc:
            return await _error(request, datasette, name, 404, str(exc))
        except BadRequest as exc:
            return await _error(request, datasette, name, 400, str(exc))
        except Damaged as exc:
            return await _error(request, datasette, name, 500, str(exc))

    return view


async def _error(request: Request, datasette: Any, name: str, status: int, message: str) -> Response:
    return await _page(
        request, datasette, name, "error.html", {"message": message, "title": str(status)}, status
    )


async def _page(
    request: Request, datasette: Any, name: str, template: str, context: dict, status: int = 200
) -> Response:
    base = datasette.urls.database(name)
    html = await datasette.render_template(
        f"courtnews/{template}",
        {
            **context,
            "database": name,
            "base": base,
            "css_url": datasette.urls.static_plugins("courtnews", "courtnews.css"),
            "labels": labels,
            "web_href": web_href,  # the one rule for links made from stored addresses
        },
        request=request,
    )
    return Response.html(html, status=status, headers=PAGE_HEADERS)


async def _read(datasette: Any, name: str, fn: Callable[[sqlite_utils.Database], Any]) -> Any:
    return await datasette.get_database(name).execute_fn(lambda conn: fn(sqlite_utils.Database(conn)))


SQLITE_MAX_INT = 2**63 - 1  # no id beyond it can be in the archive, and SQLite cannot take it as a parameter
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}", re.ASCII)


def _int(value: str | None, what: str, default: int | None = None, maximum: int = SQLITE_MAX_INT) -> int:
    """The one parser of every numeric parameter of the reader's pages (ids in the path, page, limit, weeks):
    ASCII digits only, from 1 to maximum, else BadRequest (a 400 page naming the parameter). Python's int()
    and str.isdigit() accept far more (² and ١ are digits to them; a 20-digit id overflows SQLite), which
    made 500 pages or read a different number than the one written."""
    if value in (None, "") and default is not None:
        return default
    number = int(value) if value and _ASCII_NUMBER.fullmatch(value) else 0
    if not 1 <= number <= maximum:
        raise BadRequest(
            f"{what} 应为 1 到 {maximum} 的整数 ({what} must be a whole number from 1 to {maximum}, "
            f"in ASCII digits), not {value!r}"
        )
    return number


def _paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# ---------------------------------------------------------------- article
async def _article(request: Request, datasette: Any, name: str) -> Response:
    version_id = _int(request.url_vars["id"], "version")
    row = await _read(datasette, name, lambda db: data.version(db, version_id))
    if row is None:
        raise Missing(f"存档中没有版本 {version_id} (version {version_id} is not in the archive)")
    text = row["text"] or {}
    context = {
        "v": row,
        "text": text,
        "paragraphs": _paragraphs(text.get("body")),
        "title": text.get("title") or row["url"],
        "has_text": row["kind"] in data.TEXT_KINDS,
    }
    return await _page(request, datasette, name, "article.html", context)


# ---------------------------------------------------------------- timeline
async def _timeline(request: Request, datasette: Any, name: str) -> Response:
    if "id" in request.url_vars:
        page_id = _int(request.url_vars["id"], "page")
    else:
        url = request.args.get("url", "").strip()
        if not url:
            raise BadRequest("请给出网址 (give the article's address: ?url=…)")
        found = await _read(datasette, name, lambda db: data.page_id_for(db, url))
        if found is None:
            raise Missing(f"存档中没有这个网址 (not in the archive): {url}")
        return Response.redirect(f"{datasette.urls.database(name)}/-/timeline/{found}")
    info = await _read(datasette, name, lambda db: data.timeline(db, page_id))
    if info is None:
        raise Missing(f"存档中没有页面 {page_id} (page {page_id} is not in the archive)")
    title = (info["latest"] or {}).get("title") or info["page"]["url"]
    texts = [v for v in info["versions"] if v["kind"] in data.TEXT_KINDS]
    return await _page(request, datasette, name, "timeline.html", {**info, "title": title, "texts": texts})


# ---------------------------------------------------------------- diff
async def _diff(request: Request, datasette: Any, name: str) -> Response:
    base = datasette.urls.database(name)
    if (
        "a" not in request.url_vars
    ):  # /-/diff?a=&b= (the timeline's form) or /-/diff/B (B against its previous text)
        if "b" in request.url_vars:
            new_id = _int(request.url_vars["b"], "b")
            row = await _read(datasette, name, lambda db: data.version(db, new_id))
            if row is None:
                raise Missing(f"存档中没有版本 {new_id} (version {new_id} is not in the archive)")
            if not row["previous_id"]:
                raise Missing(
                    f"版本 {new_id} 之前没有文本可比较 (version {new_id} has no earlier text to compare)"
                )
            return Response.redirect(f"{base}/-/diff/{row['previous_id']}/{new_id}")
        old_id, new_id = _int(request.args.get("a"), "a"), _int(request.args.get("b"), "b")
        return Response.redirect(f"{base}/-/diff/{old_id}/{new_id}")
    old_id, new_id = _int(request.url_vars["a"], "a"), _int(request.url_vars["b"], "b")
    pair = await _read(datasette, name, lambda db: data.diff_pair(db, old_id, new_id))
    if pair is None:
        raise Missing(
            f"存档中没有版本 {old_id} 或 {new_id} (version {old_id} or {new_id} is not in the archive)"
        )
    old, new = pair
    old_text, new_text = old["text"] or {}, new["text"] or {}
    rows = diffs.diff_rows(old_text.get("body"), new_text.get("body"))
    fields = []
    for field in ("title", "published", "source_name", "author", "editor", "court"):
        before, after = old_text.get(field) or "", new_text.get(field) or ""
        if before != after:
            fields.append((labels.FIELDS[field], field, *diffs.char_diff(before, after)))
    view = "side" if request.args.get("view") == "side" else "inline"
    deleted, inserted = diffs.counts(rows)
    context = {
        "old": old,
        "new": new,
        "rows": rows,
        "fields": fields,
        "view": view,
        "deleted": deleted,
        "inserted": inserted,
        "title": new_text.get("title") or old_text.get("title") or new["url"],
        "same_page": old["page_id"] == new["page_id"],
    }
    return await _page(request, datasette, name, "diff.html", context)


# ---------------------------------------------------------------- search
def _filters(request: Request) -> archive_search.Filters:
    filters = archive_search.Filters(
        court=request.args.get("court") or None,
        source=request.args.get("source") or None,
        kind=request.args.get("kind") or None,
        year=request.args.get("year") or None,
        published_from=request.args.get("from") or None,
        published_to=request.args.get("to") or None,
    )
    for label, value in (("from", filters.published_from), ("to", filters.published_to)):
        if value and archive_search.calendar_date(value) is None:
            raise BadRequest(
                f"{label} 应为日期 YYYY-MM-DD ({label} must be a date such as 2024-01-31), not {value!r}"
            )
    if filters.year and not re.fullmatch(r"[0-9]{4}", filters.year, re.ASCII):
        raise BadRequest(f"year 应为四位年份 (year must be four digits), not {filters.year!r}")
    return filters


async def _search(request: Request, datasette: Any, name: str) -> Response:
    query = request.args.get("q", "").strip()
    filters = _filters(request)
    page = _int(request.args.get("page"), "page", default=1, maximum=MAX_PAGE)
    results: archive_search.Results | None = None
    if query:
        offset = (page - 1) * RESULTS_PER_PAGE
        if filters.active():  # one pass counts the filtered matches and reads the page and facets
            results = await _read(
                datasette, name, lambda db: archive_search.find(db, query, filters, RESULTS_PER_PAGE, offset)
            )
        else:  # the total and the page are two reads of the index: on two connections, at the same time
            total, found = await asyncio.gather(
                _read(datasette, name, lambda db: archive_search.count(db, query)),
                _read(
                    datasette,
                    name,
                    lambda db: archive_search.find(
                        db, query, filters, RESULTS_PER_PAGE, offset, count_total=False
                    ),
                ),
            )
            found.total = total
            results = found
    args = {k: request.args.get(k) for k in request.args if request.args.get(k) and k != "page"}

    def link(**changes: str | int | None) -> str:
        merged = {**args, **{k: v for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    context = {"q": query, "filters": filters, "results": results, "link": link, "title": query or "搜索"}
    return await _page(request, datasette, name, "search.html", context)


# ---------------------------------------------------------------- courts
async def _courts(request: Request, datasette: Any, name: str) -> Response:
    rows = await _read(datasette, name, data.courts)
    return await _page(request, datasette, name, "courts.html", {"courts": rows, "title": "法院"})


async def _court(request: Request, datasette: Any, name: str) -> Response:
    court_name = request.args.get("name", "").strip()
    if not court_name:
        raise BadRequest("请给出法院名称 (give the court: ?name=…)")
    weeks = min(_int(request.args.get("weeks"), "weeks", default=52), 520)
    info = await _read(datasette, name, lambda db: data.court(db, court_name, weeks))
    if not info["series"] and not info["states"]:
        raise Missing(f"存档中没有这个法院的文章 (no articles of this court in the archive): {court_name}")
    chart = weekly_svg(info["series"]) if info["series"] else ""
    return await _page(request, datasette, name, "court.html", {**info, "chart": chart, "title": court_name})


# ---------------------------------------------------------------- evidence: raw capture, WARC record, feed
async def _raw(request: Request, datasette: Any, name: str) -> Response:
    capture_id = _int(request.url_vars["id"], "capture")

    def read(db: sqlite_utils.Database) -> tuple[dict | None, bytes | None]:
        row = data.capture(db, capture_id)
        if not row or not row["digest"]:
            return row, None
        try:
            return row, get_blob(db, row["digest"])
        except (BlobError, ZstdError, zlib.error, sqlite3.Error, TypeError, ValueError) as exc:
            raise Damaged(
                f"抓取 {capture_id} 的原始字节无法读取 (the stored bytes of capture {capture_id} cannot be read: "
                f"{type(exc).__name__}); run `courtnews verify` on the archive"
            ) from None

    row, raw = await _read(datasette, name, read)
    if row is None or raw is None:
        raise Missing(f"抓取 {capture_id} 没有存档的原始网页 (capture {capture_id} has no stored raw page)")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": RAW_CSP,
        "Referrer-Policy": "no-referrer",
    }
    if request.args.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="capture-{capture_id}.raw"'
        return Response(raw, content_type="application/octet-stream", headers=headers)
    # shown as text, decoded as the crawl decoded it (a GBK page reads as Chinese, not as mojibake)
    text = raw.decode(_codec(row["encoding"]), errors="replace")
    headers["Content-Disposition"] = f'inline; filename="capture-{capture_id}.txt"'
    return Response(text, content_type="text/plain; charset=utf-8", headers=headers)


def _codec(encoding: str | None) -> str:
    import codecs

    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "utf-8"


async def _warc(request: Request, datasette: Any, name: str) -> Response:
    capture_id = _int(request.url_vars["id"], "capture")
    record = await _read(datasette, name, lambda db: capture_warc(db, capture_id))
    if record is None:
        raise Missing(f"抓取 {capture_id} 没有可导出的响应 (capture {capture_id} got no response to export)")
    headers = {
        "Content-Disposition": f'attachment; filename="capture-{capture_id}.warc.gz"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(record, content_type="application/warc", headers=headers)


async def _feed(request: Request, datasette: Any, name: str) -> Response:
    court, source = request.args.get("court") or None, request.args.get("source") or None
    limit = min(_int(request.args.get("limit"), "limit", default=50), 500)
    base = datasette.absolute_url(request, datasette.urls.database(name))
    self_url = datasette.absolute_url(request, request.full_path)
    xml = await _read(datasette, name, lambda db: atom_feed(db, source, court, limit, self_url, base))
    return Response(
        xml, content_type="application/atom+xml; charset=utf-8", headers={"X-Content-Type-Options": "nosniff"}
    )


# Datasette's search box on the versions table counts its matches by looking up every matching row (seconds for
# a common word in a large archive); the reader's search counts them in the index and adds filters, facets and
# snippets. So the box's plain searches go there: the search and equality filters the reader also has, the
# form's empty filter row and the table's own order. Anything else (another filter, a sort, JSON or CSV)
# stays with Datasette.
_VERSIONS_PAGE = re.compile(r"^/(?P<database>[^/.]+)/versions$")
_CARRIED = {"_search": "q", "court": "court", "source": "source", "kind": "kind"}
_FORM_DEFAULTS = {"_filter_column": "", "_filter_op": "exact", "_filter_value": "", "_sort_desc": "id"}


def search_box_target(path: str, pairs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(database, reader query string) when a versions-table request is a plain search, else None."""
    page = _VERSIONS_PAGE.match(path)
    if page is None or not any(key == "_search" and value.strip() for key, value in pairs):
        return None
    carried: dict[str, str] = {}
    for key, value in pairs:
        if key in _CARRIED and key not in carried:
            carried[key] = value.strip()
        elif _FORM_DEFAULTS.get(key) != value and value:
            return None
    return page["database"], urlencode({_CARRIED[k]: v for k, v in carried.items() if v})


def search_box_location(datasette: Any, scope: dict) -> str | None:
    """Where an HTTP request to Datasette goes instead, when it is a plain versions-table search of a database
    this Datasette serves; None for every other request."""
    base = datasette.setting("base_url").rstrip("/")
    path = scope["path"]
    if scope.get("method") not in ("GET", "HEAD") or not path.startswith(base + "/"):
        return None
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    target = search_box_target(path[len(base) :], parse_qsl(query, keep_blank_values=True))
    if target is None or target[0] not in datasette.databases:
        return None
    return datasette.urls.database(target[0]) + "/-/search?" + target[1]


# an id segment is any text up to the next slash: _int decides, so /-/article/² is a 400 page, not a 404 or a 500
_DB = r"^/(?P<database>[^/]+)/-/"
ROUTES: list[tuple[str, View]] = [
    (_DB + r"article/(?P<id>[^/]+)$", _reader_view(_article)),
    (_DB + r"timeline/(?P<id>[^/]+)$", _reader_view(_timeline)),
    (_DB + r"timeline$", _reader_view(_timeline)),
    (_DB + r"diff/(?P<a>[^/]+)/(?P<b>[^/]+)$", _reader_view(_diff)),
    (_DB + r"diff/(?P<b>[^/]+)$", _reader_view(_diff)),
    (_DB + r"diff$", _reader_view(_diff)),
    (_DB + r"search$", _reader_view(_search)),
    (_DB + r"courts$", _reader_view(_courts)),
    (_DB + r"court$", _reader_view(_court)),
    (_DB + r"raw/(?P<id>[^/]+)$", _reader_view(_raw)),
    (_DB + r"warc/(?P<id>[^/]+)$", _reader_view(_warc)),
    (_DB + r"feed\.atom$", _reader_view(_feed)),
]
