"""Check that an archive is whole and consistent: what `courtnews verify` reports and the fault tests assert.

Each check names what it found wrong; an archive that passes them all can be cited: every capture's bytes
are there and hash to their digest, every page's versions are numbered without gaps, and every reader
structure (the current version, the search indexes) agrees with the versions themselves.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Callable, Iterator

import sqlite_utils
from zstandard import ZstdError

from archive.blobs import BlobError, get_blob
from archive.search import counted_characters


def _integrity(db: sqlite_utils.Database) -> Iterator[str]:
    for (result,) in db.execute("PRAGMA integrity_check"):
        if result != "ok":
            yield f"integrity_check: {result}"
    for row in db.execute("PRAGMA foreign_key_check"):
        yield f"foreign key: {row}"


def _printable(exc: BaseException, width: int = 160) -> str:
    """An error's message on one line a terminal can show (SQLite quotes the undecodable bytes it met)."""
    text = "".join(c if c.isprintable() else "?" for c in str(exc))
    return text if len(text) <= width else text[: width - 1] + "…"


def _blobs(db: sqlite_utils.Database) -> Iterator[str]:
    for row in db.query(
        "SELECT DISTINCT c.digest FROM captures c LEFT JOIN blobs b ON b.digest = c.digest "
        "WHERE c.digest IS NOT NULL AND b.digest IS NULL"
    ):
        yield f"capture bytes missing: {row['digest']}"
    # typeof first: a blob rewritten as TEXT by another tool (CAST(data AS TEXT)) cannot even be fetched when
    # its bytes are not UTF-8, so it is named from its type and never read
    for row in db.query("SELECT digest, typeof(data) AS stored FROM blobs"):
        if row["stored"] != "blob":
            yield (
                f"blob {row['digest']}: its bytes are stored as SQLite {row['stored']}, not a blob (rewritten by "
                "another tool?); restore this row from a backup"
            )
            continue
        try:
            raw = get_blob(db, row["digest"])
        except (KeyError, BlobError, ZstdError, zlib.error, sqlite3.Error, TypeError, ValueError) as exc:
            # a delta whose base was rewritten fails on the base's row: still this blob that cannot be read
            yield f"blob {row['digest']} cannot be read: {_printable(exc)}"
            continue
        if "sha256:" + hashlib.sha256(raw).hexdigest() != row["digest"]:
            yield f"blob {row['digest']} does not hash to its digest"


def _text_columns(db: sqlite_utils.Database) -> Iterator[str]:
    # an outside tool may rewrite a version's text as a BLOB or a number: the reader and the index read text
    for row in db.query(
        "SELECT id, typeof(title) AS title, typeof(body) AS body, typeof(comments) AS comments FROM versions "
        "WHERE typeof(title) NOT IN ('text', 'null') OR typeof(body) NOT IN ('text', 'null') "
        "OR typeof(comments) NOT IN ('text', 'null')"
    ):
        stored = ", ".join(
            f"{name} as {row[name]}"
            for name in ("title", "body", "comments")
            if row[name] not in ("text", "null")
        )
        yield f"version {row['id']}: {stored}, not text (rewritten by another tool?); restore it from a backup"


def _versions(db: sqlite_utils.Database) -> Iterator[str]:
    for row in db.query(
        "SELECT page_id, COUNT(*) AS n, MIN(version) AS lo, MAX(version) AS hi FROM versions GROUP BY page_id"
    ):
        if (row["lo"], row["hi"]) != (1, row["n"]):
            yield f"page {row['page_id']}: versions numbered {row['lo']}..{row['hi']} for {row['n']} versions"
    for row in db.query(
        "SELECT p.id, p.current_version, MAX(v.version) AS latest FROM pages p LEFT JOIN versions v "
        "ON v.page_id = p.id GROUP BY p.id HAVING p.current_version IS NOT latest"
    ):
        yield f"page {row['id']}: current_version {row['current_version']} but latest version {row['latest']}"
    for row in db.query(
        "SELECT v.id FROM versions v JOIN captures c ON c.id = v.capture_id WHERE c.page_id != v.page_id"
    ):
        yield f"version {row['id']} was made by a capture of another page"


def _search(db: sqlite_utils.Database) -> Iterator[str]:
    with_text = db.execute(
        "SELECT COUNT(*) FROM versions WHERE title IS NOT NULL OR body IS NOT NULL"
    ).fetchone()[0]
    # the docsize shadow table has a row per indexed document (the index itself reads through to versions)
    indexed = db.execute("SELECT COUNT(*) FROM versions_fts_docsize").fetchone()[0]
    if with_text != indexed:
        yield f"versions_fts holds {indexed} rows for {with_text} versions with text"
    expected = counted_characters(db)
    stored = {
        row[0]: row[1] for row in db.execute("SELECT char, versions FROM search_chars WHERE versions != 0")
    }
    for character in sorted(expected.keys() | stored.keys()):
        if stored.get(character, 0) != expected[character]:
            yield (
                f"search_chars counts {character!r} in {stored.get(character, 0)} versions; "
                f"{expected[character]} versions hold it"
            )


def _evidence_log(db: sqlite_utils.Database) -> Iterator[str]:
    from archive.evidence.service import verify as verify_log

    yield from verify_log(db).problems


def _evidence_rows(db: sqlite_utils.Database) -> Iterator[str]:
    from archive.evidence.rows import check_rows

    yield from check_rows(db)


CHECKS: dict[str, Callable[[sqlite_utils.Database], Iterator[str]]] = {
    "sqlite integrity and foreign keys": _integrity,
    "raw bytes present and hashing to their digest": _blobs,
    "versions numbered without gaps, current version, capture of the same page": _versions,
    "version texts stored as text": _text_columns,
    "search index in step with versions": _search,
    "evidence log: entries, subtree cache, checkpoint signatures and timestamps": _evidence_log,
    "evidence log against the captures and versions it describes": _evidence_rows,
}


def against_checkpoint(db: sqlite_utils.Database, against: str, limit: int = 20) -> dict[str, list[str]]:
    """The check that the log still extends a checkpoint exported earlier, named for the report."""
    from archive.evidence.service import verify as verify_log

    name = f"the log extends the checkpoint in {against}"
    try:
        return {name: verify_log(db, against).problems[:limit]}
    except (OSError, ValueError) as exc:
        return {name: [f"{against}: {exc}"]}


def verify(db: sqlite_utils.Database, limit: int = 20, against: str | None = None) -> dict[str, list[str]]:
    """Problems found by each check (at most limit each); all lists empty means the archive is sound.
    against: a checkpoint exported earlier (signed note, or checkpoint text with its .sig beside it) that
    the archive's log must still extend (an RFC 9162 consistency proof)."""
    report: dict[str, list[str]] = against_checkpoint(db, against, limit) if against is not None else {}
    for name, check in CHECKS.items():
        found: list[str] = []
        try:
            for problem in check(db):
                found.append(problem)
                if len(found) >= limit:
                    break
        except Exception as exc:  # noqa: BLE001 - damage no check names must still be a finding, not a trace
            found.append(f"this check could not finish ({type(exc).__name__}: {_printable(exc)})")
        report[name] = found
    return report
