"""The evidence log's tables: for the lead to call from a migration step in archive/schema/.

Rules:
- ``evidence_leaves`` is the log: one row per entry, in the order written, the entry's bytes exactly as hashed.
  Leaves are never updated or deleted (triggers refuse it): a log that can be edited in place proves nothing.
- ``evidence_nodes`` caches the hash of every complete aligned subtree of two or more leaves; it is derived
  data (``archive.evidence.log.rebuild_nodes`` recomputes it) and never trusted by verification.
- ``evidence_checkpoints`` keeps each signed checkpoint, its signature, the public key that signed it and,
  once a TSA answered, the RFC 3161 timestamp response.
- Once released, this DDL is frozen with the migration step that runs it: a later change is a new step.
"""

from __future__ import annotations

import sqlite_utils

DDL = [
    """CREATE TABLE IF NOT EXISTS evidence_leaves (
        idx INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        capture_id INTEGER,
        version_id INTEGER,
        entry BLOB NOT NULL,
        leaf_hash BLOB NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS evidence_leaves_capture ON evidence_leaves (capture_id) WHERE capture_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS evidence_leaves_version ON evidence_leaves (version_id) WHERE version_id IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS evidence_nodes (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, idx)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS evidence_checkpoints (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        tree_size INTEGER NOT NULL,
        root_hash BLOB NOT NULL,
        body BLOB NOT NULL,
        signature BLOB NOT NULL,
        public_key BLOB NOT NULL,
        tsa_url TEXT,
        tsr BLOB,
        tsa_chain BLOB,
        timestamped_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS evidence_checkpoints_size ON evidence_checkpoints (tree_size)",
    """CREATE TRIGGER IF NOT EXISTS evidence_leaves_no_update BEFORE UPDATE ON evidence_leaves
        BEGIN SELECT RAISE(ABORT, 'evidence_leaves is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS evidence_leaves_no_delete BEFORE DELETE ON evidence_leaves
        BEGIN SELECT RAISE(ABORT, 'evidence_leaves is append-only'); END""",
]


def create_evidence_tables(db: sqlite_utils.Database) -> None:
    """Create the evidence tables, indexes and append-only triggers (idempotent: IF NOT EXISTS)."""
    for statement in DDL:
        db.execute(statement)
