"""Record a fetch's captures and, when an article really changed, a version.

Rules (each fetch is recorded all or nothing, inside one write transaction):
- every response is a capture with its outcome; its raw bytes are stored once, compressed, by sha256;
- a page is one article however its URL is spelled (``archive.urls.page_key``);
- an article whose normalised fields hash differently from the page's last version gets a new version;
  whitespace and layout never do;
- a page that is gone (404/410, a soft 404, a redirect to a page that is not an article) gets a dated
  ``removed`` version, and a page that redirects to another article a ``moved`` one naming the target;
  a page that comes back with text gets ``restored``. An answer judged gone whose bytes are exactly those
  of the current version is the unchanged article: a judgement by likeness never outweighs identical bytes;
- redirect hops are captures of their own URL, linked to the capture that led to them;
- failures and challenge pages are captures with a reason, never versions;
- a capture the crawler calls suspect (its HTML stops before the end) whose text is the last version's cut
  short is a failed capture, never a version that deletes the end; the next complete capture is unchanged;
- a rel=canonical is believed only when the page it names is plausibly this article: its archived text is
  this one's (same title, or most of the text), or, not archived yet, its address carries this address's
  article number. Otherwise the capture is filed under its own address, with a note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlite_utils

from archive.blobs import digest_of, get_blob, put_blob  # noqa: F401 - get_blob: readers have always found it here
from archive.content import (  # noqa: F401 - the content facts; readers have found them here since the start
    CONTENT_KINDS,
    changed_fields,
    content_hash,
    normalise_text,
)
from archive.db import write_transaction
from archive.edits import classify_written
from archive.evidence.record import log_recorded
from archive.model import (  # noqa: F401 - found here by readers since the start
    HASHED_FIELDS,
    STORED_FIELDS,
    ArticleFields,
    Capture,
    Outcome,
    Recorded,
    RecordResult,
    utc_now,
)
from archive.search import index_version
from archive.urls import page_key

RUN_COUNTERS = (
    "captures",
    "new_pages",
    "new_versions",
    "changed",
    "removed",
    "restored",
    "unchanged",
    "failures",
    "moved",
)
GONE_KINDS = ("removed", "moved")  # versions that record the text's absence

# the crawler's judgement that two bodies are one text (they differ only in counters): archive/ cannot know
SameText = Callable[[str, str], bool]


def _bump(db: sqlite_utils.Database, run_id: int, counters: list[str]) -> None:
    for counter in counters:
        assert counter in RUN_COUNTERS, counter
    assignments = ", ".join(f"{c} = {c} + {counters.count(c)}" for c in dict.fromkeys(counters))
    db.execute(f"UPDATE runs SET {assignments} WHERE id = ?", [run_id])


def _page(db: sqlite_utils.Database, capture: Capture, url: str) -> tuple[dict, bool]:
    key = page_key(url)
    rows = list(db.query("SELECT * FROM pages WHERE url_key = ?", [key]))
    if rows:
        return rows[0], False
    cursor = db.execute(
        "INSERT INTO pages (url, url_key, source, first_seen, last_seen, state) VALUES (?, ?, ?, ?, ?, 'new')",
        [url, key, capture.source, capture.fetched_at, capture.fetched_at],
    )
    return dict(db.table("pages").get(int(cursor.lastrowid or 0))), True


_DIGITS = re.compile(r"\d+")
SAME_ARTICLE_SHARE = 0.5  # of character 4-grams two bodies share to be one article in two states


def _article_number(url: str) -> str | None:
    """An address's article number: the last run of digits in its path, or in its query when the path has
    none (/t20240512_1234.html → 1234; /print.jsp?id=88 → 88)."""
    parts = urlsplit(url)
    runs = _DIGITS.findall(parts.path) or _DIGITS.findall(parts.query)
    return runs[-1] if runs else None


def _shingles(text: str) -> set[str]:
    flat = "".join(normalise_text(text).split())
    return {flat[i : i + 4] for i in range(max(len(flat) - 3, 0))}


def _same_article(row: dict, article: ArticleFields) -> bool:
    if normalise_text(row["title"]) and normalise_text(row["title"]) == normalise_text(article.title):
        return True
    old, new = _shingles(row["body"] or ""), _shingles(article.body)
    return bool(old and new) and len(old & new) / len(old | new) >= SAME_ARTICLE_SHARE


def _filed_under(
    db: sqlite_utils.Database, capture: Capture, article: ArticleFields | None
) -> tuple[str, str | None]:
    """The address a capture's page is filed under, and a note when its rel=canonical was not believed."""
    named = capture.page_url
    if not named or page_key(named) == page_key(capture.url):
        return named or capture.url, None
    held = db.execute(
        "SELECT v.title, v.body FROM pages p JOIN versions v ON v.page_id = p.id WHERE p.url_key = ? "
        "AND v.kind IN ('first', 'changed', 'restored') ORDER BY v.version DESC LIMIT 1",
        [page_key(named)],
    ).fetchone()
    if held is not None:
        if article is None or _same_article({"title": held[0], "body": held[1]}, article):
            return named, None
        return (
            capture.url,
            f"rel=canonical {named} ignored: the archive holds another article there ({held[0]})",
        )
    number = _article_number(capture.url)
    if number is not None and number == _article_number(named):
        return named, None
    return capture.url, (
        f"rel=canonical {named} ignored: not archived yet, and its address does not carry this page's "
        "article number (a template's fixed canonical link?)"
    )


