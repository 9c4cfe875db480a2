"""Keep the copies index as versions are written, and judge candidate pairs (archive/copies/tables.py).

Rules:
- only a page's newest version with text is indexed: a new version of a page replaces the old one's
  signature, bands and pairs (copies are about what each site shows now; removals keep the last text);
- the candidates of a version are the versions of other pages sharing a band key with it, at most
  MAX_CANDIDATES of them, those sharing most bands first; those whose stored MinHash values agree with its
  own on fewer than ESTIMATE_FLOOR of them are dropped before the exact judgement;
- a pair is a copy when, the paragraphs formulaic for either text left out, the smaller text's 5-grams lie
  in the larger's for at least CONFIRM of them and at least MIN_COMMON 5-grams are shared (a short notice
  that happens to fit inside a long article is not its copy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from archive.copies.signature import (
    Signature,
    containment,
    estimate,
    formulaic,
    jaccard,
    kept_grams,
    paragraph_hashes,
    signature,
)

CONFIRM = 0.5
# a candidate whose signature agrees with the version's on fewer than this share of values is not judged:
# a copy that kept a tenth of a text (or a text that is a tenth of the copy) still passes
ESTIMATE_FLOOR = 0.1
MIN_COMMON = 24
MAX_CANDIDATES = 50


@dataclass(frozen=True)
class Judgement:
    containment: float
    similarity: float


def _forget_page(db: sqlite_utils.Database, page_id: int) -> None:
    old = [
        row[0] for row in db.execute("SELECT version_id FROM copy_signatures WHERE page_id = ?", [page_id])
    ]
    for version_id in old:
        db.execute("DELETE FROM copy_bands WHERE version_id = ?", [version_id])
        db.execute("DELETE FROM copy_pairs WHERE version_a = ? OR version_b = ?", [version_id, version_id])
        db.execute("DELETE FROM copy_signatures WHERE version_id = ?", [version_id])


def _count_paragraphs(
    db: sqlite_utils.Database, page_id: int, hashes: list[int], pairs: set[tuple[int, int]]
) -> None:
    """Add the page to the page count of each paragraph it did not hold yet, and each new neighbour to the
    paragraph's context count."""
    if pairs:
        sources = sorted({a for a, _ in pairs})
        marks = ", ".join("?" for _ in sources)
        known = set(
            db.execute(
                f"SELECT hash, neighbour FROM copy_paragraph_neighbours WHERE hash IN ({marks})", sources
            ).fetchall()
        )
        fresh = sorted(pairs - known)
        db.conn.executemany("INSERT INTO copy_paragraph_neighbours (hash, neighbour) VALUES (?, ?)", fresh)
        db.conn.executemany(
            "INSERT INTO copy_paragraphs (hash, pages, contexts) VALUES (?, 0, 1) "
            "ON CONFLICT (hash) DO UPDATE SET contexts = contexts + 1",
            [(a,) for a, _ in fresh],
        )
    held = {
        row[0] for row in db.execute("SELECT hash FROM copy_page_paragraphs WHERE page_id = ?", [page_id])
    }
    new = [(page_id, h) for h in hashes if h not in held]
    if not new:
        return
    db.conn.executemany("INSERT INTO copy_page_paragraphs (page_id, hash) VALUES (?, ?)", new)
    db.conn.executemany(
        "INSERT INTO copy_paragraphs (hash, pages) VALUES (?, 1) ON CONFLICT (hash) DO UPDATE SET pages = pages + 1",
        [(h,) for _, h in new],
    )


def store_signature(db: sqlite_utils.Database, version_id: int, page_id: int, sig: Signature | None) -> None:
    """The version becomes its page's indexed text: bands and paragraph counts updated, old ones dropped."""
    _forget_page(db, page_id)
    if sig is None:
        return
    db.execute(
        "INSERT INTO copy_signatures (version_id, page_id, grams, minhash) VALUES (?, ?, ?, ?)",
        [version_id, page_id, sig.grams, sig.mins],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO copy_bands (band_key, version_id) VALUES (?, ?)",
        [(key, version_id) for key in sig.bands],
    )
    _count_paragraphs(db, page_id, sig.paragraphs, sig.neighbours)


def candidates(db: sqlite_utils.Database, version_id: int, older_only: bool = False) -> list[int]:
    """Versions of other pages sharing a band with this one, most shared bands first (older_only: only
    versions written before it, as a rebuild judges each pair once)."""
    older = " AND b.version_id < mine.version_id" if older_only else ""
    rows = db.execute(
        "SELECT b.version_id, COUNT(*) AS shared FROM copy_bands AS mine "
        f"JOIN copy_bands AS b ON b.band_key = mine.band_key AND b.version_id != mine.version_id{older} "
        "JOIN copy_signatures AS s ON s.version_id = b.version_id "
        "WHERE mine.version_id = ? AND s.page_id != (SELECT page_id FROM copy_signatures WHERE version_id = ?) "
        "GROUP BY b.version_id ORDER BY shared DESC, b.version_id LIMIT ?",
        [version_id, version_id, MAX_CANDIDATES],
    )
    return [row[0] for row in rows]


