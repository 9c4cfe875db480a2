"""The reader in a real browser: headless Chromium (Debian's package) loads each page from `courtnews serve`'s
Datasette command on 127.0.0.1, over the archive of tests/test_reader_datasette.py (real crawls: an edit, a
removal, a restoration, markup quoted in a title and body). Assertions are on the DOM after the page ran
(``--dump-dom`` with a virtual time budget, so a script that could run would have run); a screenshot of each
page is saved under the test's temporary folder and its path printed, for a person to look at.

Chromium is started so that it talks to nothing but 127.0.0.1 (no background networking, updates or sync)."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import lxml.html
import pytest

from archive.search import fts_query
from crawler.service.serve import datasette_command, write_metadata
from tests.chromium_layout import Layout
from tests.test_reader_datasette import build_reader_archive, version_id

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed: `make test` installs Debian's chromium package where it can "
    "(apt-get as root); the reader's browser tests need it",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=3000",
]


@dataclass
class Reader:
    base: str  # http://127.0.0.1:PORT/archive
    db: Path
    shots: Path
    taken: list[Path]

    def open(self, path: str, name: str, width: int = 1280, height: int = 1400) -> lxml.html.HtmlElement:
        """The page's DOM after it ran, and a screenshot of it saved as name.png."""
        url = self.base + path
        shot = self.shots / f"{name}.png"
        dom = _chromium(url, "--dump-dom", width, height)
        _chromium(url, f"--screenshot={shot}", width, height)
        assert shot.exists(), f"no screenshot of {url}"
        self.taken.append(shot)
        return lxml.html.fromstring(dom)