def _cut_short(last: dict | None, article: ArticleFields) -> str | None:
    """Why a suspect capture's text is the last version's cut short (its start, ending early), or None."""
    if last is None:
        return None
    old, new = normalise_text(last["body"]), normalise_text(article.body)
    if not new or len(new) >= len(old):
        return None
    kept, _, tail = new.rpartition("\n")
    if not old.startswith(new) and not (old.startswith(kept) and tail and tail in old[len(kept) :]):
        return None
    return f"{len(new)} of the last version's {len(old)} characters, its start"


def last_version(db: sqlite_utils.Database, page_id: int, with_content: bool = False) -> dict | None:
    """The page's newest version; with_content: the newest that has text (not a removal or move)."""
    where = " AND kind IN ('first', 'changed', 'restored')" if with_content else ""
    rows = list(
        db.query(f"SELECT * FROM versions WHERE page_id = ?{where} ORDER BY version DESC LIMIT 1", [page_id])
    )
    return rows[0] if rows else None


def _insert_capture(
    db: sqlite_utils.Database,
    run_id: int,
    page_id: int,
    capture: Capture,
    outcome: str,
    redirected_from: int | None,
) -> int:
    digest = None
    if capture.raw:
        # the page's previous bytes: a recapture is stored as its difference from them
        previous = db.execute(
            "SELECT digest FROM captures WHERE page_id = ? AND digest IS NOT NULL ORDER BY id DESC LIMIT 1",
            [page_id],
        ).fetchone()
        digest = put_blob(db, capture.raw, capture.source, previous[0] if previous else None)
    cursor = db.execute(
        "INSERT INTO captures (page_id, run_id, url, fetched_at, status, final_url, headers, digest, size, "
        "encoding, outcome, reason, location, redirected_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            page_id,
            run_id,
            capture.url,
            capture.fetched_at,
            capture.status,
            capture.final_url if capture.final_url != capture.url else None,  # kept only where it differs
            json.dumps(capture.headers, ensure_ascii=False),
            digest,
            len(capture.raw) if capture.raw is not None else None,
            capture.encoding,
            outcome,
            capture.reason,
            capture.location,
            redirected_from,
        ],
    )
    return int(cursor.lastrowid or 0)


