"""Signed checkpoints of the log: C2SP tlog-checkpoint text, signed with the archive's Ed25519 key.

Rules:
- The key is generated on first use and kept outside the database, in a file of mode 0600 (default
  ``<archive>.key``, else $COURTNEWS_KEY, else the path given); a key file others can read is refused, and
  the key is never logged or put in an error message (only its path is).
- A checkpoint body is ``<origin>\\n<tree size>\\n<base64 root>\\n`` (C2SP tlog-checkpoint). checkpoint.sig is
  the raw 64-byte Ed25519 signature of those bytes; the C2SP signed note is the body, a blank line and
  ``— <origin> base64(key hash ‖ signature)``, where the key hash is SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ key)[:4].
- A new checkpoint is signed only when the log at its size extends the last one signed (consistency proof):
  the archive never signs two histories. A checkpoint of the size already signed is the one returned.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from archive.evidence import log
from archive.evidence.merkle import leaf_hash, verify_consistency
from archive.model import utc_now

KEY_ENV = "COURTNEWS_KEY"
ORIGIN_ENV = "COURTNEWS_LOG_ORIGIN"
EM_DASH = "\u2014"
ED25519_ALG = b"\x01"


def key_path(archive: str | os.PathLike[str], explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the signing key lives: the explicit path, else $COURTNEWS_KEY, else beside the archive."""
    return Path(explicit or os.environ.get(KEY_ENV) or f"{os.fspath(archive)}.key")


def load_or_create_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """The archive's signing key, created (mode 0600, exclusively) when the file does not exist yet."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as exc:
        raise log.EvidenceError(
            f"{path}: cannot create the signing key ({exc.strerror}); pick a writable --key path"
        ) from None
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    return key


def _read_key(path: Path) -> Ed25519PrivateKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise log.EvidenceError(
            f"{path}: the signing key is readable by others (mode {mode:o}); run chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise log.EvidenceError(
            f"{path}: not an unencrypted PEM private key; point --key at the archive's key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise log.EvidenceError(f"{path}: not an Ed25519 key; the evidence log signs with Ed25519 only")
    return key


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(raw: bytes) -> bytes:
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def default_origin(raw_public: bytes) -> str:
    """The log's origin line when none is configured: stable for a key, no spaces or '+' (C2SP note names)."""
    return os.environ.get(ORIGIN_ENV) or f"courtnews.archive/{hashlib.sha256(raw_public).hexdigest()[:16]}"


def body(origin: str, size: int, root: bytes) -> bytes:
    """The C2SP tlog-checkpoint text: origin, tree size in decimal, base64 root hash, each line ending \\n."""
    if not origin or any(c in origin for c in " +\n"):
        raise log.EvidenceError(f"log origin {origin!r}: must be non-empty with no spaces, '+' or newlines")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def key_hash(name: str, raw_public: bytes) -> bytes:
    """C2SP signed-note key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALG + raw_public).digest()[:4]


def verifier_key(name: str, raw_public: bytes) -> str:
    """The C2SP vkey string others configure to check the notes: name+hex(key hash)+base64(0x01 ‖ key)."""
    return f"{name}+{key_hash(name, raw_public).hex()}+{base64.b64encode(ED25519_ALG + raw_public).decode()}"


def signed_note(text: bytes, name: str, raw_public: bytes, signature: bytes) -> bytes:
    """A C2SP signed note: the text, a blank line, and the signature line of this key."""
    blob = base64.b64encode(key_hash(name, raw_public) + signature).decode()
    return text + f"\n{EM_DASH} {name} {blob}\n".encode()


@dataclass(frozen=True)
class Checkpoint:
    id: int
    origin: str
    size: int
    root: bytes
    body: bytes
    signature: bytes
    public_key: bytes  # raw 32 bytes
    tsr: bytes | None = None
    tsa_chain: bytes | None = None

    @property
    def note(self) -> bytes:
        return signed_note(self.body, self.origin, self.public_key, self.signature)


def parse(text: bytes) -> tuple[str, int, bytes]:
    """Origin, size and root of a checkpoint body or signed note; EvidenceError when it is neither."""
    head = text.split(b"\n\n", 1)[0] + b"\n" if b"\n\n" in text else text
    lines = head.decode("utf-8", "replace").split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError):
        raise log.EvidenceError(
            "not a checkpoint: expected origin, tree size and base64 root hash lines"
        ) from None
    if len(root) != 32 or size < 0:
        raise log.EvidenceError("not a checkpoint: the root hash must be 32 bytes and the size a count")
    return origin, size, root


def verify_note(note: bytes, raw_public: bytes) -> bool:
    """True when a signed note carries a valid signature by this key under the note's own origin name."""
    text, sep, signatures = note.partition(b"\n\n")
    if not sep:
        return False
    text += b"\n"
    origin = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    want = key_hash(origin, raw_public)
    for line in signatures.decode("utf-8", "replace").splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or parts[1] != origin:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if blob[:4] == want and verify_signature(text, blob[4:], raw_public):
            return True
    return False