def _chromium(url: str, action: str, width: int, height: int) -> str:
    with tempfile.TemporaryDirectory(prefix="courtnews-chromium-") as profile:
        command = [
            CHROMIUM or "chromium",
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
        ]
        result = subprocess.run([*command, action, url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def reader(tmp_path_factory, request) -> Iterator[Reader]:
    tmp = tmp_path_factory.mktemp("browser")
    db, _ = build_reader_archive(tmp)
    metadata = write_metadata(db, tmp / "metadata.json")
    port = _free_port()
    log = (tmp / "datasette.log").open("w")
    server = subprocess.Popen(datasette_command(db, metadata, "127.0.0.1", port), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}/archive"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError((tmp / "datasette.log").read_text("utf-8")) from None
                time.sleep(0.1)
        shots = tmp / "screenshots"
        shots.mkdir()
        found = Reader(base, db, shots, [])
        yield found
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\nscreenshots of the reader's pages ({len(found.taken)}), for a person to look at:",
            file=sys.stderr,
        )
        for shot in found.taken:
            print(f"  {shot}", file=sys.stderr)


def text(node: lxml.html.HtmlElement) -> str:
    return node.text_content().strip()


def assert_inert(dom: lxml.html.HtmlElement) -> None:
    """The markup quoted in 1004's title and body did nothing: no script of it ran, no element of it exists."""
    assert dom.findtext(".//title") != "XSS-RAN"
    assert dom.body.get("data-xss") is None
    assert not dom.xpath("//img[@onerror]") and not dom.xpath("//*[@onerror]")
    assert not [s for s in dom.xpath("//script") if "XSS-RAN" in (s.text or "")]
    assert "<script>document.title='XSS-RAN'</script>" in dom.body.text_content()


def test_article_page(reader):
    dom = reader.open(f"/-/article/{version_id(reader.db, '1002.html', 2)}", "article")
    assert text(dom.get_element_by_id("article-title")) == "最高人民法院召开党组会议"
    paragraphs = [text(p) for p in dom.get_element_by_id("article-body").findall("p")]
    assert "会议要求，要扎实做好岁末年初各项工作，确保人民法院工作安全平稳有序运行。" in paragraphs
    labels = [text(dt) for dt in dom.xpath("//dl[@class='meta']/dt")]
    assert labels[:3] == ["发布时间", "法院", "来源"] and "原网址" in labels
    assert dom.xpath("//a[contains(@href, '/-/diff/')]") and dom.xpath("//a[contains(@href, '/-/warc/')]")


def test_removed_article_shows_its_last_text(reader):
    dom = reader.open(f"/-/article/{version_id(reader.db, '1003.html', 2)}", "article-removed")
    assert "此版本记录文章已被删除" in text(dom.get_element_by_id("removal-notice"))
    assert "人民法院在线服务平台" in text(dom.get_element_by_id("article-body"))


def test_timeline_page(reader):
    conn = sqlite3.connect(reader.db)
    page_id, url = conn.execute("SELECT id, url FROM pages WHERE url LIKE '%1003.html'").fetchone()
    captures = conn.execute("SELECT COUNT(*) FROM captures WHERE page_id = ?", [page_id]).fetchone()[0]
    dom = reader.open(f"/-/timeline/{page_id}", "timeline")
    events = dom.get_element_by_id("timeline").findall("li")
    assert len(events) == captures
    badges = [text(e.find_class("badge")[0]) for e in events]
    assert badges == ["新文章", "删除", "恢复"]
    last = dom.find_class("last-text")[0]
    assert "人民法院在线服务平台升级" in text(last)
    assert dom.xpath(f"//dd[@class='url']/a[@href='{url}']")


def test_diff_pages_mark_inserted_and_deleted_characters(reader):
    old, new = version_id(reader.db, "1002.html", 1), version_id(reader.db, "1002.html", 2)
    inline = reader.open(f"/-/diff/{old}/{new}", "diff-inline")
    assert [text(i) for i in inline.get_element_by_id("diff").iter("ins")] == ["安全"]
    side = reader.open(f"/-/diff/{old}/{new}?view=side", "diff-side")
    changed = side.get_element_by_id("diff").find_class("changed")[0]
    left, right = changed.findall("td")
    assert "安全" not in text(left) and [text(i) for i in right.iter("ins")] == ["安全"]
    # any two versions, either way round: from the restored text back to the first, the addition is a deletion
    first, restored = version_id(reader.db, "1003.html", 1), version_id(reader.db, "1003.html", 3)
    back = reader.open(f"/-/diff/{restored}/{first}", "diff-backwards")
    assert [text(d) for d in back.get_element_by_id("diff").iter("del")] == ["（更新）"]


def test_search_page_snippets_and_true_total(reader):
    conn = sqlite3.connect(reader.db)
    total = conn.execute(
        "SELECT COUNT(*) FROM versions_fts WHERE versions_fts MATCH ?", [fts_query("法院")]
    ).fetchone()[0]
    dom = reader.open("/-/search?by=version&q=" + quote("法院"), "search")
    assert text(dom.get_element_by_id("search-total")) == str(total)
    results = dom.get_element_by_id("results").findall("li")
    assert len(results) == total
    assert all(text(m) == "法院" for r in results for m in r.iter("mark"))
    assert all(r.find_class("snippet")[0].findall("mark") for r in results)
    facets = dom.get_element_by_id("facets")
    assert "最高人民法院" in text(facets) and "2024" in text(facets)
    filtered = reader.open(
        "/-/search?" + urlencode({"q": "法院", "from": "2024-01-06", "by": "version"}), "search-filtered"
    )
    assert text(filtered.get_element_by_id("search-total")) == "1"
    assert_inert(filtered)


def test_court_page_chart(reader):
    dom = reader.open("/-/court?" + urlencode({"name": "最高人民法院"}), "court")
    chart = dom.get_element_by_id("chart")
    assert chart.xpath(".//*[local-name()='rect' and @class='bar-first']")
    assert chart.xpath(".//*[local-name()='rect' and @class='bar-removed']")
    assert (
        len(dom.get_element_by_id("court-events").findall(".//tbody/tr")) == 3
    )  # changed, removed, restored
    reader.open("/-/courts", "courts")


def test_markup_in_archived_text_stays_text(reader):
    hostile = version_id(reader.db, "1004.html", 1)
    article = reader.open(f"/-/article/{hostile}", "article-hostile")
    assert_inert(article)
    assert text(article.get_element_by_id("article-title")).endswith("document.body.dataset.xss='ran'\">")
    assert not article.xpath("//script")  # the reader's pages have no script at all
    # Datasette's own pages escape it too (they have scripts of their own, so the check is on what ran)
    assert_inert(reader.open(f"/versions/{hostile}", "version-row-hostile"))
    assert_inert(reader.open("/latest_articles", "latest-articles", width=1600, height=1200))


def test_datasette_pages_read_well(reader):
    changes = reader.open("/changes", "changes", width=1600, height=1000)
    cells = [text(td) for td in changes.xpath("//td[contains(@class, 'col-changed_fields')]")]
    assert cells == ["正文", "正文"]  # the edit of 1002 and the restoration of 1003, both in the body
    row = reader.open(f"/versions/{version_id(reader.db, '1002.html', 2)}", "version-row")
    assert row.xpath("//a[contains(@href, '/-/article/')]")
    canned = reader.open(
        "/search?" + urlencode({"q": "开设赌场罪"}), "canned-search", width=1600, height=1000
    )
    snippets = [text(td) for td in canned.xpath("//td[contains(@class, 'col-snippet')]")]
    assert snippets and all("【开设赌场罪】" in s for s in snippets)
    assert not canned.xpath("//textarea[@id='sql-editor']")


# ---------------------------------------------------------------- second round (issue 29)
@pytest.fixture(scope="module")
def layout() -> Iterator[Layout]:
    # the virtual-time budget ends a headless browser once its first page (about:blank) has used it
    browser = Layout(CHROMIUM or "chromium", [f for f in FLAGS if not f.startswith("--virtual-time-budget")])
    try:
        yield browser
    finally:
        browser.close()


WHERE = (
    "JSON.stringify({body: document.getElementById('article-body').getBoundingClientRect().top,"
    " meta: document.querySelector('dl.meta').getBoundingClientRect().top, screen: innerHeight,"
    " overflow: document.documentElement.scrollWidth - innerWidth})"
)


@pytest.mark.parametrize(("name", "number"), [("1002.html", 2), ("1003.html", 2), ("1003.html", 1)])
def test_on_a_phone_the_article_text_comes_first(reader, layout, name, number):
    """The metadata block pushed the body 1.5 screens down at 390 px: there it follows the body (a byline
    stays on top), so the text starts in the first screen (in its upper half when no banner or notice comes
    first); at 1280 px the metadata stays above the body; no page is wider than the phone."""
    url = f"{reader.base}/-/article/{version_id(reader.db, name, number)}"
    wide, phone = (json.loads(layout.measure(url, width, WHERE)) for width in (1280, 390))
    assert wide["meta"] < wide["body"]
    first_half = (name, number) == ("1002.html", 2)  # the newest text: no banner, no removal notice
    assert phone["body"] < phone["meta"] and phone["body"] < phone["screen"] / (2 if first_half else 1), phone
    assert phone["overflow"] <= 0 and wide["overflow"] <= 0


def test_on_a_phone_the_side_by_side_diff_is_inline(reader, layout):
    old, new = version_id(reader.db, "1002.html", 1), version_id(reader.db, "1002.html", 2)
    url = f"{reader.base}/-/diff/{old}/{new}?view=side"
    shown = (
        "JSON.stringify([getComputedStyle(document.getElementById('diff')).display,"
        " getComputedStyle(document.getElementById('diff-narrow')).display])"
    )
    assert json.loads(layout.measure(url, 1280, shown)) == ["table", "none"]
    assert json.loads(layout.measure(url, 390, shown)) == ["none", "block"]
    narrow = reader.open(f"/-/diff/{old}/{new}?view=side", "diff-side-390", width=390, height=900)
    assert [text(i) for i in narrow.get_element_by_id("diff-narrow").iter("ins")] == ["安全"]


def test_on_a_phone_the_court_table_reads_as_a_list(reader, layout):
    url = f"{reader.base}/-/court?" + urlencode({"name": "最高人民法院"})
    probe = (
        "JSON.stringify([getComputedStyle(document.querySelector('#court-events td')).display,"
        " document.documentElement.scrollWidth - innerWidth])"
    )
    assert json.loads(layout.measure(url, 390, probe)) == ["block", 0]
    assert json.loads(layout.measure(url, 1280, probe))[0] == "table-cell"
    reader.open("/-/court?" + urlencode({"name": "最高人民法院"}), "court-390", width=390, height=1400)


@pytest.mark.parametrize("width", [1280, 390])
def test_old_version_banner_removal_story_and_citation(reader, width):
    first, removal, restored = (version_id(reader.db, "1003.html", n) for n in (1, 2, 3))
    old = reader.open(f"/-/article/{first}", f"article-old-{width}", width=width)
    banner = text(old.get_element_by_id("version-banner"))
    assert "这是旧版本" in banner and "有效，其后被第 2 版取代" in banner
    assert old.get_element_by_id("newest-link").get("href").endswith(f"/-/article/{restored}")
    strip = old.get_element_by_id("version-strip").findall("li")
    assert [text(li.find_class("badge")[0]) for li in strip] == ["新文章", "删除", "恢复"]
    gone = reader.open(f"/-/article/{removal}", f"article-removed-{width}", width=width)
    assert "之间被删除" in text(gone.get_element_by_id("removal-interval"))
    back = reader.open(f"/-/article/{restored}", f"article-restored-{width}", width=width)
    assert "消失约" in text(back.get_element_by_id("restored-notice"))
    cite = back.get_element_by_id("cite")
    assert "最高人民法院" in text(back.get_element_by_id("citation"))
    assert len(text(back.get_element_by_id("cite-sha256"))) == 64 and cite.xpath(".//a[@id='cite-stable']")
    url = (
        sqlite3.connect(reader.db).execute("SELECT url FROM pages WHERE url LIKE '%1003.html'").fetchone()[0]
    )
    day = reader.open(
        "/-/at/2099-01-01?" + urlencode({"url": url}), f"at-{width}", width=width
    )  # later than any capture: the newest text
    assert "第 3 版" in text(day.get_element_by_id("as-of"))
    capture = reader.open(f"/-/capture/{first}", f"capture-{width}", width=width)
    assert capture.get_element_by_id("capture-headers").xpath(".//th[text()='Content-Type']")
    for dom in (old, gone, back, day, capture):
        assert not dom.xpath("//script")


@pytest.mark.parametrize("width", [1280, 390])
def test_search_groups_results_by_article(reader, layout, width):
    conn = sqlite3.connect(reader.db)
    articles = conn.execute(
        "SELECT COUNT(DISTINCT v.page_id) FROM versions_fts f JOIN versions v ON v.id = f.rowid "
        "WHERE versions_fts MATCH ?",
        [fts_query("法院")],
    ).fetchone()[0]
    dom = reader.open("/-/search?q=" + quote("法院"), f"search-by-article-{width}", width=width)
    assert text(dom.get_element_by_id("search-total")) == str(articles)
    results = dom.get_element_by_id("results").findall("li")
    assert len(results) == articles
    grouped = [r for r in results if r.find_class("versions-match")]
    assert grouped and all("2 个版本匹配" in text(r.find_class("versions-match")[0]) for r in grouped)
    assert dom.get_element_by_id("search-help") is not None
    overflow = "document.documentElement.scrollWidth - innerWidth"
    assert (
        layout.measure(f"{reader.base}/-/search?q=" + quote("法院"), width, overflow) <= 0
    )  # nothing cut off


@pytest.mark.parametrize("width", [1280, 390])
def test_home_page(reader, layout, width):
    dom = reader.open("/-/home", f"home-{width}", width=width)
    assert dom.get_element_by_id("home-search").xpath(".//input[@name='q']")
    assert dom.get_element_by_id("home-url").xpath(".//input[@name='url']")
    assert [text(b) for b in dom.get_element_by_id("home-changes").find_class("badge")] == ["恢复", "修改"]
    assert [text(b) for b in dom.get_element_by_id("home-removals").find_class("badge")] == ["删除"]
    assert "最高人民法院" in text(dom.get_element_by_id("home-courts"))
    overflow = "document.documentElement.scrollWidth - innerWidth"
    assert layout.measure(f"{reader.base}/-/home", width, overflow) <= 0
