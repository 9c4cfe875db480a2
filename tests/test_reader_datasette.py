"""The reader in Datasette (its test client) and on the command line, over an archive built by real crawls of
the court.gov.cn fixture site: one article edited, one removed and then restored with an edit, one whose title
and body carry markup as text (a court quoting a script tag must stay words on the page).

The summary tables the reader's views read (m008: timeline, articles) are checked against their definition
after every kind of write."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from xml.etree import ElementTree as ET

import pytest
import sqlite_utils
from click.testing import CliRunner
from datasette.app import Datasette

from archive import open_archive
from archive.schema.era3_reader import _ARTICLE_ROW, _TIMELINE_ROW, FACETS
from archive.search import fts_query
from crawler.cli import main
from crawler.demo.server import serve
from crawler.service.serve import DATASETTE_SETTINGS, datasette_metadata
from tests.conftest import SITES, Site, build_dynamic_pages, run_crawl, write_sources

HOSTILE = "<script>document.title='XSS-RAN'</script><img src=x onerror=\"document.body.dataset.xss='ran'\">"
ATOM = "{http://www.w3.org/2005/Atom}"


def build_reader_archive(tmp: Path) -> tuple[Path, str]:
    """Crawl the fixture site three times: as published; after an edit of 1002 and the removal of 1003; after
    1003 came back edited. 1004's title and body quote markup (escaped in the page, so text after extraction)."""
    root = tmp / "site"
    shutil.copytree(SITES / "court-gov-cn", root)
    build_dynamic_pages(root, "court-gov-cn")
    hostile = root / "zixun/xiangqing/1004.html"
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    hostile.write_text(
        hostile.read_text("utf-8")
        .replace(
            '<div class="title">一起开设赌场案二审宣判', f'<div class="title">一起开设赌场案二审宣判{escaped}'
        )
        .replace("<p>法院提醒，", f"<p>1月24日，庭审笔录记载了网页代码{escaped}。</p>\n  <p>法院提醒，"),
        "utf-8",
    )
    server = serve(root)
    try:
        sources = write_sources(tmp / "sources.toml", Site("court-gov-cn", root, server))
        db = tmp / "archive.db"
        assert run_crawl("court-gov-cn", db, sources).returncode == 0
        page = root / "zixun/xiangqing/1002.html"
        page.write_text(page.read_text("utf-8").replace("平稳有序运行", "安全平稳有序运行"), "utf-8")
        removed = root / "zixun/xiangqing/1003.html"
        kept = removed.read_text("utf-8")
        removed.unlink()
        assert run_crawl("court-gov-cn", db, sources, "revisit=all").returncode == 0
        removed.write_text(kept.replace("</p>", "（更新）</p>", 1), "utf-8")
        assert run_crawl("court-gov-cn", db, sources, "revisit=all").returncode == 0
        return db, server.base_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> tuple[Path, str]:
    return build_reader_archive(tmp_path_factory.mktemp("reader"))


def get(db: Path, path: str):
    async def go():
        ds = Datasette([str(db)], metadata=datasette_metadata(db), settings=DATASETTE_SETTINGS)
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(go())


def rows(db: Path, path: str, **params: str) -> list[dict]:
    response = get(db, f"/archive/{path}.json?" + urlencode({**params, "_shape": "objects"}))
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def version_id(db: Path, name: str, number: int) -> int:
    conn = sqlite3.connect(db)
    found = conn.execute(
        "SELECT v.id FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE ? AND v.version = ?",
        [f"%/{name}", number],
    ).fetchone()
    conn.close()
    return found[0]


def names(found: list[dict]) -> set[str]:
    return {row["url"].rsplit("/", 1)[1] for row in found}


