"""What the reader's pages show, read from the archive (SQL takes parameters; every function is synchronous and
runs on one of Datasette's read connections through ``execute_fn``).

Each function returns plain dicts or None when the id is not in the archive; none of them reads more than the
rows it shows, so they answer as fast at a million versions as at a hundred (the summary tables of m008)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlite_utils

from archive.urls import page_key

TEXT_KINDS = ("first", "changed", "restored")
TIMELINE_LIMIT = 1_000  # captures shown on one page's timeline (the newest when there are more)


def _one(db: sqlite_utils.Database, sql: str, params: list[object]) -> dict | None:
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def _json_list(value: str | None) -> list:
    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return loaded if isinstance(loaded, list) else []


def version(db: sqlite_utils.Database, version_id: int) -> dict | None:
    """A version with its page, the capture that made it, its neighbours in the page's history and, for a
    version without text (a removal or move), the last text archived before it (``text``)."""
    row = _one(
        db,
        "SELECT v.*, p.url, p.state, p.current_version, p.source, c.fetched_at, c.status, c.final_url, c.digest, "
        "c.encoding, c.location, c.reason, c.url AS capture_url FROM versions v JOIN pages p ON p.id = v.page_id "
        "LEFT JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
        [version_id],
    )
    if row is None:
        return None
    _decode_lists(row)
    neighbours = {
        r["version"]: r["id"]
        for r in db.query(
            "SELECT id, version FROM versions WHERE page_id = ? AND version IN (?, ?)",
            [row["page_id"], row["version"] - 1, row["version"] + 1],
        )
    }
    row["older_id"] = neighbours.get(row["version"] - 1)
    row["newer_id"] = neighbours.get(row["version"] + 1)
    row["text"] = row
    if row["kind"] not in TEXT_KINDS:
        last = (
            _one(db, "SELECT * FROM versions WHERE id = ?", [row["previous_id"]])
            if row["previous_id"]
            else None
        )
        row["text"] = _decode_lists(last) if last else None
    return row


def _decode_lists(row: dict) -> dict:
    """Every versions row a page shows has its JSON columns read as lists, whichever query read it: the text a
    removal shows (the version before it) once reached the template as the raw JSON string, and the page listed
    each of its characters as a "removed content" item (160+ for 3 blocks). Items of the wrong shape are dropped."""
    row["removed_blocks"] = [b for b in _json_list(row.get("removed_blocks")) if isinstance(b, dict)]
    row["comments"] = [c for c in _json_list(row.get("comments")) if isinstance(c, dict)]
    row["changed_fields"] = [f for f in _json_list(row.get("changed_fields")) if isinstance(f, str)]
    return row


def page_id_for(db: sqlite_utils.Database, url: str) -> int | None:
    """The page of a URL, however it is spelled (the archive's page key)."""
    found = _one(db, "SELECT id FROM pages WHERE url_key = ? OR url = ?", [page_key(url), url])
    return found["id"] if found else None


def timeline(db: sqlite_utils.Database, page_id: int) -> dict | None:
    """A page with every capture of it, oldest first, each with the version it made (if any): kind, changed
    fields, and for a removal or move the last archived text (``last_text``)."""
    page = _one(db, "SELECT * FROM pages WHERE id = ?", [page_id])
    if page is None:
        return None
    total = db.execute("SELECT COUNT(*) FROM captures WHERE page_id = ?", [page_id]).fetchone()[0]
    captures = list(
        db.query(
            "SELECT * FROM (SELECT c.id AS capture_id, c.url, c.fetched_at, c.status, c.outcome, c.reason, c.location, "
            "c.digest, v.id AS version_id, v.version, v.kind, v.title, v.changed_fields, v.previous_id "
            "FROM captures c LEFT JOIN versions v ON v.capture_id = c.id WHERE c.page_id = ? "
            "ORDER BY c.fetched_at DESC, c.id DESC LIMIT ?) ORDER BY fetched_at, capture_id",
            [page_id, TIMELINE_LIMIT],
        )
    )
    previous_ids = [
        c["previous_id"] for c in captures if c["kind"] in ("removed", "moved") and c["previous_id"]
    ]
    texts = {}
    if previous_ids:
        marks = ", ".join("?" for _ in previous_ids)
        texts = {
            r["id"]: r
            for r in db.query(
                f"SELECT id, version, title, body FROM versions WHERE id IN ({marks})", previous_ids
            )
        }
    for capture in captures:
        capture["changed_fields"] = _json_list(capture["changed_fields"])
        capture["last_text"] = (
            texts.get(capture["previous_id"]) if capture["kind"] in ("removed", "moved") else None
        )
    versions = list(
        db.query(
            "SELECT id, version, kind, created_at, title FROM versions WHERE page_id = ? ORDER BY version",
            [page_id],
        )
    )
    latest = _one(db, "SELECT title, court FROM articles WHERE page_id = ?", [page_id])
    return {"page": page, "captures": captures, "total": total, "versions": versions, "latest": latest}


def diff_pair(db: sqlite_utils.Database, old_id: int, new_id: int) -> tuple[dict, dict] | None:
    """The two versions to compare, as ``version`` gives them."""
    old, new = version(db, old_id), version(db, new_id)
    return (old, new) if old and new else None


def week_start(day: datetime) -> datetime:
    return (day - timedelta(days=day.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


def court(db: sqlite_utils.Database, name: str, weeks: int = 52, latest: int = 50) -> dict:
    """One court: weekly counts of new, changed and removed articles over the `weeks` weeks up to its latest
    event (weeks start on Monday, UTC dates), its latest changes and removals, and its article counts."""
    last = _one(db, "SELECT MAX(created_at) AS at FROM timeline WHERE court = ?", [name])
    series: list[dict] = []
    if last and last["at"]:
        end = week_start(datetime.fromisoformat(last["at"].replace("Z", "+00:00")).astimezone(UTC))
        start = end - timedelta(weeks=weeks - 1)
        buckets = {start + timedelta(weeks=i): {"first": 0, "changed": 0, "removed": 0} for i in range(weeks)}
        for row in db.query(
            "SELECT created_at, kind FROM timeline WHERE court = ? AND created_at >= ?",
            [name, start.strftime("%Y-%m-%dT%H:%M:%SZ")],
        ):
            moment = datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
            kind = {"restored": "changed", "moved": "removed"}.get(row["kind"], row["kind"])
            bucket = buckets.get(week_start(moment.astimezone(UTC)))
            if bucket is not None and kind in bucket:
                bucket[kind] += 1
        series = [{"week": week.date().isoformat(), **counts} for week, counts in buckets.items()]
    events = list(
        db.query(
            "SELECT version_id, page_id, url, version, kind, created_at, title, changed_fields, previous_id, status "
            "FROM timeline WHERE court = ? AND kind != 'first' ORDER BY created_at DESC LIMIT ?",
            [name, latest],
        )
    )
    for event in events:
        event["changed_fields"] = _json_list(event["changed_fields"])
    states = {
        r["state"]: r["n"]
        for r in db.query("SELECT state, COUNT(*) AS n FROM articles WHERE court = ? GROUP BY state", [name])
    }
    return {"name": name, "series": series, "events": events, "states": states}


def courts(db: sqlite_utils.Database) -> list[dict]:
    """Every court with its number of articles (pages with text), most first."""
    return list(
        db.query(
            "SELECT court, COUNT(*) AS articles FROM articles WHERE court IS NOT NULL GROUP BY court "
            "ORDER BY articles DESC, court"
        )
    )


def capture(db: sqlite_utils.Database, capture_id: int) -> dict | None:
    return _one(db, "SELECT * FROM captures WHERE id = ?", [capture_id])


# ---------------------------------------------------------------- a page's history: what was valid when
CONFIRMING = ("version", "unchanged")  # capture outcomes that found the page's text as it was


def history(db: sqlite_utils.Database, page_id: int) -> list[dict]:
    """Every version of a page, oldest first, each with the times the archive can vouch for:

    - ``created_at``: the capture that first archived it (its validity starts there);
    - ``until`` and ``replaced_by``: the next version's first capture and number (None for the newest): the
      archive saw this text until that capture at the latest;
    - ``last_confirmed``: the last capture before ``until`` that found this text (a text version only), so a
      removal happened between its predecessor's ``last_confirmed`` and its own ``created_at``.
    A page has tens of versions, not thousands: one indexed query per version (captures by page and time)."""
    versions = list(
        db.query(
            "SELECT v.id, v.version, v.kind, v.created_at, v.title, v.changed_fields, v.previous_id, "
            "c.fetched_at, c.status, c.location FROM versions v LEFT JOIN captures c ON c.id = v.capture_id "
            "WHERE v.page_id = ? ORDER BY v.version",
            [page_id],
        )
    )
    for row, following in zip(versions, [*versions[1:], None], strict=True):
        row["changed_fields"] = [f for f in _json_list(row["changed_fields"]) if isinstance(f, str)]
        row["until"] = following["created_at"] if following else None
        row["replaced_by"] = following["version"] if following else None
        row["last_confirmed"] = None
        if row["kind"] in TEXT_KINDS:
            sql = (
                "SELECT MAX(fetched_at) AS at FROM captures WHERE page_id = ? AND outcome IN (?, ?) "
                "AND fetched_at >= ?" + (" AND fetched_at < ?" if following else "")
            )
            params: list[object] = [page_id, *CONFIRMING, row["created_at"]]
            found = _one(db, sql, params + ([following["created_at"]] if following else []))
            row["last_confirmed"] = (found or {}).get("at") or row["created_at"]
    return versions


def story(versions: list[dict], number: int) -> dict:
    """What the history says about version ``number``: its neighbours and, for a removal or move, the
    interval it happened in (``alive``: last capture that found the text, ``gone``: first that did not); for a
    restoration, the removal before it and how long the article was gone."""
    by_number = {v["version"]: v for v in versions}
    this = by_number[number]
    before = by_number.get(number - 1)
    told: dict = {"this": this, "newest": versions[-1], "before": before}
    if this["kind"] in ("removed", "moved") and before is not None:
        told["alive"] = before.get("last_confirmed") or before["created_at"]
        told["gone"] = this["created_at"]
    if this["kind"] == "restored" and before is not None and before["kind"] in ("removed", "moved"):
        told["removal"] = before
        told["gone_for"] = _between(before["created_at"], this["created_at"])
        told["identical"] = not this["changed_fields"]
    return told


def _between(start: str, end: str) -> str:
    """The time from start to end (archive times), in words: 3 天 4 小时, 2 小时 5 分钟, 40 秒."""
    try:
        seconds = int(
            (
                datetime.fromisoformat(end.replace("Z", "+00:00"))
                - datetime.fromisoformat(start.replace("Z", "+00:00"))
            ).total_seconds()
        )
    except ValueError:
        return ""
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟")) if n]
    return " ".join(parts[:2]) if parts else f"{secs} 秒"


def version_at(db: sqlite_utils.Database, url: str, moment: str) -> dict | None:
    """The page of url and its version valid at ``moment`` (an archive time, UTC 'YYYY-MM-DDTHH:MM:SSZ'):
    the newest version first archived at or before it. ``version`` is None when the archive had not yet
    archived any text of the page then (``first`` is its first version); None when url is not in the archive.
    Found by address, not id, so it answers the same in a copy rebuilt from a backup."""
    page_id = page_id_for(db, url)
    if page_id is None:
        return None
    found = _one(
        db,
        "SELECT id, version, kind, created_at FROM versions WHERE page_id = ? AND created_at <= ? "
        "ORDER BY created_at DESC, version DESC LIMIT 1",
        [page_id, moment],
    )
    first = _one(
        db,
        "SELECT id, version, kind, created_at FROM versions WHERE page_id = ? ORDER BY version LIMIT 1",
        [page_id],
    )
    return {"page_id": page_id, "version": found, "first": first}


def moved_target(db: sqlite_utils.Database, location: str) -> dict | None:
    """The archive's page at a move's new address and its newest version, when the archive has it."""
    page_id = page_id_for(db, location)
    if page_id is None:
        return None
    newest = _one(
        db, "SELECT id, version FROM versions WHERE page_id = ? ORDER BY version DESC LIMIT 1", [page_id]
    )
    return {"page_id": page_id, "version_id": newest["id"] if newest else None}


def header_pairs(value: str | None) -> list[tuple[str, str]]:
    """A capture's stored response headers (a JSON object) as (name, value) pairs in the server's order;
    a value that is not text is shown as its JSON; stored text that is not an object gives no pairs."""
    try:
        loaded = json.loads(value or "{}")
    except ValueError:
        return []
    if not isinstance(loaded, dict):
        return []
    return [
        (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in loaded.items()
    ]


HOME_EVENTS = 10  # changes and removals listed on the home page


def home(db: sqlite_utils.Database) -> dict:
    """What the reader's home page shows: the newest changes and removals (each read newest first through the
    timeline's (kind, created_at) index, one query per kind, merged) and the courts with their article counts
    (the counts the archive keeps for the latest_articles facet, not a count of the articles)."""

    def newest(kinds: tuple[str, ...]) -> list[dict]:
        rows: list[dict] = []
        for kind in kinds:
            rows += db.query(
                "SELECT version_id, page_id, url, kind, created_at, title, previous_title, court, previous_id, "
                "changed_fields, status FROM timeline WHERE kind = ? ORDER BY created_at DESC LIMIT ?",
                [kind, HOME_EVENTS],
            )
        rows.sort(key=lambda r: (r["created_at"] or "", r["version_id"]), reverse=True)
        for row in rows:
            row["changed_fields"] = _json_list(row["changed_fields"])
        return rows[:HOME_EVENTS]

    courts = list(
        db.query(
            "SELECT value AS court, n AS articles FROM facet_counts WHERE facet = 'latest_articles.court' AND n > 0 "
            "ORDER BY n DESC, value"
        )
    )
    return {
        "changes": newest(("changed", "restored")),
        "removals": newest(("removed", "moved")),
        "courts": courts,
    }
