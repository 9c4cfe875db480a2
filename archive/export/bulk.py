"""Export the archive: versions as JSONL or CSV, captures as WARC (ISO 28500) for web-archive tools."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, BinaryIO, TextIO

import sqlite_utils

from archive.store import get_blob

if TYPE_CHECKING:
    from warcio.statusandheaders import StatusAndHeaders

VERSION_COLUMNS = (
    "url",
    "source",
    "version",
    "kind",
    "created_at",
    "title",
    "published",
    "published_precision",
    "source_name",
    "author",
    "editor",
    "court",
    "changed_fields",
    "content_hash",
    "extractor_version",
    "rules_hash",
    "body",
)


def _filters(source: str | None, since: str | None, time_column: str) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if source:
        clauses.append("p.source = ?")
        params.append(source)
    if since:
        clauses.append(f"{time_column} >= ?")
        params.append(since)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def iter_versions(
    db: sqlite_utils.Database, source: str | None = None, since: str | None = None
) -> Iterator[dict]:
    where, params = _filters(source, since, "v.created_at")
    sql = (
        "SELECT p.url, p.source, v.version, v.kind, v.created_at, v.title, v.published, v.published_precision, "
        "v.source_name, v.author, v.editor, v.court, v.changed_fields, v.content_hash, v.extractor_version, "
        f"v.rules_hash, v.body FROM versions v JOIN pages p ON p.id = v.page_id{where} ORDER BY v.created_at, v.id"
    )
    for row in db.query(sql, params):
        row["changed_fields"] = json.loads(row["changed_fields"] or "[]")
        yield row


def export_jsonl(
    db: sqlite_utils.Database, out: TextIO, source: str | None = None, since: str | None = None
) -> int:
    count = 0
    for row in iter_versions(db, source, since):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


# OWASP's CSV-injection rule: a spreadsheet reads a cell that starts with one of these as a formula (tab and
# carriage return because Excel skips them and reads the character after)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """A text cell a spreadsheet would read as a formula, made text by a leading apostrophe (which Excel and
    LibreOffice show as nothing); every other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(
    db: sqlite_utils.Database,
    out: TextIO,
    source: str | None = None,
    since: str | None = None,
    bom: bool = False,
) -> int:
    """Versions as CSV. bom: the file is for a spreadsheet: it starts with U+FEFF, the byte order mark Excel
    needs to read it as UTF-8, and a text cell starting with = + - @, a tab or a carriage return gets a leading
    apostrophe, so a court page titled ``=HYPERLINK(…)`` is text in Excel rather than a live formula. Without
    bom the CSV is for data tools and holds the values exactly as archived."""
    if bom:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=VERSION_COLUMNS)
    writer.writeheader()
    count = 0
    for row in iter_versions(db, source, since):
        row = {**row, "changed_fields": ",".join(row["changed_fields"])}
        writer.writerow({k: spreadsheet_cell(v) for k, v in row.items()} if bom else row)
        count += 1
    return count


# Headers that described the bytes on the wire; the stored body is the decoded payload, so they are replaced.
_WIRE_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}
TEXT_URI = "urn:courtnews:text:{capture_id}"


def wire_bytes(text: str) -> bytes:
    """A stored header name or value as the bytes that came: the crawl stores each byte as one Latin-1
    character (raw UTF-8 such as ``X-Filename: 判决书.html`` included), so Latin-1 gives them back. A value
    with characters beyond Latin-1 (stored by hand or by older code) can only have been text: UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def http_headers(status: int, stored: str | None, length: int) -> StatusAndHeaders:
    """The HTTP status line and headers of a capture for its WARC record, the bytes as they came: warcio
    would re-encode any non-ASCII value (percent-encoding the UTF-8 of its Latin-1 reading, i.e. mojibake).
    Wire-level headers are replaced by the stored payload's Content-Length."""
    from http.client import responses

    headers = [(k, v) for k, v in json.loads(stored or "{}").items() if k.lower() not in _WIRE_HEADERS]
    headers.append(("Content-Length", str(length)))
    return _wire_headers_class()(f"{status} {responses.get(status, 'Unknown')}", headers, protocol="HTTP/1.1")


