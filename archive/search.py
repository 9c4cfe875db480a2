"""Chinese full-text search over versions: one FTS5 index of character bigrams.

SQLite's tokenizers make a run of Chinese characters one token, so a plain index finds nothing inside it;
the trigram tokenizer cannot answer one- and two-character queries (法院, 赌). So each version's title, body
and comments are indexed as the tokens a CJK bigram analyser produces (as Lucene's CJKAnalyzer does): every
Chinese character starts a token made of it and the next one, the last of a run stands alone; Latin words
and numbers are words. A query is turned into the same tokens (``fts_query``):
- one character: a prefix query (法*), which finds it wherever it stands;
- two or more: the phrase of their bigrams, which is a substring match;
- Latin and digits match whole words (24 finds 24, not 2024; write 24* for a prefix); punctuation and
  quotes are ignored.
Text and queries are both read in Unicode NFKC form (``normalised``) before they are cut into tokens: court
sites write digits and Latin letters full-width (２０２３年, ５Ｇ), and a reader types 2023 and 5G; NFKC also
folds compatibility ideographs and full-width punctuation. Only the index and the query are normalised: the
stored text stays as archived (it is evidence), and highlighting finds the match in it through the same
folding, character by character (``_folded``). m013 rebuilt the index of archives made before this rule.
The index is declared ``content="versions"`` so Datasette and sqlite-utils find it; its text is the
bigram form, written by ``index_version`` inside each write, so never rebuild it with ``rebuild-fts``.
Each distinct text is indexed once: a version is made only when the text changed, captures add nothing.

A one-character query is a prefix query, which FTS5 answers by merging every bigram that starts with the
character: counting its matches that way reads hundreds of thousands of postings in a large archive. So the
archive also keeps ``search_chars``, the number of indexed versions holding each character, written beside the
index in the same transaction (``index_version``, ``unindex_version``); ``count`` and the canned search query
read a one-character total from it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{HAN}]+)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # unicode61's idea of a token outside Chinese runs
INDEXED = ("title", "body", "comments")
# The characters counted in search_chars: those SQLite's unicode61 tokenizer (Unicode 6.1 tables) reads as
# letters, so that a character's count is exactly what the index finds for it. Characters assigned later, and
# compatibility ideographs, are left to the index's own count.
_COUNTED = re.compile(r"[\u3400-\u4db5\u4e00-\u9fcc]+")


def normalised(text: str) -> str:
    """text in Unicode NFKC: the form the index holds and queries are read in (full-width ２０２３ and ５Ｇ as
    2023 and 5G, compatibility ideographs as the unified ones)."""
    return unicodedata.normalize("NFKC", text)


def _as_text(value: object) -> str:
    """A stored text column as text. Only an outside tool makes one a BLOB (sqlite3: CAST(body AS BLOB)); it is
    read as UTF-8 so that indexing, counting and `courtnews verify` go on (and verify names the version)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


class _Fold(dict):
    """str.translate's table for NFKC one character at a time, filled as characters are met; remembers the
    characters whose folded form is not one character (㍻ → 平成), which move every offset after them."""

    def __init__(self) -> None:
        super().__init__()
        self.resized: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = unicodedata.normalize("NFKC", chr(code))
        if len(folded) != 1:
            self.resized.add(chr(code))
        self[code] = folded
        return folded


_FOLD = _Fold()


def _folded(text: str) -> tuple[str, list[int] | None]:
    """text folded to NFKC character by character, and for each folded character the index in text of the one
    it came from (None when every character folded to exactly one: the offsets are the same)."""
    folded = text.translate(_FOLD)
    if len(folded) == len(text) and _FOLD.resized.isdisjoint(text):
        return folded, None
    origin: list[int] = []
    for index, character in enumerate(text):
        origin += [index] * len(_FOLD[ord(character)])
    return folded, origin


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where pattern (made from a normalised query) matches in text as the index read it: (start, end) in
    text itself, found in its folded form. Empty matches are skipped."""
    folded, origin = _folded(text)
    spans = []
    for found in pattern.finditer(folded):
        start, end = found.span()
        if start == end:
            continue
        spans.append((start, end) if origin is None else (origin[start], origin[end - 1] + 1))
    return spans


def _run_tokens(run: str, last: bool) -> list[str]:
    """A Chinese run's bigrams, and its last character alone where the run ends inside the text."""
    tokens = [run[i : i + 2] for i in range(len(run) - 1)]
    return tokens + [run[-1]] if last else tokens


