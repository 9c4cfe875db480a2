"""The archive's append-only Merkle log (RFC 9162) kept in SQLite: append, tree heads, proofs, re-verification.

Rules:
- ``append`` runs inside the caller's write transaction (the one recording the capture), so a capture and its
  log entry are written together or not at all, and leaf indexes follow the order of writing.
- Appending leaf i stores its hash and then the hash of every complete subtree that leaf i completes
  (``evidence_nodes``): amortised one node per leaf, so tree heads and proofs at any size are O(log n)
  look-ups (``merkle.subtree_hash``), not a pass over the leaves.
- ``verify_log`` trusts nothing stored but the entries: it re-hashes every entry, rebuilds the tree in memory
  and compares the stored leaf hashes, the node cache and (given one) an earlier checkpoint's root through a
  consistency proof. Each problem is one line naming the leaf or the size.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive.evidence.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    node_hash,
    subtree_hash,
    verify_consistency,
)


class EvidenceError(ValueError):
    """The log cannot answer what was asked (a size beyond the log, a leaf that is not there): one line."""


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes


class StoredTree:
    """The log's complete subtrees read from the database (level 0: leaf hashes, above: the node cache)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.conn = db.conn

    def complete(self, level: int, index: int) -> bytes:
        if level == 0:
            row = self.conn.execute(
                "SELECT leaf_hash FROM evidence_leaves WHERE idx = ?", (index,)
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT hash FROM evidence_nodes WHERE level = ? AND idx = ?", (level, index)
            ).fetchone()
        if row is None:
            raise EvidenceError(
                f"the evidence log lacks the subtree at level {level}, index {index}; "
                "run `courtnews verify` to rebuild and check it"
            )
        return bytes(row[0])


def size(db: sqlite_utils.Database) -> int:
    """How many entries the log holds."""
    row = db.conn.execute("SELECT MAX(idx) FROM evidence_leaves").fetchone()
    return 0 if row[0] is None else int(row[0]) + 1


def append(
    db: sqlite_utils.Database,
    entry: bytes,
    kind: str,
    capture_id: int | None = None,
    version_id: int | None = None,
) -> int:
    """Append one entry (its bytes exactly as they will be hashed) and return its leaf index."""
    conn = db.conn
    index = size(db)
    digest = leaf_hash(entry)
    conn.execute(
        "INSERT INTO evidence_leaves (idx, kind, capture_id, version_id, entry, leaf_hash) VALUES (?, ?, ?, ?, ?, ?)",
        (index, kind, capture_id, version_id, entry, digest),
    )
    _complete_nodes(conn, index, digest)
    return index


def _complete_nodes(conn: object, index: int, digest: bytes) -> None:
    """Store the subtrees leaf index completes: while it is the right child, hash it with its left sibling."""
    execute = conn.execute  # type: ignore[attr-defined]
    level, position, current = 0, index, digest
    while position & 1:
        if level == 0:
            row = execute("SELECT leaf_hash FROM evidence_leaves WHERE idx = ?", (position - 1,)).fetchone()
        else:
            row = execute(
                "SELECT hash FROM evidence_nodes WHERE level = ? AND idx = ?", (level, position - 1)
            ).fetchone()
        current = node_hash(bytes(row[0]), current)
        level, position = level + 1, position >> 1
        execute(
            "INSERT OR REPLACE INTO evidence_nodes (level, idx, hash) VALUES (?, ?, ?)",
            (level, position, current),
        )


def tree_head(db: sqlite_utils.Database, at: int | None = None) -> TreeHead:
    """The log's size and root hash, now or at an earlier size."""
    current = size(db)
    n = current if at is None else at
    if not 0 <= n <= current:
        raise EvidenceError(f"the evidence log has {current} entries, so it has no tree head at size {n}")
    return TreeHead(n, subtree_hash(StoredTree(db), 0, n))


def prove_inclusion(db: sqlite_utils.Database, index: int, at: int | None = None) -> list[bytes]:
    """The inclusion path of leaf index in the tree of size at (default: now)."""
    n = size(db) if at is None else at
    if not 0 <= index < n <= size(db):
        raise EvidenceError(f"leaf {index} is not in the evidence log's tree of {n} entries")
    return inclusion_path(StoredTree(db), index, n)


