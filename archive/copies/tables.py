"""The copies tables (made by migration m017_copies; filled as versions are written, or by `copies --rebuild`).

- ``copy_signatures``: the version of each page whose text is indexed (its newest with text), its 5-gram count
  and its MinHash values (512 bytes);
- ``copy_bands``: the version's LSH band keys (archive/copies/signature.py), indexed by key: the versions
  that share a key with a new one are its candidates;
- ``copy_page_paragraphs`` and ``copy_paragraphs``: which pages hold each paragraph, and how many (a
  paragraph's document frequency counts pages, not versions: an article edited ten times is one article),
  and ``copy_paragraph_neighbours``: which paragraphs have stood next to each (``contexts`` counts them);
- ``copy_pairs``: the candidate pairs confirmed by containment when written (re-judged when groups are read,
  since what is formulaic is learned as the archive grows);
- ``copy_groups``: the groups as the last `courtnews copies --rebuild` or `--save` found them, one row a
  member, for the reader's facets.
"""

from __future__ import annotations

import sqlite_utils

COPY_TABLES = (
    "copy_signatures",
    "copy_bands",
    "copy_page_paragraphs",
    "copy_paragraphs",
    "copy_paragraph_neighbours",
    "copy_pairs",
    "copy_groups",
)


def create_copy_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE copy_signatures (version_id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, "
        "grams INTEGER NOT NULL, minhash BLOB)"
    )
    db.execute("CREATE INDEX copy_signatures_page ON copy_signatures (page_id)")
    db.execute(
        "CREATE TABLE copy_bands (band_key INTEGER NOT NULL, version_id INTEGER NOT NULL, "
        "PRIMARY KEY (band_key, version_id)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX copy_bands_version ON copy_bands (version_id)")
    db.execute(
        "CREATE TABLE copy_page_paragraphs (page_id INTEGER NOT NULL, hash INTEGER NOT NULL, "
        "PRIMARY KEY (page_id, hash)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE copy_paragraphs (hash INTEGER PRIMARY KEY, pages INTEGER NOT NULL, "
        "contexts INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE copy_paragraph_neighbours (hash INTEGER NOT NULL, neighbour INTEGER NOT NULL, "
        "PRIMARY KEY (hash, neighbour)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE copy_pairs (version_a INTEGER NOT NULL, version_b INTEGER NOT NULL, "
        "containment REAL NOT NULL, similarity REAL NOT NULL, PRIMARY KEY (version_a, version_b)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX copy_pairs_b ON copy_pairs (version_b)")
    db.execute(
        "CREATE TABLE copy_groups (group_id INTEGER NOT NULL, page_id INTEGER NOT NULL, url TEXT NOT NULL, "
        "source TEXT, role TEXT NOT NULL, why TEXT, published TEXT, first_seen TEXT, sites INTEGER NOT NULL, "
        "containment REAL, similarity REAL, missing INTEGER, added INTEGER, divergence TEXT, "
        "computed_at TEXT NOT NULL, PRIMARY KEY (group_id, page_id))"
    )
    db.execute("CREATE INDEX copy_groups_page ON copy_groups (page_id)")
