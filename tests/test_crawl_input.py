"""What a crawl takes in from a site and from its operator, as it came: a Location and headers in raw UTF-8,
a CDN's cookies on an article, a server asking to be left alone (503 + Retry-After), a site that is down, a
list page that fails, a body too big to keep; and bad input on the command line or in the sources file.
Every test crawls a real site on 127.0.0.1 (tests/scripted_server.py writes raw HTTP) with `scrapy crawl`."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlite_utils

from crawler.config.sources import SourcesError, load_sources
from crawler.crawling.middlewares import backoff, retry_after
from crawler.crawling.process import crawl_command, crawl_environment
from tests.conftest import SITES, CrawlResult, crawl_env, run_crawl
from tests.scripted_server import Answer, ScriptedSite, refused_port, utf8_raw

SLUG = "court-gov-cn"
LIST = "/zixun/gengduo/24.html"
ARTICLE = "/zixun/xiangqing/{}.html"
HTML = [(b"Content-Type", b"text/html; charset=utf-8")]


@pytest.fixture
def scripted(tmp_path):
    """The court-gov-cn fixture site, copied (a test may add pages) and served by a ScriptedSite."""
    started: list[ScriptedSite] = []

    def make(script: dict[str, list[Answer]] | None = None) -> ScriptedSite:
        root = tmp_path / "site"
        if not root.exists():
            shutil.copytree(SITES / SLUG, root)
        site = ScriptedSite(root, script)
        started.append(site)
        return site

    yield make
    for site in started:
        site.stop()


def sources_for(site: ScriptedSite, path: Path, base_url: str | None = None) -> Path:
    template = (SITES / SLUG / "source.toml").read_text("utf-8")
    entry = f'[[source]]\nslug = "{SLUG}"\n' + template.replace("{base_url}", base_url or site.base_url)
    path.write_text(entry, "utf-8")
    return path


def crawl(
    site: ScriptedSite, tmp_path: Path, *args: str, expect_exit: int = 0, **settings: str
) -> CrawlResult:
    result = run_crawl(
        SLUG, tmp_path / "archive.db", sources_for(site, tmp_path / "s.toml"), *args, **settings
    )
    assert result.returncode == expect_exit, result.log[-4000:]
    return result


def captures(tmp_path: Path, path: str) -> list[dict]:
    db = sqlite_utils.Database(tmp_path / "archive.db")
    return list(db.query("SELECT * FROM captures WHERE url LIKE ? ORDER BY id", [f"%{path}"]))


# ---------------------------------------------------------------- 1. a Location in raw UTF-8
def test_a_redirect_whose_location_is_raw_utf8_is_followed_to_the_moved_article(scripted, tmp_path):
    """A CMS that sends `Location: /zixun/xiangqing/判决-1001.html` as raw UTF-8 bytes moved the article
    there: it is archived at that URL (percent-encoded UTF-8), the old one is moved, not removed, and the hop's
    capture keeps the Location as the bytes that came."""
    site = scripted()
    crawl(site, tmp_path)
    moved_path = "/zixun/xiangqing/判决-1001.html"
    (site.root / moved_path.lstrip("/")).write_bytes(
        (site.root / ARTICLE.format(1001).lstrip("/")).read_bytes()
    )
    site.script[ARTICLE.format(1001)] = [
        Answer(301, "Moved Permanently", [(b"Location", utf8_raw(moved_path))])
    ]
    crawl(site, tmp_path, "revisit=all")

    target = f"{site.base_url}{quote(moved_path)}"
    db = sqlite_utils.Database(tmp_path / "archive.db")
    old = list(db.query("SELECT * FROM pages WHERE url LIKE ?", [f"%{ARTICLE.format(1001)}"]))[0]
    assert old["state"] == "moved" and old["moved_to"] == target
    new = list(db.query("SELECT * FROM pages WHERE url = ?", [target]))
    assert new and list(db.query("SELECT kind FROM versions WHERE page_id = ?", [new[0]["id"]]))
    hop = [c for c in captures(tmp_path, ARTICLE.format(1001)) if c["status"] == 301][0]
    assert hop["outcome"] == "moved" and hop["location"] == target
    assert '"Location": "' + utf8_raw(moved_path).decode("latin-1") in hop["headers"]  # the bytes as sent
    assert not list(db.query("SELECT * FROM removals WHERE kind != 'moved'"))
    assert site.times(moved_path), "the crawl asked for the UTF-8 path the server named"


# ---------------------------------------------------------------- 2. WARC headers as the bytes that came
@pytest.mark.parametrize("writer", ["export", "reader"])
def test_warc_records_carry_header_bytes_as_they_came(scripted, tmp_path, writer):
    """`X-Filename: 判决书.html` in raw UTF-8 is written into the WARC record as those bytes, not as warcio's
    percent-encoding of their Latin-1 reading; Latin-1 bytes that are no UTF-8 stay those bytes too."""
    from warcio.archiveiterator import ArchiveIterator

    from archive import open_archive
    from archive.export.bulk import export_warc
    from archive.export.warc import capture_warc

    utf8, latin = utf8_raw("判决书.html"), "café".encode("latin-1")
    site = scripted(
        {
            ARTICLE.format(1002): [
                Answer(
                    headers=[*HTML, (b"X-Filename", utf8), (b"X-Note", latin)],
                    file="zixun/xiangqing/1002.html",
                )
            ]
        }
    )
    crawl(site, tmp_path)
    db = open_archive(tmp_path / "archive.db")
    if writer == "export":
        out = io.BytesIO()
        export_warc(db, out)
        data = out.getvalue()
    else:
        capture_id = captures(tmp_path, ARTICLE.format(1002))[-1]["id"]
        data = capture_warc(db, capture_id) or b""
    raw = gzip.decompress(data)  # every record is a gzip member: the bytes of the records as written
    assert b"\r\nX-Filename: " + utf8 + b"\r\n" in raw
    assert b"\r\nX-Note: " + latin + b"\r\n" in raw
    assert b"%C3%A5" not in raw and b"%E5%88%A4" not in raw
    # and the file still reads as WARC, the payload after the headers intact
    bodies = {  # read while iterating: the iterator streams
        r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
        for r in ArchiveIterator(io.BytesIO(data))
        if r.rec_type == "response"
    }
    assert "最高人民法院" in bodies[f"{site.base_url}{ARTICLE.format(1002)}"].decode("utf-8")


# ---------------------------------------------------------------- 3. a CDN's cookie is no challenge
def test_an_article_behind_jiasule_with_its_cookie_is_archived_and_its_challenge_still_refused(
    scripted, tmp_path
):
    """加速乐 sets __jsluid_h on every page it serves: an article carrying it is an article. Its challenge (521,
    a script computing __jsl_clearance) is still a challenge, with or without the cookie."""
    cookie = (b"Set-Cookie", b"__jsluid_h=8f0c2e4b7a; max-age=31536000; path=/; HttpOnly")
    challenge = b"<html><script>document.cookie=('__jsl_clearance=1700000000.1|0|abc');location.href=location.pathname+location.search</script></html>"
    site = scripted(
        {
            ARTICLE.format(1001): [Answer(headers=[*HTML, cookie], file="zixun/xiangqing/1001.html")],
            ARTICLE.format(1002): [Answer(521, "Unknown", [*HTML, cookie], challenge)],
            ARTICLE.format(1003): [Answer(200, "OK", [*HTML, cookie], challenge)],
        }
    )
    crawl(site, tmp_path)
    outcome = {n: captures(tmp_path, ARTICLE.format(n))[-1] for n in (1001, 1002, 1003)}
    assert outcome[1001]["outcome"] == "version", outcome[1001]["reason"]
    assert (outcome[1002]["outcome"], outcome[1002]["reason"]) == (
        "challenge",
        "challenge page: jiasule (HTTP 521)",
    )
    assert (outcome[1003]["outcome"], outcome[1003]["reason"]) == ("challenge", "challenge page: jiasule")


# ---------------------------------------------------------------- 4. bad input: one line, no traceback
GOOD = """[[source]]
slug = "a-court"
court = "某某法院"
family = "courtgov"
start_urls = ["http://127.0.0.1:8080/zixun/gengduo/24.html"]
allowed_hosts = ["127.0.0.1"]
"""


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        ('slug = "a-court"', 'slug = "a-court\\n"', ["source #1", "slug"]),
        ("127.0.0.1:8080", "127.0.0.1:70000", ["'a-court'", "start_urls[0]", "Port out of range"]),
        (
            "http://127.0.0.1:8080/zixun",
            "http://[::1/zixun",
            ["'a-court'", "start_urls[0]", "Invalid IPv6 URL"],
        ),
        ('["127.0.0.1"]', '["[::1"]', ["'a-court'", "allowed_hosts"]),
    ],
)
def test_a_broken_slug_port_or_address_in_the_sources_file_is_one_line_naming_source_and_key(
    tmp_path, old, new, names
):
    path = tmp_path / "sources.toml"
    path.write_text(GOOD.replace(old, new), "utf-8")
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path))
    for name in names:
        assert name in message, message


@pytest.mark.parametrize(
    ("slug", "revisit", "says"),
    [
        ("no-such-source", "none", ["no source 'no-such-source'", "a-court", "scrapy list"]),
        ("a-court", "bogus", ["-a revisit=bogus", "none (list pages only)", "due"]),
    ],
)
def test_scrapy_crawl_refuses_an_unknown_source_or_revisit_mode_in_one_line(tmp_path, slug, revisit, says):
    sources = tmp_path / "sources.toml"
    sources.write_text(GOOD, "utf-8")
    out = subprocess.run(
        crawl_command(slug, tmp_path / "archive.db", sources, revisit),
        env=crawl_environment(crawl_env()),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    lines = (out.stdout + out.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("courtnews: "), lines
    for text in says:
        assert text in lines[0]
    assert not (tmp_path / "archive.db").exists()  # refused before anything started


# ---------------------------------------------------------------- 5. retries: polite, and kept as evidence
@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        (format_datetime(datetime(2030, 1, 1, 0, 0, 30, tzinfo=UTC), usegmt=True), 30.0),
        (format_datetime(datetime(2029, 12, 31, tzinfo=UTC), usegmt=True), 0.0),  # a date already past
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(value, seconds):
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert retry_after(value, now) == seconds
    assert retry_after(value.encode() if value else None, now) == seconds  # as Scrapy hands it over: bytes
    assert [backoff(n, 0.5, 3) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]


def test_a_server_error_is_retried_after_its_retry_after_and_a_growing_backoff_and_each_answer_is_a_capture(
    scripted, tmp_path
):
    """503 with Retry-After: 2 → asked again no sooner than 2 s; two 500s → 0.5 s then 1 s; a Retry-After
    of an hour (over RETRY_AFTER_MAX) → not asked again in this run. Every answer is a capture with its status
    and the reason it was retried; the page the site finally served is archived."""
    busy = [(b"Retry-After", b"2"), *HTML]
    site = scripted(
        {
            ARTICLE.format(1001): [
                Answer(503, "Service Unavailable", busy, b"busy"),
                Answer(file="zixun/xiangqing/1001.html", headers=HTML),
            ],
            ARTICLE.format(1002): [
                Answer(500, "Internal Server Error", HTML, b"oops"),
                Answer(500, "Internal Server Error", HTML, b"oops"),
                Answer(file="zixun/xiangqing/1002.html", headers=HTML),
            ],
            ARTICLE.format(1003): [
                Answer(503, "Service Unavailable", [(b"Retry-After", b"3600"), *HTML], b"later")
            ],
        }
    )
    crawl(site, tmp_path, RETRY_TIMES="2", RETRY_BACKOFF_BASE="0.5", RETRY_AFTER_MAX="60")

    first = captures(tmp_path, ARTICLE.format(1001))
    assert [(c["status"], c["outcome"]) for c in first] == [(503, "failed"), (200, "version")]
    assert (
        first[0]["reason"]
        == "HTTP 503 Service Unavailable; asked again in 2 s (Retry-After: 2 s), try 2 of 3"
    )
    assert '"Retry-After": "2"' in first[0]["headers"]
    asked = site.times(ARTICLE.format(1001))
    assert len(asked) == 2 and asked[1] - asked[0] >= 2.0  # waited as asked (a lower bound: it cannot flake)

    second = captures(tmp_path, ARTICLE.format(1002))
    assert [(c["status"], c["outcome"]) for c in second] == [
        (500, "failed"),
        (500, "failed"),
        (200, "version"),
    ]
    assert [c["reason"].split("; ")[1] for c in second[:2]] == [
        "asked again in 0.5 s, try 2 of 3",
        "asked again in 1 s, try 3 of 3",
    ]
    asked = site.times(ARTICLE.format(1002))
    assert len(asked) == 3 and asked[1] - asked[0] >= 0.5 and asked[2] - asked[1] >= 1.0

    third = captures(tmp_path, ARTICLE.format(1003))
    assert [(c["status"], c["outcome"], c["reason"]) for c in third] == [(503, "failed", "HTTP 503")]
    assert len(site.times(ARTICLE.format(1003))) == 1


# ---------------------------------------------------------------- 6. a body too big says so
def test_a_chunked_body_over_the_size_limit_is_a_failure_that_says_why(scripted, tmp_path):
    page = (SITES / SLUG / "zixun/xiangqing/1001.html").read_bytes()
    big = page.replace(b"</body>", b"<p>" + "超长正文。".encode() * 20000 + b"</p></body>")
    site = scripted({ARTICLE.format(1001): [Answer(headers=HTML, body=big, chunked=True)]})
    crawl(site, tmp_path, DOWNLOAD_MAXSIZE="100000")
    last = captures(tmp_path, ARTICLE.format(1001))[-1]
    assert last["outcome"] == "failed"
    assert last["reason"].startswith("DownloadCancelledError: over the size limit: ")
    assert "more than DOWNLOAD_MAXSIZE=100000 bytes" in last["reason"]
    received = int(last["reason"].split("limit: ", 1)[1].split(" ")[0])
    assert 100000 < received < len(big)


# ---------------------------------------------------------------- 7. a dead site: the circuit opens
def test_a_revisit_of_a_dead_site_opens_the_circuit_records_every_fetch_and_fails(scripted, tmp_path):
    site = scripted()
    crawl(site, tmp_path)
    port = site.port
    site.stop()
    dead = refused_port(port)  # the site's address now refuses every connection
    try:
        result = crawl(
            site, tmp_path, "revisit=only", expect_exit=1, CIRCUIT_BREAKER_FAILURES="2", RETRY_TIMES="2"
        )
    finally:
        dead.close()
    db = sqlite_utils.Database(tmp_path / "archive.db")
    run = list(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))[0]
    assert run["status"] == "failed" and run["captures"] == run["failures"] > 0
    revisited = list(db.query("SELECT * FROM captures WHERE run_id = ? ORDER BY id", [run["id"]]))
    archived = {r["url"] for r in db.query("SELECT url FROM pages")}
    assert {c["url"] for c in revisited} == archived  # every page has its capture: the evidence is kept
    circuit = f"circuit open: 2 consecutive connection failures to 127.0.0.1:{port}"
    assert all(c["reason"] == circuit for c in revisited)  # the probe's two failures opened it
    assert f"circuit open for 127.0.0.1:{port} after 2 consecutive connection failures" in result.log


# ---------------------------------------------------------------- 8. a list page that fails says how
def test_a_list_page_http_failure_names_its_status_in_the_log_and_the_run(scripted, tmp_path):
    site = scripted({LIST: [Answer(503, "Service Unavailable", HTML, b"busy")]})
    result = crawl(site, tmp_path, expect_exit=1)
    url = f"{site.base_url}{LIST}"
    assert f"WARNING: list page {url} failed: HTTP 503 Service Unavailable" in result.log
    assert "Ignoring non-200 response" not in result.log
    run = list(sqlite_utils.Database(tmp_path / "archive.db").query("SELECT * FROM runs"))[0]
    assert run["status"] == "failed"
    assert run["reason"].startswith(
        f"no list page could be fetched (1 errors; first: {url}: HTTP 503 Service Unavailable)"
    )


def test_a_stop_while_a_retry_waits_sends_no_retry_and_keeps_the_answer_that_was_retried(scripted, tmp_path):
    """SIGTERM while a retry waits out a Retry-After: the crawl closes now (exit 3), the retry is never sent,
    and the 503 it answered is still a capture, the fetch ending with the reason it was not asked again."""
    import time

    from crawler.crawling.process import crawl_process
    from tests.conftest import TEST_SETTINGS

    page = ARTICLE.format(1001)
    site = scripted({page: [Answer(503, "Service Unavailable", [(b"Retry-After", b"50"), *HTML], b"busy")]})
    sources = sources_for(site, tmp_path / "s.toml")
    process = crawl_process(SLUG, tmp_path / "archive.db", sources, "none", TEST_SETTINGS, env=crawl_env())
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not site.times(page) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert site.times(page), "the crawl never asked for the page"
        time.sleep(1)  # the 503 reaches the retry middleware, which starts waiting
        code = process.stop(grace=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 3
    assert len(site.times(page)) == 1  # the retry was never sent
    fetches = captures(tmp_path, page)
    assert [(c["status"], c["outcome"]) for c in fetches] == [(503, "failed"), (None, "failed")]
    assert (
        fetches[0]["reason"]
        == "HTTP 503 Service Unavailable; asked again in 50 s (Retry-After: 50 s), try 2 of 2"
    )
    assert fetches[1]["reason"] == "the crawl was closing before try 2"
