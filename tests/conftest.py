"""Fixture sites served on 127.0.0.1 and real `scrapy crawl` runs against them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.crawling.process import crawl_process
from crawler.demo.server import FixtureServer, serve
from tests.seed_layouts import next_data_page

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"

# Every Python process the suite starts (crawls, the daemon, Datasette) loads tests/network_audit, which
# refuses and records any connection or lookup beyond 127.0.0.1; this process audits itself the same way.
AUDIT = Path(__file__).resolve().parent / "network_audit"
os.environ.setdefault(
    "NETWORK_AUDIT_LOG",
    str(
        Path(tempfile.gettempdir())
        / f"courtnews-network-{os.environ.get('PYTEST_XDIST_TESTRUNUID', os.getpid())}.log"
    ),
)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(AUDIT), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(AUDIT))
import sitecustomize  # noqa: E402,F401 - installs the audit hook in this process


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole run (on the xdist controller, once): fail if anything reached beyond 127.0.0.1."""
    if hasattr(session.config, "workerinput"):
        return
    log = Path(os.environ["NETWORK_AUDIT_LOG"])
    if log.exists() and log.read_text("utf-8").strip():
        print(f"\nnetwork audit: requests left 127.0.0.1 during the suite:\n{log.read_text('utf-8')}")
        session.exitstatus = 1
    log.unlink(missing_ok=True)


def build_dynamic_pages(site: Path, slug: str) -> None:
    """Pages generated rather than hand-written: the seed article, and bodies too big or binary to keep."""
    if slug == "pph-court":
        site.mkdir(parents=True, exist_ok=True)
        (site / "newsDetail_forward_5001").write_text(next_data_page(5001), "utf-8")
        api = site / "contentapi/cont/pph/user"
        api.mkdir(parents=True, exist_ok=True)
        (api / "page-1.json").write_text(
            json.dumps({"data": {"list": [{"contId": 5001, "name": "镇原法院"}], "hasNext": False}})
        )
    if slug == "trouble":
        (site / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
        paragraph = "<p>" + "超大页面的正文内容。" * 200 + "</p>\n"
        (site / "big.html").write_text("<html><body>" + paragraph * 100 + "</body></html>", "utf-8")


@dataclass
class Site:
    slug: str
    root: Path
    server: FixtureServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def path(self, relative: str) -> Path:
        return self.root / relative

    def source_entry(self) -> str:
        """The site's entry for a sources file: tests/sites/<slug>/source.toml, served at this base URL."""
        template = (SITES / self.slug / "source.toml").read_text("utf-8")
        return f'[[source]]\nslug = "{self.slug}"\n' + template.replace("{base_url}", self.base_url)


@pytest.fixture
def site_factory(tmp_path: Path) -> Iterator[Callable[[str], Site]]:
    """Copy a fixture site to a temporary folder (so a test may edit it) and serve it on 127.0.0.1."""
    started: list[Site] = []

    def make(slug: str) -> Site:
        root = tmp_path / "sites" / slug
        if (SITES / slug).exists():
            shutil.copytree(SITES / slug, root)
        build_dynamic_pages(root, slug)
        site = Site(slug, root, serve(root))
        started.append(site)
        return site

    yield make
    for site in started:
        site.server.stop()


@dataclass
class CrawlResult:
    returncode: int
    log: str


def write_sources(path: Path, *sites: Site) -> Path:
    path.write_text("\n".join(site.source_entry() for site in sites), "utf-8")
    return path


TEST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "1",
    "DOWNLOAD_MAXSIZE": "100000",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOGSTATS_INTERVAL": "0",
    "EXTRACT_WORKERS": "1",  # the pool, with one worker: the suite runs crawls side by side on two cores
}


def crawl_env() -> dict[str, str]:
    """The test process's environment without an operator's COURTNEWS_* settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COURTNEWS_")}


def run_crawl(slug: str, db: Path, sources: Path, *spider_args: str, **settings: str) -> CrawlResult:
    """A real `scrapy crawl` in its own process, as the daemon and users run it (courtnews's crawl process)."""
    revisit = next((a.split("=", 1)[1] for a in spider_args if a.startswith("revisit=")), "none")
    process = crawl_process(slug, db, sources, revisit, {**TEST_SETTINGS, **settings}, env=crawl_env())
    proc = subprocess.run(
        process.command, cwd=process.cwd, env=process.env, capture_output=True, text=True, timeout=120
    )
    return CrawlResult(proc.returncode, proc.stdout + proc.stderr)


@pytest.fixture
def crawl(tmp_path: Path) -> Callable[..., CrawlResult]:
    def go(
        site: Site, *spider_args: str, db: Path | None = None, expect_exit: int = 0, **settings: str
    ) -> CrawlResult:
        """Crawl site; the crawl's exit code must be expect_exit (0 finished, 1 failed, 3 stopped)."""
        sources = write_sources(tmp_path / f"sources-{site.slug}.toml", site)
        result = run_crawl(site.slug, db or tmp_path / "archive.db", sources, *spider_args, **settings)
        assert result.returncode == expect_exit, result.log[-4000:]
        return result

    return go


@pytest.fixture(scope="session")
def hostile_archive(tmp_path_factory) -> tuple[Path, str]:
    """The archive left by crawling tests/hostile_site.py, turning every misbehaviour on, and revisiting."""
    from tests import hostile_site

    tmp = tmp_path_factory.mktemp("hostile")
    root = tmp / "site"
    written = hostile_site.build(root)
    server = serve(root)
    try:
        site = Site("court-gov-cn", root, server)
        sources = write_sources(tmp / "sources.toml", site)
        db_path = tmp / "archive.db"
        first = run_crawl("court-gov-cn", db_path, sources)
        assert first.returncode == 0, first.log[-3000:]
        time.sleep(1.1)  # captures of one URL in two crawls never share a second (WARC dates are seconds)
        hostile_site.apply_phase2(root, written)
        second = run_crawl("court-gov-cn", db_path, sources, "revisit=all")
        assert second.returncode == 0, second.log[-3000:]
    finally:
        server.stop()
    return db_path, server.base_url


def versions_by_name(db_path: Path) -> dict[str, dict]:
    """Every version of a crawled archive keyed by its URL's last segment (the newest wins per page)."""
    import sqlite_utils

    db = sqlite_utils.Database(db_path)
    rows = db.query(
        "SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id ORDER BY p.url, v.version"
    )
    return {row["url"].rsplit("/", 1)[1]: row for row in rows}


def slow_pages(root: Path, seconds: float) -> Path:
    """Make every page of a served site answer after a pause (under the crawl's download timeout)."""
    routes = {"/" + str(path.relative_to(root)): {"delay": seconds} for path in root.rglob("*.html")}
    target = root / "_routes.json"
    written = (
        root / "_routes.json.new"
    )  # the server reads the file on every request: never a half-written one
    written.write_text(json.dumps(routes), "utf-8")
    written.replace(target)
    return target
