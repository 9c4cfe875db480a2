"""`courtnews verify`: the whole evidence log re-checked from its entries, its checkpoints and (given one) a
checkpoint kept elsewhere.

Rules:
- Every stored checkpoint must carry a valid signature and the root its entries make at its size, and
  a stored timestamp must verify for its checkpoint against the TSA chain kept with it.
- A checkpoint given from outside (``--against FILE``: a C2SP signed note, or checkpoint.txt with
  checkpoint.sig beside it) must be signed by a key the archive has signed with, and the log must extend it:
  this is what catches a rewritten archive whose own checkpoints were rewritten too.
- The result is a list of one-line problems; none means every check held.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlite_utils

from archive.evidence import checkpoint as checkpoints
from archive.evidence import log
from archive.evidence.merkle import MemoryTree
from archive.evidence.timestamp import verify_reply


def read_external(path: str | Path) -> tuple[bytes, bytes | None]:
    """A checkpoint file: (signed note, None) or (checkpoint body, raw signature from <file>.sig / checkpoint.sig)."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise log.EvidenceError(
            f"{path}: cannot read the checkpoint ({exc.strerror}); give the file kept from before"
        ) from None
    if b"\n\n" in text:
        return text, None
    for candidate in (
        path.with_name(path.name + ".sig"),
        path.with_suffix(".sig"),
        path.with_name("checkpoint.sig"),
    ):
        if candidate.exists():
            return text, candidate.read_bytes()
    raise log.EvidenceError(
        f"{path}: a checkpoint without its signature; give the signed note (checkpoint.note) instead"
    )


def _signed_by_archive(db: sqlite_utils.Database, text: bytes, signature: bytes | None) -> bool:
    keys = {bytes(r[0]) for r in db.conn.execute("SELECT DISTINCT public_key FROM evidence_checkpoints")}
    if signature is None:
        return any(checkpoints.verify_note(text, key) for key in keys)
    return any(checkpoints.verify_signature(text, signature, key) for key in keys)


def verify_archive(db: sqlite_utils.Database, against: str | Path | None = None) -> log.LogCheck:
    """Re-verify the log, every stored checkpoint, and optionally an external one; see the module's rules."""
    external: log.TreeHead | None = None
    problems: list[str] = []
    if against is not None:
        text, signature = read_external(against)
        _, size, root = checkpoints.parse(text)
        external = log.TreeHead(size, root)
        if not _signed_by_archive(db, text, signature):
            problems.append(f"{against}: its signature is not by any key this archive signs with")
    check = log.verify_log(db, external)
    problems += check.problems
    tree = check.tree or MemoryTree([])
    rows = db.conn.execute("SELECT id FROM evidence_checkpoints ORDER BY id").fetchall()
    for (checkpoint_id,) in rows:
        cp = checkpoints.get(db, checkpoint_id)
        if not checkpoints.verify_signature(cp.body, cp.signature, cp.public_key):
            problems.append(f"checkpoint {cp.id}: its signature does not verify")
        if checkpoints.parse(cp.body)[1:] != (cp.size, cp.root):
            problems.append(f"checkpoint {cp.id}: its text and its recorded size or root differ")
        if cp.size > tree.size or tree.root(cp.size) != cp.root:
            problems.append(f"checkpoint {cp.id}: the log's first {cp.size} entries no longer make its root")
        if cp.tsr is not None:
            if not shutil.which("openssl"):
                problems.append(
                    f"checkpoint {cp.id}: its timestamp cannot be checked without openssl; install it"
                )
            elif not verify_reply(cp.tsr, cp.body, cp.tsa_chain or b"").ok:
                problems.append(f"checkpoint {cp.id}: its RFC 3161 timestamp does not verify for it")
    return log.LogCheck(check.size, check.root, problems)
