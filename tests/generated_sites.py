"""Generated court sites of any size, served on 127.0.0.1, and crawls of them as processes, for the fault,
pool and daemon tests (the hand-written fixture sites are in tests/sites/)."""

from __future__ import annotations

from pathlib import Path

from archive.db import open_reader
from archive.upkeep.verify import verify
from crawler.crawling.process import ChildProcess, crawl_process
from crawler.demo.server import FixtureServer, serve
from crawler.demo.sitegen import synthetic_articles, write_site
from tests.conftest import TEST_SETTINGS, crawl_env


def court_sites(tmp_path: Path, sizes: list[int]) -> tuple[list[FixtureServer], Path]:
    """Generated court sites of the given sizes, one source each (slugs court-0, court-1, …)."""
    servers, entries = [], []
    for index, size in enumerate(sizes):
        root = tmp_path / f"site-{index}"
        articles = synthetic_articles(size, seed=index)
        for n, article in enumerate(articles):
            article.id = 100000 * (index + 1) + n
        write_site(root, articles)
        servers.append(serve(root))
        entries.append(
            f"""[[source]]
slug = "court-{index}"
court = "某某市中级人民法院"
family = "courtgov"
start_urls = ["{servers[-1].base_url}/zixun/gengduo/24.html"]
allowed_hosts = ["127.0.0.1"]
max_list_pages = {size // 20 + 1}
max_articles = {size}
"""
        )
    sources = tmp_path / "sources.toml"
    sources.write_text("\n".join(entries), "utf-8")
    return servers, sources


def start_crawl(slug: str, db: Path, sources: Path, *, log: Path, **settings: str) -> ChildProcess:
    settings = {**TEST_SETTINGS, "DOWNLOAD_TIMEOUT": "10", **settings}
    return crawl_process(slug, db, sources, "none", settings, log_file=log, env=crawl_env()).start()


def assert_sound(db_path: Path) -> None:
    db = open_reader(db_path)
    try:
        report = verify(db)
    finally:
        db.close()
    assert not any(report.values()), report


def pool_workers(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
