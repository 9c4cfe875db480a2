"""Proof bundles: one zip that lets anyone check one capture (and the version it made) without courtnews.

Rules:
- A bundle proves against the latest signed checkpoint that covers the capture's leaf (and its version's);
  with none, EvidenceError says to run ``courtnews checkpoint`` first. Nothing is signed here.
- Its files: entry.json (the entry exactly as hashed), response.bin (the body as received), response.warc.gz
  (the capture as a WARC response record: the caller's bytes, else built with warcio), inclusion.json,
  checkpoint.txt, checkpoint.sig (raw Ed25519 signature), checkpoint.note (C2SP signed note),
  public_key.pem, timestamp.tsr and tsa_chain.pem when the checkpoint was timestamped, for a version
  version_entry.json, version_inclusion.json and version.txt, then VERIFY.md and verify.py (this package's
  bundle_verify.py, verbatim).
- Before the zip is written the bundle is checked with the same algorithm verify.py runs: a bundle that
  would not verify is never handed out.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import sqlite_utils

from archive.blobs import get_blob
from archive.evidence import checkpoint as checkpoints
from archive.evidence import log
from archive.evidence.entry import version_text
from archive.evidence.merkle import leaf_hash, verify_inclusion

VERIFIER = Path(__file__).with_name("bundle_verify.py")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip member times: a bundle's bytes depend on its content only

VERIFY_MD = """# Checking this proof by hand

`python3 verify.py` runs every check below (Python's standard library and openssl only) and exits 0 only
when all hold. By hand, from this folder:

1. The body is the one logged: `sha256sum response.bin` prints `payload_sha256` of `entry.json`.
2. The entry's leaf hash (RFC 9162): `(printf '\\000'; cat entry.json) | sha256sum`.
3. The leaf is in the log: starting from that leaf hash, fold the hashes of `inclusion.json`'s `path` as
   RFC 9162 section 2.1.3.2 says (each step SHA-256 of 0x01, left, right); the result is the third line of
   `checkpoint.txt` (base64): `sed -n 3p checkpoint.txt | base64 -d | xxd -p -c 32`.
4. The archive signed that tree head:
   `openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -sigfile checkpoint.sig -in checkpoint.txt`
   prints `Signature Verified Successfully`. Compare `public_key.pem` with the key the archive publishes;
   `checkpoint.note` is the same checkpoint as a C2SP signed note.
5. When `timestamp.tsr` is here, a trusted third party saw that checkpoint no later than its time:
   `openssl ts -verify -data checkpoint.txt -in timestamp.tsr -CAfile tsa_chain.pem` prints
   `Verification: OK`; `openssl ts -reply -in timestamp.tsr -text` shows the time. Trust `tsa_chain.pem`
   only as far as you trust that TSA's CA (compare it with the TSA's published certificate).
6. When `version_entry.json` is here: `sha256sum version.txt` prints its `text_sha256`, its `capture_leaf`
   is `inclusion.json`'s `leaf_index`, and its leaf (step 2 on `version_entry.json`) leads with
   `version_inclusion.json` to the same root.

`response.warc.gz` is the same capture as a WARC record, for replay tools.
"""


def capture_of_url(db: sqlite_utils.Database, url: str, fetched_at: str | None = None) -> int:
    """The logged capture of url to prove: the latest, or the latest fetched at or before fetched_at."""
    row = db.conn.execute(
        "SELECT c.id FROM captures c JOIN evidence_leaves l ON l.capture_id = c.id AND l.kind = 'capture' "
        "WHERE (c.url = ? OR c.final_url = ?) AND (? IS NULL OR c.fetched_at <= ?) ORDER BY c.fetched_at DESC, c.id DESC LIMIT 1",
        (url, url, fetched_at, fetched_at),
    ).fetchone()
    if row is None:
        raise log.EvidenceError(
            f"{url}: no logged capture of this URL in the archive; check the URL with `courtnews history`"
        )
    return int(row[0])


def build_warc(entry: dict, payload: bytes) -> bytes:
    """The capture as one gzipped WARC response record (warcio), headers as received."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    headers = entry.get("response_headers") or {}
    pairs = list(headers.items()) if isinstance(headers, dict) else [tuple(pair) for pair in headers]
    http = StatusAndHeaders(
        f"{entry.get('status') or 0} -", [(str(k), str(v)) for k, v in pairs], protocol="HTTP/1.1"
    )
    warc_headers = {"WARC-Date": entry["fetched_at"]}
    if entry.get("peer_ip"):
        warc_headers["WARC-IP-Address"] = entry["peer_ip"]
    record = writer.create_warc_record(
        entry.get("final_url") or entry["url"], "response", payload=io.BytesIO(payload),
        http_headers=http, warc_headers_dict=warc_headers,
    )  # fmt: skip
    writer.write_record(record)
    return out.getvalue()


