"""archive.search.find against an oracle: for any query, filters and page, the total, the rows of the page and
the facets are what reading every version's text and timeline row in Python gives (find reads the index as
few times as it can, in one pass when filtered; these tests say it still answers the same)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from archive import ArticleFields, Capture
from archive import search as archive_search
from archive.search import Filters, find
from archive.store import record
from tests import test_archive

db, run = test_archive.db, test_archive.run  # the archive and run fixtures

COURTS = ["北京市第一中级人民法院", "上海市高级人民法院", "某某县人民法院"]
PHRASES = ["依法审理", "判决生效", "开设赌场罪", "调解结案", "执行到位"]


@pytest.fixture
def archive(db, run):
    """Forty articles over three courts and two years, some edited (a second version), some with no phrase."""
    rng = random.Random(7)
    for n in range(40):
        url = f"https://court.example.cn/a/{n}.html"
        court = COURTS[n % 3]
        published = f"{2023 + n % 2}-0{1 + n % 9}-1{n % 10}T09:00:00+08:00"
        words = rng.sample(PHRASES, k=rng.randint(0, 3))
        body = "\n".join(["本院召开会议。", *(f"案件{w}。" for w in words)])
        capture = Capture(url=url, source="s" if n % 4 else "t", status=200, raw=f"<p>{n}</p>".encode())
        title = f"第{n}号新闻"
        record(
            db,
            run,
            capture,
            "article",
            ArticleFields(title=title, body=body, published=published, court=court),
        )
        if n % 5 == 0:  # an edit: a second version with one more phrase
            edited = ArticleFields(
                title=title, body=body + "\n此后判决生效。", published=published, court=court
            )
            record(
                db,
                run,
                Capture(url=url, source=capture.source, status=200, raw=b"<p>x</p>"),
                "article",
                edited,
            )
    return db


def oracle(
    db, query: str, filters: Filters, scope: int
) -> tuple[list[int], dict[str, list[tuple[str, int]]]]:
    """Every matching version id (newest first) and the facets of the newest `scope`, by reading everything."""
    matched = []
    for row in db.query(
        "SELECT v.id, v.title, v.body, t.court, t.source, t.kind, t.published FROM versions v "
        "JOIN timeline t ON t.version_id = v.id ORDER BY v.id DESC"
    ):
        if query not in (row["title"] or "") + "\n" + (row["body"] or ""):
            continue
        wanted = {"court": filters.court, "source": filters.source, "kind": filters.kind}
        if any(value and row[name] != value for name, value in wanted.items()):
            continue
        if filters.year and (row["published"] or "")[:4] != filters.year:
            continue
        matched.append(row)
    facets = {}
    for name, value_of in (
        ("court", lambda r: r["court"]),
        ("year", lambda r: (r["published"] or None) and r["published"][:4]),
        ("kind", lambda r: r["kind"]),
    ):
        counts = Counter(value_of(r) for r in matched[:scope] if value_of(r) is not None)
        facets[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:20]
    return [r["id"] for r in matched], facets


CASES = [
    ("判决生效", Filters()),
    ("判", Filters()),  # one character: a prefix query
    ("开设赌场罪", Filters(court=COURTS[1])),
    ("本院", Filters(year="2024")),
    ("判决生效", Filters(kind="changed", source="s")),
    ("执行到位", Filters(court="没有这个法院")),
]


@pytest.mark.parametrize("scope", [1000, 7])
@pytest.mark.parametrize(("query", "filters"), CASES)
def test_total_pages_and_facets_are_those_of_every_match(archive, monkeypatch, scope, query, filters):
    monkeypatch.setattr(archive_search, "FACET_SCOPE", scope)
    expected_ids, expected_facets = oracle(archive, query, filters, scope)
    limit = 4
    seen = []
    for offset in range(0, len(expected_ids) + limit, limit):
        results = find(archive, query, filters, limit=limit, offset=offset)
        assert results.total == len(expected_ids)
        assert [r["version_id"] for r in results.rows] == expected_ids[offset : offset + limit]
        assert results.facets == (expected_facets if expected_ids else {})
        assert results.facets_scope == min(len(expected_ids), scope)
        seen += [r["version_id"] for r in results.rows]
    assert seen == expected_ids
    if not filters.active():  # the total left to the caller: the same page and facets, no count
        uncounted = find(archive, query, filters, limit=limit, offset=0, count_total=False)
        assert uncounted.total == 0 and uncounted.facets == (expected_facets if expected_ids else {})
        assert [r["version_id"] for r in uncounted.rows] == expected_ids[:limit]
    plain = find(archive, query, filters, limit=limit, offset=0, facets=False)
    assert plain.facets == {} and [r["version_id"] for r in plain.rows] == expected_ids[:limit]
    assert plain.total == len(expected_ids)


def test_the_cases_cover_filtered_and_unfiltered_searches_past_the_facet_scope(archive):
    """The cases above mean something: some match more versions than the small scope, some match none."""
    totals = {(q, f.active()): len(oracle(archive, q, f, 7)[0]) for q, f in CASES}
    assert max(n for (_, active), n in totals.items() if not active) > 7
    assert max(n for (_, active), n in totals.items() if active) > 7
    assert 0 in totals.values()
