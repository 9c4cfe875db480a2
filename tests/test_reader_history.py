"""The reader's second round (issue 29), through Datasette's test client over the archive of
tests/test_reader_datasette.py (real crawls: 1002 edited; 1003 removed, then restored with an edit; 1004 quoting
markup): what a removal page lists, bad addresses as reader pages, reading an article as of a date, the
old-version banner, the story of a removal and restoration, the citation block and the capture's header page."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest

from archive.evidence.service import verify_proof
from archive.search import fts_query
from crawler.demo.server import serve
from tests.conftest import SITES, Site, run_crawl, write_sources
from tests.test_evidence import needs_openssl
from tests.test_reader_datasette import build_reader_archive, get, version_id

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> tuple[Path, str]:
    return build_reader_archive(tmp_path_factory.mktemp("history"))


def one(db: Path, sql: str, *params: object) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def beijing(utc: str, delta: int = 0) -> str:
    moment = datetime.fromisoformat(utc.replace("Z", "+00:00")) + timedelta(seconds=delta)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S")


def url_of(db: Path, name: str) -> str:
    return one(db, "SELECT url FROM pages WHERE url LIKE ?", f"%/{name}")[0]


def created(db: Path, name: str, number: int) -> str:
    return one(db, "SELECT created_at FROM versions WHERE id = ?", version_id(db, name, number))[0]


# ---------------------------------------------------------------- bugs seen
@pytest.mark.parametrize(
    ("name", "number"), [("1003.html", 2), ("1003.html", 1), ("1003.html", 3), ("1002.html", 2)]
)
def test_removed_content_lists_the_blocks_of_the_text_shown(archive_db, name, number):
    """A removal shows the text before it; its removed blocks were the JSON string iterated character by
    character (160+ empty items). Every version page lists exactly the blocks its text has."""
    db, _ = archive_db
    shown = version_id(db, name, number)
    text_id = one(
        db,
        "SELECT CASE WHEN kind IN ('removed', 'moved') THEN previous_id ELSE id END FROM versions WHERE id = ?",
        shown,
    )[0]
    blocks = json.loads(one(db, "SELECT removed_blocks FROM versions WHERE id = ?", text_id)[0])
    assert blocks
    page = get(db, f"/archive/-/article/{shown}").text
    folded = page[page.index('<details class="removed-blocks">') :]
    folded = folded[: folded.index("</details>")]
    assert f"提取时去除的内容 {len(blocks)} 块" in folded
    assert folded.count("<li>") == len(blocks)
    assert all(block["text"].replace(">", "&gt;") in folded for block in blocks)


@pytest.mark.parametrize(
    "path",
    ["/-/article/1", "/-/timeline/1", "/-/diff/1/5", "/-/search?q=x", "/-/capture/1", "/-/at/2024-01-01"],
)
def test_an_unknown_database_name_is_a_404_page_naming_the_served_one(archive_db, path):
    response = get(archive_db[0], "/renamed" + path)
    assert response.status_code == 404, response.text[-500:]
    assert "no database renamed; this site serves: archive" in response.text
    assert 'href="/archive/-/search"' in response.text  # the layout links to the archive that is served


def test_links_by_url_and_date_survive_a_renamed_database(archive_db):
    db, _ = archive_db
    query = urlencode({"url": url_of(db, "1002.html")})
    for path in (f"/-/at/2024-01-01?{query}", f"/-/timeline?{query}"):
        response = get(db, "/old-name" + path)
        assert response.status_code == 302 and response.headers["location"] == "/archive" + path


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/archive/versions/abc", 400, "versions id must be a whole number"),
        ("/archive/pages/%C2%B2", 400, "pages id must be a whole number"),
        ("/archive/captures/1e3.json", 400, "captures id must be a whole number"),
        ("/archive/runs/x", 400, "runs id must be a whole number"),
        ("/archive/-/article", 404, "no such page"),
        ("/archive/-/nothing/here", 404, "no such page"),
    ],
)
def test_non_numeric_ids_and_unknown_reader_addresses_are_reader_pages(archive_db, path, status, says):
    """They landed on Datasette's bare 'Record not found' / 'Table not found' 404."""
    response = get(archive_db[0], path)
    assert response.status_code == status and says in response.text
    assert "courtnews 法院新闻存档" in response.text  # the reader's layout
    assert get(archive_db[0], "/archive/versions/1.json").status_code == 200  # real rows stay Datasette's


