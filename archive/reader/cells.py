"""How Datasette's own table, row and query pages show the archive's cells (the render_cell hook).

Rules, by column name (the same in tables, views and canned queries):
- times stored in UTC ('…Z') show in Beijing time, the UTC value on hover;
- kinds, outcomes and states show their Chinese label with the code beside it; changed_fields its Chinese names;
- long text (a body) is cut to a line with a link to the article page; JSON lists and headers fold into a
  <details> block; hashes are left to the stylesheet, which narrows them;
- ids of versions link to the article page, page ids and URLs to the page's timeline (the original address stays
  a small separate link: it may be gone), titles to their article;
- a stored address links to its original only when it is an http(s) address (archive/reader/links.py): a
  redirect to ``javascript:…`` or ``data:…`` is shown as text, never as a link;
- everything else is Datasette's own rendering (None). Every value is escaped here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from archive.reader import labels
from archive.reader.links import web_href

TIME_COLUMNS = {
    "created_at",
    "version_at",
    "first_seen",
    "last_seen",
    "fetched_at",
    "removed_at",
    "started_at",
    "finished_at",
    "at",
    "restored_at",
}
KIND_COLUMNS = {"kind", "outcome"}
VERSION_LINKS = {"version_id", "previous_version_id", "last_version_id", "previous_id", "restored_version_id"}
# what became of a removal (the removals view's current_state)
CURRENT_STATES = {"gone": "仍被删除", "restored": "已恢复", "moved": "已迁移"}
TITLE_COLUMNS = {"title", "last_title", "previous_title"}
FOLDED_JSON = {"removed_blocks", "comments", "headers"}
BODY_CHARS = 60


def _get(row: Any, name: str) -> Any:
    try:
        return row[name]
    except (IndexError, KeyError):
        return None


URL_COLUMNS = {"url", "final_url", "moved_to", "location"}
HANDLED = (
    TIME_COLUMNS
    | KIND_COLUMNS
    | VERSION_LINKS
    | TITLE_COLUMNS
    | FOLDED_JSON
    | URL_COLUMNS
    | {"state", "changed_fields", "published", "body", "page_id", "current_state"}
)
# Markup.format costs about 100 µs a call and a page of 100 rows has a thousand cells: plain f-strings over
# escape() (markupsafe's C function) build the same escaped HTML


def _details(summary: str, body: str) -> Markup:
    return Markup(
        f"<details class='cell-fold'><summary>{escape(summary)}</summary><pre>{escape(body)}</pre></details>"
    )


def _folded(column: str, value: str) -> Markup | None:
    try:
        loaded = json.loads(value)
    except ValueError:
        return None
    if column == "headers" and isinstance(loaded, dict):
        return _details(f"{len(loaded)} 项响应头", "\n".join(f"{k}: {v}" for k, v in loaded.items()))
    if isinstance(loaded, list):
        if not loaded:
            return Markup("<span class='muted'>—</span>")
        unit = {"removed_blocks": "块", "comments": "条"}.get(column, "项")
        lines = [
            " | ".join(str(v) for v in item.values() if v) if isinstance(item, dict) else str(item)
            for item in loaded
        ]
        return _details(f"{len(loaded)} {unit}", "\n".join(lines))
    return None


def _link(href: str, text: object, title: str = "") -> str:
    extra = f" title='{escape(title)}'" if title else ""
    return f"<a href='{escape(href)}'{extra}>{escape(text)}</a>"


def render(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if column not in HANDLED or value is None or isinstance(value, bytes):
        return None
    base = datasette.urls.database(database)
    if column in TIME_COLUMNS and isinstance(value, str) and labels.parse_time(value):
        return Markup(
            f"<time datetime='{escape(value)}' title='UTC {escape(value)}'>{labels.beijing(value)}</time>"
        )
    if column in KIND_COLUMNS and isinstance(value, str) and value in labels.KINDS:
        return Markup(f"{labels.kind_label(value)} <span class='code'>{escape(value)}</span>")
    if column == "state" and isinstance(value, str) and value in labels.STATES:
        return Markup(f"{labels.STATES[value]} <span class='code'>{escape(value)}</span>")
    if column == "current_state" and isinstance(value, str) and value in CURRENT_STATES:
        shown = f"{CURRENT_STATES[value]} <span class='code'>{escape(value)}</span>"
        restored, at = _get(row, "restored_version_id"), _get(row, "restored_at")
        if value == "restored" and isinstance(restored, int):  # when, and the text that came back
            shown = _link(f"{base}/-/article/{restored}", f"{CURRENT_STATES[value]} {labels.beijing(at)}") + (
                f" <span class='code'>{escape(value)}</span>"
            )
        return Markup(shown)
    if column == "changed_fields" and isinstance(value, str):
        names = labels.field_labels(value)
        if not names:
            return Markup("<span class='muted'>—</span>")
        new, old = (
            _get(row, "version_id") or _get(row, "id"),
            _get(row, "previous_version_id") or _get(row, "previous_id"),
        )
        if new and old and _get(row, "kind") in ("changed", "restored"):  # the change itself, one click away
            return Markup(_link(f"{base}/-/diff/{old}/{new}", "、".join(names), "比较 diff"))
        return Markup(escape("、".join(names)))
    if column in FOLDED_JSON and isinstance(value, str):
        return _folded(column, value)
    if column == "published" and isinstance(value, str):
        shown = labels.published_label(value, _get(row, "published_precision"))
        return Markup(f"<span title='{escape(value)}'>{escape(shown)}</span>")
    version_id = _get(row, "version_id") or (_get(row, "id") if table == "versions" else None)
    if column == "body" and isinstance(value, str):
        cut = escape(value[:BODY_CHARS].replace("\n", " ")) + ("…" if len(value) > BODY_CHARS else "")
        if version_id:
            return Markup(f"{cut} <a class='read' href='{base}/-/article/{int(version_id)}'>阅读全文</a>")
        return Markup(cut)
    if column in VERSION_LINKS and isinstance(value, int):
        return Markup(_link(f"{base}/-/article/{value}", value))
    if column == "page_id" and isinstance(value, int) and table not in ("versions", "captures"):
        return Markup(_link(f"{base}/-/timeline/{value}", value))
    if column in TITLE_COLUMNS and isinstance(value, str):
        target = _get(row, "previous_version_id") if column == "previous_title" else version_id
        if column == "last_title":
            target = _get(row, "last_version_id") or version_id
        return Markup(_link(f"{base}/-/article/{int(target)}", value)) if target else None
    if column in URL_COLUMNS and isinstance(value, str):
        if web_href(value) is None:  # not a web address (a hostile redirect's javascript:…): text only
            return Markup(f"<span class='not-a-link'>{escape(value)}</span>")
        page_id = _get(row, "page_id") if column == "url" else None
        timeline = (
            f"{base}/-/timeline/{page_id}"
            if isinstance(page_id, int)
            else f"{base}/-/timeline?url={quote(value)}"
        )
        shown = value.split("://", 1)[1]
        if len(shown) > 42:
            shown = shown[:18] + "…" + shown[-22:]
        original = (
            f" <a class='original' href='{escape(value)}' rel='noopener noreferrer nofollow' "
            "title='原网址，可能已失效 (original address)'>↗</a>"
        )
        return Markup(_link(timeline, shown, f"存档的时间线 (archived timeline): {value}") + original)
    return None
