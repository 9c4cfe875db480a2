"""What users read from the archive: summaries, histories, single versions. SQL takes parameters."""

from __future__ import annotations

import json

import sqlite_utils


def summary(db: sqlite_utils.Database) -> dict:
    """Counts of pages, versions and runs, plus the latest changes and removals."""
    one = lambda sql, params=(): next(iter(db.query(sql, params)))  # noqa: E731
    return {
        "pages": one("SELECT COUNT(*) AS n FROM pages WHERE current_version IS NOT NULL")["n"],
        "pages_by_state": {
            r["state"]: r["n"] for r in db.query("SELECT state, COUNT(*) AS n FROM pages GROUP BY state")
        },
        "versions": one("SELECT COUNT(*) AS n FROM versions")["n"],
        "versions_by_kind": {
            r["kind"]: r["n"] for r in db.query("SELECT kind, COUNT(*) AS n FROM versions GROUP BY kind")
        },
        "captures": one("SELECT COUNT(*) AS n FROM captures")["n"],
        "failed_captures": one("SELECT COUNT(*) AS n FROM captures WHERE outcome IN ('failed', 'challenge')")[
            "n"
        ],
        "runs": one("SELECT COUNT(*) AS n FROM runs")["n"],
        "removed_blocks": sum(
            len(json.loads(r["removed_blocks"] or "[]"))
            for r in db.query("SELECT removed_blocks FROM versions")
        ),
        "changes": [
            {**r, "changed_fields": json.loads(r["changed_fields"] or "[]")}
            for r in db.query(
                "SELECT p.url, v.version, v.kind, v.title, v.created_at, v.changed_fields FROM versions v "
                "JOIN pages p ON p.id = v.page_id WHERE v.kind IN ('changed', 'restored') ORDER BY v.created_at DESC LIMIT 20"
            )
        ],
        "removals": list(
            db.query(
                "SELECT p.url, v.version, v.kind, v.created_at, c.status, c.reason, c.location FROM versions v JOIN pages p ON p.id = v.page_id "
                "JOIN captures c ON c.id = v.capture_id WHERE v.kind IN ('removed', 'moved') ORDER BY v.created_at DESC LIMIT 20"
            )
        ),
    }


def format_summary(data: dict) -> str:
    lines = [
        f"pages with versions: {data['pages']}  ({', '.join(f'{k}: {v}' for k, v in sorted(data['pages_by_state'].items()))})",
        f"versions: {data['versions']}  ({', '.join(f'{k}: {v}' for k, v in sorted(data['versions_by_kind'].items()))})",
        f"captures: {data['captures']}  (failed or challenge: {data['failed_captures']}) in {data['runs']} runs",
        f"junk blocks removed by extraction and kept for audit: {data['removed_blocks']}",
    ]
    if data["changes"]:
        lines.append("changes:")
        lines += [
            f"  v{c['version']} {c['kind']:<8} {c['url']}  fields: {', '.join(c['changed_fields'])}"
            for c in data["changes"]
        ]
    if data["removals"]:
        lines.append("removals:")
        lines += [
            f"  v{r['version']} {r['kind']:<8} {r['url']}  ({r['reason']}, {r['created_at']})"
            for r in data["removals"]
        ]
    return "\n".join(lines)


class NotInArchive(LookupError):
    """The URL or version asked for is not in the archive; the message says what to try."""


def page_by_url(db: sqlite_utils.Database, url: str) -> dict:
    rows = list(db.query("SELECT * FROM pages WHERE url = ?", [url]))
    if not rows:
        raise NotInArchive(
            f"{url} is not in the archive; `courtnews summary` or the latest_articles view lists pages"
        )
    return rows[0]


def history(db: sqlite_utils.Database, url: str) -> list[dict]:
    """Every version of a page, oldest first, with what changed and the fetch that made it."""
    page = page_by_url(db, url)
    return [
        {**row, "changed_fields": json.loads(row["changed_fields"] or "[]")}
        for row in db.query(
            "SELECT v.version, v.kind, v.created_at, v.title, v.published, v.changed_fields, v.content_hash, "
            "c.status, c.final_url, c.digest, c.reason FROM versions v JOIN captures c ON c.id = v.capture_id "
            "WHERE v.page_id = ? ORDER BY v.version",
            [page["id"]],
        )
    ]


