"""Schema steps m008 on: the reader's summary tables, facet counts and indexes, lighter captures,
search character counts. A new step is a new function at the end of this module, registered with
`@migrations()`; released steps are frozen."""

from __future__ import annotations

import sqlite_utils

from archive.schema.runner import migrations

# ---------------------------------------------------------------- reader steps: summary tables for reading
# The reader's views must answer at a million versions. Reading `court` or `title` from `versions` touches a row
# holding a whole body, so the views read two narrow tables instead, kept correct by SQL triggers on every write
# (store, re-extraction, merges) without any writer knowing them:
# - `timeline`: one row per version with the page's URL and source, the title and court (a removal's are its last
#   text's), the previous text's title and, for removals and moves, the status and target that showed them;
# - `articles`: one row per page that has text, naming its latest text version, with that version's metadata.
_TIMELINE_ROW = """
    SELECT v.id, v.page_id, p.url, p.source, v.version, v.kind, v.created_at,
           COALESCE(v.title, prev.title), COALESCE(v.court, prev.court), COALESCE(v.published, prev.published),
           v.changed_fields, v.previous_id, prev.title, c.status, c.reason, c.location, c.final_url
    FROM versions v JOIN pages p ON p.id = v.page_id
    LEFT JOIN versions prev ON prev.id = v.previous_id LEFT JOIN captures c ON c.id = v.capture_id"""
_ARTICLE_ROW = """
    SELECT p.id, v.id, p.url, p.source, p.state, v.version, v.kind, v.title, v.court, v.published,
           v.published_precision, v.source_name, v.author, v.editor, v.created_at, p.first_seen
    FROM pages p JOIN versions v ON v.id = (
        SELECT id FROM versions WHERE page_id = p.id AND kind IN ('first', 'changed', 'restored')
        ORDER BY version DESC LIMIT 1)"""


def _refresh_article(page: str) -> str:
    """SQL (inside a trigger) that makes page's `articles` row name its latest text version, or removes it."""
    return (
        f"DELETE FROM articles WHERE page_id = {page};\n"
        f"INSERT INTO articles {_ARTICLE_ROW} WHERE p.id = {page};\n"
    )