# ---------------------------------------------------------------- summary tables
def assert_summaries_match(db: sqlite_utils.Database) -> None:
    timeline = list(db.execute("SELECT * FROM timeline ORDER BY version_id"))
    assert timeline == list(db.execute(f"SELECT * FROM ({_TIMELINE_ROW}) ORDER BY 1"))
    articles = list(db.execute("SELECT * FROM articles ORDER BY page_id"))
    assert articles == list(db.execute(f"SELECT * FROM ({_ARTICLE_ROW}) ORDER BY 1"))
    for facet, (table, column, kinds) in FACETS.items():
        where = f"{column} IS NOT NULL" + (
            f" AND kind IN ({', '.join(repr(k) for k in kinds)})" if kinds else ""
        )
        counted = dict(db.execute(f"SELECT {column}, COUNT(*) FROM {table} WHERE {where} GROUP BY 1"))
        kept = dict(db.execute("SELECT value, n FROM facet_counts WHERE facet = ? AND n != 0", [facet]))
        assert kept == counted, facet


def test_summary_tables_follow_every_write(archive_db, tmp_path):
    db_path, _ = archive_db
    copy = tmp_path / "archive.db"
    shutil.copy(db_path, copy)
    db = open_archive(copy)
    assert_summaries_match(db)
    kinds = [r[0] for r in db.execute("SELECT kind FROM timeline ORDER BY version_id")]
    assert {"first", "changed", "removed", "restored"} <= set(kinds)
    # a re-extraction rewrites a version's fields; the title of the text a removal follows shows in its row
    first_1003 = version_id(copy, "1003.html", 1)
    db.execute("UPDATE versions SET title = '新标题', court = '某法院' WHERE id = ?", [first_1003])
    assert_summaries_match(db)
    removal = db.execute("SELECT last_title, court FROM removals WHERE url LIKE '%1003.html'").fetchone()
    assert removal == ("新标题", "某法院")
    db.execute("UPDATE pages SET state = 'moved' WHERE url LIKE '%1001.html'")
    assert_summaries_match(db)
    # a page's last text deleted (as merges do): its article falls back to the text before
    latest = version_id(copy, "1002.html", 2)
    db.execute("DELETE FROM version_edits WHERE version_id = ?", [latest])  # its classified edits go with it
    db.execute("DELETE FROM versions WHERE id = ?", [latest])
    assert_summaries_match(db)
    assert db.execute("SELECT version FROM articles WHERE url LIKE '%1002.html'").fetchone() == (1,)


# ---------------------------------------------------------------- Datasette's own search, sqlite-utils
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("赌", {"1004.html"}),
        ("法院", {"1001.html", "1002.html", "1003.html", "1004.html"}),
        ("开设赌场罪", {"1004.html"}),
        ("安全平稳", {"1002.html"}),
        ("24", {"1004.html"}),  # a whole number: 1月24日, not the 2024 in every date
        ('法"', {"1001.html", "1002.html", "1003.html", "1004.html"}),  # the quote is ignored
        ("!!", set()),
    ],
)
def test_datasette_search_box_on_tables_and_views(archive_db, q, expected):
    db, _ = archive_db
    for path in ("versions", "latest_articles"):
        found = rows(db, path, _search=q)
        urls = {r["url"] for r in found} if path == "latest_articles" else set()
        if path == "versions":
            conn = sqlite3.connect(db)
            urls = {
                conn.execute("SELECT url FROM pages WHERE id = ?", [r["page_id"]]).fetchone()[0]
                for r in found
            }
        assert {u.rsplit("/", 1)[1] for u in urls} == expected, path
    # the latest text only: 安全平稳 is in 1002's second version, not its first
    if q == "安全平稳":
        assert [r["version"] for r in rows(db, "latest_articles", _search=q)] == [2]
        assert [r["kind"] for r in rows(db, "changes", _search=q)] == ["changed"]