@cache
def _wire_headers_class() -> type[StatusAndHeaders]:
    """warcio's StatusAndHeaders writing the header block from wire_bytes (warcio is imported when used)."""
    from warcio.statusandheaders import StatusAndHeaders

    class WireHeaders(StatusAndHeaders):
        def compute_headers_buffer(self, header_filter: object = None) -> None:
            lines = [f"{self.protocol} {self.statusline}".encode("latin-1")]
            lines += [wire_bytes(name) + b": " + wire_bytes(value) for name, value in self.headers]
            self.headers_buff = b"\r\n".join(lines) + b"\r\n\r\n"

    return WireHeaders


def _warcinfo(writer: object, source: str | None, since: str | None) -> object:
    from importlib.metadata import version

    info = {
        "software": f"courtnews/{version('courtnews')}",
        "format": "WARC File Format 1.1",
        "description": "Captures of Chinese court news as fetched, with the text courtnews extracted from each "
        f"capture that made a version (records under {TEXT_URI.split('{')[0]}<capture id>)",
        "isPartOf": f"courtnews archive (source={source or 'all'}, since={since or 'the beginning'})",
    }
    return writer.create_warcinfo_record("courtnews.warc.gz", info)  # type: ignore[attr-defined]


def export_warc(
    db: sqlite_utils.Database, out: BinaryIO, source: str | None = None, since: str | None = None
) -> int:
    """A warcinfo record, then a record per response as it came over the wire, in fetch order:
    - ``response`` with the original status line and headers (redirects included, with their Location);
    - ``revisit`` (identical payload) when the same bytes were already written;
    - for a capture that made a version, a ``conversion`` record with the extracted title and text under
      its own URI (``urn:courtnews:text:<capture id>``, pointing at the response by ``WARC-Refers-To``), so
      replay tools such as pywb never serve the text in place of the page.
    Fetches that got no response (timeouts, refused hosts) have nothing to replay and are left out."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    writer.write_record(_warcinfo(writer, source, since))
    records = 1
    written: dict[str, tuple[str, str, str]] = {}  # our digest -> (uri, WARC-Date, WARC-Payload-Digest)
    where, params = _filters(source, since, "c.fetched_at")
    where = (where + " AND " if where else " WHERE ") + "c.status IS NOT NULL"
    sql = (
        "SELECT c.id, c.url, c.fetched_at, c.status, c.headers, c.digest, v.title, v.body "
        "FROM captures c JOIN pages p ON p.id = c.page_id LEFT JOIN versions v ON v.capture_id = c.id "
        f"AND v.kind IN ('first', 'changed', 'restored'){where} ORDER BY c.fetched_at, c.id"
    )
    for row in db.query(sql, params):
        raw = get_blob(db, row["digest"]) if row["digest"] else b""
        status_and_headers = http_headers(row["status"], row["headers"], len(raw))
        warc_date = row["fetched_at"]
        if row["digest"] in written:
            uri, date, payload_digest = written[row["digest"]]
            record = writer.create_revisit_record(
                row["url"],
                digest=payload_digest,
                refers_to_uri=uri,
                refers_to_date=date,
                http_headers=status_and_headers,
                warc_headers_dict={"WARC-Date": warc_date},
            )
        else:
            record = writer.create_warc_record(
                row["url"],
                "response",
                payload=io.BytesIO(raw),
                http_headers=status_and_headers,
                warc_headers_dict={"WARC-Date": warc_date},
            )
            if row["digest"]:
                written[row["digest"]] = (
                    row["url"],
                    warc_date,
                    record.rec_headers.get_header("WARC-Payload-Digest"),
                )
        writer.write_record(record)
        records += 1
        if row["body"] is not None:
            text = f"{row['title'] or ''}\n\n{row['body']}".encode()
            conversion = writer.create_warc_record(
                TEXT_URI.format(capture_id=row["id"]),
                "conversion",
                payload=io.BytesIO(text),
                warc_content_type="text/plain; charset=utf-8",
                warc_headers_dict={
                    "WARC-Date": warc_date,
                    "WARC-Refers-To": record.rec_headers.get_header("WARC-Record-ID"),
                    "WARC-Refers-To-Target-URI": row["url"],
                    "WARC-Refers-To-Date": warc_date,
                },
            )
            writer.write_record(conversion)
            records += 1
    return records