def _insert_version(
    db: sqlite_utils.Database,
    page_id: int,
    number: int,
    kind: str,
    capture_id: int,
    created_at: str,
    article: ArticleFields | None,
    fields_changed: list[str],
    digest: str | None = None,
) -> None:
    """digest: the content hash of article (computed by the caller, which compared it with the last one)."""
    previous = last_version(db, page_id, with_content=True)
    row: dict[str, object] = {
        "page_id": page_id,
        "version": number,
        "kind": kind,
        "capture_id": capture_id,
        "created_at": created_at,
        "changed_fields": json.dumps(fields_changed),
        "previous_id": previous["id"] if previous else None,
    }
    if article is not None:
        row.update(article.as_row())
        row["comments"] = article.comments_json()
        row["content_hash"] = digest
        row["removed_blocks"] = json.dumps(article.removed_blocks, ensure_ascii=False)
        row["extractor_version"] = article.extractor_version
        row["rules_hash"] = article.rules_hash
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"INSERT INTO versions ({columns}) VALUES ({marks})", list(row.values()))
    if kind in ("changed", "restored"):  # what kind of edit it is (archive/edits.py), same transaction
        classify_written(db, int(cursor.lastrowid or 0))
    index_version(db, int(cursor.lastrowid or 0), row.get("title"), row.get("body"), row.get("comments"))  # type: ignore[arg-type]
    if article is not None:  # the copies index (archive/copies): this text joins or starts a group
        from archive.copies.index import index_copies  # numpy, loaded only by a process that writes

        index_copies(db, int(cursor.lastrowid or 0), page_id, article.body)
    db.execute("UPDATE pages SET current_version = ? WHERE id = ?", [number, page_id])


def _only_furniture(
    last: dict, new_row: dict, comments: str | None, with_comments: bool, same_text: SameText
) -> bool:
    """Whether the new fields are the last version's but for a body the crawler judges the same text
    (counters that ticked amid words no rule knows): every other hashed field equal, the body so judged."""
    others = {**new_row, "body": last["body"], "comments": comments}
    return content_hash(others, with_comments) == last["content_hash"] and same_text(
        last["body"] or "", str(new_row.get("body") or "")
    )