def verify_signature(text: bytes, signature: bytes, raw_public: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(raw_public).verify(signature, text)
    except (InvalidSignature, ValueError):
        return False
    return True


_COLUMNS = "id, origin, tree_size, root_hash, body, signature, public_key, tsr, tsa_chain"


def _of_row(row: tuple) -> Checkpoint:
    cid, origin, size, root, text, sig, pub, tsr, chain = row
    return Checkpoint(
        cid, origin, size, bytes(root), bytes(text), bytes(sig), bytes(pub),
        bytes(tsr) if tsr is not None else None, bytes(chain) if chain is not None else None,
    )  # fmt: skip


def latest(db: sqlite_utils.Database, covering: int = 0) -> Checkpoint | None:
    """The latest checkpoint of at least covering entries (None: none signed yet)."""
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_checkpoints WHERE tree_size >= ? ORDER BY id DESC LIMIT 1",
        (covering,),
    ).fetchone()
    return _of_row(row) if row else None


def get(db: sqlite_utils.Database, checkpoint_id: int) -> Checkpoint:
    row = db.conn.execute(
        f"SELECT {_COLUMNS} FROM evidence_checkpoints WHERE id = ?", (checkpoint_id,)
    ).fetchone()
    if row is None:
        raise log.EvidenceError(f"no checkpoint {checkpoint_id} in the archive")
    return _of_row(row)


def _check_new_leaves(db: sqlite_utils.Database, start: int, end: int) -> None:
    """The entries not yet signed hash to their stored leaf hashes: never sign over an entry edited in place.
    (Signed ones need no re-hash here: their hashes are already committed; `courtnews verify` re-hashes all.)"""
    rows = db.conn.execute(
        "SELECT idx, entry, leaf_hash FROM evidence_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
        (start, end),
    )
    for idx, entry, stored in rows:
        if leaf_hash(bytes(entry)) != bytes(stored):
            raise log.EvidenceError(
                f"evidence log leaf {idx}: its entry does not hash to its leaf hash, so it is not signed; "
                "run `courtnews verify` and keep the archive as it is for inspection"
            )


def checkpoint(db: sqlite_utils.Database, key: Ed25519PrivateKey, origin: str | None = None) -> Checkpoint:
    """Sign the log's current tree head and store the checkpoint (inside the caller's write transaction).

    Refuses (EvidenceError) when the log no longer extends the last checkpoint signed, or an entry not yet
    signed no longer hashes to its leaf hash."""
    raw = public_raw(key)
    origin = origin or default_origin(raw)
    head = log.tree_head(db)
    last = latest(db)
    if last is not None:
        if last.size > head.size or not verify_consistency(
            last.size, head.size, last.root, head.root, log.prove_consistency(db, last.size, head.size)
        ):
            raise log.EvidenceError(
                f"the evidence log no longer extends checkpoint {last.id} (size {last.size}); "
                "run `courtnews verify` and keep the archive as it is for inspection"
            )
        if last.size == head.size and last.origin == origin and last.public_key == raw:
            return last
    _check_new_leaves(db, last.size if last else 0, head.size)
    text = body(origin, head.size, head.root)
    signature = key.sign(text)
    cursor = db.conn.execute(
        "INSERT INTO evidence_checkpoints (created_at, origin, tree_size, root_hash, body, signature, public_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), origin, head.size, head.root, text, signature, raw),
    )
    return get(db, int(cursor.lastrowid or 0))