@migrations()
def m008_reader_summary_tables(db: sqlite_utils.Database) -> None:
    """`timeline` and `articles` (see above), their triggers, and the reader views read from them, with columns
    in reading order (title, court, published before ids and hashes)."""
    db.execute(
        """CREATE TABLE timeline (
            version_id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL, url TEXT, source TEXT, version INTEGER,
            kind TEXT, created_at TEXT, title TEXT, court TEXT, published TEXT, changed_fields TEXT,
            previous_id INTEGER, previous_title TEXT, status INTEGER, reason TEXT, moved_to TEXT, final_url TEXT)"""
    )
    db.execute(
        """CREATE TABLE articles (
            page_id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL, url TEXT, source TEXT, state TEXT,
            version INTEGER, kind TEXT, title TEXT, court TEXT, published TEXT, published_precision TEXT,
            source_name TEXT, author TEXT, editor TEXT, version_at TEXT, first_seen TEXT)"""
    )
    db.execute(f"INSERT INTO timeline {_TIMELINE_ROW}")
    db.execute(f"INSERT INTO articles {_ARTICLE_ROW}")
    for sql in (
        "CREATE INDEX timeline_page ON timeline (page_id, version)",
        "CREATE INDEX timeline_previous ON timeline (previous_id)",
        "CREATE INDEX timeline_created ON timeline (created_at)",
        "CREATE INDEX timeline_kind ON timeline (kind, created_at)",
        "CREATE INDEX timeline_court ON timeline (court, created_at)",
        "CREATE INDEX timeline_source_kind ON timeline (source, kind)",
        # what the changes and removals views sort and facet by, one partial index each
        "CREATE INDEX timeline_changes ON timeline (created_at) WHERE kind IN ('changed', 'restored')",
        "CREATE INDEX timeline_changes_court ON timeline (court) WHERE kind IN ('changed', 'restored')",
        "CREATE INDEX timeline_changes_source ON timeline (source) WHERE kind IN ('changed', 'restored')",
        "CREATE INDEX timeline_removals ON timeline (created_at) WHERE kind IN ('removed', 'moved')",
        "CREATE INDEX timeline_removals_court ON timeline (court) WHERE kind IN ('removed', 'moved')",
        "CREATE INDEX timeline_removals_status ON timeline (status) WHERE kind IN ('removed', 'moved')",
        "CREATE INDEX articles_published ON articles (published)",
        "CREATE INDEX articles_court ON articles (court, published)",
        "CREATE INDEX articles_source ON articles (source)",
        "CREATE INDEX articles_state ON articles (state)",
        "CREATE INDEX articles_version ON articles (version_id)",
    ):
        db.execute(sql)
    # a version's own row, and the rows of the versions that follow it (their previous title), recomputed
    timeline_refresh = (
        "INSERT OR REPLACE INTO timeline {row} WHERE v.id IN "
        "(SELECT {id} UNION ALL SELECT version_id FROM timeline WHERE previous_id = {id});\n"
    )
    db.execute(
        f"""CREATE TRIGGER reader_version_ai AFTER INSERT ON versions BEGIN
        INSERT INTO timeline {_TIMELINE_ROW} WHERE v.id = new.id;
        {_refresh_article("new.page_id")} END"""
    )
    db.execute(
        f"""CREATE TRIGGER reader_version_ad AFTER DELETE ON versions BEGIN
        DELETE FROM timeline WHERE version_id = old.id;
        {_refresh_article("old.page_id")} END"""
    )
    db.execute(
        f"""CREATE TRIGGER reader_version_au AFTER UPDATE OF id, page_id, version, kind, capture_id, created_at,
        title, published, published_precision, source_name, author, editor, court, changed_fields, previous_id
        ON versions BEGIN
        DELETE FROM timeline WHERE version_id = old.id;
        {timeline_refresh.format(row=_TIMELINE_ROW, id="new.id")}
        {_refresh_article("old.page_id")}
        {_refresh_article("new.page_id")} END"""
    )
    db.execute(
        """CREATE TRIGGER reader_page_state AFTER UPDATE OF state ON pages WHEN old.state IS NOT new.state BEGIN
        UPDATE articles SET state = new.state WHERE page_id = new.id; END"""
    )
    db.execute(
        """CREATE TRIGGER reader_page_identity AFTER UPDATE OF url, source, first_seen ON pages
        WHEN old.url IS NOT new.url OR old.source IS NOT new.source OR old.first_seen IS NOT new.first_seen BEGIN
        UPDATE articles SET url = new.url, source = new.source, first_seen = new.first_seen WHERE page_id = new.id;
        UPDATE timeline SET url = new.url, source = new.source WHERE page_id = new.id; END"""
    )
    db.execute(
        """CREATE TRIGGER reader_page_ad AFTER DELETE ON pages BEGIN
        DELETE FROM articles WHERE page_id = old.id; DELETE FROM timeline WHERE page_id = old.id; END"""
    )
    for view in ("latest_articles", "changes", "removals"):
        db.execute(f"DROP VIEW IF EXISTS {view}")
    # body and last_seen as subqueries, not joins: SQLite evaluates them only for the rows shown, so a count or a
    # facet over every article never touches the wide versions rows
    db.execute(
        """CREATE VIEW latest_articles AS
        SELECT a.title, a.court, a.published, a.published_precision, a.source_name, a.author, a.editor, a.state,
               a.kind, a.version, a.version_at, a.url, a.source, a.first_seen,
               (SELECT last_seen FROM pages WHERE id = a.page_id) AS last_seen, a.page_id, a.version_id,
               (SELECT body FROM versions WHERE id = a.version_id) AS body
        FROM articles a"""
    )
    db.execute(
        """CREATE VIEW changes AS
        SELECT title, court, kind, changed_fields, created_at, previous_title, url, source, version, version_id,
               previous_id AS previous_version_id
        FROM timeline WHERE kind IN ('changed', 'restored')"""
    )
    db.execute(
        """CREATE VIEW removals AS
        SELECT previous_title AS last_title, court, kind, created_at AS removed_at, status, reason, moved_to,
               final_url, url, source, version, version_id, previous_id AS last_version_id
        FROM timeline WHERE kind IN ('removed', 'moved')"""
    )


