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
The index is declared ``content="versions"`` so Datasette and sqlite-utils find it; its text is the
bigram form, written by ``index_version`` inside each write, so never rebuild it with ``rebuild-fts``.
Each distinct text is indexed once: a version is made only when the text changed, captures add nothing.
"""

from __future__ import annotations

import json
import re

import sqlite_utils

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{HAN}]+)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # unicode61's idea of a token outside Chinese runs
INDEXED = ("title", "body", "comments")


def _run_tokens(run: str, last: bool) -> list[str]:
    """A Chinese run's bigrams, and its last character alone where the run ends inside the text."""
    tokens = [run[i : i + 2] for i in range(len(run) - 1)]
    return tokens + [run[-1]] if last else tokens


def search_text(text: str | None) -> str:
    """The indexed form of a text: Chinese runs as bigrams (and the run's last character), the rest as is."""
    if not text:
        return ""
    parts = _RUN.split(text)
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


def index_version(
    db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None, comments: str | None
) -> None:
    """Index a version's text (versions without text, removals and moves, are not indexed)."""
    if title or body:
        db.execute(
            "INSERT INTO versions_fts (rowid, title, body, comments) VALUES (?, ?, ?, ?)",
            [version_id, *_values(title, body, comments)],
        )


def unindex_version(
    db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None, comments: str | None
) -> None:
    # an external-content index forgets a row only when told the exact values it was given
    if title or body:
        db.execute(
            "INSERT INTO versions_fts (versions_fts, rowid, title, body, comments) VALUES ('delete', ?, ?, ?, ?)",
            [version_id, *_values(title, body, comments)],
        )


def index_all(db: sqlite_utils.Database) -> int:
    """(Re)build the index from every version with text: for migrations and `courtnews reindex`."""
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')")
    count = 0
    for row in db.query(
        "SELECT id, title, body, comments FROM versions WHERE title IS NOT NULL OR body IS NOT NULL"
    ):
        index_version(db, row["id"], row["title"], row["body"], row["comments"])
        count += 1
    return count


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
    match = fts_query(query)
    if match is None:
        return 0
    return int(
        db.execute("SELECT COUNT(*) FROM versions_fts WHERE versions_fts MATCH ?", [match]).fetchone()[0]
    )
