"""Hostile cases that used to record an event that did not happen: a site's state taken for each article's
removal, a page cut short taken for an edit, a template's fixed canonical link folding articles together,
partial and pointer responses taken for articles. Each class: real crawls of a local fixture site, the
archive read back with SQL."""

from __future__ import annotations

import json

import pytest
import sqlite_utils

ARTICLES = ("1001", "1002", "1003", "1004")
ARTICLE = "zixun/xiangqing/{}.html"
MAINTENANCE = (
    "<html><head><meta charset='utf-8'><title>系统维护</title></head><body>"
    "<div class='nav'>首页 新闻中心 审判工作 司法公开 诉讼服务 队伍建设 法院文化 公告通知 专题报道 媒体聚焦</div>"
    "<div class='links'>中国法院网 人民法院报 中国裁判文书网 中国庭审公开网 中国执行信息公开网 人民法院诉讼资产网</div>"
    "<div class='main'><p>系统维护中，请稍后访问。</p><p>给您带来的不便，敬请谅解。</p></div>"
    "<div class='footer'>版权所有：最高人民法院 地址：北京市东城区东交民巷27号 邮编：100745 "
    "京ICP备05023036号 京公网安备11010102000001号 建议使用1920×1080分辨率浏览本站</div></body></html>"
)


def archive(tmp_path) -> sqlite_utils.Database:
    return sqlite_utils.Database(tmp_path / "archive.db")