def test_the_versions_search_box_sends_plain_searches_to_the_reader_search(archive_db):
    db, _ = archive_db
    form = {
        "_search": "法院",
        "_filter_column": "",
        "_filter_op": "exact",
        "_filter_value": "",
        "_sort_desc": "id",
    }
    for params in ({"_search": "法院"}, form, {**form, "kind": "changed"}):
        response = get(db, "/archive/versions?" + urlencode(params))
        assert response.status_code == 302, params
        target = urlsplit(response.headers["location"])
        assert target.path == "/archive/-/search"
        expected = {"q": "法院", **({"kind": "changed"} if "kind" in params else {}), "by": "version"}
        assert dict(parse_qsl(target.query)) == expected
        page = get(db, response.headers["location"]).text
        kind = params.get("kind")
        total = len(rows(db, "versions", _search="法院", **({"kind": kind} if kind else {})))
        assert f'<strong id="search-total">{total}</strong>' in page and total > 0
    # what the reader's search cannot do stays with Datasette: another filter, another order, data formats
    for path in (
        "/archive/versions?" + urlencode({"_search": "法院", "title__contains": "法院"}),
        "/archive/versions?" + urlencode({"_search": "法院", "_sort": "title"}),
        "/archive/versions.json?" + urlencode({"_search": "法院"}),
        "/archive/versions?" + urlencode({"_search": " "}),
        "/archive/pages?" + urlencode({"_search": "法院"}),
        "/nowhere/versions?" + urlencode({"_search": "法院"}),  # no such database: Datasette's 404
    ):
        response = get(db, path)
        assert response.status_code in (200, 404) and "location" not in response.headers, path


def test_sqlite_utils_finds_the_index_and_searches_words_and_two_characters(archive_db):
    """sqlite-utils passes its query to MATCH as given: two Chinese characters and whole words work as typed;
    any other length works given as archive.search.fts_query makes it (what README says to do)."""
    db, _ = archive_db
    table = sqlite_utils.Database(db)["versions"]
    assert table.detect_fts() == "versions_fts"
    assert {r["title"][:4] for r in table.search("赌场")} == {"一起开设"}
    assert (
        len(list(table.search("法院")))
        == sqlite3.connect(db).execute("SELECT COUNT(*) FROM versions WHERE kind != 'removed'").fetchone()[0]
    )
    assert [r["title"][:4] for r in table.search(fts_query("开设赌场罪"))] == ["一起开设"]
    assert [r["title"][:4] for r in table.search(fts_query("赌"))] == ["一起开设"]


# ---------------------------------------------------------------- canned queries
def test_canned_search_counts_pages_and_snippets(archive_db):
    db, _ = archive_db
    found = rows(db, "search", q="法院", page="1")
    total = found[0]["total_matches"]
    assert total == len(found) and total >= 6  # every text version of the four articles
    assert all("【法院】" in r["snippet"] for r in found)
    assert rows(db, "search", q="法院", page="2") == []
    assert rows(db, "search", q="法院", page="")[0]["version_id"] == found[0]["version_id"]
    page = get(db, "/archive/search?q=法院")
    assert 'id="sql-editor"' not in page.text  # hide_sql
    assert "/archive/-/search" in page.text


def test_canned_search_reads_a_one_character_total_from_the_kept_counts(archive_db, tmp_path):
    """One character: the total is search_chars's (the index would merge every bigram starting with it), and it
    is the number of versions that hold the character; a longer query is counted in the index."""
    db, _ = archive_db
    conn = sqlite3.connect(db)
    for q in ("赌", "判", "法", "鼎"):
        holding = conn.execute(
            "SELECT COUNT(*) FROM versions WHERE body IS NOT NULL AND (title || body || COALESCE(comments, '')) LIKE ?",
            [f"%{q}%"],
        ).fetchone()[0]
        found = rows(db, "search", q=q)
        assert len(found) == holding and all(r["total_matches"] == holding for r in found), q
    conn.close()
    tampered = tmp_path / "archive.db"  # the database name Datasette gives it: the file's stem
    with sqlite3.connect(db) as source, sqlite3.connect(tampered) as copy:
        source.backup(copy)
    conn = sqlite3.connect(tampered)
    conn.execute("UPDATE search_chars SET versions = 99 WHERE char = '赌'")
    conn.commit()
    assert {r["total_matches"] for r in rows(tampered, "search", q="赌")} == {99}
    assert {r["total_matches"] for r in rows(tampered, "search", q="赌场")} == {1}


