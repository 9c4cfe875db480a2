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
import tempfile
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import sqlite_utils
from datasette.utils.asgi import Request, Response
from zstandard import ZstdError

from archive import search as archive_search
from archive.blobs import BlobError
from archive.evidence.bundle import write_bundle
from archive.evidence.log import EvidenceError
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


def _archives(datasette: Any) -> list[str]:
    """The archive databases this Datasette serves (not its internal or in-memory ones), in its order."""
    return [
        n for n, db in datasette.databases.items() if n != "_internal" and not getattr(db, "is_memory", False)
    ]


def _reader_view(handler: Callable[[Request, Any, str], Awaitable[Response]], by_url: bool = False) -> View:
    """Resolve the database, check the actor may see it, and turn Missing/BadRequest into pages.

    A database name this Datasette does not serve is the reader's 404 page naming the ones it does (it was a
    500: the error page itself looked the name up). Exception: a page that names its article by original URL
    and date (``by_url``: /-/at, /-/timeline?url=) does not depend on the file's name, so when exactly one
    archive is served it is answered there (a redirect): a shared link survives a renamed or re-created file."""

    async def view(request: Request, datasette: Any) -> Response:
        name = request.url_vars["database"]
        if name not in datasette.databases:
            served = _archives(datasette)
            if by_url and len(served) == 1 and request.args.get("url"):
                prefix = f"/{name}/-/"
                path = request.path[request.path.index(prefix) + len(prefix) :]
                query = f"?{request.query_string}" if request.query_string else ""
                return Response.redirect(f"{datasette.urls.database(served[0])}/-/{path}{query}")
            listed = "、".join(served) or "（无 none）"
            return await _error(
                request,
                datasette,
                name,
                404,
                f"没有名为 {name} 的数据库，本站的存档为：{listed} "
                f"(no database {name}; this site serves: {', '.join(served) or 'none'})",
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
    if name not in datasette.databases:  # the error page of an unknown name links to the archive served
        served = _archives(datasette)
        name = served[0] if served else name
    base = (
        datasette.urls.database(name)
        if name in datasette.databases
        else datasette.urls.instance().rstrip("/")
    )
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
def _article_data(db: sqlite_utils.Database, version_id: int) -> dict | None:
    """A version, its page's history and what the history tells about it (see data.story)."""
    row = data.version(db, version_id)
    if row is None:
        return None
    versions = data.history(db, row["page_id"])
    told = data.story(versions, row["version"])
    target = None
    if row["kind"] == "moved" and web_href(row["location"]):
        target = data.moved_target(db, row["location"])
    return {"v": row, "versions": versions, "story": told, "target": target}


async def _article_page(
    request: Request, datasette: Any, name: str, found: dict, extra: dict | None = None
) -> Response:
    row = found["v"]
    text = row["text"] or {}
    base = datasette.urls.database(name)
    context = {
        **found,
        "text": text,
        "paragraphs": _paragraphs(text.get("body")),
        "title": text.get("title") or row["url"],
        "has_text": row["kind"] in data.TEXT_KINDS,
        "cite": _citation(request, datasette, base, row, text),
        **(extra or {}),
    }
    return await _page(request, datasette, name, "article.html", context)


def at_path(url: str, created_at: str | None) -> str:
    """The date-based address of the text a URL had at an archive time: /-/at/<Beijing time>?url=<url>.
    It names no id, so it keeps working in a renamed or rebuilt archive (see _at)."""
    moment = labels.parse_time(created_at)
    when = moment.astimezone(labels.BEIJING).strftime("%Y-%m-%dT%H:%M:%S") if moment else ""
    return f"/-/at/{when}?" + urlencode({"url": url})


def _citation(request: Request, datasette: Any, base: str, row: dict, text: dict) -> dict:
    """What a citation of this version needs, every address absolute: the permalink (this archive's id), the
    date-based link that survives a rebuilt archive, the original URL, the archive time in Beijing time and
    UTC, the HTTP status and the SHA-256 of the raw capture, and one line that says it all."""
    permalink = datasette.absolute_url(request, f"{base}/-/article/{row['id']}")
    stable = datasette.absolute_url(request, base + at_path(row["url"], row["created_at"]))
    fetched = row["fetched_at"] or row["created_at"]
    sha256 = (row["digest"] or "").removeprefix("sha256:") or None
    when = f"{labels.beijing(fetched, seconds=True)} 北京时间 (UTC+8)"
    parts = [
        f"《{text.get('title') or row['url']}》",
        text.get("court") or "",
        row["url"],
        f"courtnews 存档第 {row['version']} 版（{labels.kind_label(row['kind'])}）",
        f"存档于 {when}",
        f"HTTP {row['status']}" if row["status"] else "",
        f"SHA-256 {sha256}" if sha256 else "",
        stable,
    ]
    return {
        "permalink": permalink,
        "stable": stable,
        "when": when,
        "utc": fetched,
        "sha256": sha256,
        "line": "，".join(part for part in parts if part),
    }


async def _article(request: Request, datasette: Any, name: str) -> Response:
    version_id = _int(request.url_vars["id"], "version")
    found = await _read(datasette, name, lambda db: _article_data(db, version_id))
    if found is None:
        raise Missing(f"存档中没有版本 {version_id} (version {version_id} is not in the archive)")
    return await _article_page(request, datasette, name, found)


# ---------------------------------------------------------------- as of a date
_WHEN = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?", re.ASCII)


def parse_when(value: str) -> tuple[str, str]:
    """A date or time in Beijing time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or …:SS) as the archive time at its END
    (UTC, the archive's spelling) and its reading: a day means the text as it stood when that day ended, a
    minute when that minute ended. Anything else (2024-13-45, full-width digits, 24:00) is BadRequest."""
    match = _WHEN.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = match.groups()
        start = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        raise BadRequest(
            f"日期应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM（北京时间） (the date must be a real date such as 2024-01-31 "
            f"or 2024-01-31T09:30, Beijing time), not {value!r}"
        ) from None
    if hour is None:  # the day as it ended
        end, shown = start + timedelta(days=1, seconds=-1), start.strftime("%Y-%m-%d 结束时")
    elif second is None:
        end, shown = start + timedelta(seconds=59), start.strftime("%Y-%m-%d %H:%M")
    else:
        end, shown = start, start.strftime("%Y-%m-%d %H:%M:%S")
    utc = end.replace(tzinfo=labels.BEIJING).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return utc, shown


async def _at(request: Request, datasette: Any, name: str) -> Response:
    """/-/at/<when>?url=<original URL>: the version of that URL valid then, as its article page with a note;
    a 404 page when the URL is not archived or had no archived text yet; a removal valid then shows as the
    removal (with the last text before it)."""
    moment, shown = parse_when(request.url_vars["when"])
    url = request.args.get("url", "")
    if not url.strip():
        raise BadRequest("请给出原网址 (give the article's original address: ?url=…)")
    # the address as given, else without the spaces a copy and paste adds around it
    found = await _read(
        datasette,
        name,
        lambda db: data.version_at(db, url, moment) or data.version_at(db, url.strip(), moment),
    )
    if found is None:
        raise Missing(f"存档中没有这个网址 (this address is not in the archive): {url}")
    if found["version"] is None:
        first, base = found["first"], datasette.urls.database(name)
        message = (
            f"{shown}（北京时间）时存档中还没有这个网址的文本；最早的存档是第 {first['version']} 版，"
            f"存档于 {labels.beijing(first['created_at'], seconds=True)} (not archived yet at {moment} UTC; "
            f"first archived {first['created_at']})"
        )
        links = [
            (f"{base}/-/article/{first['id']}", f"最早的存档（第 {first['version']} 版）"),
            (f"{base}/-/timeline/{found['page_id']}", "历史时间线 timeline"),
        ]
        context = {"message": message, "title": "尚未存档 not archived yet", "links": links}
        return await _page(request, datasette, name, "error.html", context, 404)
    version_id = found["version"]["id"]
    article = await _read(datasette, name, lambda db: _article_data(db, version_id))
    return await _article_page(request, datasette, name, article, {"as_of": shown, "as_of_utc": moment})


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


def _choice(request: Request, what: str, allowed: tuple[str, ...]) -> str:
    """A parameter that names one of a few choices (the first is the default), else BadRequest naming them."""
    value = request.args.get(what) or allowed[0]
    if value not in allowed:
        raise BadRequest(
            f"{what} 应为 {' / '.join(allowed)} ({what} must be one of {', '.join(allowed)}), not {value!r}"
        )
    return value


def _flag(request: Request, what: str) -> bool:
    """A checkbox: absent or empty is off, 1 is on, anything else BadRequest."""
    value = request.args.get(what) or ""
    if value not in ("", "1"):
        raise BadRequest(f"{what} 应为 1 或留空 ({what} must be 1 or absent), not {value!r}")
    return value == "1"


async def _search(request: Request, datasette: Any, name: str) -> Response:
    query = request.args.get("q", "").strip()
    filters = _filters(request)
    page = _int(request.args.get("page"), "page", default=1, maximum=MAX_PAGE)
    results: archive_search.Results | None = None
    by = _choice(request, "by", ("article", "version"))
    sort = _choice(request, "sort", archive_search.ARTICLE_SORTS)
    current_only, removed_only = _flag(request, "current"), _flag(request, "removed")
    if query and by == "article":  # one result per article (archive/search.py find_articles)
        offset = (page - 1) * RESULTS_PER_PAGE
        results = await _read(
            datasette,
            name,
            lambda db: archive_search.find_articles(
                db, query, filters, RESULTS_PER_PAGE, offset, current_only, removed_only, sort
            ),
        )
    elif query:
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

    context = {
        "q": query,
        "filters": filters,
        "results": results,
        "link": link,
        "title": query or "搜索",
        "by": by,
        "sort": sort,
        "current_only": current_only,
        "removed_only": removed_only,
        "shorter": query[: max(1, len(query) // 2)] if len(query) > 2 else None,
    }
    return await _page(request, datasette, name, "search.html", context)


# ---------------------------------------------------------------- home
async def _home(request: Request, datasette: Any, name: str) -> Response:
    """/-/home: the reader's front page (search, URL lookup, the newest changes and removals, the courts); the
    brand link of every reader page leads here rather than to Datasette's table list."""
    found = await _read(datasette, name, data.home)
    return await _page(request, datasette, name, "home.html", {**found, "title": "法院新闻存档"})


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


async def _capture(request: Request, datasette: Any, name: str) -> Response:
    """/-/capture/ID: the header page of a raw capture (URL, time, status, outcome, the response headers as
    the server sent them, the SHA-256 of the bytes, links to the bytes, the WARC record and the version)."""
    capture_id = _int(request.url_vars["id"], "capture")

    def read(db: sqlite_utils.Database) -> dict | None:
        row = data.capture(db, capture_id)
        if row is None:
            return None
        made = list(db.query("SELECT id, version, kind FROM versions WHERE capture_id = ?", [capture_id]))
        return {**row, "made": made[0] if made else None, "headers": data.header_pairs(row["headers"])}

    row = await _read(datasette, name, read)
    if row is None:
        raise Missing(f"存档中没有抓取 {capture_id} (capture {capture_id} is not in the archive)")
    context = {
        "c": row,
        "title": f"抓取 {capture_id}",
        "sha256": (row["digest"] or "").removeprefix("sha256:"),
    }
    return await _page(request, datasette, name, "capture.html", context)


async def _proof(request: Request, datasette: Any, name: str) -> Response:
    """/-/proof/ID: the capture's proof bundle (archive/evidence/bundle.py, as `courtnews proof` writes it),
    built into a temporary file on a read connection and sent as a .zip download. A capture the log cannot
    prove yet (older than the log, newer than the last checkpoint, pruned) is a 404 page saying which and what
    to run; nothing is signed or written to the archive here."""
    capture_id = _int(request.url_vars["id"], "capture")

    def build(db: sqlite_utils.Database) -> bytes:
        with tempfile.TemporaryDirectory(prefix="courtnews-proof-") as folder:
            try:
                path = write_bundle(db, capture_id, Path(folder) / "proof.zip")
            except EvidenceError as exc:
                raise Missing(
                    f"抓取 {capture_id} 暂无证明包 (no proof bundle for capture {capture_id}): {exc}"
                ) from None
            return path.read_bytes()

    exists = await _read(datasette, name, lambda db: data.capture(db, capture_id))
    if exists is None:
        raise Missing(f"存档中没有抓取 {capture_id} (capture {capture_id} is not in the archive)")
    bundle = await _read(datasette, name, build)
    headers = {
        "Content-Disposition": f'attachment; filename="capture-{capture_id}-proof.zip"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(bundle, content_type="application/zip", headers=headers)


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
    # the versions table lists versions: so does its search on the reader's page (by=version)
    return page["database"], urlencode({**{_CARRIED[k]: v for k, v in carried.items() if v}, "by": "version"})


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


async def _bad_row_id(request: Request, datasette: Any, name: str) -> Response:
    """A row of versions, pages, captures or runs named by anything but its integer id (Datasette answered a
    bare 'Record not found' 404 in its own layout): the reader's 400 page naming the parameter."""
    _int(unquote(request.url_vars["id"]), f"{request.url_vars['table']} id")
    raise Missing(
        f"没有这一行 (no such row): {request.url_vars['id']}"
    )  # not reached: the route is non-numeric


async def _unknown(request: Request, datasette: Any, name: str) -> Response:
    """Any other address under the reader's /-/ path: a 404 page in the reader's layout, with the pages it has."""
    raise Missing(
        f"没有这个页面 (no such page): /-/{request.url_vars['rest']}；阅读器的页面有 article、timeline、at、diff、"
        "search、courts、court、capture、raw、warc、proof、feed.atom、home"
    )


# an id segment is any text up to the next slash: _int decides, so /-/article/² is a 400 page, not a 404 or a 500
_DB = r"^/(?P<database>[^/]+)/-/"
ROUTES: list[tuple[str, View]] = [
    (_DB + r"article/(?P<id>[^/]+)$", _reader_view(_article)),
    (_DB + r"timeline/(?P<id>[^/]+)$", _reader_view(_timeline)),
    (_DB + r"timeline$", _reader_view(_timeline, by_url=True)),
    (_DB + r"at/(?P<when>[^/]+)$", _reader_view(_at, by_url=True)),
    (_DB + r"diff/(?P<a>[^/]+)/(?P<b>[^/]+)$", _reader_view(_diff)),
    (_DB + r"diff/(?P<b>[^/]+)$", _reader_view(_diff)),
    (_DB + r"diff$", _reader_view(_diff)),
    (_DB + r"search$", _reader_view(_search)),
    (_DB + r"courts$", _reader_view(_courts)),
    (_DB + r"court$", _reader_view(_court)),
    (_DB + r"raw/(?P<id>[^/]+)$", _reader_view(_raw)),
    (_DB + r"capture/(?P<id>[^/]+)$", _reader_view(_capture)),
    (_DB + r"proof/(?P<id>[^/]+)$", _reader_view(_proof)),
    (_DB + r"warc/(?P<id>[^/]+)$", _reader_view(_warc)),
    (_DB + r"feed\.atom$", _reader_view(_feed)),
    (_DB + r"home$", _reader_view(_home)),
    (_DB + r"(?P<rest>.*)$", _reader_view(_unknown)),
    (
        r"^/(?P<database>[^/.]+)/(?P<table>versions|pages|captures|runs)/(?!(?:[0-9]+)(?:\.\w+)?$)(?P<id>[^/]+)$",
        _reader_view(_bad_row_id),
    ),
]