def search_text(text: str | None) -> str:
    """The indexed form of a text: Chinese runs as bigrams (and the run's last character), the rest as is."""
    if not text:
        return ""
    parts = _RUN.split(normalised(_as_text(text)))
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2:
            out += _run_tokens(part, last=True)
        elif part:
            out.append(part)
    return " ".join(out)


def _segments(query: str) -> list[tuple[bool, str]]:
    """The query as (is_chinese, text) segments; punctuation and quotes separate them and are dropped."""
    segments: list[tuple[bool, str]] = []
    for index, part in enumerate(_RUN.split(query)):
        if index % 2:
            segments.append((True, part))
        else:
            segments += [(False, word) for word in _WORD.findall(part)]
    return segments


def fts_query(query: str) -> str | None:
    """An FTS5 expression for a literal query, or None when it has nothing to search for. Never passes
    FTS5 syntax from the user through: the tokens become one quoted phrase."""
    query = normalised(query)
    segments = _segments(query)
    tokens: list[str] = []
    for index, (chinese, text) in enumerate(segments):
        followed = index < len(segments) - 1
        if chinese and len(text) == 1 and not followed:
            tokens.append(text)  # a lone last character: a prefix of whatever bigram it starts
        elif chinese:
            tokens += _run_tokens(text, last=followed)
        else:
            tokens.append(text)
    if not tokens:
        return None
    chinese_end = segments[-1][0] and len(segments[-1][1]) == 1
    prefix = chinese_end or query.rstrip().endswith("*")
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def _comment_text(comments: str | None) -> str:
    if not comments:
        return ""
    try:
        return "\n".join(str(c.get("text", "")) for c in json.loads(comments) if isinstance(c, dict))
    except ValueError:
        return ""


def _values(title: str | None, body: str | None, comments: str | None) -> list[str]:
    return [search_text(title), search_text(body), search_text(_comment_text(comments))]


def characters(title: str | None, body: str | None, comments: str | None) -> set[str]:
    """The distinct counted characters of a version's indexed text (title, body and comments)."""
    texts = (title or "", body or "", _comment_text(comments))
    return set("".join(_COUNTED.findall(normalised("".join(map(_as_text, texts))))))


def one_character(query: str) -> str | None:
    """The character a query searches for when it is one counted Chinese character and nothing else (a prefix
    query of the index, whose total search_chars holds), else None."""
    segments = _segments(normalised(query))
    if len(segments) == 1 and segments[0][0] and len(segments[0][1]) == 1:
        character = segments[0][1]
        return character if _COUNTED.fullmatch(character) else None
    return None


# One statement a version, its characters a JSON list: a loop in SQLite, not a statement per character
ADD_CHARACTERS = (
    "INSERT INTO search_chars (char, versions) SELECT value, 1 FROM json_each(?) WHERE true "
    "ON CONFLICT (char) DO UPDATE SET versions = versions + 1"
)
_REMOVE_CHARACTERS = (
    "UPDATE search_chars SET versions = versions - 1 WHERE char IN (SELECT value FROM json_each(?))"
)


def characters_json(title: str | None, body: str | None, comments: str | None) -> str:
    """A version's counted characters as the JSON list ADD_CHARACTERS takes."""
    return json.dumps(sorted(characters(title, body, comments)), ensure_ascii=False)


def _index_text(
    db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None, comments: str | None
) -> None:
    db.execute(
        "INSERT INTO versions_fts (rowid, title, body, comments) VALUES (?, ?, ?, ?)",
        [version_id, *_values(title, body, comments)],
    )


def index_version(
    db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None, comments: str | None
) -> None:
    """Index a version's text (versions without text, removals and moves, are not indexed) and count its
    characters."""
    if title or body:
        _index_text(db, version_id, title, body, comments)
        db.execute(ADD_CHARACTERS, [characters_json(title, body, comments)])


def unindex_version(
    db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None, comments: str | None
) -> None:
    # an external-content index forgets a row only when told the exact values it was given
    if title or body:
        db.execute(
            "INSERT INTO versions_fts (versions_fts, rowid, title, body, comments) VALUES ('delete', ?, ?, ?, ?)",
            [version_id, *_values(title, body, comments)],
        )
        db.execute(_REMOVE_CHARACTERS, [characters_json(title, body, comments)])


