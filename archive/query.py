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
                "SELECT p.url, v.version, v.created_at, c.status, c.reason FROM versions v JOIN pages p ON p.id = v.page_id "
                "JOIN captures c ON c.id = v.capture_id WHERE v.kind = 'removed' ORDER BY v.created_at DESC LIMIT 20"
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
            f"  v{r['version']} removed  {r['url']}  ({r['reason']}, {r['created_at']})"
            for r in data["removals"]
        ]
    return "\n".join(lines)