def test_view_facets_read_the_kept_counts_and_count_when_filtered(archive_db):
    db, _ = archive_db
    for path, params in (
        ("latest_articles", {}),
        ("latest_articles", {"state": "live"}),
        ("changes", {}),
        ("removals", {}),
    ):
        response = get(db, f"/archive/{path}.json?" + urlencode(params))
        assert response.status_code == 200, response.text
        facets = {
            name: {v["value"]: v["count"] for v in f["results"]}
            for name, f in response.json()["facet_results"].items()
        }
        conn = sqlite3.connect(db)
        where = " AND ".join(f"{k} = ?" for k in params) or "1"
        for name, counts in facets.items():
            expected = dict(
                conn.execute(
                    f"SELECT {name}, COUNT(*) FROM {path} WHERE {where} AND {name} IS NOT NULL GROUP BY 1",
                    list(params.values()),
                )
            )
            assert counts == expected, (path, name)
    assert set(facets) == {"court", "status"}


def test_datasette_pages_read_in_chinese_and_beijing_time(archive_db):
    db, _ = archive_db
    changes = get(db, "/archive/changes").text
    assert "正文" in changes and '["body"]' not in changes  # changed_fields as names
    assert "/archive/-/diff/" in changes  # a change links to its diff
    assert "修改 <span class='code'>changed</span>" in changes
    # created_at is UTC in the data, Beijing time on the page (8 hours later), the UTC value on hover
    created = rows(db, "changes")[0]["created_at"]
    assert f"title='UTC {created}'" in changes
    latest = get(db, "/archive/latest_articles").text
    assert "阅读全文" in latest and "/archive/-/article/" in latest and "/archive/-/timeline/" in latest
    row = get(db, "/archive/versions/1").text
    assert "/archive/-/article/1" in row and "courtnews.css" in row
    assert "/-/static-plugins/courtnews/courtnews.css" in row


# ---------------------------------------------------------------- the reader's pages
def test_article_page(archive_db):
    db, base = archive_db
    changed = version_id(db, "1002.html", 2)
    page = get(db, f"/archive/-/article/{changed}")
    assert page.status_code == 200
    assert "script-src" not in page.headers["content-security-policy"]  # no script may run at all
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "<p>会议要求，要扎实做好岁末年初各项工作，确保人民法院工作安全平稳有序运行。</p>" in text
    for label in ("发布时间", "法院", "来源", "版本", "原网址", "历史时间线", "WARC"):
        assert label in text
    assert f'href="{base}/zixun/xiangqing/1002.html"' in text and "/archive/-/diff/" in text
    assert "2024年1月" in text and "（北京时间" in text
    assert get(db, "/archive/-/article/999999").status_code == 404
    hostile = get(db, f"/archive/-/article/{version_id(db, '1004.html', 1)}").text
    assert "<script>document.title" not in hostile and "&lt;script&gt;document.title=" in hostile


def test_removed_and_restored_in_the_timeline(archive_db):
    db, _ = archive_db
    removal = version_id(db, "1003.html", 2)
    article = get(db, f"/archive/-/article/{removal}").text
    assert "此版本记录文章已被删除" in article and "人民法院在线服务平台升级" in article  # the last text
    conn = sqlite3.connect(db)
    page_id = conn.execute("SELECT page_id FROM versions WHERE id = ?", [removal]).fetchone()[0]
    timeline = get(db, f"/archive/-/timeline/{page_id}").text
    for label in ("新文章", "删除", "恢复", "删除前最后存档的文本"):
        assert label in timeline
    assert timeline.index("新文章") < timeline.index("删除") < timeline.index("恢复")
    by_url = get(
        db,
        "/archive/-/timeline?url="
        + quote(conn.execute("SELECT url FROM pages WHERE id = ?", [page_id]).fetchone()[0]),
    )
    assert by_url.status_code == 302 and by_url.headers["location"].endswith(f"/-/timeline/{page_id}")


