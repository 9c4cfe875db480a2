"""Chinese full-text search over versions.

FTS5's default tokenizer makes a run of Chinese characters one token, so it finds nothing inside it. Two
indexes cover every query length:
- ``versions_fts`` (trigram tokenizer, external content, kept in sync by triggers) answers queries of three
  characters or more as substring matches;
- ``versions_short_fts`` (unicode61 over text with a space between CJK characters, contentless, kept in
  sync by this module inside each write's transaction) answers one- and two-character queries (法院, 赌)
  as phrase matches, which the trigram index cannot.
"""

from __future__ import annotations

import re

import sqlite_utils

_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef])")


def spaced(text: str | None) -> str:
    """'人民法院' -> ' 人  民  法  院 ': every CJK character becomes its own token."""
    return _CJK.sub(r" \1 ", text or "")


def phrase(query: str) -> str:
    """An FTS5 phrase for a literal query (quotes doubled), never FTS5 syntax from the user."""
    return '"' + query.replace('"', '""') + '"'


def short_phrase(query: str) -> str:
    return phrase(" ".join(spaced(query).split()))


def index_short(db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None) -> None:
    db.execute(
        "INSERT INTO versions_short_fts (rowid, title, body) VALUES (?, ?, ?)",
        [version_id, spaced(title), spaced(body)],
    )


def unindex_short(db: sqlite_utils.Database, version_id: int, title: str | None, body: str | None) -> None:
    # a contentless table forgets a row only when told the exact values it was given
    db.execute(
        "INSERT INTO versions_short_fts (versions_short_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
        [version_id, spaced(title), spaced(body)],
    )


# Newest first by rowid inside each index (ids grow with time), so a common word does not sort every match.
SEARCH_SQL = """
select v.id as version_id, p.url, p.source, v.version, v.kind, v.title, v.published, v.court,
       v.created_at, p.current_version = v.version as is_current
from versions v join pages p on p.id = v.page_id
where v.id in (
  select rowid from (
    select rowid from versions_fts where length(:q) >= 3 and versions_fts match :phrase
    order by rowid desc limit :limit)
  union
  select rowid from (
    select rowid from versions_short_fts where length(:q) < 3 and versions_short_fts match :short_phrase
    order by rowid desc limit :limit)
)
order by v.id desc
"""


def search(db: sqlite_utils.Database, query: str, limit: int = 50) -> list[dict]:
    """Versions whose title or body contains query (any length, Chinese substrings included), newest first."""
    query = query.strip()
    if not query:
        return []
    return list(
        db.query(
            SEARCH_SQL,
            {"q": query, "phrase": phrase(query), "short_phrase": short_phrase(query), "limit": limit},
        )
    )