# ---------------------------------------------------------------- as of a date
def test_at_resolves_the_version_valid_then(archive_db):
    """1003: v1 first archived, v2 its removal, v3 its restoration. Each moment reads the version valid then."""
    db, _ = archive_db
    url = url_of(db, "1003.html")
    first, removal, restored = (created(db, "1003.html", n) for n in (1, 2, 3))
    at = lambda when: get(db, f"/archive/-/at/{when}?" + urlencode({"url": url}))  # noqa: E731
    for when, expected in (
        (beijing(first), 1),
        (beijing(removal, -1) if removal > first else beijing(first), 1),
    ):
        page = at(when)
        assert page.status_code == 200 and f"此网址在存档中的文本是第 {expected} 版" in page.text
    gone = at(beijing(removal))
    assert (
        gone.status_code == 200
        and "状态是：删除（第 2 版）" in gone.text
        and 'id="removal-notice"' in gone.text
    )
    day = at(beijing(restored)[:10])  # a day alone: the text as the day ended
    assert day.status_code == 200 and "此网址在存档中的文本是第 3 版" in day.text
    minute = at(beijing(restored)[:16])
    assert "结束时" in day.text and minute.status_code == 200
    before = at(beijing(first, -86400)[:10])
    assert before.status_code == 404 and "还没有这个网址的文本" in before.text
    assert f'href="/archive/-/article/{version_id(db, "1003.html", 1)}"' in before.text


@pytest.mark.parametrize(
    "bad", ["2024-13-45", "2024-02-30", "２０２４-０１-０１", "2024-1-1", "2024-01-01T24:00", "yesterday"]
)
def test_at_refuses_an_impossible_date_with_a_400(archive_db, bad):
    db, _ = archive_db
    response = get(db, f"/archive/-/at/{quote(bad)}?" + urlencode({"url": url_of(db, "1003.html")}))
    assert response.status_code == 400 and "the date must be a real date" in response.text


def test_at_without_an_archived_url_is_a_clear_page(archive_db):
    db, _ = archive_db
    assert "not in the archive" in get(db, "/archive/-/at/2024-01-01?url=http%3A%2F%2Fexample.org%2Fx").text
    assert get(db, "/archive/-/at/2024-01-01").status_code == 400


# ---------------------------------------------------------------- banner and story
def test_an_old_version_carries_its_validity_and_the_strip_of_versions(archive_db):
    db, _ = archive_db
    old = get(db, f"/archive/-/article/{version_id(db, '1003.html', 1)}").text
    banner = old[old.index('id="version-banner"') :][:2000]
    first, removal = created(db, "1003.html", 1), created(db, "1003.html", 2)
    validity = f"此文本自 {beijing(first).replace('T', ' ')} 至 {beijing(removal).replace('T', ' ')} 有效，其后被第 2 版取代"
    assert validity in banner
    assert f'href="/archive/-/article/{version_id(db, "1003.html", 3)}">最新版本（第 3 版）' in banner
    strip = old[old.index('id="version-strip"') :]
    strip = strip[: strip.index("</ol>")]
    assert strip.count("<li") == 3 and 'aria-current="page">第 1 版' in strip
    newest = get(db, f"/archive/-/article/{version_id(db, '1003.html', 3)}").text
    assert 'id="version-banner"' not in newest and 'id="version-strip"' in newest
    alone = get(db, f"/archive/-/article/{version_id(db, '1001.html', 1)}").text
    assert 'id="version-banner"' not in alone and 'id="version-strip"' not in alone