# What the reader's views are faceted by, and when a summary row counts for it (see m009).
FACETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # facet name: (summary table, column, the kinds a timeline row must have to count; () for articles)
    "latest_articles.court": ("articles", "court", ()),
    "latest_articles.source": ("articles", "source", ()),
    "latest_articles.state": ("articles", "state", ()),
    "changes.court": ("timeline", "court", ("changed", "restored")),
    "changes.kind": ("timeline", "kind", ("changed", "restored")),
    "removals.court": ("timeline", "court", ("removed", "moved")),
    "removals.status": ("timeline", "status", ("removed", "moved")),
}


def _facet_sql(table: str, row: str, step: int) -> str:
    """Statements (inside a trigger) adding step to the counts of the facets of table for one of its rows (the
    trigger's `new` or `old`). No upsert: a trigger fired by INSERT OR REPLACE (m008 refreshes timeline rows so)
    applies REPLACE to every statement in it, which would turn ON CONFLICT DO UPDATE into a reset of the count;
    an UPDATE, then an INSERT of a value not counted yet, can never conflict."""
    statements = []
    for facet, (source, column, kinds) in FACETS.items():
        if source != table:
            continue
        counted = f"{row}.{column} IS NOT NULL" + (
            f" AND {row}.kind IN ({', '.join(repr(k) for k in kinds)})" if kinds else ""
        )
        statements.append(
            f"UPDATE facet_counts SET n = n + {step} WHERE facet = '{facet}' AND value = {row}.{column} AND {counted};"
        )
        statements.append(
            f"INSERT INTO facet_counts (facet, value, n) SELECT '{facet}', {row}.{column}, {step} WHERE {counted} "
            f"AND NOT EXISTS (SELECT 1 FROM facet_counts WHERE facet = '{facet}' AND value = {row}.{column});"
        )
    return "\n".join(statements)


@migrations()
def m009_facet_counts(db: sqlite_utils.Database) -> None:
    """Counts of the reader views' facets (court, source and state of latest_articles; court and kind of changes;
    court and status of removals), kept by triggers on the summary tables, so an unfiltered view's facets read
    a few rows instead of counting a million (archive/reader/facets.py reads them)."""
    db.execute(
        "CREATE TABLE facet_counts (facet TEXT NOT NULL, value, n INTEGER NOT NULL, PRIMARY KEY (facet, value))"
    )
    for facet, (source, column, kinds) in FACETS.items():
        where = f"{column} IS NOT NULL" + (
            f" AND kind IN ({', '.join(repr(k) for k in kinds)})" if kinds else ""
        )
        db.execute(
            f"INSERT INTO facet_counts (facet, value, n) SELECT '{facet}', {column}, COUNT(*) FROM {source} "
            f"WHERE {where} GROUP BY {column}"
        )
    for table in ("articles", "timeline"):
        db.execute(
            f"CREATE TRIGGER facet_{table}_ai AFTER INSERT ON {table} BEGIN {_facet_sql(table, 'new', 1)} END"
        )
        db.execute(
            f"CREATE TRIGGER facet_{table}_ad AFTER DELETE ON {table} BEGIN {_facet_sql(table, 'old', -1)} END"
        )
        columns = sorted({column for source, column, _ in FACETS.values() if source == table} | {"kind"})
        db.execute(
            f"CREATE TRIGGER facet_{table}_au AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN "
            f"{_facet_sql(table, 'old', -1)} {_facet_sql(table, 'new', 1)} END"
        )
    # m008 refreshed the rows of a version's followers with INSERT OR REPLACE, whose implicit delete fires the
    # delete triggers or not depending on the connection (sqlite-utils turns recursive_triggers on, sqlite3 leaves
    # it off): counts would drift. The followers are updated instead, from the version they follow.
    db.execute("DROP TRIGGER reader_version_au")
    db.execute(
        f"""CREATE TRIGGER reader_version_au AFTER UPDATE OF id, page_id, version, kind, capture_id, created_at,
        title, published, published_precision, source_name, author, editor, court, changed_fields, previous_id
        ON versions BEGIN
        DELETE FROM timeline WHERE version_id = old.id;
        INSERT INTO timeline {_TIMELINE_ROW} WHERE v.id = new.id;
        UPDATE timeline SET previous_title = new.title,
            title = COALESCE((SELECT title FROM versions WHERE id = timeline.version_id), new.title),
            court = COALESCE((SELECT court FROM versions WHERE id = timeline.version_id), new.court),
            published = COALESCE((SELECT published FROM versions WHERE id = timeline.version_id), new.published)
        WHERE previous_id = new.id;
        {_refresh_article("old.page_id")}
        {_refresh_article("new.page_id")} END"""
    )


