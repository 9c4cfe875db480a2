"""Reading the archive: Datasette with the shipped metadata, search, history, diff, WARC, feeds.

The archive is built by real crawls of the court.gov.cn fixture site: one article edited, one removed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from archive import open_archive
from archive.store import get_blob
from crawler.cli import main
from crawler.demo.server import serve
from crawler.service.serve import datasette_metadata
from tests.conftest import SITES, Site, build_dynamic_pages, run_crawl, write_sources

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("query")
    root = tmp / "site"
    shutil.copytree(SITES / "court-gov-cn", root)
    build_dynamic_pages(root, "court-gov-cn")
    server = serve(root)
    try:
        site = Site("court-gov-cn", root, server)
        sources = write_sources(tmp / "sources.toml", site)
        db = tmp / "archive.db"
        assert run_crawl("court-gov-cn", db, sources).returncode == 0
        page = root / "zixun/xiangqing/1002.html"
        page.write_text(page.read_text("utf-8").replace("平稳有序运行", "安全平稳有序运行"), "utf-8")
        (root / "zixun/xiangqing/1003.html").unlink()
        assert run_crawl("court-gov-cn", db, sources, "revisit=all").returncode == 0
        return db, server.base_url
    finally:
        server.stop()


def get(db: Path, path: str):
    async def go():
        ds = Datasette([str(db)], metadata=datasette_metadata(db))
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(go())


def rows(db: Path, query: str, **params: str) -> list[dict]:
    from urllib.parse import urlencode

    response = get(db, f"/archive/{query}.json?" + urlencode({**params, "_shape": "objects"}))
    assert response.status_code == 200, response.text
    return response.json()["rows"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("赌", {"1004.html"}),  # one character
        ("法院", {"1001.html", "1002.html", "1003.html", "1004.html"}),  # two characters
        ("开设赌场罪", {"1004.html"}),  # three and more: trigram
        ("账号密码", {"1003.html", "1004.html"}),
        ("平稳有序", {"1002.html"}),
        ('"; drop table pages; --', set()),  # a query is a phrase, never SQL or FTS syntax
    ],
)
def test_search_canned_query_and_cli(archive_db, q, expected):
    db, _ = archive_db
    found = {row["url"].rsplit("/", 1)[1] for row in rows(db, "search", q=q)}
    assert found == expected
    cli = CliRunner().invoke(main, ["search", q, "--db", str(db)])
    assert cli.exit_code == 0
    assert {url.rsplit("/", 1)[1] for url in re.findall(r"https?://\S+", cli.output)} == expected


def test_canned_queries(archive_db):
    db, base = archive_db
    history = rows(db, "url_history", url=f"{base}/zixun/xiangqing/1002.html")
    assert [(r["version"], r["kind"]) for r in history] == [(1, "first"), (2, "changed")]
    changes = rows(db, "recent_changes")
    assert [(r["url"].rsplit("/", 1)[1], r["changed_fields"]) for r in changes] == [("1002.html", '["body"]')]
    removed = rows(db, "removed_articles")
    assert [(r["url"].rsplit("/", 1)[1], r["status"], r["last_title"]) for r in removed] == [
        ("1003.html", 404, "人民法院在线服务平台升级")
    ]
    court = rows(db, "court_articles", court="最高人民法院", start="2024-01-02", end="2024-01-05")
    assert sorted(r["url"].rsplit("/", 1)[1] for r in court) == ["1001.html", "1002.html", "1003.html"]
    assert rows(db, "court_articles", court="最高人民法院", start="2030-01-01", end="2030-12-31") == []
    latest = rows(db, "latest_articles")
    assert {r["url"].rsplit("/", 1)[1]: r["state"] for r in latest}["1003.html"] == "removed"


def test_feed_url_and_cli(archive_db):
    db, _ = archive_db
    response = get(db, "/archive/feed.atom?court=")
    assert response.status_code == 200 and "xml" in response.headers["content-type"]
    feed = ET.fromstring(response.text)
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in feed.findall("{http://www.w3.org/2005/Atom}entry")
    ]
    assert any(t.startswith("[removed]") for t in titles) and any(t.startswith("[changed]") for t in titles)
    cli = CliRunner().invoke(main, ["feed", "--court", "最高人民法院", "--db", str(db)])
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ET.fromstring(cli.output.strip().encode()).findall(f"{atom}entry")
    by_page: dict[str, list[str]] = {}
    for entry in entries:
        page = entry.find(f"{atom}link").get("href").rsplit("/", 1)[1]
        by_page.setdefault(page, []).append(entry.findtext(f"{atom}title"))
    # each entry's own title names its kind: the removal of 1003 (under its last title), the edit of 1002
    assert len(entries) == 6 and sorted(by_page["1003.html"]) == [
        "[删除] 人民法院在线服务平台升级",
        "[新文章] 人民法院在线服务平台升级",
    ]
    assert sorted(t.split("]")[0] for t in by_page["1002.html"]) == ["[修改", "[新文章"]
    assert [t.split("]")[0] for t in by_page["1001.html"] + by_page["1004.html"]] == ["[新文章"] * 2


def test_archived_html_is_never_live_html(archive_db, tmp_path):
    shared, _ = archive_db
    db = tmp_path / "archive.db"  # the module's archive stays untouched for the other tests
    with sqlite3.connect(shared) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    conn = open_archive(db)
    conn.execute("UPDATE versions SET title = '<script>alert(1)</script>' WHERE id = 1")
    conn.conn.commit()
    page = get(db, "/archive/versions/1")
    assert (
        "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    )
    digest = next(iter(conn.query("SELECT digest FROM blobs LIMIT 1")))["digest"]
    blob = get(db, f"/archive/blobs/{digest.replace(':', '~3A')}.blob?_blob_column=data")
    assert "text/html" not in blob.headers.get("content-type", "")


def test_history_show_diff_cli(archive_db, tmp_path):
    db, base = archive_db
    url = f"{base}/zixun/xiangqing/1002.html"
    history = CliRunner().invoke(main, ["history", url, "--db", str(db)])
    assert "v1" in history.output and "v2   changed" in history.output and "[body]" in history.output
    diff = CliRunner().invoke(main, ["diff", url, "--db", str(db), "--no-color"])
    # the edit listed, then the paragraph once with only the inserted characters marked
    assert "第 3 段第 1 句" in diff.output
    assert "确保人民法院工作{+安全+}平稳有序运行。" in diff.output
    assert diff.output.count("会议要求，要扎实做好岁末年初各项工作") == 2  # in the list and the paragraph
    page = tmp_path / "diff.html"
    CliRunner().invoke(main, ["diff", url, "1", "2", "--html", "-o", str(page), "--db", str(db)])
    assert '<span class="diff_add">安全</span>平稳有序运行' in page.read_text("utf-8")
    assert "Content-Security-Policy" in page.read_text("utf-8")
    raw = tmp_path / "v1.html"
    CliRunner().invoke(main, ["show", url, "--version", "1", "--raw", "-o", str(raw), "--db", str(db)])
    assert "平稳有序运行" in raw.read_text("utf-8") and "安全平稳" not in raw.read_text("utf-8")
    shown = CliRunner().invoke(main, ["show", f"{base}/zixun/xiangqing/1003.html", "--db", str(db)])
    assert "v2 removed" in shown.output and "no text" in shown.output
    missing = CliRunner().invoke(main, ["history", "https://nowhere.invalid/x", "--db", str(db)])
    assert missing.exit_code != 0 and "not in the archive" in missing.output


def test_warc_export_reads_back_with_the_stored_bytes(archive_db, tmp_path):
    import base64
    import hashlib

    from warcio.archiveiterator import ArchiveIterator

    db, _ = archive_db
    out = tmp_path / "court.warc.gz"
    result = CliRunner().invoke(main, ["export", "--format", "warc", "-o", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    conn = open_archive(db)
    captures = {
        (r["url"], r["fetched_at"]): r
        for r in conn.query("SELECT url, fetched_at, status, digest FROM captures WHERE status IS NOT NULL")
    }
    kinds: list[str] = []
    record_ids: dict[str, str] = {}
    with open(out, "rb") as fh:
        for record in ArchiveIterator(fh):
            kinds.append(record.rec_type)
            uri = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            record_ids[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_type
            if record.rec_type in ("response", "revisit"):
                capture = captures[(uri, date)]  # the capture's own URL and time, to the second
                assert record.http_headers.get_statuscode() == str(capture["status"])
                expected = get_blob(conn, capture["digest"]) if capture["digest"] else b""
                digest = "sha1:" + base64.b32encode(hashlib.sha1(expected).digest()).decode()
                assert record.rec_headers.get_header("WARC-Payload-Digest") == digest
            if record.rec_type == "response":
                assert record.content_stream().read() == expected
            if record.rec_type == "conversion":
                # the extracted text has its own URI: replay tools never serve it as the page
                assert uri.startswith("urn:courtnews:text:")
                assert record_ids[record.rec_headers.get_header("WARC-Refers-To")] in ("response", "revisit")
                assert record.rec_headers.get_header("WARC-Refers-To-Target-URI").startswith("http")
    assert kinds[0] == "warcinfo"
    # 4 first fetches, the edited page and the 404 page; the 2 unchanged refetches are revisits
    assert {k: kinds.count(k) for k in set(kinds)} == {
        "warcinfo": 1,
        "response": 6,
        "revisit": 2,
        "conversion": 5,
    }
    index = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "index", str(out)], capture_output=True, text=True
    )
    assert index.returncode == 0 and index.stdout.count("\n") == len(kinds)


def test_jsonl_and_csv_export(archive_db):
    db, _ = archive_db
    result = CliRunner().invoke(main, ["export", "--format", "jsonl", "--db", str(db)])
    versions = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(versions) == 6 and {v["kind"] for v in versions} == {"first", "changed", "removed"}
    csv_out = CliRunner().invoke(
        main,
        ["export", "--format", "csv", "--since", "2000-01-01", "--source", "court-gov-cn", "--db", str(db)],
    )
    table = list(csv.DictReader(io.StringIO(csv_out.stdout)))  # stdout: the CSV alone
    assert csv_out.exit_code == 0 and list(table[0])[:4] == ["url", "source", "version", "kind"]
    # every version, with the same values as the JSONL export
    assert len(table) == 6 and {r["source"] for r in table} == {"court-gov-cn"}
    assert sorted((r["url"].rsplit("/", 1)[1], r["version"], r["kind"]) for r in table) == sorted(
        (v["url"].rsplit("/", 1)[1], str(v["version"]), v["kind"]) for v in versions
    )
    removed = next(r for r in table if r["kind"] == "removed")
    assert removed["url"].endswith("/1003.html") and removed["body"] == ""
    changed = next(r for r in table if r["kind"] == "changed")
    assert "安全平稳有序运行" in changed["body"] and changed["title"]


def test_every_cli_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    missing = [name for name in main.commands if f"courtnews {name}" not in readme]
    assert missing == []
    for name, command in main.commands.items():
        assert "Example: courtnews " in (command.help or ""), f"{name} --help has no example"