def test_a_removal_states_both_times_and_a_restoration_how_long_and_how(archive_db):
    db, _ = archive_db
    last_seen = one(
        db,
        "SELECT MAX(fetched_at) FROM captures WHERE page_id = (SELECT page_id FROM versions WHERE id = ?) "
        "AND outcome IN ('version', 'unchanged') AND fetched_at < ?",
        version_id(db, "1003.html", 1),
        created(db, "1003.html", 2),
    )[0]
    removal = get(db, f"/archive/-/article/{version_id(db, '1003.html', 2)}").text
    interval = f"在 {beijing(last_seen).replace('T', ' ')} 与 {beijing(created(db, '1003.html', 2)).replace('T', ' ')} 之间被删除"
    assert interval in removal
    restored = get(db, f"/archive/-/article/{version_id(db, '1003.html', 3)}").text
    notice = restored[restored.index('id="restored-notice"') :][:1500]
    assert "消失约" in notice and "恢复的文本与删除前<strong>不同</strong>：修改了正文" in notice
    assert f"/archive/-/diff/{version_id(db, '1003.html', 1)}/{version_id(db, '1003.html', 3)}" in notice


# ---------------------------------------------------------------- citable
def test_cite_block_names_permalink_time_status_and_the_raw_digest(archive_db):
    db, _ = archive_db
    vid = version_id(db, "1002.html", 2)
    capture_id, status, fetched = one(
        db,
        "SELECT c.id, c.status, c.fetched_at FROM versions v JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
        vid,
    )
    raw = get(db, f"/archive/-/raw/{capture_id}?download=1").content
    sha = hashlib.sha256(raw).hexdigest()
    page = get(db, f"/archive/-/article/{vid}").text
    cite = page[page.index('id="cite"') :]
    assert f'id="cite-permalink" href="http://localhost/archive/-/article/{vid}"' in cite
    assert f'<span class="code" id="cite-sha256">{sha}</span>' in cite
    assert (
        f'id="cite-status">{status}<' in cite
        and f"{beijing(fetched).replace('T', ' ')} 北京时间 (UTC+8)" in cite
    )
    line = re.search(r'<textarea id="citation" readonly rows="3">([^<]*)</textarea>', cite)[1]
    assert "《最高人民法院召开党组会议》" in line and sha in line and url_of(db, "1002.html") in line
    stable = re.search(r'id="cite-stable" href="http://localhost(/archive/-/at/[^"]+)"', cite)[1]
    assert (
        "此网址在存档中的文本是第 2 版" in get(db, stable.replace("&amp;", "&")).text
    )  # the stable link reads it back


def test_the_capture_page_shows_headers_and_digest_and_escapes_them(archive_db):
    db, _ = archive_db
    vid = version_id(db, "1004.html", 1)
    capture_id, digest, headers = one(
        db,
        "SELECT c.id, c.digest, c.headers FROM versions v JOIN captures c ON c.id = v.capture_id WHERE v.id = ?",
        vid,
    )
    page = get(db, f"/archive/-/capture/{capture_id}")
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    assert digest.removeprefix("sha256:") in page.text
    for key in json.loads(headers):
        assert f"<th>{key}</th>" in page.text
    assert (
        f'href="/archive/-/article/{vid}"' in page.text and f'href="/archive/-/raw/{capture_id}"' in page.text
    )
    article = get(db, f"/archive/-/article/{vid}").text  # the citation quotes the hostile title as text
    cite = article[article.index('id="citation"') :]
    assert "&lt;script&gt;document.title=" in cite and "<script>" not in cite
    assert get(db, "/archive/-/capture/99999").status_code == 404


