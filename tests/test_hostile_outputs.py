"""What the archive gives back must never turn hostile input into something active, and bad input into a crash
(issue 24): stored addresses are links only when they are http(s) addresses, spreadsheet cells never start a
formula, reader parameters are parsed strictly into 400/404 pages, full-width text is found by its ASCII
spelling, a new archive opened by many processes at once is created once, and `verify` and every archive
command name a damaged blob or a directory path in one line.

The archive is built by real crawls of the court.gov.cn fixture site over HTTP; Datasette is its own test
client, with the shipped metadata and no settings of ours (as `datasette archive.db --metadata metadata.yml`)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import sqlite3
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from crawler.cli import main
from crawler.demo.server import serve
from crawler.service.serve import datasette_metadata
from tests.conftest import SITES, Site, run_crawl, write_sources

JS_LOCATION = "javascript://%0aalert(document.domain)//"
FORMULA_TITLE = '=HYPERLINK("http://evil.example/","点击查看")'
WIDE = "２０２３年５Ｇ基站建设纠纷案"  # full-width digits and letters, as court sites write them


def build_hostile_outputs_archive(tmp: Path) -> Path:
    """Crawl the fixture site (1004's title a spreadsheet formula, 1003's body full-width), then revisit
    after 1002 started redirecting to a javascript: address and 1001 moved to 1004."""
    root = tmp / "site"
    shutil.copytree(SITES / "court-gov-cn", root)
    page = root / "zixun/xiangqing/1004.html"
    text = page.read_text("utf-8")
    start = text.index('<div class="title">') + len('<div class="title">')
    page.write_text(text[:start] + FORMULA_TITLE.replace('"', "&quot;") + text[text.index("</div>", start) :])
    page = root / "zixun/xiangqing/1003.html"
    page.write_text(page.read_text("utf-8").replace("<p>", f"<p>{WIDE}。", 1), "utf-8")
    server = serve(root)
    try:
        sources = write_sources(tmp / "sources.toml", Site("court-gov-cn", root, server))
        db = tmp / "archive.db"
        first = run_crawl("court-gov-cn", db, sources)
        assert first.returncode == 0, first.log[-3000:]
        time.sleep(1.1)  # captures of one URL in two crawls never share a second
        routes = {
            "/zixun/xiangqing/1002.html": {"status": 301, "redirect": JS_LOCATION},
            "/zixun/xiangqing/1001.html": {"status": 301, "redirect": "/zixun/xiangqing/1004.html"},
        }
        (root / "_routes.json").write_text(json.dumps(routes), "utf-8")
        second = run_crawl("court-gov-cn", db, sources, "revisit=all")
        assert second.returncode == 0, second.log[-3000:]
    finally:
        server.stop()
    return db


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    return build_hostile_outputs_archive(tmp_path_factory.mktemp("hostile-outputs"))


def get(db: Path, path: str):
    """A page from Datasette as `datasette archive.db --metadata metadata.yml` serves it (no settings of ours)."""

    async def go():
        ds = Datasette([str(db)], metadata=datasette_metadata(db))
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(go())


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src", "action")]


def foreign_links(html: str) -> list[str]:
    """Every link of the page that is neither our own (a path or query on this server) nor an http(s) address:
    what a browser would follow into another scheme."""
    parser = _Hrefs()
    parser.feed(html)
    return [
        href
        for href in parser.hrefs
        if not href.startswith(("/", "?", "#"))
        and (urlsplit(href).scheme.lower() not in ("http", "https") or href != href.strip())
    ]


def one(db: Path, sql: str, *params: object) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


# ---------------------------------------------------------------- 1. stored addresses are links only when http(s)
def test_a_crawled_javascript_redirect_is_text_in_the_captures_table(archive_db):
    capture_id, page_id = one(archive_db, "SELECT id, page_id FROM captures WHERE location = ?", JS_LOCATION)
    for path in (
        "/archive/captures",
        f"/archive/captures/{capture_id}",
        "/archive/captures?_search=&status=301",
        f"/archive/-/timeline/{page_id}",
    ):
        response = get(archive_db, path)
        assert response.status_code == 200, path
        assert JS_LOCATION in response.text, path  # shown, as the evidence it is
        assert foreign_links(response.text) == [], path


@pytest.mark.parametrize(
    "hostile",
    [
        JS_LOCATION,
        "JaVaScRiPt:alert(document.domain)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "http:javascript:alert(1)",
    ],
)
def test_no_stored_value_becomes_a_link_unless_http(archive_db, tmp_path, hostile):
    """The moved version's target, the page's own address and every capture's location, rewritten by an outside
    tool to a hostile value: every page that shows them (Datasette's tables and rows, the article, timeline
    and search pages, the Atom feed) shows them as text."""
    db = tmp_path / "archive.db"
    shutil.copy(archive_db, db)
    conn = sqlite3.connect(db)
    moved_version, moved_capture, moved_page = conn.execute(
        "SELECT v.id, v.capture_id, v.page_id FROM versions v WHERE v.kind = 'moved'"
    ).fetchone()
    conn.execute(
        "UPDATE captures SET location = ?, final_url = ? WHERE location IS NOT NULL", [hostile, hostile]
    )
    conn.execute(
        "UPDATE timeline SET moved_to = ?, final_url = ? WHERE moved_to IS NOT NULL", [hostile, hostile]
    )
    conn.execute("UPDATE pages SET url = ?, moved_to = ? WHERE id = ?", [hostile, hostile, moved_page])
    conn.execute("UPDATE timeline SET url = ? WHERE page_id = ?", [hostile, moved_page])
    conn.execute("UPDATE articles SET url = ? WHERE page_id = ?", [hostile, moved_page])
    conn.commit()
    conn.close()
    pages = [
        "/archive/captures",
        f"/archive/captures/{moved_capture}",
        "/archive/pages",
        f"/archive/pages/{moved_page}",
        "/archive/timeline",
        "/archive/removals",
        f"/archive/-/article/{moved_version}",
        f"/archive/-/timeline/{moved_page}",
        f"/archive/-/capture/{moved_capture}",
        "/archive/-/at/2099-01-01?" + urlencode({"url": hostile}),
        "/archive/-/feed.atom",
    ]
    for path in pages:
        response = get(db, path)
        assert response.status_code == 200, (path, response.text[:500])
        assert foreign_links(response.text) == [], path
    feed = get(db, "/archive/-/feed.atom").text
    assert f'href="{hostile}"' not in feed


# ---------------------------------------------------------------- 2. no spreadsheet cell starts a formula
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_excel_csv_never_starts_a_formula(archive_db, tmp_path, start):
    """The crawled =HYPERLINK title (and each of OWASP's formula starts, put in a title by an outside tool) is
    text in the --bom (Excel) CSV, shown as written after a leading apostrophe; plain CSV keeps it exactly."""
    db = tmp_path / "archive.db"
    shutil.copy(archive_db, db)
    title = start + 'HYPERLINK("http://evil.example/","x")'
    conn = sqlite3.connect(db)
    conn.execute("UPDATE versions SET author = ? WHERE title = ?", [title, FORMULA_TITLE])
    conn.commit()
    conn.close()
    runner = CliRunner()
    excel, plain = tmp_path / "excel.csv", tmp_path / "plain.csv"
    for args in (["--bom", "-o", str(excel)], ["-o", str(plain)]):
        result = runner.invoke(main, ["export", "--format", "csv", *args, "--db", str(db)])
        assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(excel.read_bytes().decode("utf-8-sig"), newline="")))
    hostile = [row for row in rows if FORMULA_TITLE in row["title"]]
    assert hostile and all(row["title"] == "'" + FORMULA_TITLE for row in hostile)
    assert all(row["author"] == "'" + title for row in hostile)
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    exact = list(csv.DictReader(io.StringIO(plain.read_bytes().decode("utf-8"), newline="")))
    assert {row["title"] for row in exact if FORMULA_TITLE in row["title"]} == {FORMULA_TITLE}
    assert {row["author"] for row in exact if row["title"] == FORMULA_TITLE} == {title}


# ---------------------------------------------------------------- 3. reader parameters are parsed strictly
MALFORMED_NUMBERS = [
    "²",
    "١",
    "１",
    "99999999999999999999",
    "9223372036854775808",
    "0",
    "-1",
    "1e3",
    " 1",
    "0x10",
]


@pytest.mark.parametrize("bad", MALFORMED_NUMBERS)
def test_every_numeric_parameter_of_every_reader_page_is_a_400_page(archive_db, bad):
    """Superscript, Arabic-Indic and full-width digits, numbers beyond SQLite's integers, zero, signs: each
    numeric parameter of each reader page answers the reader's 400 page naming it (never a 500, never a
    different number read from it)."""
    from urllib.parse import quote

    q = quote(bad)
    pages = {
        f"/archive/-/article/{q}": "version",
        f"/archive/-/timeline/{q}": "page",
        f"/archive/-/diff/{q}/1": "a",
        f"/archive/-/diff/1/{q}": "b",
        f"/archive/-/diff/{q}": "b",
        f"/archive/-/diff?a={q}&b=1": "a",
        f"/archive/-/diff?a=1&b={q}": "b",
        f"/archive/-/search?q=%E6%B3%95%E9%99%A2&page={q}": "page",
        f"/archive/-/court?name=%E6%9C%80%E9%AB%98%E4%BA%BA%E6%B0%91%E6%B3%95%E9%99%A2&weeks={q}": "weeks",
        f"/archive/-/raw/{q}": "capture",
        f"/archive/-/warc/{q}": "capture",
        f"/archive/-/feed.atom?limit={q}": "limit",
    }
    for path, name in pages.items():
        response = get(archive_db, path)
        assert response.status_code == 400, (path, response.status_code)
        assert f"{name} must be a whole number" in response.text, path
        assert "courtnews" in response.text  # the reader's own layout


@pytest.mark.parametrize(
    "bad", ["2024-13-45", "2024-02-30", "２０２４-０１-０１", "2024-1-1", "yesterday", "٢٠٢٤-٠١-٠١"]
)
def test_every_date_parameter_is_a_real_ascii_date_or_a_400_page(archive_db, bad):
    for name in ("from", "to"):
        response = get(archive_db, "/archive/-/search?" + urlencode({"q": "法院", name: bad}))
        assert response.status_code == 400, (name, bad)
        assert f"{name} must be a date" in response.text
    response = get(archive_db, "/archive/-/search?" + urlencode({"q": "法院", "year": bad[:4]}))
    assert response.status_code in (200, 400)  # four ASCII digits are a year; anything else a 400
    assert response.status_code == (200 if bad[:4].isascii() and bad[:4].isdigit() else 400)


def test_a_real_leap_day_and_large_ids_still_read(archive_db):
    assert (
        get(archive_db, "/archive/-/search?" + urlencode({"q": "法院", "from": "2024-02-29"})).status_code
        == 200
    )
    assert get(archive_db, "/archive/-/article/9223372036854775807").status_code == 404
    assert get(archive_db, "/archive/-/search?q=%E6%B3%95%E9%99%A2&page=1000000000").status_code == 200


@pytest.mark.parametrize("bad", ["2024-13-45", "2024-02-30", "２０２４-０１-０１", "2024-1-1"])
def test_cli_search_refuses_a_date_that_is_not_one_in_one_line(archive_db, bad):
    for option in ("--from", "--to"):
        result = CliRunner().invoke(main, ["search", "法院", option, bad, "--db", str(archive_db)])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.startswith("Error")]
        assert len(lines) == 1 and option in lines[0] and "is not a date such as 2024-01-31" in lines[0]
        assert "Traceback" not in result.output


# ---------------------------------------------------------------- 6. damaged blobs and directory paths: one line
def test_verify_names_a_blob_rewritten_as_text(archive_db, tmp_path):
    """An outside tool rewrote two blobs' bytes as TEXT (sqlite3: UPDATE blobs SET data = CAST(data AS TEXT)):
    verify names each, and any blob built on them, and exits 1; the reader's raw page says it cannot read it."""
    db = tmp_path / "archive.db"
    shutil.copy(archive_db, db)
    conn = sqlite3.connect(db)
    damaged = [row[0] for row in conn.execute("SELECT digest FROM blobs ORDER BY digest LIMIT 2")]
    conn.execute("UPDATE blobs SET data = CAST(data AS TEXT) WHERE digest IN (?, ?)", damaged)
    conn.commit()
    capture_id = conn.execute("SELECT id FROM captures WHERE digest = ?", [damaged[0]]).fetchone()[0]
    conn.close()
    result = CliRunner().invoke(main, ["verify", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for digest in damaged:
        assert f"blob {digest}: its bytes are stored as SQLite text, not a blob" in result.output
    assert "FAIL raw bytes present and hashing to their digest" in result.output
    page = get(db, f"/archive/-/raw/{capture_id}")
    assert page.status_code == 500 and f"capture {capture_id} cannot be read" in page.text


@pytest.mark.parametrize("column", ["title", "body"])
def test_verify_names_a_version_whose_text_was_rewritten_as_a_blob(archive_db, tmp_path, column):
    """The same outside tool, on a version's text (CAST(body AS BLOB)): verify names the version and exits 1,
    and the search index, counted from the same versions, is still checked (no traceback anywhere)."""
    db = tmp_path / "archive.db"
    shutil.copy(archive_db, db)
    version_id, _ = wide_version(db)
    conn = sqlite3.connect(db)
    conn.execute(f"UPDATE versions SET {column} = CAST({column} AS BLOB) WHERE id = ?", [version_id])
    conn.commit()
    conn.close()
    result = CliRunner().invoke(main, ["verify", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert f"version {version_id}: {column} as blob, not text" in result.output
    assert "could not finish" not in result.output and "Traceback" not in result.output


ARCHIVE_COMMANDS = [
    ["summary"],
    ["reextract"],
    ["history", "http://127.0.0.1/a"],
    ["show", "http://127.0.0.1/a"],
    ["diff", "http://127.0.0.1/a"],
    ["search", "法院"],
    ["export"],
    ["feed"],
    ["serve"],
    ["verify"],
    ["migrate"],
    ["prune"],
    ["compact"],
    ["status", "--without-daemon"],
    ["crawl", "court-gov-cn-news"],
    ["daemon"],
    ["writer", "--redis", "redis://127.0.0.1:1/0"],  # the archive is opened before Redis is asked
]


@pytest.mark.parametrize("command", ARCHIVE_COMMANDS, ids=lambda c: c[0])
def test_every_archive_command_says_a_directory_is_not_an_archive(tmp_path, command, monkeypatch):
    """$COURTNEWS_DB (which click cannot check) naming a folder: one line saying it is a directory and what to
    give, from every command that opens the archive, and nothing created inside the folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("COURTNEWS_DB", str(folder))
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        f"Error: {folder}: a directory, not an archive file; give a file path (e.g. --db {folder / 'archive.db'})"
    ]
    assert list(folder.iterdir()) == []
    flagged = CliRunner().invoke(main, [*command, "--db", str(folder)])
    assert flagged.exit_code != 0 and "is a directory" in flagged.output and "Traceback" not in flagged.output


# ---------------------------------------------------------------- 5. many processes create a new archive once
OPENERS = 48
ROUNDS = 30  # before the fix about one round in ten lost an opener: thirty fail it nearly always


def test_48_processes_opening_a_new_archive_at_once_all_wait_and_create_it_once(tmp_path):
    """48 real processes (spawned, already running) open the same brand-new file at the same instant, on
    ROUNDS new files: every open succeeds (a writer that finds the file being created waits for it, as for any
    write lock), and the schema is there once: each migration applied once, every table created once."""
    import multiprocessing

    from archive.schema import migrations
    from tests.open_race import open_at

    context = multiprocessing.get_context("spawn")
    with context.Pool(OPENERS) as pool:
        pool.map(time.sleep, [0.01] * OPENERS, chunksize=1)  # every process up before the first round
        for round_ in range(ROUNDS):
            path = tmp_path / f"new-{round_}.db"
            at = time.time() + 0.25  # the pool's processes are up: every task is handed out by then
            results = pool.starmap(open_at, [(str(path), at)] * OPENERS, chunksize=1)
            assert [r for r in results if r != "ok"] == [], round_
            conn = sqlite3.connect(path)
            applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            conn.close()
            assert applied == [m.name for m in migrations._migrations]
            assert len(tables) == len(set(tables)) and {"pages", "captures", "versions", "blobs"} <= set(
                tables
            )
            assert mode == "wal"


# ---------------------------------------------------------------- 4. full-width text is found by its ASCII spelling
NFKC_STEP = "m014_search_index_nfkc"


def wide_version(db: Path) -> tuple[int, str]:
    return one(db, "SELECT id, body FROM versions WHERE body LIKE ? ORDER BY id DESC LIMIT 1", f"%{WIDE}%")


@pytest.mark.parametrize("query", ["2023", "5G", "5g", "２０２３年５Ｇ", "2023年5G基站"])
def test_full_width_digits_and_letters_are_found_by_either_spelling(archive_db, query):
    """1003's body says ２０２３年５Ｇ (as court sites write it): the reader's search page, Datasette's search box
    and canned search, and the CLI find it for 2023, 5G, 5g or the full-width query, and highlight the match
    in the text as archived, which stays full-width."""
    version_id, body = wide_version(archive_db)
    assert WIDE in body  # the evidence is unchanged
    page = get(archive_db, "/archive/-/search?" + urlencode({"q": query})).text
    assert f"/archive/-/article/{version_id}" in page, query
    assert "<mark>" in page and ("<mark>２０２３" in page or "<mark>５Ｇ" in page), query
    canned = get(archive_db, "/archive/search.json?" + urlencode({"q": query, "_shape": "objects"})).json()
    assert version_id in [row["version_id"] for row in canned["rows"]], query
    assert any("【" in row["snippet"] and "２０２３" in row["snippet"] for row in canned["rows"])
    box = get(
        archive_db, "/archive/versions.json?" + urlencode({"_search": query, "_shape": "objects"})
    ).json()
    assert version_id in [row["id"] for row in box["rows"]], query
    result = CliRunner().invoke(main, ["search", query, "--json", "--db", str(archive_db)])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert version_id in [row["version_id"] for row in found["results"]]
    snippet = next(row["snippet"] for row in found["results"] if row["version_id"] == version_id)
    assert "【２０２３" in snippet or "【５Ｇ" in snippet


def test_the_nfkc_step_rebuilds_an_older_archive_index_with_progress(archive_db, tmp_path, monkeypatch):
    """An archive indexed before NFKC (its index written by the same code without normalising, the NFKC step not
    applied): `courtnews migrate` says it rebuilt the index, 5G is then found, every version's stored text is
    the same byte for byte, and the archive verifies."""
    import sqlite_utils

    from archive import search as archive_search

    db = tmp_path / "archive.db"
    shutil.copy(archive_db, db)
    with monkeypatch.context() as before_nfkc:
        before_nfkc.setattr(archive_search, "normalised", lambda text: text)
        old = sqlite_utils.Database(db)
        archive_search.rebuild_index(old)
        old.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [NFKC_STEP])
        old.conn.commit()
        old.close()
    texts = (
        sqlite3.connect(db).execute("SELECT id, title, body, comments FROM versions ORDER BY id").fetchall()
    )
    stale = CliRunner().invoke(main, ["search", "5G", "--db", str(db)])
    assert stale.exit_code == 1 and "courtnews migrate" in stale.output  # readers refuse the older schema
    migrated = CliRunner().invoke(main, ["migrate", "--db", str(db)])
    assert migrated.exit_code == 0, migrated.output
    assert "search index rebuilt in NFKC form for" in migrated.stderr
    assert f"1 schema steps applied ({NFKC_STEP})" in migrated.stdout
    found = CliRunner().invoke(main, ["search", "5G", "--json", "--db", str(db)])
    assert json.loads(found.stdout)["total"] >= 1
    after = (
        sqlite3.connect(db).execute("SELECT id, title, body, comments FROM versions ORDER BY id").fetchall()
    )
    assert after == texts
    verified = CliRunner().invoke(main, ["verify", "--db", str(db)])
    assert verified.exit_code == 0, verified.output