def _record_one(
    db: sqlite_utils.Database,
    run_id: int,
    entry: Recorded,
    redirected_from: int | None,
    with_comments: bool,
    same_text: SameText | None = None,
) -> RecordResult:
    capture, outcome, article = entry.capture, entry.outcome, entry.article
    url, note = _filed_under(db, capture, article if outcome == "article" else None)
    if note:
        capture.reason = f"{capture.reason}; {note}" if capture.reason else note
    page, is_new = _page(db, capture, url)
    page_id = int(page["id"])
    counters = ["captures"] + (["new_pages"] if is_new else [])
    last = last_version(db, page_id)
    if (
        outcome == "gone"
        and capture.status in (200, 203)  # judged gone by likeness, not by the server's 404/410
        and capture.raw
        and last is not None
        and last["kind"] in CONTENT_KINDS
    ):
        same = db.execute(
            "SELECT 1 FROM captures WHERE id = ? AND digest = ?", [last["capture_id"], digest_of(capture.raw)]
        ).fetchone()
        if same:  # a similarity judgement against a changed not-found page, not the article's removal
            outcome = "not-modified"
            capture.reason = (
                f"{capture.reason}; but these are the very bytes of version {last['version']}: not a removal"
            )
    if outcome == "article" and capture.suspect and article is not None:
        cut = _cut_short(last_version(db, page_id, with_content=True), article)
        if cut:  # the page ended early (a server that stopped mid-page), not an edit that cut the end
            outcome = "failed"
            capture.reason = f"suspect: {capture.suspect}, and its text is {cut}: not recorded as an edit"
        else:
            extra = f"possibly incomplete: {capture.suspect}"
            capture.reason = f"{capture.reason}; {extra}" if capture.reason else extra
    number = (last["version"] if last else 0) + 1
    had_text = last is not None and last["kind"] in CONTENT_KINDS
    state, error, moved_to = page["state"], capture.reason, page.get("moved_to")
    if outcome == "article":
        assert article is not None, "an article outcome needs the extracted fields"
        new_row = article.as_row()
        new_hash = content_hash({**new_row, "comments": article.comments_json()}, with_comments)
        if last is None:
            kind, fields = "first", changed_fields(None, new_row)
        elif last["kind"] in GONE_KINDS:
            kind, fields = "restored", changed_fields(last_version(db, page_id, with_content=True), new_row)
        elif last["content_hash"] != new_hash and not (
            same_text and _only_furniture(last, new_row, article.comments_json(), with_comments, same_text)
        ):
            kind, fields = "changed", changed_fields(last, new_row)
        else:
            kind, fields = "unchanged", []
        capture_id = _insert_capture(
            db, run_id, page_id, capture, "unchanged" if kind == "unchanged" else "version", redirected_from
        )
        if kind == "unchanged":
            counters.append("unchanged")
            result = RecordResult("unchanged", page_id, last["version"] if last else None, [], capture_id)
        else:
            _insert_version(
                db,
                page_id,
                number,
                kind,
                capture_id,
                capture.fetched_at,
                article,
                fields,
                new_hash,
            )
            counters += ["new_versions"] + ([kind] if kind in ("changed", "restored") else [])
            result = RecordResult(kind, page_id, number, fields, capture_id)
        state, error, moved_to = "live", None, None
    elif outcome in ("gone", "moved"):
        kind = "removed" if outcome == "gone" else "moved"
        capture_id = _insert_capture(db, run_id, page_id, capture, outcome, redirected_from)
        if had_text:
            _insert_version(db, page_id, number, kind, capture_id, capture.fetched_at, None, [])
            db.execute("UPDATE captures SET outcome = ? WHERE id = ?", [kind, capture_id])
            counters += ["new_versions", kind]
            result = RecordResult(kind, page_id, number, [], capture_id)
        else:
            result = RecordResult(outcome, page_id, last["version"] if last else None, [], capture_id)
        state = "removed" if outcome == "gone" else "moved"
        moved_to = capture.location if outcome == "moved" else None
    elif outcome == "not-modified":
        capture_id = _insert_capture(db, run_id, page_id, capture, "unchanged", redirected_from)
        counters.append("unchanged")
        result = RecordResult("unchanged", page_id, last["version"] if last else None, [], capture_id)
        state, error = "live", None
    elif outcome in ("redirect", "not-article"):
        capture_id = _insert_capture(db, run_id, page_id, capture, outcome, redirected_from)
        result = RecordResult(outcome, page_id, last["version"] if last else None, [], capture_id)
        if state == "new":
            state = outcome
        error = capture.reason if outcome == "not-article" else page["last_error"]
    else:
        capture_id = _insert_capture(db, run_id, page_id, capture, outcome, redirected_from)
        counters.append("failures")
        result = RecordResult(outcome, page_id, last["version"] if last else None, [], capture_id)
        state = "failed" if state == "new" else state
    # a failed fetch is not a check: it leaves last_checked (what the revisit schedule counts from) and
    # counts a failed check, retried soon (archive/revisits.py); any other outcome is a check. A run's
    # retried answers of one page are one failed check, not one per try.
    again = (
        "failures" in counters
        and db.execute(
            "SELECT 1 FROM captures WHERE page_id = ? AND run_id = ? AND outcome IN ('failed', 'challenge') "
            "AND id != ? LIMIT 1",
            [page_id, run_id, capture_id],
        ).fetchone()
    )
    checked = (
        ("last_failed_check = ?" if again else "last_failed_check = ?, check_failures = check_failures + 1")
        if "failures" in counters
        else "last_checked = ?, check_failures = 0"
    )
    db.execute(
        "UPDATE pages SET last_seen = ?, last_status = ?, state = ?, last_error = ?, moved_to = ?, "
        f"{checked} WHERE id = ?",
        [capture.fetched_at, capture.status, state, error, moved_to, capture.fetched_at, page_id],
    )
    log_recorded(db, capture_id, capture, article.rules_hash if article is not None else None)
    _bump(db, run_id, counters)
    return result


