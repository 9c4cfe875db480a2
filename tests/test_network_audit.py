"""Nothing leaves 127.0.0.1: the suite's own audit refuses and records any lookup or connection beyond this
machine (checked here on a process that tries), and a crawl whose site sets cookies writes nothing under the
home folder (Scrapy's cookie handling would download the Public Suffix List and cache it there)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_audit_refuses_and_records_a_lookup_beyond_this_machine(tmp_path):
    log = tmp_path / "audit.log"
    env = {**os.environ, "NETWORK_AUDIT_LOG": str(log)}
    code = (
        "import socket\ntry:\n socket.getaddrinfo('publicsuffix.org', 443)\nexcept OSError as e:\n print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert "network audit" in out.stdout
    assert "publicsuffix.org" in log.read_text()


def test_a_crawl_of_a_site_that_sets_cookies_stays_offline_and_writes_no_cache(site_factory, crawl, tmp_path):
    import json

    site = site_factory("court-gov-cn")
    site.path("_routes.json").write_text(
        json.dumps(
            {"/zixun/gengduo/24.html": {"headers": {"Set-Cookie": "JSESSIONID=abc123; Path=/; HttpOnly"}}}
        )
    )
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "audit.log"
    os.environ["HOME"], saved = str(home), os.environ["HOME"]
    os.environ["NETWORK_AUDIT_LOG"], saved_log = str(log), os.environ["NETWORK_AUDIT_LOG"]
    try:
        result = crawl(site)
    finally:
        os.environ["HOME"], os.environ["NETWORK_AUDIT_LOG"] = saved, saved_log
    assert "JSESSIONID" not in result.log  # the cookie was handled, not logged
    assert not log.exists() or log.read_text() == ""
    assert list(home.rglob("*")) == []  # no tldextract cache, no remote-control job file