def _proof(db: sqlite_utils.Database, index: int, size: int) -> dict:
    return {
        "leaf_index": index,
        "tree_size": size,
        "path": [h.hex() for h in log.prove_inclusion(db, index, size)],
    }


def bundle_files(db: sqlite_utils.Database, capture_id: int, warc: bytes | None = None) -> dict[str, bytes]:
    """The files of the proof bundle of a logged capture, by name."""
    leaves = log.leaves_of_capture(db, capture_id)
    captured = [row for row in leaves if row["kind"] == "capture"]
    if not captured:
        raise log.EvidenceError(
            f"capture {capture_id} is not in the evidence log (recorded before it existed)"
        )
    capture_leaf = captured[-1]
    versions = [row for row in leaves if row["kind"] == "version"]
    needed = max(row["idx"] for row in [capture_leaf, *versions[-1:]]) + 1
    cp = checkpoints.latest(db, covering=needed)
    if cp is None:
        raise log.EvidenceError(
            f"capture {capture_id} is newer than the last checkpoint; run `courtnews checkpoint` first"
        )
    entry = json.loads(capture_leaf["entry"])
    files: dict[str, bytes] = {
        "entry.json": capture_leaf["entry"],
        "inclusion.json": json.dumps(_proof(db, capture_leaf["idx"], cp.size), indent=1).encode(),
        "checkpoint.txt": cp.body,
        "checkpoint.sig": cp.signature,
        "checkpoint.note": cp.note,
        "public_key.pem": checkpoints.public_pem(cp.public_key),
    }
    if entry.get("payload_sha256") is not None:
        row = db.conn.execute("SELECT digest FROM captures WHERE id = ?", (capture_id,)).fetchone()
        if row is None or row[0] is None:
            raise log.EvidenceError(
                f"capture {capture_id} was pruned: its body is gone, so no bundle can show it "
                "(the log still holds its entry and payload_sha256)"
            )
        payload = get_blob(db, row[0])
        files["response.bin"] = payload
        files["response.warc.gz"] = warc if warc is not None else build_warc(entry, payload)
    if versions:
        version_leaf = versions[-1]
        files["version_entry.json"] = version_leaf["entry"]
        files["version_inclusion.json"] = json.dumps(
            _proof(db, version_leaf["idx"], cp.size), indent=1
        ).encode()
        row = db.conn.execute(
            "SELECT title, body FROM versions WHERE id = ?", (version_leaf["version_id"],)
        ).fetchone()
        if json.loads(version_leaf["entry"]).get("text_sha256") is not None:
            files["version.txt"] = version_text(row[0], row[1])
    if cp.tsr is not None:
        files["timestamp.tsr"] = cp.tsr
        files["tsa_chain.pem"] = cp.tsa_chain or b""
    files["VERIFY.md"] = VERIFY_MD.encode()
    files["verify.py"] = VERIFIER.read_bytes()
    _self_check(files, cp)
    return files


def _self_check(files: dict[str, bytes], cp: checkpoints.Checkpoint) -> None:
    """The bundle's own claims, checked before it is written (the archive's data may have been edited)."""
    entry = json.loads(files["entry.json"])
    if (
        "response.bin" in files
        and hashlib.sha256(files["response.bin"]).hexdigest() != entry["payload_sha256"]
    ):
        raise log.EvidenceError(
            "the stored body no longer hashes to its logged payload_sha256: the archive was altered; run `courtnews verify`"
        )
    for entry_name, proof_name in (
        ("entry.json", "inclusion.json"),
        ("version_entry.json", "version_inclusion.json"),
    ):
        if entry_name in files:
            proof = json.loads(files[proof_name])
            path = [bytes.fromhex(h) for h in proof["path"]]
            if not verify_inclusion(
                proof["leaf_index"], cp.size, leaf_hash(files[entry_name]), path, cp.root
            ):
                raise log.EvidenceError(
                    f"{entry_name} does not lead to checkpoint {cp.id}'s root: the log was altered; run `courtnews verify`"
                )
    if "version.txt" in files:
        want = json.loads(files["version_entry.json"])["text_sha256"]
        if hashlib.sha256(files["version.txt"]).hexdigest() != want:
            raise log.EvidenceError(
                "the version's text differs from the text logged (re-extracted without logging?); run `courtnews verify`"
            )
    if not checkpoints.verify_signature(cp.body, cp.signature, cp.public_key):
        raise log.EvidenceError(f"checkpoint {cp.id}'s signature does not verify: the archive was altered")


def write_bundle(
    db: sqlite_utils.Database, capture_id: int, output: str | os.PathLike[str], warc: bytes | None = None
) -> Path:
    """Write the proof bundle of capture_id to output (a .zip), atomically; returns its path."""
    files = bundle_files(db, capture_id, warc)
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o755 if name == "verify.py" else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(partial, target)
    return target