@migrations()
def m010_reader_indexes(db: sqlite_utils.Database) -> None:
    """What the reader reads by at a million versions: the version a capture made (the timeline joins them), and
    the newest captures and pages first (the order Datasette's captures and pages tables open in)."""
    db.execute("CREATE INDEX IF NOT EXISTS versions_capture ON versions (capture_id)")
    db.execute("CREATE INDEX IF NOT EXISTS captures_fetched ON captures (fetched_at)")
    db.execute("CREATE INDEX IF NOT EXISTS pages_last_seen ON pages (last_seen)")


@migrations()
def m011_lighter_captures(db: sqlite_utils.Database) -> None:
    """What a revisit costs, cut to what is read: a capture that only confirms a page adds a capture row and a
    small difference frame, and every index entry beside them was a third of that.
    - final_url is kept only where the fetch ended elsewhere than its URL (a redirect): NULL is "no redirect"
      (or no response, which status says), not the same URL twice;
    - blobs.base is followed from a blob to its base (by digest), never looked up: no index on it;
    - a layout's key is looked up only for new pages, so only blobs stored without the page's own previous
      bytes carry one (``Codec.put``), and the index holds only those;
    - captures open newest first by id, the order they are written in (as versions do), not by fetched_at;
    - redirected_from and fetch_id are set on few captures: the indexes hold only those (``x = ?`` implies
      ``x IS NOT NULL``, so SQLite uses them for every lookup)."""
    db.execute("UPDATE captures SET final_url = NULL WHERE final_url = url")
    db.execute(
        "UPDATE timeline SET final_url = (SELECT c.final_url FROM versions v JOIN captures c ON c.id = v.capture_id "
        "WHERE v.id = timeline.version_id) WHERE final_url IS NOT NULL"
    )
    db.execute("DROP INDEX IF EXISTS idx_blobs_base")
    db.execute("DROP INDEX IF EXISTS captures_fetched")
    db.execute("DROP INDEX IF EXISTS idx_blobs_template")
    db.execute("CREATE INDEX blobs_template ON blobs (template) WHERE template IS NOT NULL")
    db.execute("DROP INDEX IF EXISTS idx_captures_redirected_from")
    db.execute(
        "CREATE INDEX captures_redirected_from ON captures (redirected_from) WHERE redirected_from IS NOT NULL"
    )
    db.execute("DROP INDEX IF EXISTS idx_captures_fetch_id")
    db.execute("CREATE INDEX captures_fetch_id ON captures (fetch_id) WHERE fetch_id IS NOT NULL")


@migrations()
def m012_search_character_counts(db: sqlite_utils.Database) -> None:
    """How many indexed versions hold each Chinese character (archive/search.py): the total of a one-character
    search, which the index can only count by merging every bigram that starts with the character."""
    from archive.search import recount_characters

    db.execute("CREATE TABLE search_chars (char TEXT PRIMARY KEY, versions INTEGER NOT NULL) WITHOUT ROWID")
    recount_characters(db)