def version_kinds(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return [
        (row["url"].rsplit("/", 1)[-1], row["kind"])
        for row in db.query(
            "SELECT p.url, v.kind FROM versions v JOIN pages p ON p.id = v.page_id ORDER BY p.url, v.version"
        )
    ]


def routes(site, table: dict) -> None:
    site.path("_routes.json").write_text(json.dumps(table), "utf-8")


# ---------------------------------------------------------------- one page for every address
@pytest.mark.parametrize(
    ("state", "route"),
    [
        ("a 200 maintenance page for every address", {"status": 200, "body": MAINTENANCE}),
        (
            "the same page with another status line",
            {"status": 200, "body": MAINTENANCE.replace("系统维护中", "网站升级维护中")},
        ),
        (
            "404 for every address, the list page too",
            {"status": 404, "body": "<html><body>404</body></html>"},
        ),
        ("410 for every address", {"status": 410, "body": "<html><body>Gone</body></html>"}),
    ],
)
def test_a_site_answering_every_address_alike_removes_nothing_and_fails_the_run(
    site_factory, crawl, tmp_path, state, route
):
    site = site_factory("court-gov-cn")
    crawl(site)
    before = version_kinds(archive(tmp_path))
    assert len(before) == len(ARTICLES) and {kind for _, kind in before} == {"first"}

    routes(site, {"**": route})
    crawl(site, "revisit=all", expect_exit=1)
    db = archive(tmp_path)
    assert version_kinds(db) == before, state  # nothing removed
    run = list(db.query("SELECT status, reason, removed FROM runs ORDER BY id DESC LIMIT 1"))[0]
    assert run["status"] == "failed" and run["removed"] == 0
    assert "site unavailable:" in run["reason"]
    article_captures = list(
        db.query("SELECT outcome, reason FROM captures WHERE run_id = 2 AND url LIKE '%/xiangqing/%'")
    )
    assert len(article_captures) == len(ARTICLES)
    assert all(c["outcome"] == "failed" and "site unavailable" in c["reason"] for c in article_captures), (
        article_captures
    )

    site.path("_routes.json").unlink()  # the site comes back: nothing to restore, since nothing was removed
    crawl(site, "revisit=all")
    assert version_kinds(archive(tmp_path)) == before


def test_a_list_crawl_of_a_site_in_maintenance_says_so(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    routes(site, {"**": {"status": 200, "body": MAINTENANCE}})
    crawl(site, expect_exit=1)
    run = list(archive(tmp_path).query("SELECT status, reason FROM runs"))[0]
    assert run["status"] == "failed" and "site unavailable" in run["reason"]
    assert version_kinds(archive(tmp_path)) == []


def test_a_real_removal_on_a_working_site_is_still_recorded(site_factory, crawl, tmp_path):
    """The control: the list page answers normally, one article's own address answers 404."""
    site = site_factory("court-gov-cn")
    crawl(site)
    site.path(ARTICLE.format("1002")).unlink()
    crawl(site, "revisit=all")
    assert ("1002.html", "removed") in version_kinds(archive(tmp_path))


def test_a_soft_404_on_a_working_site_is_still_a_removal(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    crawl(site)
    routes(
        site,
        {"*": {"status": 200, "body": MAINTENANCE.replace("系统维护中，请稍后访问", "您访问的页面不存在")}},
    )
    site.path(ARTICLE.format("1003")).unlink()
    crawl(site, "revisit=all")
    kinds = version_kinds(archive(tmp_path))
    assert ("1003.html", "removed") in kinds
    assert [k for k in kinds if k[1] == "removed"] == [("1003.html", "removed")]


# ---------------------------------------------------------------- a page cut short is no edit
FATAL_ERRORS = {
    "PHP fatal error": "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function mysql_connect() "
    "in /var/www/html/news/show.php:42\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/html/news/show.php</b> "
    "on line <b>42</b><br />",
    "ASP error": "<font face='Arial' size=2><p>Microsoft VBScript 运行时错误</font> <font face='Arial' size=2>"
    "错误 '800a01a8'</font><p><font face='Arial' size=2>缺少对象</font><p><font face='Arial' size=2>"
    "/news/show.asp</font><font face='Arial' size=2>，行 37</font>",
    "Java exception": "<h1>HTTP Status 500 – Internal Server Error</h1><pre>java.lang.NullPointerException\n"
    "\tat com.cms.news.ShowAction.execute(ShowAction.java:88)\n</pre>",
}


def first_paragraphs(html: str, count: int) -> str:
    """The page up to the end of its count-th paragraph of body text."""
    at = html.index('<div class="txt_txt"')
    for _ in range(count):
        at = html.index("</p>", at) + len("</p>")
    return html[:at]


@pytest.mark.parametrize(
    "cut",
    [*FATAL_ERRORS, "ends after the second paragraph", "ends inside the third paragraph"],
)
def test_a_page_cut_short_by_the_server_is_a_failed_capture_not_an_edit(site_factory, crawl, tmp_path, cut):
    site = site_factory("court-gov-cn")
    crawl(site)
    page = site.path(ARTICLE.format("1001"))
    whole = page.read_text("utf-8")
    if cut in FATAL_ERRORS:
        page.write_text(first_paragraphs(whole, 1) + FATAL_ERRORS[cut], "utf-8")
    elif cut == "ends after the second paragraph":
        page.write_text(first_paragraphs(whole, 2) + "\n", "utf-8")
    else:
        page.write_text(first_paragraphs(whole, 2) + "\n  <p>最高人民法院有关负责人表示，各级", "utf-8")
    crawl(site, "revisit=all")
    db = archive(tmp_path)
    assert ("1001.html", "changed") not in version_kinds(db)
    [capture] = db.query(
        "SELECT c.outcome, c.reason FROM captures c WHERE c.run_id = 2 AND c.url LIKE '%1001.html'"
    )
    assert capture["outcome"] == "failed", capture
    assert capture["reason"].startswith(("cut short:", "suspect:", "truncated:")), capture["reason"]

    page.write_text(whole, "utf-8")  # whole again: unchanged, no "restoration" of anything
    crawl(site, "revisit=all")
    assert [k for k in version_kinds(archive(tmp_path)) if k[0] == "1001.html"] == [("1001.html", "first")]


def test_a_complete_page_whose_court_cut_the_last_paragraph_is_an_edit(site_factory, crawl, tmp_path):
    """The same shortening with the page's closing tags in place is the court's edit: a version."""
    site = site_factory("court-gov-cn")
    crawl(site)
    page = site.path(ARTICLE.format("1001"))
    html = page.read_text("utf-8")
    page.write_text(
        html.replace(
            "<p>最高人民法院有关负责人表示，各级人民法院将继续依法从快审理涉农民工工资案件，让农民工安心过年。</p>",
            "",
        ),
        "utf-8",
    )
    crawl(site, "revisit=all")
    assert ("1001.html", "changed") in version_kinds(archive(tmp_path))


# ---------------------------------------------------------------- a template's canonical link
def test_a_canonical_link_fixed_in_the_template_does_not_fold_articles(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    for number in ARTICLES[:3]:
        page = site.path(ARTICLE.format(number))
        page.write_text(
            page.read_text("utf-8").replace(
                "<head>", '<head><link rel="canonical" href="/zixun/xiangqing/1000.html">'
            ),
            "utf-8",
        )
    crawl(site)
    crawl(site, "revisit=all")
    db = archive(tmp_path)
    kinds = version_kinds(db)
    assert sorted(kinds) == sorted((f"{n}.html", "first") for n in ARTICLES)  # four pages, one version each
    notes = [
        r["reason"] for r in db.query("SELECT reason FROM captures WHERE url LIKE '%/xiangqing/100_.html'")
    ]
    assert sum("rel=canonical" in (n or "") and "ignored" in (n or "") for n in notes) >= 3


def test_a_canonical_link_naming_an_archived_page_with_the_same_article_folds(site_factory, crawl, tmp_path):
    """A print view naming the article's own address, which the archive holds with the same text."""
    site = site_factory("court-gov-cn")
    crawl(site)
    article = site.path(ARTICLE.format("1001")).read_text("utf-8")
    site.path(ARTICLE.format("77")).write_text(
        article.replace("<head>", '<head><link rel="canonical" href="/zixun/xiangqing/1001.html">'), "utf-8"
    )
    listing = site.path("zixun/gengduo/24.html")
    listing.write_text(
        listing.read_text("utf-8").replace(
            "</ul>", '<li><a href="/zixun/xiangqing/77.html">打印</a></li></ul>', 1
        ),
        "utf-8",
    )
    crawl(site)
    db = archive(tmp_path)
    assert [k for k in version_kinds(db) if k[0] in ("1001.html", "77.html")] == [("1001.html", "first")]


# ---------------------------------------------------------------- only a complete 200 is an article
@pytest.mark.parametrize(
    ("status", "extra"),
    [(206, {"headers": {"Content-Range": "bytes 0-99/5000"}}), (300, {}), (301, {}), (201, {}), (204, {})],
)
def test_only_a_complete_200_response_is_an_article(site_factory, crawl, tmp_path, status, extra):
    site = site_factory("court-gov-cn")
    routes(site, {f"/{ARTICLE.format('1002')}": {"status": status, **extra}})
    crawl(site)
    db = archive(tmp_path)
    assert "1002.html" not in {name for name, _ in version_kinds(db)}
    [capture] = db.query("SELECT status, outcome, reason FROM captures WHERE url LIKE '%1002.html'")
    assert capture["status"] == status and capture["outcome"] == "failed"
    if status != 204:  # a 204 carries no page at all
        assert "only a complete 200 (or 203) response is an article" in capture["reason"]


# ---------------------------------------------------------------- soft 404s judged on main text
CHROME_MENU = "".join(f"<li><a href='/lm/{n}.html'>栏目名称第{n}项服务指南</a></li>" for n in range(120))
CHROME_FOOT = "".join(f"<a href='/link/{n}.html'>友情链接单位{n}号人民法院</a>" for n in range(60))


def portal_page(main: str) -> bytes:
    return (
        "<html><head><meta charset='utf-8'><title>某某市中级人民法院</title></head><body>"
        f"<ul class='menu'>{CHROME_MENU}</ul>{main}<div class='footer'>{CHROME_FOOT}</div></body></html>"
    ).encode()


def test_a_short_item_in_heavy_chrome_is_no_soft_404_of_a_not_found_page_in_the_same_chrome():
    from crawler.pipeline.records import classify
    from crawler.pipeline.site_state import similarity, soft_404_sample, visible_text
    from tests.test_classification import BASE, fetch

    not_found = portal_page("<div class='main'><p>对不起，您访问的页面不存在或已被删除！</p></div>")
    picture = portal_page(
        "<div class='detail'><h1>法院开展宪法宣传周活动</h1><div class='txt_txt'>"
        "<p><img src='/u/1.jpg'></p><p>12月4日，该院干警走进社区开展宪法宣传活动，发放宣传资料三百余份。</p></div></div>"
    )
    # the whole pages are nearly one: only their main text tells them apart
    assert similarity(visible_text(picture.decode()), visible_text(not_found.decode())) >= 0.8
    sample = soft_404_sample(not_found.decode(), f"{BASE}/missing.html", "courtgov")
    [verdict] = classify(fetch(picture, not_found=sample))
    assert verdict.outcome == "article", verdict.reason
    # the not-found page itself at an article's address is still a soft 404
    [verdict] = classify(fetch(not_found, not_found=sample))
    assert verdict.outcome == "gone" and verdict.reason.startswith("soft 404")


def test_an_article_whose_bytes_did_not_change_is_never_removed_by_likeness(site_factory, crawl, tmp_path):
    """Between two runs the site starts answering unknown addresses with its featured article: the featured
    article itself now looks like the not-found page, but its bytes are those of its version."""
    site = site_factory("court-gov-cn")
    crawl(site)
    routes(site, {"*": {"status": 200, "file": ARTICLE.format("1001")}})
    crawl(site, "revisit=all")
    db = archive(tmp_path)
    assert {kind for _, kind in version_kinds(db)} == {"first"}
    [capture] = db.query("SELECT outcome, reason FROM captures WHERE run_id = 2 AND url LIKE '%1001.html'")
    assert capture["outcome"] == "unchanged" and "not a removal" in capture["reason"]