@needs_openssl
def test_the_proof_bundle_download_verifies(archive_db, tmp_path):
    """/-/proof/ID sends the capture's bundle as `courtnews proof` writes it; our verifier accepts it, and the
    bundle's payload is the capture's raw bytes. A capture not in the archive is a 404 page."""
    db, _ = archive_db
    vid = version_id(db, "1002.html", 2)
    capture_id = one(db, "SELECT capture_id FROM versions WHERE id = ?", vid)[0]
    assert f'href="/archive/-/proof/{capture_id}"' in get(db, f"/archive/-/article/{vid}").text
    response = get(db, f"/archive/-/proof/{capture_id}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert f'filename="capture-{capture_id}-proof.zip"' in response.headers["content-disposition"]
    bundle = tmp_path / "proof.zip"
    bundle.write_bytes(response.content)
    code, report = verify_proof(bundle)
    assert code == 0, report
    with zipfile.ZipFile(bundle) as files:
        assert files.read("response.bin") == get(db, f"/archive/-/raw/{capture_id}?download=1").content
    assert get(db, "/archive/-/proof/99999").status_code == 404


# ---------------------------------------------------------------- a move
@pytest.fixture(scope="module")
def moved_db(tmp_path_factory) -> Path:
    """The fixture site crawled, then revisited after 1001 started answering 301 to 1004 (a move)."""
    tmp = tmp_path_factory.mktemp("moved")
    root = tmp / "site"
    shutil.copytree(SITES / "court-gov-cn", root)
    server = serve(root)
    try:
        sources = write_sources(tmp / "sources.toml", Site("court-gov-cn", root, server))
        db = tmp / "archive.db"
        assert run_crawl("court-gov-cn", db, sources).returncode == 0
        time.sleep(1.1)  # captures of one URL in two crawls never share a second
        routes = {"/zixun/xiangqing/1001.html": {"status": 301, "redirect": "/zixun/xiangqing/1004.html"}}
        (root / "_routes.json").write_text(json.dumps(routes), "utf-8")
        assert run_crawl("court-gov-cn", db, sources, "revisit=all").returncode == 0
    finally:
        server.stop()
    return db


def test_a_move_links_the_new_address_timeline_and_the_comparison(moved_db):
    moved, previous = one(moved_db, "SELECT id, previous_id FROM versions WHERE kind = 'moved'")
    target_page, target_version = one(
        moved_db,
        "SELECT p.id, MAX(v.id) FROM pages p JOIN versions v ON v.page_id = p.id WHERE p.url LIKE '%/1004.html'",
    )
    page = get(moved_db, f"/archive/-/article/{moved}")
    assert page.status_code == 200
    links = page.text[page.text.index('id="move-links"') :][:1500]
    assert f'href="/archive/-/timeline/{target_page}">新网址在存档中的时间线' in links
    assert f'href="/archive/-/diff/{previous}/{target_version}"' in links
    assert "之间被迁移" in page.text  # the interval: last seen at the old address, first seen moved
    comparison = get(moved_db, f"/archive/-/diff/{previous}/{target_version}")
    assert comparison.status_code == 200 and "两个版本属于不同的网址" in comparison.text


def test_the_removals_view_shows_what_became_of_each_removal(archive_db, moved_db):
    """1003's removal came back (restored, when, which text); 1001's move is still a move."""
    db, _ = archive_db
    restored = version_id(db, "1003.html", 3)
    row = one(
        db, "SELECT current_state, restored_at, restored_version_id FROM removals WHERE url LIKE '%1003.html'"
    )
    assert row == ("restored", created(db, "1003.html", 3), restored)
    page = get(db, "/archive/removals").text
    cell = re.search(r'<td class="col-current_state[^"]*">(.*?)</td>', page, re.S)[1]
    assert f"href='/archive/-/article/{restored}'" in cell and "已恢复" in cell
    assert one(moved_db, "SELECT current_state, restored_at FROM removals") == ("moved", None)
    assert "已迁移" in get(moved_db, "/archive/removals").text


# ---------------------------------------------------------------- search by article
def matching_pages(db: Path, query: str, where: str = "") -> set[int]:
    conn = sqlite3.connect(db)
    try:
        found = conn.execute(
            "SELECT DISTINCT v.page_id FROM versions_fts f JOIN versions v ON v.id = f.rowid "
            f"JOIN pages p ON p.id = v.page_id WHERE versions_fts MATCH ?{where}",
            [fts_query(query)],
        )
        return {row[0] for row in found}
    finally:
        conn.close()


def result_versions(page: str) -> list[int]:
    return [int(part.split('"')[0]) for part in page.split('class="title" href="/archive/-/article/')[1:]]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({}, ""),
        ({"current": "1"}, " AND v.version = p.current_version"),
        ({"removed": "1"}, " AND p.state IN ('removed', 'moved')"),
        ({"sort": "published"}, ""),
        ({"sort": "relevance"}, ""),
    ],
)
def test_search_by_article_lists_each_article_once(archive_db, params, where):
    db, _ = archive_db
    expected = matching_pages(db, "法院", where)
    page = get(db, "/archive/-/search?" + urlencode({"q": "法院", **params})).text
    assert f'<strong id="search-total">{len(expected)}</strong>' in page
    shown = result_versions(page)
    pages = [one(db, "SELECT page_id FROM versions WHERE id = ?", v)[0] for v in shown]
    assert sorted(pages) == sorted(expected) and len(set(pages)) == len(pages)  # once each
    if not params:  # the edited and the restored articles: their newest match, and both versions linked
        assert page.count("2 个版本匹配") == 2
        assert version_id(db, "1002.html", 2) in shown and version_id(db, "1002.html", 1) not in shown


