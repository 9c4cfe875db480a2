"""What the CLI and the crawl call: one function per `courtnews` evidence command, and the checkpoint after a run.

Rules:
- ``checkpoint_after_run`` signs the log's head after every run that wrote to the archive, then asks the
  configured TSA ($COURTNEWS_TSA_URL with its CA chain $COURTNEWS_TSA_CHAIN) to timestamp every checkpoint
  still pending. A TSA that fails is a warning, never a failed run: the checkpoint stays pending and the next
  run (or `courtnews checkpoint`) timestamps it.
- ``verify_proof`` checks a bundle with this package's own verifier, never with the verify.py inside the zip
  (a forged bundle would ship one that always says yes), and reads only the bundle's known file names, flat:
  nothing in a zip is ever written outside the temporary folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive.db import write_transaction
from archive.evidence import bundle_verify
from archive.evidence import checkpoint as checkpoints
from archive.evidence.audit import verify_archive
from archive.evidence.bundle import capture_of_url, write_bundle
from archive.evidence.log import EvidenceError, LogCheck
from archive.evidence.timestamp import timestamp_pending

TSA_URL_ENV = "COURTNEWS_TSA_URL"
TSA_CHAIN_ENV = "COURTNEWS_TSA_CHAIN"
BUNDLE_FILES = frozenset(
    {
        "entry.json", "response.bin", "response.warc.gz", "inclusion.json", "checkpoint.txt", "checkpoint.sig",
        "checkpoint.note", "public_key.pem", "timestamp.tsr", "tsa_chain.pem", "version_entry.json",
        "version_inclusion.json", "version.txt", "VERIFY.md", "verify.py",
    }
)  # fmt: skip
MAX_BUNDLE_FILE = 256 << 20


@dataclass
class Signed:
    checkpoint: checkpoints.Checkpoint
    timestamped: list[int] = field(default_factory=list)
    warning: str | None = None  # the TSA's failure, one line


def archive_path(db: sqlite_utils.Database) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2]


def sign_checkpoint(
    db: sqlite_utils.Database,
    key_file: str | os.PathLike[str] | None = None,
    tsa_url: str | None = None,
    tsa_chain: str | os.PathLike[str] | None = None,
    origin: str | None = None,
) -> Signed:
    """`courtnews checkpoint`: sign the current head (creating the key on first use), then timestamp what is
    pending when a TSA is configured (arguments, else $COURTNEWS_TSA_URL and $COURTNEWS_TSA_CHAIN)."""
    key = checkpoints.load_or_create_key(checkpoints.key_path(archive_path(db), key_file))
    with write_transaction(db):
        signed = Signed(checkpoints.checkpoint(db, key, origin))
    url = tsa_url or os.environ.get(TSA_URL_ENV)
    chain = tsa_chain or os.environ.get(TSA_CHAIN_ENV)
    if url and not chain:
        signed.warning = (
            f"TSA {url}: no CA chain given; set {TSA_CHAIN_ENV} (or --tsa-chain) to timestamp checkpoints"
        )
    elif url and chain:
        try:
            signed.timestamped = timestamp_pending(db, url, chain)
        except (EvidenceError, OSError) as exc:
            signed.warning = str(exc)
    return signed


def checkpoint_after_run(db: sqlite_utils.Database, key_file: str | os.PathLike[str] | None = None) -> Signed:
    """Called once a run that recorded captures has finished (its rows committed)."""
    return sign_checkpoint(db, key_file)


def write_checkpoint_files(signed: checkpoints.Checkpoint, output: str | os.PathLike[str]) -> list[Path]:
    """`courtnews checkpoint --output FILE`: FILE is the signed note (publish it), FILE.txt and FILE.sig the
    plain checkpoint and its raw signature, FILE.pem the public key."""
    base = Path(output)
    files = {
        base: signed.note,
        base.with_name(base.name + ".txt"): signed.body,
        base.with_name(base.name + ".sig"): signed.signature,
        base.with_name(base.name + ".pem"): checkpoints.public_pem(signed.public_key),
    }
    for path, data in files.items():
        path.write_bytes(data)
    return list(files)


def verify(db: sqlite_utils.Database, against: str | os.PathLike[str] | None = None) -> LogCheck:
    """`courtnews verify [--against FILE]`: every check of ``audit.verify_archive``."""
    return verify_archive(db, Path(against) if against is not None else None)


def proof(db: sqlite_utils.Database, url: str, output: str | os.PathLike[str], at: str | None = None) -> Path:
    """`courtnews proof URL [--at TIME] --output FILE.zip`: the bundle of the URL's latest capture (at TIME)."""
    return write_bundle(db, capture_of_url(db, url, at), output)


def verify_proof(path: str | os.PathLike[str]) -> tuple[int, str]:
    """`courtnews verify-proof FILE.zip`: (exit code, report) of our verifier over the bundle's files."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise EvidenceError(
            f"{path}: not a readable proof bundle ({exc}); give the .zip `courtnews proof` wrote"
        ) from None
    with archive, tempfile.TemporaryDirectory(prefix="courtnews-proof-") as tmp:
        for info in archive.infolist():
            if info.filename not in BUNDLE_FILES:
                raise EvidenceError(
                    f"{path}: unexpected file {info.filename!r} in a proof bundle; it is not one of ours"
                )
            if info.file_size > MAX_BUNDLE_FILE:
                raise EvidenceError(
                    f"{path}: {info.filename} is over {MAX_BUNDLE_FILE >> 20} MiB; not a proof bundle"
                )
            (Path(tmp) / info.filename).write_bytes(archive.read(info))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = bundle_verify.main(Path(tmp))
    return code, out.getvalue()