@migrations()
def m013_evidence_log(db: sqlite_utils.Database) -> None:
    """The evidence log (archive/evidence/tables.py): leaves, subtree cache, signed checkpoints; the captures
    an older archive holds are logged now, in capture order, and noted as logged late."""
    from archive.evidence.rows import backfill
    from archive.evidence.tables import create_evidence_tables

    create_evidence_tables(db)
    backfill(db)


@migrations()
def m014_search_index_nfkc(db: sqlite_utils.Database) -> None:
    """The search index and search_chars rebuilt in Unicode NFKC form (archive/search.py): full-width digits
    and letters (２０２３, ５Ｇ) were indexed as they were written, so 2023 and 5G did not find them. Only the
    index is rewritten; every version's stored text stays as archived. Progress goes to the
    ``courtnews.migrate`` log (a line per ten thousand versions; `courtnews migrate` shows it)."""
    import logging

    from archive.search import rebuild_index

    log = logging.getLogger("courtnews.migrate")

    def progress(done: int, total: int) -> None:
        if done % 10_000 == 0 or done == total:
            log.info("search index rebuilt in NFKC form for %d of %d versions", done, total)

    rebuild_index(db, progress)


@migrations()
def m015_daemon_state_and_check_failures(db: sqlite_utils.Database) -> None:
    """What the daemon runs with and when its jobs fire next (``daemon_state``, for `courtnews status`); the
    token a run created for a crawl process waits to be claimed with (``runs.claim_token``: such a run is the
    daemon's until then, never judged by a pid); a page's failed checks since its last good one (a failed
    check does not advance its revisit schedule)."""
    db.execute("CREATE TABLE daemon_state (name TEXT PRIMARY KEY, value TEXT, updated_at TEXT) WITHOUT ROWID")
    db.table("runs").add_column("claim_token", str)
    db.table("pages").add_column("last_checked", str)
    db.table("pages").add_column("last_failed_check", str)
    db.table("pages").add_column("check_failures", int, not_null_default=0)
    db.execute("UPDATE pages SET last_checked = last_seen")


@migrations()
def m016_version_edits(db: sqlite_utils.Database) -> None:
    """Change forensics (archive/edits.py): each changed or restored version's classified edits
    (``version_edits``) and its kinds (``versions.kinds``, a JSON list Datasette facets). The store fills them
    as versions are written; `courtnews migrate` classifies an older archive's versions, with progress."""
    from archive.edits import create_edit_tables

    create_edit_tables(db)


@migrations()
def m017_copies(db: sqlite_utils.Database) -> None:
    """The copies index and groups (archive/copies/tables.py), empty: `courtnews copies --rebuild` fills them
    for the versions written before (new versions are indexed as they are written)."""
    from archive.copies.tables import create_copy_tables

    create_copy_tables(db)


@migrations()
def m018_reader(db: sqlite_utils.Database) -> None:
    """The removals view tells what became of each removal (issue 29): ``current_state`` is ``restored`` when a
    text of the page was archived after it (``restored_at``, ``restored_version_id``: the first such), else
    ``moved`` for a move and ``gone`` for a removal. Scalar subqueries through the timeline's (page_id, version)
    index, evaluated only for the rows a page shows: a count of the view does not run them."""
    back = (
        "SELECT t.{} FROM timeline t WHERE t.page_id = r.page_id AND t.version > r.version "
        "AND t.kind IN ('first', 'changed', 'restored') ORDER BY t.version LIMIT 1"
    )
    db.execute("DROP VIEW IF EXISTS removals")
    db.execute(
        f"""CREATE VIEW removals AS
        SELECT r.previous_title AS last_title, r.court, r.kind, r.created_at AS removed_at,
               CASE WHEN ({back.format("version_id")}) IS NOT NULL THEN 'restored'
                    WHEN r.kind = 'moved' THEN 'moved' ELSE 'gone' END AS current_state,
               ({back.format("created_at")}) AS restored_at, ({back.format("version_id")}) AS restored_version_id,
               r.status, r.reason, r.moved_to, r.final_url, r.url, r.source, r.version, r.version_id,
               r.previous_id AS last_version_id
        FROM timeline r WHERE r.kind IN ('removed', 'moved')"""
    )
