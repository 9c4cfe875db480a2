"""One fetch as a Redis stream entry, and back: what a worker's pipeline pushes and the writer records.

An entry's fields:
- ``v``: the format (``FORMAT``); a writer refuses an entry of another format instead of guessing;
- ``fetch``: the capture id made once per fetch by the worker, recorded as the captures' ``fetch_id``:
  delivered twice, recorded once;
- ``run``, ``source``, ``worker``, ``url``: plain text, readable with ``redis-cli XRANGE`` (never bodies);
- ``records``: JSON, one object per response of the fetch (redirect hops, then the final response): the
  capture's fields but its bytes, the outcome and the extracted article, as ``to_records`` made them;
- ``raw:<n>``: the n-th response's body, zlib-compressed (absent when it had none).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, fields
from typing import Any

from archive.store import ArticleFields, Capture, Recorded

FORMAT = "1"
_CAPTURE_FIELDS = {f.name for f in fields(Capture)}


class BadEntry(ValueError):
    """An entry the writer cannot turn into records; it goes to the dead-letter stream with this reason."""


def encode(
    records: list[Recorded], fetch_id: str, run_id: int, source: str, worker: str, url: str
) -> dict[str, bytes | str]:
    entry: dict[str, bytes | str] = {
        "v": FORMAT,
        "fetch": fetch_id,
        "run": str(run_id),
        "source": source,
        "worker": worker,
        "url": url,
    }
    described = []
    for n, record in enumerate(records):
        capture = {k: v for k, v in asdict(record.capture).items() if k != "raw"}
        capture["has_raw"] = record.capture.raw is not None
        if record.capture.raw is not None:
            entry[f"raw:{n}"] = zlib.compress(record.capture.raw, 6)
        described.append(
            {
                "capture": capture,
                "outcome": record.outcome,
                "article": asdict(record.article) if record.article is not None else None,
            }
        )
    entry["records"] = json.dumps(described, ensure_ascii=False)
    return entry


def decode(entry: dict[bytes, bytes]) -> tuple[str, int, list[Recorded]]:
    """(fetch id, run id, records) of an entry; BadEntry says why not."""
    try:
        version = entry[b"v"].decode()
        if version != FORMAT:
            raise BadEntry(f"entry format {version!r}; this writer reads format {FORMAT}: upgrade it")
        fetch_id = entry[b"fetch"].decode()
        run_id = int(entry[b"run"])
        described: list[dict[str, Any]] = json.loads(entry[b"records"])
        records = []
        for n, item in enumerate(described):
            capture = dict(item["capture"])
            has_raw = capture.pop("has_raw")
            unknown = set(capture) - _CAPTURE_FIELDS
            if unknown:
                raise BadEntry(f"capture fields unknown to this writer: {sorted(unknown)}; upgrade it")
            raw = zlib.decompress(entry[f"raw:{n}".encode()]) if has_raw else None
            article = ArticleFields(**item["article"]) if item["article"] is not None else None
            records.append(Recorded(Capture(**capture, raw=raw), item["outcome"], article))
    except BadEntry:
        raise
    except (KeyError, ValueError, TypeError, zlib.error) as exc:
        raise BadEntry(f"unreadable entry ({type(exc).__name__}: {exc})") from None
    if not records:
        raise BadEntry("an entry without records")
    return fetch_id, run_id, records


def run_of_entry(entry: dict[bytes, bytes]) -> int | None:
    try:
        return int(entry[b"run"])
    except (KeyError, ValueError):
        return None
