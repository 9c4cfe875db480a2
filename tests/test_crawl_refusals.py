"""What a crawl must not fetch or must not believe, through real `scrapy crawl` runs on 127.0.0.1: an
article robots.txt forbids is never requested, a list page that is an anti-bot page fails the run naming
the vendor (not "no article links"), and an article answered with a challenge status (412 瑞数, 521 加速乐)
is a challenge capture even when the body looks like the article: never a version, never a removal."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

ARTICLES = "zixun/xiangqing"


def kinds(db: sqlite_utils.Database, name: str) -> list[str]:
    return [
        r["kind"]
        for r in db.query(
            "SELECT v.kind FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE ? ORDER BY v.version",
            [f"%/{name}"],
        )
    ]


def test_an_article_robots_txt_forbids_is_never_fetched(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    robots = site.path("robots.txt")
    robots.write_text(robots.read_text("utf-8") + f"Disallow: /{ARTICLES}/1004.html\n", "utf-8")
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    archived = sorted(
        r["url"].rsplit("/", 1)[1]
        for r in db.query("SELECT p.url FROM versions v JOIN pages p ON p.id = v.page_id")
    )
    assert archived == ["1001.html", "1002.html", "1003.html"]
    # the refusal is on record as the crawler's own decision, with no response behind it
    refused = list(
        db.query("SELECT status, outcome, reason, digest FROM captures WHERE url LIKE '%/1004.html'")
    )
    assert len(refused) == 1
    assert refused[0]["outcome"] == "failed" and "Forbidden by robots.txt" in refused[0]["reason"]
    assert refused[0]["status"] is None and refused[0]["digest"] is None


@pytest.mark.parametrize(
    ("page", "vendor"),
    [
        (
            "<html><head><meta r='m'><script>$_ts=window['$_ts'];</script></head><body></body></html>",
            "riversecurity",
        ),
        ("<html><head><title>访问异常页面</title></head><body><p>请稍后再试</p></body></html>", "360-block"),
        ("<html><body><h1>网站防火墙</h1><p>您的访问已被安全狗拦截</p></body></html>", "block page"),
    ],
)
def test_a_list_page_that_is_an_anti_bot_page_fails_the_run_naming_it(
    site_factory, crawl, tmp_path, page, vendor
):
    """Served with status 200, so it reaches the list callback rather than the error callback."""
    site = site_factory("court-gov-cn")
    site.path("_routes.json").write_text(
        json.dumps({"/zixun/gengduo/24.html": {"status": 200, "body": page}})
    )
    crawl(site, expect_exit=1)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    run = next(iter(db.query("SELECT status, reason, captures, list_pages FROM runs")))
    assert (run["status"], run["captures"], run["list_pages"]) == ("failed", 0, 0), run
    assert run["reason"].startswith("no list page could be fetched (1 errors; first: ")
    assert "/zixun/gengduo/24.html" in run["reason"] and vendor in run["reason"], run["reason"]


def test_an_article_answered_with_a_challenge_status_is_a_challenge_not_a_version(
    site_factory, crawl, tmp_path
):
    site = site_factory("court-gov-cn")
    crawl(site)
    # the articles' own pages, served with the status an anti-bot gateway answers with
    site.path("_routes.json").write_text(
        json.dumps(
            {
                f"/{ARTICLES}/1003.html": {"status": 521, "file": f"{ARTICLES}/1003.html"},
                f"/{ARTICLES}/1004.html": {"status": 412, "file": f"{ARTICLES}/1004.html"},
            }
        )
    )
    for name in ("1003.html", "1004.html"):  # changed too: were they read, they would be new versions
        page = site.path(f"{ARTICLES}/{name}")
        page.write_text(page.read_text("utf-8").replace("</p>", "（更新）</p>", 1), "utf-8")
    crawl(site, "revisit=all")
    db = sqlite_utils.Database(tmp_path / "archive.db")
    last = {
        r["url"].rsplit("/", 1)[1]: (r["status"], r["outcome"], r["reason"])
        for r in db.query("SELECT url, status, outcome, reason FROM captures WHERE run_id = 2")
    }
    assert last["1003.html"] == (521, "challenge", "challenge page: jiasule (HTTP 521)")
    assert last["1004.html"] == (412, "challenge", "challenge page: riversecurity (HTTP 412)")
    assert kinds(db, "1003.html") == kinds(db, "1004.html") == ["first"]
    assert {r["state"] for r in db.query("SELECT state FROM pages")} == {"live"}
