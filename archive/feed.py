"""An Atom feed of new, changed, restored and removed articles, so a journalist can follow one court."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import sqlite_utils

from archive.store import utc_now

ATOM = "http://www.w3.org/2005/Atom"
KIND_LABELS = {"first": "新文章", "changed": "修改", "restored": "恢复", "removed": "删除"}


def feed_entries(
    db: sqlite_utils.Database, source: str | None = None, court: str | None = None, limit: int = 50
) -> list[dict]:
    clauses, params = [], []
    if source:
        clauses.append("p.source = ?")
        params.append(source)
    if court:
        clauses.append("COALESCE(v.court, last.court) = ?")
        params.append(court)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = (
        "SELECT v.id, p.url, p.source, v.version, v.kind, v.created_at, v.changed_fields, "
        "COALESCE(v.title, last.title) AS title, COALESCE(v.court, last.court) AS court, v.body "
        "FROM versions v JOIN pages p ON p.id = v.page_id "
        "LEFT JOIN versions last ON last.id = v.previous_id"
        f"{where} ORDER BY v.created_at DESC, v.id DESC LIMIT ?"
    )
    return list(db.query(sql, [*params, limit]))


def atom_feed(
    db: sqlite_utils.Database,
    source: str | None = None,
    court: str | None = None,
    limit: int = 50,
    self_url: str = "urn:courtnews:feed",
) -> str:
    """Atom XML; every value is escaped by ElementTree, so archived text can never become markup."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    scope = court or source or "all sources"
    ET.SubElement(root, f"{{{ATOM}}}title").text = f"courtnews: changes in {scope}"
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{self_url}?source={source or ''}&court={court or ''}"
    entries = feed_entries(db, source, court, limit)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = entries[0]["created_at"] if entries else utc_now()
    for row in entries:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        label = KIND_LABELS.get(row["kind"], row["kind"])
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"[{label}] {row['title'] or row['url']}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:courtnews:version:{row['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = row["created_at"]
        ET.SubElement(entry, f"{{{ATOM}}}link", href=row["url"])
        fields = ", ".join(json.loads(row["changed_fields"] or "[]"))
        summary = f"{row['source']} v{row['version']} {row['kind']}" + (
            f" ({fields})" if row["kind"] == "changed" else ""
        )
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = summary
        if row["body"]:
            ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = row["body"][:2000]
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