def prove_consistency(db: sqlite_utils.Database, first: int, second: int | None = None) -> list[bytes]:
    """The consistency proof from the tree of size first to that of size second (default: now)."""
    n = size(db) if second is None else second
    if not 0 <= first <= n <= size(db):
        raise EvidenceError(f"no consistency proof from size {first} to {n}: the log has {size(db)} entries")
    return consistency_proof(StoredTree(db), first, n)


def leaf(db: sqlite_utils.Database, index: int) -> dict:
    """One leaf row: idx, kind, capture_id, version_id, entry (bytes), leaf_hash (bytes)."""
    row = db.conn.execute(
        "SELECT idx, kind, capture_id, version_id, entry, leaf_hash FROM evidence_leaves WHERE idx = ?",
        (index,),
    ).fetchone()
    if row is None:
        raise EvidenceError(f"the evidence log has no leaf {index}")
    return dict(zip(("idx", "kind", "capture_id", "version_id", "entry", "leaf_hash"), row, strict=True))


def leaves_of_capture(db: sqlite_utils.Database, capture_id: int) -> list[dict]:
    """The log entries naming a capture (its own, and those of the versions it made), in log order."""
    rows = db.conn.execute(
        "SELECT idx FROM evidence_leaves WHERE capture_id = ? ORDER BY idx", (capture_id,)
    ).fetchall()
    return [leaf(db, int(r[0])) for r in rows]


def rebuild_nodes(db: sqlite_utils.Database) -> int:
    """Recompute the node cache from the stored leaf hashes (derived data); returns the nodes written."""
    db.conn.execute("DELETE FROM evidence_nodes")
    hashes = [bytes(r[0]) for r in db.conn.execute("SELECT leaf_hash FROM evidence_leaves ORDER BY idx")]
    tree = MemoryTree(hashes)
    rows = [(level, i, h) for level in range(1, len(tree.levels)) for i, h in enumerate(tree.levels[level])]
    db.conn.executemany("INSERT INTO evidence_nodes (level, idx, hash) VALUES (?, ?, ?)", rows)
    return len(rows)


@dataclass
class LogCheck:
    size: int
    root: bytes
    problems: list[str]
    tree: MemoryTree | None = None  # the tree the entries make, rebuilt in memory


def verify_log(db: sqlite_utils.Database, against: TreeHead | None = None, batch: int = 10_000) -> LogCheck:
    """Re-verify the whole log from its entries, and (given an earlier tree head) its consistency with it.

    The root reported is the one the entries themselves make; problems list each way the stored log departs
    from it (an edited entry, a gap in the indexes, a stale node cache, history that the earlier head does
    not extend to). An empty problems list means the log is what its entries say and extends ``against``.
    """
    problems: list[str] = []
    hashes: list[bytes] = []
    expected = 0
    cursor = db.conn.execute("SELECT idx, entry, leaf_hash FROM evidence_leaves ORDER BY idx")
    while rows := cursor.fetchmany(batch):
        for idx, entry, stored in rows:
            if idx != expected:
                problems.append(f"evidence log: leaf {expected} is missing (the next one is {idx})")
                expected = idx
            computed = leaf_hash(bytes(entry))
            if computed != bytes(stored):
                problems.append(f"evidence log: leaf {idx}'s entry does not hash to its stored leaf hash")
            hashes.append(computed)
            expected += 1
    tree = MemoryTree(hashes)
    root = tree.root()
    for level, idx, stored in db.conn.execute("SELECT level, idx, hash FROM evidence_nodes"):
        if (
            level >= len(tree.levels)
            or idx >= len(tree.levels[level])
            or tree.levels[level][idx] != bytes(stored)
        ):
            problems.append(
                f"evidence log: cached node (level {level}, index {idx}) does not match the leaves"
            )
            break
    if against is not None:
        if against.size > tree.size:
            problems.append(
                f"evidence log: the checkpoint is of {against.size} entries but the log now has {tree.size}: "
                "entries were removed"
            )
        elif not verify_consistency(
            against.size, tree.size, against.root, root, consistency_proof(tree, against.size, tree.size)
        ):
            problems.append(
                f"evidence log: the first {against.size} entries no longer hash to the checkpoint's root: "
                "history was rewritten since it was signed"
            )
    return LogCheck(tree.size, root, problems, tree)
