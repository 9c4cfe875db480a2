"""An Atom feed of new, changed, restored and removed articles, so a journalist can follow one court.

Given the archive's address in Datasette (``base_url``, e.g. http://127.0.0.1:8001/archive), each entry links to
the archived article (``alternate``) and, for a change, to the difference from the text before it
(``related``); the original address is always there as ``via`` (it may be gone: that is why we archive)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import sqlite_utils

from archive.reader.labels import field_labels, kind_label
from archive.reader.links import web_href
from archive.store import utc_now

ATOM = "http://www.w3.org/2005/Atom"
AUTHOR = "courtnews"


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
        "SELECT v.id, p.url, p.source, v.version, v.kind, v.created_at, v.changed_fields, v.previous_id, "
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
    self_url: str | None = None,
    base_url: str | None = None,
) -> str:
    """Atom XML; every value is escaped by ElementTree, so archived text can never become markup. self_url: where
    the feed itself is served (its ``self`` link); base_url: the archive in Datasette, for the entries' links to
    the article and diff pages (without it, entries link to the original address only)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    scope = court or source or "all sources"
    ET.SubElement(root, f"{{{ATOM}}}title").text = f"courtnews: changes in {scope}"
    ET.SubElement(
        root, f"{{{ATOM}}}id"
    ).text = f"urn:courtnews:feed?source={source or ''}&court={court or ''}"
    ET.SubElement(ET.SubElement(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = AUTHOR
    if self_url:
        ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=self_url, type="application/atom+xml")
    entries = feed_entries(db, source, court, limit)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = entries[0]["created_at"] if entries else utc_now()
    for row in entries:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        ET.SubElement(
            entry, f"{{{ATOM}}}title"
        ).text = f"[{kind_label(row['kind'])}] {row['title'] or row['url']}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:courtnews:version:{row['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = row["created_at"]
        if base_url:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=f"{base_url}/-/article/{row['id']}")
            if row["previous_id"] and row["kind"] in ("changed", "restored"):
                diff = f"{base_url}/-/diff/{row['previous_id']}/{row['id']}"
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=diff, title="diff")
            if web_href(row["url"]):  # only an http(s) address is ever a link (archive/reader/links.py)
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="via", href=row["url"])
        elif web_href(row["url"]):
            ET.SubElement(entry, f"{{{ATOM}}}link", href=row["url"])
        fields = "、".join(field_labels(row["changed_fields"]))
        summary = f"{row['source']} v{row['version']} {row['kind']}" + (
            f" ({fields})" if row["kind"] in ("changed", "restored") and fields else ""
        )
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = summary
        if row["body"]:
            ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = row["body"][:2000]
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
