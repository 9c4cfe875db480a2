"""RFC 9162's Merkle tree: the log's fast store-backed proofs equal the RFC's recursive definitions, and its
verifiers accept exactly the proofs of the tree they are given (a changed, missing or moved leaf fails)."""

from __future__ import annotations

import hashlib

import pytest

from archive.evidence.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    node_hash,
    split_point,
    verify_consistency,
    verify_inclusion,
)


# the RFC's definitions, written as literally as Python allows (2.1.1, 2.1.3.1, 2.1.4.1)
def mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = split_point(len(d))
    return hashlib.sha256(b"\x01" + mth(d[:k]) + mth(d[k:])).digest()


def rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = split_point(len(d))
    return rfc_path(m, d[:k]) + [mth(d[k:])] if m < k else rfc_path(m - k, d[k:]) + [mth(d[:k])]


def rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = split_point(len(d))
    if m <= k:
        return rfc_subproof(m, d[:k], b) + [mth(d[k:])]
    return rfc_subproof(m - k, d[k:], False) + [mth(d[:k])]


ENTRIES = [f"entry {i}".encode() for i in range(40)]


def test_hashes_are_the_rfc_domain_separated_sha256():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert MemoryTree([]).root() == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 41))
def test_store_backed_roots_and_paths_equal_the_rfc_definitions_and_verify(n):
    d = ENTRIES[:n]
    tree = MemoryTree([leaf_hash(e) for e in d])
    for size in range(1, n + 1):
        root = mth(d[:size])
        assert tree.root(size) == root
        for m in range(size):
            path = inclusion_path(tree, m, size)
            assert path == rfc_path(m, d[:size])
            assert verify_inclusion(m, size, leaf_hash(d[m]), path, root)


@pytest.mark.parametrize("n", range(1, 41))
def test_consistency_proofs_equal_the_rfc_definition_and_verify(n):
    d = ENTRIES[:n]
    tree = MemoryTree([leaf_hash(e) for e in d])
    for m in range(0, n + 1):
        proof = consistency_proof(tree, m, n)
        assert proof == (rfc_subproof(m, d, True) if 0 < m < n else [])
        assert verify_consistency(m, n, mth(d[:m]), mth(d), proof)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13, 31])
def test_a_proof_for_another_leaf_position_or_a_changed_hash_fails(n):
    """Every single change a forger could try: another leaf, another index, a flipped bit, a hash too few
    or too many. (The size is not varied: it comes from the signed checkpoint, not from the path.)"""
    d = ENTRIES[:n]
    tree = MemoryTree([leaf_hash(e) for e in d])
    root = tree.root()
    for m in range(n):
        path = inclusion_path(tree, m, n)
        assert not verify_inclusion(m, n, leaf_hash(b"forged"), path, root)
        for other in range(n + 2):
            if other != m:
                assert not verify_inclusion(other, n, leaf_hash(d[m]), path, root)
        for i in range(len(path)):
            bent = list(path)
            bent[i] = bytes([bent[i][0] ^ 1]) + bent[i][1:]
            assert not verify_inclusion(m, n, leaf_hash(d[m]), bent, root)
        if path:
            assert not verify_inclusion(m, n, leaf_hash(d[m]), path[:-1], root)
        assert not verify_inclusion(m, n, leaf_hash(d[m]), path + [root], root)


@pytest.mark.parametrize("n", [3, 6, 9, 16, 33])
def test_consistency_fails_when_history_was_rewritten(n):
    """A leaf of the first tree changed, dropped, inserted or swapped: no proof links the two heads."""
    d = ENTRIES[:n]
    for m in range(1, n):
        old_root = mth(d[:m])
        rewrites = {
            "edited": d[:1] + [b"edited"] + d[2:] if m > 1 else [b"edited"] + d[1:],
            "deleted": d[1:] + [b"pad"],
            "inserted": [b"inserted"] + d[:-1],
            "reordered": [d[1], d[0]] + d[2:],
        }
        for how, rewritten in rewrites.items():
            tree = MemoryTree([leaf_hash(e) for e in rewritten])
            proof = consistency_proof(tree, m, n)
            assert not verify_consistency(m, n, old_root, tree.root(), proof), (how, m)
        honest = MemoryTree([leaf_hash(e) for e in d])
        proof = consistency_proof(honest, m, n)
        for i in range(len(proof)):
            bent = list(proof)
            bent[i] = bytes([bent[i][0] ^ 1]) + bent[i][1:]
            assert not verify_consistency(m, n, old_root, honest.root(), bent)
        assert not verify_consistency(m, n, old_root, honest.root(), [])
