"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0) section 2.1, over any store of subtree hashes.

Rules:
- leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right); the hash of an empty tree
  is SHA-256 of nothing (2.1.1).
- A tree of n > 1 leaves splits at k, the largest power of two below n. Every left part of that recursion is
  a *complete, aligned* subtree (2**level leaves starting at a multiple of 2**level), and so is every right
  part whose size is a power of two: a store that keeps those hashes (``CompleteSubtrees.complete``) answers
  any tree head, inclusion path or consistency proof with O(log n) look-ups, never re-hashing the leaves.
- Proofs are lists of 32-byte hashes in the order of the RFC's PATH (2.1.3.1) and PROOF/SUBPROOF (2.1.4.1);
  ``verify_inclusion`` and ``verify_consistency`` are the RFC's algorithms 2.1.3.2 and 2.1.4.2, so any
  RFC 9162 verifier accepts what this module produces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the hash of one log entry, byte for byte as stored."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """k: the largest power of two strictly below n (n > 1), where RFC 9162 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


class CompleteSubtrees(Protocol):
    """A store answering the hash of the complete subtree at (level, index): leaves index*2**level onwards."""

    def complete(self, level: int, index: int) -> bytes: ...


def subtree_hash(store: CompleteSubtrees, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range the RFC's recursion reaches (start is aligned to the split sizes)."""
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and start % size == 0:  # complete and aligned: one look-up
        return store.complete(size.bit_length() - 1, start // size)
    k = split_point(size)
    return node_hash(subtree_hash(store, start, start + k), subtree_hash(store, start + k, end))


def inclusion_path(store: CompleteSubtrees, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1, leaf-side first. Raises ValueError for index >= size."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    start, end, m = 0, size, index
    while end - start > 1:
        k = split_point(end - start)
        if m < k:
            path.append(subtree_hash(store, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(store, start, start + k))
            start, m = start + k, m - k
    path.reverse()  # the recursion appends the root-side sibling first; the RFC lists the leaf side first
    return path


def consistency_proof(store: CompleteSubtrees, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 2.1.4.1. Empty for first == second or first == 0."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from a tree of {first} leaves to one of {second}")
    if first in (0, second):
        return []
    proof: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree_hash(store, start, end))
            break
        k = split_point(n)
        if m <= k:
            proof.append(subtree_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(store, start, start + k))
            start, m, whole = start + k, m - k, False
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2: the root the path leads to from leaf, or None when the path cannot be one."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """True when path proves leaf is entry index of the tree of size leaves whose root is root."""
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: True when proof shows the tree (second, second_root) extends (first, first_root).

    Exceptions the RFC leaves to the caller: equal sizes are consistent only with equal roots and an empty
    proof; the empty tree is a prefix of every tree (empty proof).
    """
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if not path:
        return False
    if first & (first - 1) == 0:  # first is a power of two: its root is a node of the second tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


class MemoryTree:
    """Every complete subtree of a list of leaf hashes, built bottom-up once: the store for re-verification
    (the log's own cache is not trusted there) and for tests."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def complete(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return subtree_hash(self, 0, self.size if size is None else size)
