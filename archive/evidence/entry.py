"""What a log entry says: a canonical JSON document of a capture's (or a version's) facts.

Rules:
- Canonical form: keys sorted, no spaces (``,`` and ``:``), UTF-8 without escaping non-ASCII, every key always
  present (``null`` where a fact is unknown, e.g. no TLS on plain HTTP). The same facts give the same bytes,
  and the bytes are stored and hashed as they are: a verifier never re-serialises.
- A capture entry states what was sent and received: URL, fetch time, status, request and response headers,
  ``payload_sha256`` (hex SHA-256 of the body exactly as received; null when there was none), the peer's IP
  address and the SHA-256 of the server's TLS certificate where the connection had one, the courtnews version
  and extraction rules hash.
- A version entry names the capture's leaf, the version's content hash and ``text_sha256``, the SHA-256 of the
  version's text as ``version_text`` writes it, so a proof bundle's text file can be checked by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from typing import Any

ENTRY_FORMAT = 1  # bumped when the entry's keys change meaning; verifiers read it first


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document (sorted keys, compact, UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@functools.cache  # importlib.metadata scans sys.path: read once per process, not once per capture
def courtnews_version() -> str:
    """The installed courtnews version, or "unknown" when run from a tree that is not installed."""
    try:
        return metadata.version("courtnews")
    except metadata.PackageNotFoundError:
        return "unknown"


def capture_entry(
    *,
    capture_id: int | None,
    url: str,
    fetched_at: str,
    status: int | None,
    response_headers: dict[str, Any] | list[Any] | None,
    payload: bytes | None,
    request_headers: dict[str, Any] | list[Any] | None = None,
    final_url: str | None = None,
    peer_ip: str | None = None,
    tls_cert_sha256: str | None = None,
    rules_hash: str | None = None,
    outcome: str | None = None,
    version: str | None = None,
) -> bytes:
    """The entry of one capture. payload: the body exactly as received (None: no body, e.g. a failed fetch)."""
    return canonical(
        {
            "format": ENTRY_FORMAT,
            "type": "capture",
            "capture_id": capture_id,
            "url": url,
            "final_url": final_url,
            "fetched_at": fetched_at,
            "status": status,
            "request_headers": request_headers or {},
            "response_headers": response_headers or {},
            "payload_sha256": hashlib.sha256(payload).hexdigest() if payload is not None else None,
            "payload_size": len(payload) if payload is not None else None,
            "peer_ip": peer_ip,
            "tls_cert_sha256": tls_cert_sha256,
            "outcome": outcome,
            "courtnews_version": version or courtnews_version(),
            "rules_hash": rules_hash,
        }
    )


def entry_of_capture(capture: Any, capture_id: int, outcome: str, rules_hash: str | None = None) -> bytes:
    """The entry of an ``archive.model.Capture`` as recorded. Its optional connection facts
    (``request_headers``, ``peer_ip``, ``tls_cert_sha256``) are read where the Capture has them."""
    return capture_entry(
        capture_id=capture_id,
        url=capture.url,
        final_url=capture.final_url if capture.final_url != capture.url else None,
        fetched_at=capture.fetched_at,
        status=capture.status,
        request_headers=getattr(capture, "request_headers", None),
        response_headers=capture.headers,
        payload=capture.raw,
        peer_ip=getattr(capture, "peer_ip", None),
        tls_cert_sha256=getattr(capture, "tls_cert_sha256", None),
        rules_hash=rules_hash,
        outcome=outcome,
    )


def version_text(title: str | None, body: str | None) -> bytes:
    """The text of a version as a proof bundle carries it: title, a blank line, body, a final newline."""
    return f"{title or ''}\n\n{body or ''}\n".encode()


def version_entry(
    *,
    version_id: int,
    capture_leaf: int,
    url: str,
    number: int,
    kind: str,
    created_at: str,
    content_hash: str | None,
    text: bytes | None,
    extractor_version: str | None,
    rules_hash: str | None,
    version: str | None = None,
) -> bytes:
    """The entry of a version (first, changed, restored, removed, moved, or a re-extraction of one).

    text: ``version_text`` of the version's fields; None for versions that record the text's absence."""
    return canonical(
        {
            "format": ENTRY_FORMAT,
            "type": "version",
            "version_id": version_id,
            "capture_leaf": capture_leaf,
            "url": url,
            "version": number,
            "kind": kind,
            "created_at": created_at,
            "content_hash": content_hash,
            "text_sha256": hashlib.sha256(text).hexdigest() if text is not None else None,
            "extractor_version": extractor_version,
            "rules_hash": rules_hash,
            "courtnews_version": version or courtnews_version(),
        }
    )
