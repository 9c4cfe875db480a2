#!/usr/bin/env python3
"""verify.py: check a courtnews proof bundle with Python's standard library and the openssl command only.

Run it in the folder where the bundle was unzipped:  python3 verify.py   (exit 0: every check holds;
exit 1: a check failed, and each failed check is printed as "FAIL <check>: why").

Checks, each on its own line:
- payload:    SHA-256 of response.bin is entry.json's payload_sha256 (and its size payload_size)
- warc:       the payload of the response record in response.warc.gz is response.bin
- inclusion:  SHA-256(0x00 || entry.json) with inclusion.json's path leads (RFC 9162 2.1.3.2) to the root
              hash of checkpoint.txt, whose tree size is inclusion.json's tree_size
- signature:  checkpoint.sig is public_key.pem's Ed25519 signature of checkpoint.txt (openssl pkeyutl)
- version:    when version_entry.json is present: SHA-256 of version.txt is its text_sha256, it names
              entry.json's leaf, and version_inclusion.json leads it to the same root
- timestamp:  when timestamp.tsr is present: openssl ts -verify accepts it for checkpoint.txt against
              tsa_chain.pem (its message imprint is the SHA-256 of checkpoint.txt)
This file is copied verbatim into every bundle; it imports nothing of courtnews.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path


class Failed(Exception):
    """A check did not hold; the message says why."""


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        raise Failed(f"leaf index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise Failed("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Failed("the path is shorter than the tree is deep")
    return r


def read_checkpoint(folder: Path) -> tuple[int, bytes]:
    lines = (folder / "checkpoint.txt").read_bytes().decode("utf-8").split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise Failed("checkpoint.txt is not origin, size and root lines each ending in a newline")
    return int(lines[1]), base64.b64decode(lines[2], validate=True)


def check_inclusion(folder: Path, entry_name: str, proof_name: str) -> str:
    entry = (folder / entry_name).read_bytes()
    proof = json.loads((folder / proof_name).read_text("utf-8"))
    size, root = read_checkpoint(folder)
    if proof["tree_size"] != size:
        raise Failed(f"{proof_name} is for a tree of {proof['tree_size']}, checkpoint.txt is of {size}")
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    path = [bytes.fromhex(h) for h in proof["path"]]
    if root_from_path(proof["leaf_index"], size, leaf, path) != root:
        raise Failed(
            f"{entry_name} at leaf {proof['leaf_index']} does not lead to checkpoint.txt's root hash"
        )
    return f"leaf {proof['leaf_index']} of {size}, leaf hash {leaf.hex()}"


def check_payload(folder: Path) -> str:
    entry = json.loads((folder / "entry.json").read_bytes())
    if entry.get("payload_sha256") is None:
        if (folder / "response.bin").exists():
            raise Failed("entry.json records no body but the bundle has response.bin")
        return "the capture had no body"
    body = (folder / "response.bin").read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    if digest != entry["payload_sha256"]:
        raise Failed(f"SHA-256 of response.bin is {digest}, entry.json says {entry['payload_sha256']}")
    if entry.get("payload_size") not in (None, len(body)):
        raise Failed(f"response.bin has {len(body)} bytes, entry.json says {entry['payload_size']}")
    return f"sha256 {digest}"


def warc_payload(data: bytes) -> bytes:
    """The HTTP payload of the response record: the block after the WARC and HTTP header blocks."""
    raw = gzip.decompress(data)
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:] if b":" in line)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        length = int(fields.get(b"content-length", b"0"))
        block, raw = rest[:length], rest[length:].lstrip(b"\r\n")
        if fields.get(b"warc-type") == b"response":
            return block.partition(b"\r\n\r\n")[2]
    raise Failed("response.warc.gz has no response record")


def check_warc(folder: Path) -> str:
    if not (folder / "response.bin").exists():
        return "no body to compare"
    if warc_payload((folder / "response.warc.gz").read_bytes()) != (folder / "response.bin").read_bytes():
        raise Failed("the payload of response.warc.gz's response record is not response.bin")
    return "its response record's payload is response.bin"


def run_openssl(arguments: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("openssl")
    if not found:
        raise Failed("the openssl command is not installed: install it, then run verify.py again")
    return subprocess.run([found, *arguments], cwd=folder, capture_output=True, text=True, check=False)


def check_signature(folder: Path) -> str:
    done = run_openssl(
        ["pkeyutl", "-verify", "-pubin", "-inkey", "public_key.pem", "-rawin",
         "-sigfile", "checkpoint.sig", "-in", "checkpoint.txt"], folder,
    )  # fmt: skip
    if done.returncode != 0:
        raise Failed("checkpoint.sig is not public_key.pem's signature of checkpoint.txt")
    return "Ed25519 signature of checkpoint.txt by public_key.pem"


def check_version(folder: Path) -> str:
    entry = json.loads((folder / "version_entry.json").read_bytes())
    proof = json.loads((folder / "inclusion.json").read_text("utf-8"))
    if entry.get("capture_leaf") != proof["leaf_index"]:
        raise Failed(
            f"version_entry.json names leaf {entry.get('capture_leaf')}, entry.json is leaf {proof['leaf_index']}"
        )
    if entry.get("text_sha256") is not None:
        digest = hashlib.sha256((folder / "version.txt").read_bytes()).hexdigest()
        if digest != entry["text_sha256"]:
            raise Failed(
                f"SHA-256 of version.txt is {digest}, version_entry.json says {entry['text_sha256']}"
            )
    return (
        "version "
        + str(entry.get("version"))
        + ", "
        + check_inclusion(folder, "version_entry.json", "version_inclusion.json")
    )


def check_timestamp(folder: Path) -> str:
    if not (folder / "tsa_chain.pem").exists():
        raise Failed("timestamp.tsr has no tsa_chain.pem beside it to verify against")
    done = run_openssl(
        ["ts", "-verify", "-data", "checkpoint.txt", "-in", "timestamp.tsr", "-CAfile", "tsa_chain.pem"],
        folder,
    )
    if done.returncode != 0 or "Verification: OK" not in done.stdout:
        raise Failed(
            "openssl ts -verify refuses timestamp.tsr for checkpoint.txt: "
            + (done.stderr.strip().splitlines() or [""])[0]
        )
    return "RFC 3161 timestamp of checkpoint.txt"


def main(folder: Path) -> int:
    checks = [
        ("payload", check_payload),
        ("warc", check_warc),
        ("inclusion", lambda f: check_inclusion(f, "entry.json", "inclusion.json")),
        ("signature", check_signature),
    ]
    if (folder / "version_entry.json").exists():
        checks.append(("version", check_version))
    if (folder / "timestamp.tsr").exists():
        checks.append(("timestamp", check_timestamp))
    failed = []
    for name, check in checks:
        try:
            print(f"ok   {name}: {check(folder)}")
        except Failed as exc:
            failed.append(name)
            print(f"FAIL {name}: {exc}")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            failed.append(name)
            print(f"FAIL {name}: the bundle's files cannot be read as expected ({type(exc).__name__}: {exc})")
    if failed:
        print(f"NOT VERIFIED: {', '.join(failed)} failed")
        return 1
    print("VERIFIED: every check holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent))