def version(db: sqlite_utils.Database, url: str, number: int | None = None) -> dict:
    """One version of a page (default: the latest), with its capture's digest and headers."""
    page = page_by_url(db, url)
    sql = (
        "SELECT v.*, c.digest, c.status, c.fetched_at, c.final_url, c.headers FROM versions v "
        "JOIN captures c ON c.id = v.capture_id WHERE v.page_id = ?"
    )
    params: list[object] = [page["id"]]
    if number is None:
        sql += " ORDER BY v.version DESC LIMIT 1"
    else:
        sql += " AND v.version = ?"
        params.append(number)
    rows = list(db.query(sql, params))
    if not rows:
        raise NotInArchive(f"{url} has no version {number}; `courtnews history {url}` lists its versions")
    row = rows[0]
    row["removed_blocks"] = json.loads(row["removed_blocks"] or "[]")
    row["changed_fields"] = json.loads(row["changed_fields"] or "[]")
    row["headers"] = json.loads(row["headers"] or "{}")
    return row


DIFF_FIELDS = ("title", "published", "source_name", "author", "editor", "court")


def _content_versions(db: sqlite_utils.Database, page_id: int) -> list[int]:
    return [
        r["version"]
        for r in db.query(
            "SELECT version FROM versions WHERE page_id = ? AND kind IN ('first', 'changed', 'restored') ORDER BY version",
            [page_id],
        )
    ]


def diff_pair(
    db: sqlite_utils.Database, url: str, a: int | None = None, b: int | None = None
) -> tuple[dict, dict]:
    """Two content versions to compare: the given ones, else the last two with content."""
    page = page_by_url(db, url)
    if a is None or b is None:
        numbers = _content_versions(db, page["id"])
        if len(numbers) < 2:
            raise NotInArchive(f"{url} has {len(numbers)} version(s) with content; nothing to compare")
        a, b = numbers[-2], numbers[-1]
    return version(db, url, a), version(db, url, b)


def unified_diff(old: dict, new: dict) -> str:
    import difflib

    label_a, label_b = f"v{old['version']} ({old['created_at']})", f"v{new['version']} ({new['created_at']})"
    meta_a = [f"{name}: {old.get(name) or ''}" for name in DIFF_FIELDS]
    meta_b = [f"{name}: {new.get(name) or ''}" for name in DIFF_FIELDS]
    parts = list(
        difflib.unified_diff(meta_a, meta_b, f"{label_a} metadata", f"{label_b} metadata", lineterm="")
    )
    parts += difflib.unified_diff(
        (old.get("body") or "").splitlines(),
        (new.get("body") or "").splitlines(),
        f"{label_a} body",
        f"{label_b} body",
        lineterm="",
    )
    return "\n".join(parts) + ("\n" if parts else "")


def html_diff(old: dict, new: dict, url: str) -> str:
    """A side-by-side page; difflib escapes every line, so archived text is never live HTML."""
    import difflib
    import html

    table = difflib.HtmlDiff(wrapcolumn=60).make_table(
        [f"{n}: {old.get(n) or ''}" for n in DIFF_FIELDS] + [""] + (old.get("body") or "").splitlines(),
        [f"{n}: {new.get(n) or ''}" for n in DIFF_FIELDS] + [""] + (new.get("body") or "").splitlines(),
        f"v{old['version']} {old['created_at']}",
        f"v{new['version']} {new['created_at']}",
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>diff {html.escape(url)}</title><style>table.diff{{font-family:monospace;border:1px solid #ccc}}"
        ".diff_add{background:#cfc}.diff_chg{background:#ffa}.diff_sub{background:#fcc}td{vertical-align:top}</style>"
        f"</head><body><h1>{html.escape(url)}</h1>{table}</body></html>"
    )
