"""One capture as a WARC file of its own (gzipped): the response as it came, and the extracted text of the version
it made as a ``conversion`` record, in the form ``courtnews export --format warc`` writes for the whole archive."""

from __future__ import annotations

import io

import sqlite_utils

from archive.export.bulk import TEXT_URI, http_headers
from archive.store import get_blob


def capture_warc(db: sqlite_utils.Database, capture_id: int) -> bytes | None:
    """The WARC bytes, or None when the capture has no response (a fetch that failed before any answer)."""
    from warcio.warcwriter import WARCWriter

    rows = list(
        db.query(
            "SELECT c.id, c.url, c.fetched_at, c.status, c.headers, c.digest, v.title, v.body FROM captures c "
            "LEFT JOIN versions v ON v.capture_id = c.id AND v.kind IN ('first', 'changed', 'restored') "
            "WHERE c.id = ? AND c.status IS NOT NULL",
            [capture_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    raw = get_blob(db, row["digest"]) if row["digest"] else b""
    status_and_headers = http_headers(row["status"], row["headers"], len(raw))
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    dated = {"WARC-Date": row["fetched_at"]}
    record = writer.create_warc_record(
        row["url"],
        "response",
        payload=io.BytesIO(raw),
        http_headers=status_and_headers,
        warc_headers_dict=dated,
    )
    writer.write_record(record)
    if row["body"] is not None:
        text = f"{row['title'] or ''}\n\n{row['body']}".encode()
        refers = {
            **dated,
            "WARC-Refers-To": record.rec_headers.get_header("WARC-Record-ID"),
            "WARC-Refers-To-Target-URI": row["url"],
            "WARC-Refers-To-Date": row["fetched_at"],
        }
        writer.write_record(
            writer.create_warc_record(
                TEXT_URI.format(capture_id=row["id"]),
                "conversion",
                payload=io.BytesIO(text),
                warc_content_type="text/plain; charset=utf-8",
                warc_headers_dict=refers,
            )
        )
    return out.getvalue()
