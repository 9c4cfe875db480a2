"""The allow-list holds hosts exactly, for every request a crawl makes, not only for the article links the
spider checks itself: Scrapy's own offsite filter lets subdomains of an allowed domain through, so a
next-page link or a list redirect to `sub.<allowed host>` reaches the allow-list middleware, which refuses
it before any lookup or byte, saying how to allow the host. The source here allows `localhost` (this
machine); `sub.localhost` is never resolved (the network audit would record the lookup)."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from tests.conftest import Site, run_crawl

LIST = "/zixun/gengduo/24.html"


def localhost_source(site: Site, path: Path) -> Path:
    """The fixture site as a source that allows the host `localhost` only."""
    local = site.base_url.replace("127.0.0.1", "localhost")
    entry = site.source_entry().replace(site.base_url, local).replace('["127.0.0.1"]', '["localhost"]')
    path.write_text(entry, "utf-8")
    return path


def refusal(url: str) -> str:
    return f"refused {url}: only http/https on the hosts ['localhost'] of source 'court-gov-cn' are fetched"


def test_a_next_page_link_to_a_subdomain_of_an_allowed_host_is_refused(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    subdomain = f"http://sub.localhost:{site.server.server.server_address[1]}/zixun/gengduo/24_2.html"
    first = site.path(LIST.lstrip("/"))
    html = first.read_text("utf-8")
    assert 'href="/zixun/gengduo/24_2.html"' in html
    first.write_text(html.replace('href="/zixun/gengduo/24_2.html"', f'href="{subdomain}"'), "utf-8")
    result = run_crawl("court-gov-cn", tmp_path / "archive.db", localhost_source(site, tmp_path / "s.toml"))
    assert result.returncode == 0, result.log[-3000:]
    assert f"list page {subdomain} failed: {refusal(subdomain)}" in result.log
    assert "add the host to allowed_hosts" in result.log
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert not list(db.query("SELECT url FROM captures WHERE url LIKE '%sub.localhost%'"))
    run = next(iter(db.query("SELECT status, list_pages FROM runs")))
    assert run == {"status": "finished", "list_pages": 1}  # the first page only: the rest was elsewhere


def test_a_list_page_redirected_to_a_subdomain_is_refused_and_fails_the_run(site_factory, tmp_path):
    site = site_factory("court-gov-cn")
    subdomain = f"http://sub.localhost:{site.server.server.server_address[1]}{LIST}"
    site.path("_routes.json").write_text(json.dumps({LIST: {"status": 302, "redirect": subdomain}}))
    result = run_crawl("court-gov-cn", tmp_path / "archive.db", localhost_source(site, tmp_path / "s.toml"))
    assert result.returncode == 1, result.log[-3000:]
    db = sqlite_utils.Database(tmp_path / "archive.db")
    run = next(iter(db.query("SELECT status, reason, captures, list_pages FROM runs")))
    assert (run["status"], run["captures"], run["list_pages"]) == ("failed", 0, 0)
    assert refusal(subdomain) in run["reason"], run["reason"]