def test_search_states_past_the_end_pages_and_empty_results_and_refuses_unknown_choices(archive_db):
    db, _ = archive_db
    past = get(db, "/archive/-/search?" + urlencode({"q": "法院", "page": "9"}))
    assert past.status_code == 200 and 'id="past-the-end"' in past.text and "转到最后一页" in past.text
    empty = get(db, "/archive/-/search?" + urlencode({"q": "法院不存在的词", "court": "某法院"})).text
    notice = empty[empty.index('id="no-results"') :]
    assert "试试更短的词" in notice and "去掉筛选条件再搜" in notice and "只在已删除的文章中搜" in notice
    for bad in ({"by": "page"}, {"sort": "title"}, {"current": "yes"}, {"removed": "0"}):
        response = get(db, "/archive/-/search?" + urlencode({"q": "法院", **bad}))
        assert response.status_code == 400, bad
        assert f"{next(iter(bad))} must be" in response.text


def test_grouping_past_its_scope_says_so(archive_db, monkeypatch):
    """More matching versions than GROUP_SCOPE: the articles are those of the newest GROUP_SCOPE, and the page
    says so rather than presenting a partial total as the whole."""
    import sqlite_utils

    from archive import search

    db, _ = archive_db
    monkeypatch.setattr(search, "GROUP_SCOPE", 3)
    newest = [r[0] for r in sqlite3.connect(db).execute(
        "SELECT v.page_id FROM versions_fts f JOIN versions v ON v.id = f.rowid WHERE versions_fts MATCH ? "
        "ORDER BY f.rowid DESC LIMIT 3", [fts_query("法院")]
    )]  # fmt: skip
    found = search.find_articles(sqlite_utils.Database(db), "法院")
    assert found.total == len(set(newest)) < len(matching_pages(db, "法院"))
    assert any("more than 3 versions match" in note for note in found.notes)


# ---------------------------------------------------------------- home page
def test_the_home_page_lists_the_latest_changes_removals_and_courts(archive_db):
    db, _ = archive_db
    page = get(db, "/archive/-/home")
    assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
    text = page.text
    changes = text[text.index('id="home-changes"') :]
    changes = changes[: changes.index("</ol>")]
    for name, number in (("1002.html", 2), ("1003.html", 3)):
        assert f'href="/archive/-/article/{version_id(db, name, number)}"' in changes
    removals = text[text.index('id="home-removals"') :]
    assert (
        f'href="/archive/-/article/{version_id(db, "1003.html", 2)}"' in removals[: removals.index("</ol>")]
    )
    courts = text[text.index('id="home-courts"') :]
    assert '最高人民法院</a> <span class="count">4</span>' in courts  # the kept count of its articles
    assert 'action="/archive/-/timeline"' in text and 'action="/archive/-/search"' in text
    assert 'class="brand" href="/archive/-/home"' in get(db, "/archive/-/search").text  # the brand leads home


def test_internal_tables_are_not_listed_but_still_open(archive_db):
    """The database page lists what a reader reads (articles, versions, pages, captures, runs, the views and
    queries); the archive's machinery (blobs, dictionaries, kept counts, the evidence log, the migrations)
    stays open by its address for an audit."""
    db, _ = archive_db
    listed = set(re.findall(r'href="/archive/([a-z_]+)"', get(db, "/archive").text))
    internal = {"blobs", "zstd_dicts", "facet_counts", "daemon_state", "evidence_leaves", "evidence_nodes",
                "evidence_checkpoints", "evidence_backfills", "timeline", "articles", "search_chars"}  # fmt: skip
    assert (
        not listed & internal and {"versions", "pages", "captures", "latest_articles", "removals"} <= listed
    )
    assert all(get(db, f"/archive/{name}").status_code == 200 for name in ("blobs", "evidence_leaves"))
