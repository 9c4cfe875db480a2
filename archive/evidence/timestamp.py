"""RFC 3161 trusted timestamps of checkpoints: the request built here, the reply checked by openssl.

Rules:
- A checkpoint is stored untimestamped first; ``timestamp_pending`` asks the configured TSA for every
  checkpoint still without a reply, so an unreachable TSA delays a timestamp and never loses a checkpoint.
- The request is a DER TimeStampReq (v1, SHA-256 message imprint of the checkpoint body, a random nonce,
  certReq true so the reply carries the TSA's certificate), POSTed as application/timestamp-query to an
  http or https URL only. A reply is stored only once ``openssl ts -verify`` accepts it for that body and
  nonce against the TSA's CA chain: a wrong, stale or replayed reply is refused, never recorded.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils

from archive.db import write_transaction
from archive.evidence.log import EvidenceError
from archive.model import utc_now

SHA256_OID = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1, DER-encoded with its tag
TSA_TIMEOUT_SECONDS = 30.0
MAX_REPLY_BYTES = 1 << 20


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + content


def _der_integer(value: int) -> bytes:
    """A non-negative INTEGER in minimal two's complement (a leading 0 octet where the top bit is set)."""
    return _der(0x02, value.to_bytes((value.bit_length() + 8) // 8, "big"))


def timestamp_request(data: bytes, nonce: int) -> bytes:
    """The DER TimeStampReq for data: version 1, SHA-256 imprint, nonce, certReq TRUE."""
    algorithm = _der(0x30, SHA256_OID + b"\x05\x00")
    imprint = _der(0x30, algorithm + _der(0x04, hashlib.sha256(data).digest()))
    return _der(0x30, _der_integer(1) + imprint + _der_integer(nonce) + b"\x01\x01\xff")


def openssl() -> str:
    """The openssl command, or EvidenceError saying to install it."""
    found = shutil.which("openssl")
    if not found:
        raise EvidenceError(
            "openssl is not installed: install it (apt-get install openssl) to use timestamps"
        )
    return found


def post_query(url: str, query: bytes, timeout: float = TSA_TIMEOUT_SECONDS) -> bytes:
    """POST a TimeStampReq to a TSA and return its reply bytes (EvidenceError on any failure, one line)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise EvidenceError(f"TSA URL {url}: only http and https URLs are used; fix the --tsa setting")
    request = urllib.request.Request(
        url, data=query, method="POST", headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            reply = response.read(MAX_REPLY_BYTES + 1)
    except (urllib.error.URLError, OSError) as exc:
        raise EvidenceError(
            f"TSA {url} did not answer ({exc}); the checkpoint stays pending, retried next time"
        ) from None
    if len(reply) > MAX_REPLY_BYTES:
        raise EvidenceError(f"TSA {url} answered with over {MAX_REPLY_BYTES} bytes; check the URL")
    return reply


@dataclass(frozen=True)
class TimestampCheck:
    ok: bool
    message: str


def verify_reply(reply: bytes, data: bytes, chain_pem: bytes, nonce: int | None = None) -> TimestampCheck:
    """``openssl ts -verify`` of a reply for data against the TSA's CA chain (and, given, the nonce sent)."""
    with tempfile.TemporaryDirectory(prefix="courtnews-ts-") as tmp:
        folder = Path(tmp)
        (folder / "reply.tsr").write_bytes(reply)
        (folder / "chain.pem").write_bytes(chain_pem)
        (folder / "data").write_bytes(data)
        if nonce is not None:
            (folder / "query.tsq").write_bytes(timestamp_request(data, nonce))
            source = ["-queryfile", str(folder / "query.tsq")]
        else:
            source = ["-data", str(folder / "data")]
        done = subprocess.run(
            [openssl(), "ts", "-verify", *source, "-in", str(folder / "reply.tsr"), "-CAfile", str(folder / "chain.pem")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    message = (done.stdout + done.stderr).strip().splitlines()
    return TimestampCheck(
        done.returncode == 0 and "Verification: OK" in done.stdout, message[0] if message else ""
    )


def request_timestamp(url: str, data: bytes, chain_pem: bytes) -> bytes:
    """A verified RFC 3161 reply for data from the TSA at url (EvidenceError when it cannot be had)."""
    nonce = secrets.randbits(63)
    reply = post_query(url, timestamp_request(data, nonce))
    check = verify_reply(reply, data, chain_pem, nonce)
    if not check.ok:
        raise EvidenceError(f"TSA {url}: its reply does not verify ({check.message}); check --tsa-chain")
    return reply


def timestamp_pending(db: sqlite_utils.Database, url: str, chain_file: str | os.PathLike[str]) -> list[int]:
    """Timestamp every checkpoint that has no reply yet; returns the ids timestamped. Runs its own short
    writes: call it outside a long transaction (the TSA round trip should not hold the write lock)."""
    chain = Path(chain_file).read_bytes()
    pending = db.conn.execute(
        "SELECT id, body FROM evidence_checkpoints WHERE tsr IS NULL ORDER BY id"
    ).fetchall()
    done = []
    for checkpoint_id, text in pending:
        reply = request_timestamp(url, bytes(text), chain)
        with write_transaction(db):
            db.conn.execute(
                "UPDATE evidence_checkpoints SET tsa_url = ?, tsr = ?, tsa_chain = ?, timestamped_at = ? WHERE id = ?",
                (url, reply, chain, utc_now(), checkpoint_id),
            )
        done.append(int(checkpoint_id))
    return done