def test_diff_page_marks_characters(archive_db):
    db, _ = archive_db
    old, new = version_id(db, "1002.html", 1), version_id(db, "1002.html", 2)
    inline = get(db, f"/archive/-/diff/{old}/{new}").text
    assert "确保人民法院工作<ins>安全</ins>平稳有序运行" in inline
    side = get(db, f"/archive/-/diff/{old}/{new}?view=side").text
    assert "<td>会议要求，要扎实做好岁末年初各项工作，确保人民法院工作平稳有序运行。</td>" in side
    assert "工作<ins>安全</ins>平稳" in side
    redirect = get(db, f"/archive/-/diff/{new}")
    assert redirect.status_code == 302 and redirect.headers["location"].endswith(f"/-/diff/{old}/{new}")
    restored = version_id(db, "1003.html", 3)
    first = version_id(db, "1003.html", 1)
    assert "<ins>（更新）</ins>" in get(db, f"/archive/-/diff/{first}/{restored}").text
    assert get(db, "/archive/-/diff?a=1&b=x").status_code == 400


def test_search_page_total_snippets_facets_filters_and_pages(archive_db):
    db, _ = archive_db
    page = get(db, "/archive/-/search?q=法院&by=version").text
    conn = sqlite3.connect(db)
    total = conn.execute(
        "SELECT COUNT(*) FROM versions_fts WHERE versions_fts MATCH ?", [fts_query("法院")]
    ).fetchone()[0]
    assert f'<strong id="search-total">{total}</strong>' in page
    assert "<mark>法院</mark>" in page
    assert "最高人民法院" in page and "2024" in page and "新文章" in page  # facets: court, year, kind
    narrow = get(
        db, "/archive/-/search?" + urlencode({"q": "法院", "kind": "restored", "by": "version"})
    ).text
    assert '<strong id="search-total">1</strong>' in narrow and "在线服务平台升级" in narrow
    none = get(db, "/archive/-/search?" + urlencode({"q": "法院", "from": "2030-01-01"})).text
    assert '<strong id="search-total">0</strong>' in none
    assert get(db, "/archive/-/search?q=法院&from=yesterday").status_code == 400
    # paging walks through every match, none twice
    seen = []
    for number in (1, 2, 3, 4):
        found = get(db, f"/archive/-/search?q=法院&by=version&page={number}").text
        seen += [
            int(part.split('"')[0]) for part in found.split('class="title" href="/archive/-/article/')[1:]
        ]
    assert len(seen) == total == len(set(seen))
    digits = get(db, "/archive/-/search?q=24").text
    assert "Digits and Latin letters match whole words" in digits and "<mark>24</mark>" in digits


def test_court_page_chart_and_list(archive_db):
    db, _ = archive_db
    page = get(db, "/archive/-/court?" + urlencode({"name": "最高人民法院"})).text
    assert "<svg" in page and 'class="bar-first"' in page and 'class="bar-changed"' in page
    assert 'class="bar-removed"' in page
    assert "修改" in page and "/archive/-/diff/" in page
    assert "最高人民法院" in get(db, "/archive/-/courts").text
    assert get(db, "/archive/-/court?name=nowhere").status_code == 404


def test_raw_capture_is_never_a_page(archive_db):
    db, _ = archive_db
    conn = sqlite3.connect(db)
    capture = conn.execute(
        "SELECT capture_id FROM versions WHERE id = ?", [version_id(db, "1004.html", 1)]
    ).fetchone()[0]
    raw = get(db, f"/archive/-/raw/{capture}")
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in raw.headers["content-security-policy"]
    assert "&lt;script&gt;document.title" in raw.text and '<div class="title">' in raw.text
    download = get(db, f"/archive/-/raw/{capture}?download=1")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_warc_record_of_one_capture(archive_db):
    from warcio.archiveiterator import ArchiveIterator

    db, _ = archive_db
    conn = sqlite3.connect(db)
    capture, url = conn.execute(
        "SELECT c.id, c.url FROM versions v JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
        [version_id(db, "1002.html", 2)],
    ).fetchone()
    response = get(db, f"/archive/-/warc/{capture}")
    assert response.headers["content-type"] == "application/warc"
    records = list(ArchiveIterator(io.BytesIO(response.content)))
    assert [r.rec_type for r in records] == ["response", "conversion"]
    assert records[0].rec_headers.get_header("WARC-Target-URI") == url