_WITH_TEXT = "SELECT id, title, body, comments FROM versions WHERE title IS NOT NULL OR body IS NOT NULL"


def index_all(db: sqlite_utils.Database) -> int:
    """(Re)build the bigram index from every version with text (migration m005, which predates search_chars)."""
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')")
    count = 0
    for row in db.query(_WITH_TEXT):
        _index_text(db, row["id"], row["title"], row["body"], row["comments"])
        count += 1
    return count


def rebuild_index(db: sqlite_utils.Database, progress: Callable[[int, int], None] | None = None) -> int:
    """The bigram index and search_chars made afresh from every version with text, in the current indexed
    form (migration m013: NFKC); progress(done, total) after each thousand versions and at the end. The
    versions themselves are only read."""
    total = int(db.execute(f"SELECT COUNT(*) FROM ({_WITH_TEXT})").fetchone()[0])
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')")
    done = 0
    for row in db.query(_WITH_TEXT):
        _index_text(db, row["id"], row["title"], row["body"], row["comments"])
        done += 1
        if progress and (done % 1000 == 0 or done == total):
            progress(done, total)
    recount_characters(db)
    return done


def counted_characters(db: sqlite_utils.Database) -> Counter[str]:
    """What search_chars should hold, counted afresh from every version with text."""
    counts: Counter[str] = Counter()
    for row in db.query(_WITH_TEXT):
        counts.update(characters(row["title"], row["body"], row["comments"]))
    return counts


def recount_characters(db: sqlite_utils.Database) -> int:
    """Fill search_chars afresh (migration m012); the number of characters counted."""
    counts = counted_characters(db)
    db.execute("DELETE FROM search_chars")
    db.conn.executemany("INSERT INTO search_chars (char, versions) VALUES (?, ?)", counts.items())
    return len(counts)


# Newest first by rowid (ids grow with time), so a common word does not sort every match.
SEARCH_SQL = """
select v.id as version_id, p.url, p.source, v.version, v.kind, v.title, v.published, v.court,
       v.created_at, p.current_version = v.version as is_current
from versions v join pages p on p.id = v.page_id
where v.id in (
  select rowid from versions_fts where versions_fts match :match order by rowid desc limit :limit offset :offset
)
order by v.id desc
"""


def search(db: sqlite_utils.Database, query: str, limit: int = 50, offset: int = 0) -> list[dict]:
    """Versions whose title, body or comments contain query (Chinese substrings of any length), newest first."""
    match = fts_query(query)
    if match is None:
        return []
    return list(db.query(SEARCH_SQL, {"match": match, "limit": limit, "offset": offset}))


def count(db: sqlite_utils.Database, query: str) -> int:
    """How many versions match query; a one-character query's total is read from search_chars."""
    match = fts_query(query)
    if match is None:
        return 0
    if character := one_character(query):
        row = db.execute("SELECT versions FROM search_chars WHERE char = ?", [character]).fetchone()
        return int(row[0]) if row else 0
    return int(
        db.execute("SELECT COUNT(*) FROM versions_fts WHERE versions_fts MATCH ?", [match]).fetchone()[0]
    )


# ---------------------------------------------------------------- reading results: filters, totals, pages, facets
# Everything below reads the `timeline` summary table (archive/schema/era3_reader.py, m008) for a match's court, dates and kind,
# so a filter or a facet never reads a version's body.

FACET_SCOPE = (
    10_000  # facets count every match up to this many; past it, the newest FACET_SCOPE (said on the page)
)
_NOT_HAN_WORD = (
    rf"[^\W_{HAN}]"  # a letter or digit that is not Chinese: what a Latin or digit word is made of
)


def query_notes(query: str) -> list[str]:
    """What a reader should know about how a query is searched, one sentence each (the same wording in the CLI
    and in the browser): nothing to search, whole-word matching of digits and Latin words, ignored punctuation."""
    query = normalised(query)
    segments = _segments(query)
    if not segments:
        return [f"{query.strip()!r} has nothing to search for: punctuation, quotes and spaces are ignored."]
    notes = []
    words = [text for chinese, text in segments if not chinese]
    if words and not query.rstrip().endswith("*"):
        word = words[-1]
        example = f" (as in 1月{word}日 or 第{word}号)" if word.isdigit() else ""
        notes.append(
            f"Digits and Latin letters match whole words: {word} finds {word}{example} but not inside a longer "
            f"number or word; write {word}* for words that start with {word}."
        )
    stripped = re.sub(rf"[{HAN}\w\s*]", "", query)
    if stripped:
        notes.append(f"Punctuation is ignored: {' '.join(dict.fromkeys(stripped))} is not searched for.")
    return notes


