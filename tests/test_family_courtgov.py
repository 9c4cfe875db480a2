"""The court.gov.cn family: the fixture site court-gov-cn crawled over HTTP: lists, pagination, article pages,
versions, removals, restores, incremental crawls and conditional revisits."""

from __future__ import annotations

import json

import sqlite_utils


def versions(db_path):
    db = sqlite_utils.Database(db_path)
    return list(
        db.query(
            "SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id ORDER BY p.url, v.version"
        )
    )


def test_first_crawl_archives_every_listed_article(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    rows = versions(tmp_path / "archive.db")
    urls = sorted(row["url"].rsplit("/", 1)[1] for row in rows)
    assert urls == ["1001.html", "1002.html", "1003.html", "1004.html"]  # 1999 sits after an empty list page
    assert all(row["kind"] == "first" and row["version"] == 1 for row in rows)
    first = next(r for r in rows if r["url"].endswith("1001.html"))
    assert first["title"] == "最高法发布涉农民工工资案件典型案例"
    assert first["published"] == "2024-01-02T03:04:05+08:00"
    assert first["source_name"] == "最高人民法院"
    assert "让农民工安心过年" in first["body"]
    for junk in ("相关链接", "分享到", "字号", "版权所有", "浏览次数", "当前位置"):
        assert junk not in first["body"]
    # robots.txt forbids /private/: never fetched
    assert not list(db.query("SELECT * FROM captures WHERE url LIKE '%/private/%'"))
    run = list(db.query("SELECT * FROM runs"))[0]
    assert run["status"] == "finished" and run["new_versions"] == 4 and run["new_pages"] == 4
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_second_list_crawl_fetches_no_known_article_and_revisits_ask_before_fetching(
    site_factory, crawl, tmp_path
):
    site = site_factory("court-gov-cn")
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    crawl(site)
    second = list(db.query("SELECT * FROM runs ORDER BY id"))[1]
    assert (second["status"], second["captures"], second["links_found"]) == ("finished", 0, 4)
    # a view counter changing is no change of the article; revisits ask "changed since?" first
    page = site.path("zixun/xiangqing/1002.html")
    page.write_text(page.read_text("utf-8").replace("1024", "2048"), "utf-8")
    crawl(site, "revisit=live")
    third = list(db.query("SELECT * FROM runs ORDER BY id"))[2]
    assert (third["captures"], third["unchanged"], third["new_versions"]) == (4, 4, 0)
    revisited = {
        r["url"].rsplit("/", 1)[1]: (r["status"], r["digest"] is not None, r["outcome"])
        for r in db.query("SELECT url, status, digest, outcome FROM captures WHERE run_id = 3")
    }
    # the three untouched pages answered 304 (no body stored); the edited one came whole
    assert revisited == {
        "1001.html": (304, False, "unchanged"),
        "1002.html": (200, True, "unchanged"),
        "1003.html": (304, False, "unchanged"),
        "1004.html": (304, False, "unchanged"),
    }
    # revisit=all fetches every archived article whole, without asking
    crawl(site, "revisit=all")
    assert {r["status"] for r in db.query("SELECT status FROM captures WHERE run_id = 4")} == {200}
    assert db["versions"].count == 4


def test_edit_remove_restore_make_dated_versions(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    crawl(site)
    edited = site.path("zixun/xiangqing/1002.html")
    original = edited.read_text("utf-8")
    edited.write_text(original.replace("平稳有序运行", "安全平稳有序运行"), "utf-8")
    removed = site.path("zixun/xiangqing/1003.html")
    saved = removed.read_text("utf-8")
    removed.unlink()
    listing = site.path("zixun/gengduo/24_2.html")
    listing.write_text(
        listing.read_text("utf-8").replace(
            '<li><a href="/zixun/xiangqing/1003.html"', '<li hidden><a href="/gone"'
        ),
        "utf-8",
    )
    crawl(site, "revisit=all")
    rows = versions(tmp_path / "archive.db")
    changed = [r for r in rows if r["url"].endswith("1002.html")]
    assert [r["kind"] for r in changed] == ["first", "changed"]
    assert json.loads(changed[1]["changed_fields"]) == ["body"]
    assert "安全平稳有序运行" in changed[1]["body"]
    gone = [r for r in rows if r["url"].endswith("1003.html")]
    assert [r["kind"] for r in gone] == ["first", "removed"]
    assert gone[1]["created_at"] and gone[1]["body"] is None
    removed.write_text(saved, "utf-8")
    crawl(site, "revisit=all")
    back = [r for r in versions(tmp_path / "archive.db") if r["url"].endswith("1003.html")]
    assert [r["kind"] for r in back] == ["first", "removed", "restored"]
    db = sqlite_utils.Database(tmp_path / "archive.db")
    page = list(db.query("SELECT state, current_version FROM pages WHERE url LIKE '%1003.html'"))[0]
    assert page == {"state": "live", "current_version": 3}


def test_courtnews_crawl_command(site_factory, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from crawler.cli import main
    from tests.conftest import write_sources

    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "sources.toml", site)
    monkeypatch.setenv("COURTNEWS_DOWNLOAD_DELAY", "0")  # a local site: no politeness delay needed
    monkeypatch.setenv("COURTNEWS_AUTOTHROTTLE", "0")
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(main, ["crawl", "court-gov-cn", "--db", str(db), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert sqlite_utils.Database(db)["versions"].count == 4
    unknown = CliRunner().invoke(main, ["crawl", "no-such-court", "--db", str(db), "--sources", str(sources)])
    assert unknown.exit_code != 0 and "courtnews sources" in unknown.output


def test_redirect_to_a_non_article_page_is_a_removal(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    crawl(site)
    # the court takes the article down by sending readers to the list page
    site.path("_routes.json").write_text(
        json.dumps({"/zixun/xiangqing/1004.html": {"redirect": "/zixun/gengduo/24.html"}})
    )
    crawl(site, "revisit=all")
    rows = [r for r in versions(tmp_path / "archive.db") if r["url"].endswith("1004.html")]
    assert [r["kind"] for r in rows] == ["first", "removed"]
    db = sqlite_utils.Database(tmp_path / "archive.db")
    capture = list(
        db.query(
            "SELECT id, status, outcome, reason, location FROM captures WHERE url LIKE '%1004.html' "
            "ORDER BY id DESC LIMIT 1"
        )
    )[0]
    # the hop is recorded as it happened: the redirect's own status and Location, on the article's page
    assert (capture["status"], capture["outcome"]) == (302, "removed")
    assert capture["location"].endswith("/zixun/gengduo/24.html") and "redirected to" in capture["reason"]
    # and the response it led to is a capture of the list page's own URL, never a version of the article
    target = list(
        db.query("SELECT url, status, outcome FROM captures WHERE redirected_from = ?", [capture["id"]])
    )
    assert [(t["url"].rsplit("/", 1)[1], t["status"], t["outcome"]) for t in target] == [
        ("24.html", 200, "not-article")
    ]