def test_atom_feed_links_article_and_diff(archive_db):
    db, base = archive_db
    feed = ET.fromstring(get(db, "/archive/-/feed.atom").content)
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "courtnews"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/archive/-/feed.atom")
    entries = feed.findall(f"{ATOM}entry")
    changed = next(e for e in entries if e.findtext(f"{ATOM}title").startswith("[修改]"))
    assert "/archive/-/article/" in changed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert "/archive/-/diff/" in changed.find(f"{ATOM}link[@rel='related']").get("href")
    assert changed.find(f"{ATOM}link[@rel='via']").get("href").startswith(base)
    cli = CliRunner().invoke(
        main, ["feed", "--db", str(db), "--base-url", "https://news.example.org/archive/"]
    )
    xml = ET.fromstring(cli.output.strip().encode())
    assert xml.find(f"{ATOM}link[@rel='self']").get("href") == "https://news.example.org/archive/-/feed.atom"
    hrefs = [link.get("href") for link in xml.iter(f"{ATOM}link")]
    assert any(h.startswith("https://news.example.org/archive/-/diff/") for h in hrefs)


# ---------------------------------------------------------------- command line
def test_cli_search_total_pages_filters_json_and_output(archive_db, tmp_path):
    db, _ = archive_db
    first = CliRunner().invoke(main, ["search", "法院", "--limit", "3", "--db", str(db)])
    assert first.exit_code == 0, first.output
    total = int(first.output.split(" match")[0])
    assert "page 1 of" in first.output and "【法院】" in first.output
    seen = []
    for number in range(1, total // 3 + 2):
        out = tmp_path / f"page{number}.json"
        result = CliRunner().invoke(
            main,
            [
                "search",
                "法院",
                "--limit",
                "3",
                "--page",
                str(number),
                "--json",
                "-o",
                str(out),
                "--db",
                str(db),
            ],
        )
        assert result.exit_code == 0, result.output
        payload = json.loads(out.read_text("utf-8"))
        assert payload["total"] == total
        seen += [r["version_id"] for r in payload["results"]]
    assert len(seen) == total == len(set(seen))
    assert set(payload["facets"]) == {"court", "year", "kind"}
    court = CliRunner().invoke(
        main, ["search", "法院", "--court", "最高人民法院", "--from", "2024-01-04", "--db", str(db)]
    )
    # published from 2024-01-04: 1003 (its first text and its restoration) and 1004
    assert court.exit_code == 0 and court.output.startswith("3 matches")
    bad_date = CliRunner().invoke(main, ["search", "法院", "--from", "last week", "--db", str(db)])
    assert bad_date.exit_code != 0 and "is not a date such as 2024-01-31" in bad_date.output
    nothing = CliRunner().invoke(main, ["search", "!!", "--db", str(db)])
    assert (
        nothing.exit_code == 1
        and nothing.output.count("\n") == 1
        and "nothing to search for" in nothing.output
    )
    digits = CliRunner().invoke(main, ["search", "24", "--db", str(db)])
    assert "1 match for 24" in digits.output and "note: Digits and Latin letters" in digits.output


def test_csv_export_with_bom(archive_db, tmp_path):
    db, _ = archive_db
    out = tmp_path / "versions.csv"
    result = CliRunner().invoke(main, ["export", "--format", "csv", "--bom", "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfurl,source,version")
    wrong = CliRunner().invoke(main, ["export", "--format", "jsonl", "--bom", "--db", str(db)])
    assert wrong.exit_code != 0 and "--bom is for --format csv" in wrong.output