def match_pattern(query: str) -> re.Pattern[str] | None:
    """A regular expression finding in a text what the index matched for query (to show and highlight it): the
    Chinese parts literally, digits and Latin words as whole words (case-blind, as the index), anything that is
    neither letter nor digit allowed between parts. None when the query has nothing to search."""
    query = normalised(query)
    segments = _segments(query)
    if not segments:
        return None
    parts = []
    for index, (chinese, text) in enumerate(segments):
        if chinese:
            parts.append(re.escape(text))
            continue
        last_prefix = index == len(segments) - 1 and query.rstrip().endswith("*")
        parts.append(
            rf"(?<!{_NOT_HAN_WORD}){re.escape(text)}" + ("" if last_prefix else rf"(?!{_NOT_HAN_WORD})")
        )
    return re.compile(r"[\W_]*".join(parts), re.IGNORECASE)


Span = tuple[str, bool]  # a piece of text, and whether it is a match


def highlight(text: str, pattern: re.Pattern[str] | None) -> list[Span]:
    """text cut into pieces, the matches marked."""
    if not text:
        return []
    if pattern is None:
        return [(text, False)]
    pieces: list[Span] = []
    at = 0
    for start, end in _matches(pattern, text):
        if start < at:  # two matches inside one folded character (㍻): one mark
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def snippet(texts: list[str | None], pattern: re.Pattern[str] | None, width: int = 60) -> list[Span]:
    """The passage around the first match in the first text that has one (about width characters either
    side, cut at a line end when one is near, with … where text was left out); without any match, the start
    of the first text that has text. Newlines become spaces."""
    candidates = [t for t in texts if t]
    if not candidates:
        return []
    found: tuple[int, int] | None = None
    for text in candidates:
        spans = _matches(pattern, text) if pattern else []
        if spans:
            found = spans[0]
            break
    else:
        text = candidates[0]
    start = max(0, (found[0] if found else 0) - width)
    end = min(len(text), (found[1] if found else 0) + width)
    line_start = text.rfind("\n", start, found[0] if found else 0)
    if line_start != -1:
        start = line_start + 1
    passage = text[start:end].replace("\n", " ")
    pieces = highlight(passage, pattern)
    if start > 0:
        pieces.insert(0, ("…", False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces


def marked(pieces: list[Span], before: str = "【", after: str = "】") -> str:
    """A snippet as one plain string with its matches between markers (the CLI's and the SQL function's form)."""
    return "".join(f"{before}{text}{after}" if hit else text for text, hit in pieces)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def calendar_date(text: str) -> str | None:
    """text when it is a real calendar date written YYYY-MM-DD in ASCII digits (2024-02-29), else None: a
    publication date filter compares as written, so 2024-13-45 or full-width ２０２４-０１-０１ would filter by
    something that is no date and silently find nothing. The one check of the reader's and the CLI's dates."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


@dataclass
class Filters:
    """What a search is narrowed to: one court, one source, a kind of version, a publication year, and
    publication dates from/to (YYYY-MM-DD, inclusive; an article dated only by month counts from its month)."""

    court: str | None = None
    source: str | None = None
    kind: str | None = None
    year: str | None = None
    published_from: str | None = None
    published_to: str | None = None

    def sql(self) -> tuple[str, dict[str, str]]:
        clauses, params = [], {}
        for name in ("court", "source", "kind"):
            if getattr(self, name):
                clauses.append(f"t.{name} = :{name}")
                params[name] = getattr(self, name)
        if self.year:
            clauses.append("substr(t.published, 1, 4) = :year")
            params["year"] = self.year
        if self.published_from:
            clauses.append("substr(t.published, 1, 10) >= :published_from")
            params["published_from"] = self.published_from
        if self.published_to:
            clauses.append("substr(t.published, 1, 10) <= :published_to")
            params["published_to"] = self.published_to
        return "".join(f" AND {c}" for c in clauses), params

    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass
class Results:
    """One page of a search: the true total, the rows of this page (newest first) with their snippets, the
    facets, and the notes on how the query was read."""

    query: str
    total: int
    rows: list[dict]
    limit: int
    offset: int
    notes: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    facets_scope: int = 0  # how many matches the facets counted (the total, or FACET_SCOPE)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


# What a facet counts, read from a match's timeline row (the order of the columns the scope query selects).
_FACETS = {"court": "t.court", "year": "substr(t.published, 1, 4)", "kind": "t.kind"}


def _facet_counts(rows: list[tuple], column: int) -> list[tuple[str, int]]:
    """A facet's 20 most frequent values among rows (most first, then by value); NULL is not a value."""
    counts = Counter(row[column] for row in rows if row[column] is not None)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]


def find(
    db: sqlite_utils.Database,
    query: str,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    facets: bool = True,
    count_total: bool = True,
) -> Results:
    """Search with filters: the total number of matches, one page of them (newest first) with snippets, and
    facets by court, publication year and kind. Facets count every match when there are at most FACET_SCOPE,
    else the newest FACET_SCOPE (Results.facets_scope says which).

    A one-character query or a word in half the archive costs a full read of its postings each time the index
    is asked, so the index is asked as few times as the page allows: with filters, once (every match is
    joined to the timeline anyway to filter it); without, for the total (the index alone, no join), for the
    newest FACET_SCOPE matches with their facet values (this page is among them unless it is deeper), and
    for a deeper page on its own. count_total=False leaves an unfiltered total to the caller (0 here), which
    can count with ``count`` on another connection at the same time (the reader's search page does)."""
    filters = filters or Filters()
    match = fts_query(query)
    results = Results(query, 0, [], limit, offset, query_notes(query))
    if match is None:
        return results
    where, params = filters.sql()
    params = {**params, "match": match}
    joined = "FROM versions_fts f JOIN timeline t ON t.version_id = f.rowid WHERE versions_fts MATCH :match"
    facet_values = ", ".join(_FACETS.values())
    newest: list[tuple] = []  # the newest FACET_SCOPE matches: (rowid, court, year, kind)
    if filters.active():
        # one pass over the matches, joined to the timeline to filter them: counted as they come, the newest
        # kept for the facets and this page (a second pass would read every match again)
        ids: list[int] = []
        rows = db.execute(f"SELECT f.rowid, {facet_values} {joined}{where} ORDER BY f.rowid DESC", params)
        for results.total, row in enumerate(rows, start=1):
            if facets and len(newest) < FACET_SCOPE:
                newest.append(row)
            if offset < results.total <= offset + limit:
                ids.append(row[0])
    else:
        if count_total:
            results.total = count(db, query)  # the index alone, no join
            if not results.total:
                return results
        if facets:
            newest = db.execute(
                f"SELECT f.rowid, {facet_values} {joined} ORDER BY f.rowid DESC LIMIT :scope",
                {**params, "scope": FACET_SCOPE},
            ).fetchall()
        # the page is among the newest when it ends within them, or when they are every match
        if offset + limit <= len(newest) or (facets and len(newest) < FACET_SCOPE):
            ids = [row[0] for row in newest[offset : offset + limit]]
        else:
            ids = [
                row[0]
                for row in db.execute(
                    f"SELECT f.rowid {joined} ORDER BY f.rowid DESC LIMIT :limit OFFSET :offset",
                    {**params, "limit": limit, "offset": offset},
                )
            ]
    if facets and newest:
        results.facets_scope = len(newest)
        for column, name in enumerate(_FACETS, start=1):
            results.facets[name] = _facet_counts(newest, column)
    results.rows = _result_rows(db, ids, match_pattern(query))
    return results


def _result_rows(db: sqlite_utils.Database, ids: list[int], pattern: re.Pattern[str] | None) -> list[dict]:
    """The rows of matches ids (in that order), each with its highlighted title and snippet."""
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    found = {
        row["version_id"]: row
        for row in db.query(
            "SELECT t.version_id, t.page_id, t.url, t.source, t.version, t.kind, t.created_at, t.title, t.court, "
            "t.published, t.previous_id, v.published_precision, v.body, v.comments, "
            "p.current_version = t.version AS is_current, p.state FROM timeline t "
            "JOIN versions v ON v.id = t.version_id "
            f"JOIN pages p ON p.id = t.page_id WHERE t.version_id IN ({marks})",
            ids,
        )
    }
    rows = []
    for version_id in ids:
        row = found[version_id]
        comments = _comment_text(row.pop("comments"))
        body = row.pop("body")
        row["title_spans"] = highlight(row["title"] or "", pattern)
        row["snippet_spans"] = snippet([body, comments, row["title"]], pattern)
        row["snippet"] = marked(row["snippet_spans"])
        rows.append(row)
    return rows


ARTICLE_SORTS = ("archived", "published", "relevance")
VERSIONS_LISTED = 10  # matching versions linked under an article's result
GROUP_SCOPE = 5_000  # matching versions grouped into articles, newest first; past it the page says so


def find_articles(
    db: sqlite_utils.Database,
    query: str,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    current_only: bool = False,
    removed_only: bool = False,
    sort: str = "archived",
) -> Results:
    """Search grouped by article: one result per page whose versions match (its newest matching version, with
    ``matches``: how many of its versions match, and ``versions``: the newest VERSIONS_LISTED of them), the
    total counting articles, facets over every matching article (its newest match's court, year and kind).

    ``current_only`` keeps a match only when it is its page's current version (the text as it stands);
    ``removed_only`` only pages now removed or moved. ``sort``: ``archived`` (newest matching version first),
    ``published`` (publication date, newest first, undated last) or ``relevance`` (FTS5's bm25 rank of the
    article's best match). One pass over the newest GROUP_SCOPE matches joined to the timeline (as a filtered
    search reads them); when there are more, the total counts the articles among those and a note says so,
    as the facets say when they count the newest FACET_SCOPE."""
    filters = filters or Filters()
    match = fts_query(query)
    results = Results(query, 0, [], limit, offset, query_notes(query))
    if match is None:
        return results
    where, params = filters.sql()
    if current_only:
        where += " AND t.version = p.current_version"
    if removed_only:
        where += " AND p.state IN ('removed', 'moved')"
    rows = db.execute(
        "SELECT f.rowid, t.page_id, t.version, t.published, f.rank, "
        + ", ".join(_FACETS.values())
        + " FROM versions_fts f JOIN timeline t ON t.version_id = f.rowid JOIN pages p ON p.id = t.page_id "
        f"WHERE versions_fts MATCH :match{where} ORDER BY f.rowid DESC LIMIT :scope",
        {**params, "match": match, "scope": GROUP_SCOPE + 1},
    ).fetchall()
    if len(rows) > GROUP_SCOPE:
        rows = rows[:GROUP_SCOPE]
        results.notes.append(
            f"匹配的版本超过 {GROUP_SCOPE:,} 个：按文章分组的是最新的 {GROUP_SCOPE:,} 个，更早的请加筛选条件或按版本查看 "
            f"(more than {GROUP_SCOPE:,} versions match: the articles shown are those of the newest {GROUP_SCOPE:,}; "
            "narrow the search or list by version)"
        )
    groups: dict[int, dict] = {}
    for rowid, page_id, version, published, rank, court, year, kind in rows:
        group = groups.get(page_id)
        if group is None:  # the first row of a page is its newest match
            group = groups[page_id] = {
                "newest": rowid, "matches": 0, "rank": rank, "published": published or "",
                "facets": (court, year, kind), "versions": [],
            }  # fmt: skip
        group["matches"] += 1
        group["rank"] = min(group["rank"], rank)
        if len(group["versions"]) < VERSIONS_LISTED:
            group["versions"].append((rowid, version))
    ordered = list(groups.values())
    if sort == "published":
        ordered.sort(key=lambda g: g["published"], reverse=True)
    elif sort == "relevance":
        ordered.sort(key=lambda g: g["rank"])
    results.total = len(ordered)
    facet_rows = [(g["newest"], *g["facets"]) for g in ordered]
    results.facets_scope = len(facet_rows)
    for column, name in enumerate(_FACETS, start=1):
        results.facets[name] = _facet_counts(facet_rows, column)
    shown = ordered[offset : offset + limit]
    results.rows = _result_rows(db, [g["newest"] for g in shown], match_pattern(query))
    for row, group in zip(results.rows, shown, strict=True):
        row["matches"], row["versions"] = group["matches"], group["versions"]
    return results