def paragraph_counts(db: sqlite_utils.Database, hashes: list[int]) -> dict[int, tuple[int, int]]:
    """hash -> (pages holding it, different neighbours it has had), for the paragraphs the archive knows."""
    if not hashes:
        return {}
    marks = ", ".join("?" for _ in hashes)
    rows = db.execute(f"SELECT hash, pages, contexts FROM copy_paragraphs WHERE hash IN ({marks})", hashes)
    return {h: (pages, contexts) for h, pages, contexts in rows}


def left_out(db: sqlite_utils.Database, *bodies: str | None) -> set[int]:
    """The paragraphs formulaic for any of the texts (signature.formulaic, on the archive's counts now)."""
    out: set[int] = set()
    for body in bodies:
        hashes = paragraph_hashes(body)
        counts = paragraph_counts(db, hashes)
        out |= formulaic(
            {h: counts.get(h, (1, 0))[0] for h in hashes}, {h: counts.get(h, (1, 0))[1] for h in hashes}
        )
    return out


def measure(db: sqlite_utils.Database, a: str | None, b: str | None) -> tuple[Judgement, int]:
    """The pair's containment and similarity with formulaic paragraphs left out, and the 5-grams shared."""
    leave = left_out(db, a, b)
    grams_a, grams_b = kept_grams(a, leave), kept_grams(b, leave)
    share = containment(grams_a, grams_b)
    shared = round(share * min(len(grams_a), len(grams_b)))
    return Judgement(round(share, 3), round(jaccard(grams_a, grams_b), 3)), shared


def judge(db: sqlite_utils.Database, a: str | None, b: str | None) -> Judgement | None:
    """The pair's scores (``measure``) when it is a copy (CONFIRM, MIN_COMMON), else None."""
    verdict, shared = measure(db, a, b)
    if verdict.containment < CONFIRM or shared < MIN_COMMON:
        return None
    return verdict


def _body(db: sqlite_utils.Database, version_id: int) -> str | None:
    row = db.execute("SELECT body FROM versions WHERE id = ?", [version_id]).fetchone()
    return row[0] if row else None


def link(db: sqlite_utils.Database, version_id: int, body: str | None, older_only: bool = False) -> int:
    """Judge the version against its candidates and store the copies found; how many."""
    found = 0
    others = candidates(db, version_id, older_only)
    if not others:
        return 0
    marks = ", ".join("?" for _ in others)
    stored = dict(
        db.execute(
            f"SELECT version_id, minhash FROM copy_signatures WHERE version_id IN (?, {marks})",
            [version_id, *others],
        ).fetchall()
    )
    mine = stored.get(version_id) or b""
    for other in others:
        if mine and stored.get(other) and estimate(mine, stored[other]) < ESTIMATE_FLOOR:
            continue
        verdict = judge(db, body, _body(db, other))
        if verdict is None:
            continue
        a, b = sorted((version_id, other))
        db.execute(
            "INSERT OR REPLACE INTO copy_pairs (version_a, version_b, containment, similarity) VALUES (?, ?, ?, ?)",
            [a, b, verdict.containment, verdict.similarity],
        )
        found += 1
    return found


def index_copies(db: sqlite_utils.Database, version_id: int, page_id: int, body: str | None) -> None:
    """At write time (archive/store.py): the new version's signature stored and its copies linked."""
    store_signature(db, version_id, page_id, signature(body))
    if body:
        link(db, version_id, body)


def rebuild_copies(db: sqlite_utils.Database, progress: Callable[[str, int, int], None] | None = None) -> int:
    """Recompute the index for the whole archive: every page's newest version with text is signed (first
    pass, so that paragraph counts are complete), then linked (second pass). Returns the pairs found.
    progress(stage, done, total) is called every 500 versions and at the end of each pass."""
    for table in (
        "copy_signatures",
        "copy_bands",
        "copy_page_paragraphs",
        "copy_paragraphs",
        "copy_paragraph_neighbours",
        "copy_pairs",
    ):
        db.execute(f"DELETE FROM {table}")
    rows = db.execute(
        "SELECT v.id, v.page_id FROM versions AS v WHERE v.kind IN ('first', 'changed', 'restored') AND v.id = "
        "(SELECT MAX(w.id) FROM versions AS w WHERE w.page_id = v.page_id "
        "AND w.kind IN ('first', 'changed', 'restored')) ORDER BY v.id"
    ).fetchall()
    total = len(rows)
    for done, (version_id, page_id) in enumerate(rows, 1):
        store_signature(db, version_id, page_id, signature(_body(db, version_id)))
        if progress and (done % 500 == 0 or done == total):
            progress("signed", done, total)
    pairs = 0
    for done, (version_id, _) in enumerate(rows, 1):
        pairs += link(db, version_id, _body(db, version_id), older_only=True)
        if progress and (done % 500 == 0 or done == total):
            progress("linked", done, total)
    return pairs