def record_fetch(
    db: sqlite_utils.Database,
    run_id: int,
    entries: list[Recorded],
    with_comments: bool = False,
    fetch_id: str | None = None,
    same_text: SameText | None = None,
) -> list[RecordResult]:
    """Record one fetch: its redirect hops in order, then the final response. All or nothing.

    Runs inside the caller's write transaction when there is one (a batch), else in its own. with_comments:
    a change in the comments alone makes a version (COMMENTS_MAKE_VERSIONS). fetch_id: a fetch recorded
    before under this id is not recorded again (delivery at least once, recording exactly once).
    """
    if not db.conn.in_transaction:
        with write_transaction(db):
            return record_fetch(db, run_id, entries, with_comments, fetch_id, same_text)
    if fetch_id is not None:
        done = list(
            db.query("SELECT id, page_id, outcome FROM captures WHERE fetch_id = ? ORDER BY id", [fetch_id])
        )
        if done:
            return [RecordResult("duplicate", row["page_id"], None, [], row["id"]) for row in done]
    results: list[RecordResult] = []
    with db.atomic():  # a savepoint: a failure here leaves the rest of the batch intact
        previous: int | None = None
        for entry in entries:
            result = _record_one(db, run_id, entry, previous, with_comments, same_text)
            previous = result.capture_id
            results.append(result)
        if fetch_id is not None:
            ids = [r.capture_id for r in results]
            db.execute(
                f"UPDATE captures SET fetch_id = ? WHERE id IN ({', '.join('?' for _ in ids)})",
                [fetch_id, *ids],
            )
    return results


def record(
    db: sqlite_utils.Database,
    run_id: int,
    capture: Capture,
    outcome: Outcome,
    article: ArticleFields | None = None,
) -> RecordResult:
    """Store one capture and decide whether it makes a version. All or nothing."""
    return record_fetch(db, run_id, [Recorded(capture, outcome, article)])[0]


def known_urls(db: sqlite_utils.Database, source: str, include_removed: bool = True) -> list[str]:
    """URLs of pages of a source that have at least one version (what a revisit checks again)."""
    sql = "SELECT url FROM pages WHERE source = ? AND current_version IS NOT NULL"
    if not include_removed:
        sql += " AND state NOT IN ('removed', 'moved')"
    return [row["url"] for row in db.query(sql + " ORDER BY last_seen", [source])]


def known_page_keys(db: sqlite_utils.Database, source: str) -> set[str]:
    """Page keys of a source's archived articles: a list crawl does not fetch them again (revisits do)."""
    return {
        row[0]
        for row in db.execute(
            "SELECT url_key FROM pages WHERE source = ? AND current_version IS NOT NULL", [source]
        )
    }


VALIDATORS = ("etag", "last-modified")


def validators(db: sqlite_utils.Database, urls: list[str]) -> dict[str, dict[str, str]]:
    """For live pages, the ETag and Last-Modified of their last full response: a revisit asks the server
    whether the page changed since (If-None-Match / If-Modified-Since) instead of fetching it whole."""
    found: dict[str, dict[str, str]] = {}
    for url in urls:
        row = db.execute(
            "SELECT c.headers FROM pages p JOIN captures c ON c.page_id = p.id WHERE p.url = ? AND p.state = 'live' "
            "AND c.status = 200 AND c.digest IS NOT NULL ORDER BY c.id DESC LIMIT 1",
            [url],
        ).fetchone()
        if row is None:
            continue
        headers = {k.lower(): v for k, v in json.loads(row[0] or "{}").items()}
        chosen = {name: headers[name] for name in VALIDATORS if headers.get(name)}
        if chosen:
            found[url] = chosen
    return found
