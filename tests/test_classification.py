"""What a fetch becomes, rule by rule (crawler/pipeline/records.py's docstring), and whether a run succeeded
(crawler/pipeline/pipelines.py's run_verdict): each rule with one fetch that only it decides, built from the fixture
site's real pages. The crawl tests show the same rules end to end; these pin every branch in one process,
fast enough to judge every mutant of the classification."""

from __future__ import annotations

import codecs

import pytest

from crawler.crawling.extensions import PARENT_GONE
from crawler.pipeline.items import FetchedPage, Hop, NotFoundSample
from crawler.pipeline.pipelines import DISK_FULL, RunFacts, run_verdict
from crawler.pipeline.records import classify, failed_verdicts, to_records
from tests.conftest import SITES

BASE = "https://www.court.gov.cn"
ARTICLE_URL = f"{BASE}/zixun/xiangqing/1001.html"
OTHER_URL = f"{BASE}/zixun/xiangqing/1002.html"
LIST_URL = f"{BASE}/zixun/gengduo/24.html"
ARTICLE = (SITES / "court-gov-cn/zixun/xiangqing/1001.html").read_bytes()
OTHER = (SITES / "court-gov-cn/zixun/xiangqing/1002.html").read_bytes()
HTML = {"Content-Type": "text/html; charset=utf-8"}
PATTERN = r"/zixun/xiangqing/\d+\.html"


def fetch(
    body: bytes | None = ARTICLE, status: int | None = 200, url: str = ARTICLE_URL, **more
) -> FetchedPage:
    fields = {
        "url": url,
        "source": "court-gov-cn",
        "family": "courtgov",
        "court": "最高人民法院",
        "status": status,
        "final_url": url,
        "headers": dict(HTML),
        "body": body,
        "allowed_hosts": ("www.court.gov.cn", "court.gov.cn"),
        "article_pattern": PATTERN,
        "list_urls": (LIST_URL,),
    }
    return FetchedPage(**{**fields, **more})


def final(item: FetchedPage) -> tuple[str, str | None]:
    verdict = classify(item)[-1]
    return verdict.outcome, verdict.reason


# ---------------------------------------------------------------- the final response
def test_a_readable_article_is_an_article_with_its_fields():
    [verdict] = classify(fetch())
    assert (verdict.outcome, verdict.reason, verdict.encoding) == ("article", None, "utf-8")
    assert verdict.article.title == "最高法发布涉农民工工资案件典型案例"
    assert verdict.article.published == "2024-01-02T03:04:05+08:00"
    assert verdict.article.source_name == "最高人民法院" and verdict.article.court == "最高人民法院"
    assert "让农民工安心过年" in verdict.article.body
    assert verdict.article.extractor_version and verdict.article.rules_hash
    assert {r["rule"] for r in verdict.article.removed_blocks} >= {"page-chrome"}
    assert verdict.page_url is None and verdict.location is None and not verdict.not_article


def test_a_fetch_that_failed_keeps_its_reason_and_one_without_a_response_says_so():
    assert final(fetch(None, None, reason="TimeoutError: took longer than 2.0 seconds")) == (
        "failed",
        "TimeoutError: took longer than 2.0 seconds",
    )
    assert final(fetch(None, None)) == ("failed", "no response")
    assert final(fetch(reason="ResponseNeverReceived:\n  connection\tlost")) == (
        "failed",
        "ResponseNeverReceived: connection lost",  # one line
    )


def test_a_304_is_unchanged_only_as_the_answer_to_a_conditional_revisit():
    assert final(fetch(b"", 304, conditional=True)) == (
        "not-modified",
        "HTTP 304: not modified since the last capture",
    )
    assert final(fetch(b"", 304)) == ("failed", "HTTP 304 to a request that asked for no comparison")


def test_a_body_cut_short_is_failed_whatever_it_holds():
    assert final(fetch(ARTICLE, truncated=True)) == (
        "failed",
        f"truncated: the connection closed after {len(ARTICLE)} bytes, before the end",
    )


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_are_gone_unless_the_page_is_a_challenge(status):
    assert final(fetch(b"<html><body><h1>404 Not Found</h1></body></html>", status)) == (
        "gone",
        f"HTTP {status}",
    )
    assert final(fetch(b"", status)) == ("gone", f"HTTP {status}")  # a short or empty 404 page is normal
    trap = b"<html><script>window.location.href='/';</script></html>"
    assert final(fetch(trap, status)) == (
        "challenge",
        f"HTTP {status} challenge page: script-redirect-home",
    )


def test_an_empty_200_is_failed():
    assert final(fetch(b"")) == ("failed", "empty body (0 bytes)")


def test_types_other_than_html_or_text_are_failed():
    pdf = fetch(b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    assert final(pdf) == ("failed", "not an HTML page (Content-Type: application/pdf)")
    assert final(fetch(headers={"content-type": "Application/PDF; x=1"}))[1].endswith("application/pdf)")
    for accepted in ("text/plain", "application/xhtml+xml; charset=utf-8", ""):
        assert final(fetch(headers={"Content-Type": accepted}))[0] == "article", accepted


def test_binary_bytes_served_as_html_are_failed():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    assert final(fetch(png)) == ("failed", "binary body served as text/html; charset=utf-8")
    assert final(fetch(png, headers={}))[1] == "binary body served as unknown type"


def test_undecodable_text_is_failed_with_the_decoder_reason():
    double_encoded = ARTICLE.decode("utf-8").encode("utf-8").decode("gbk", "ignore").encode("utf-8")
    outcome, reason = final(fetch(double_encoded, headers={"Content-Type": "text/html"}))
    assert outcome == "failed" and reason.startswith("undecodable: ") and "mojibake" in reason


def test_a_challenge_page_is_a_challenge_and_other_errors_are_failed():
    ts = b"<html><head><meta r='m'><script>$_ts=window['$_ts'];</script></head><body></body></html>"
    assert final(fetch(ts)) == ("challenge", "challenge page: riversecurity")
    assert final(fetch(ARTICLE, 521)) == ("challenge", "challenge page: jiasule (HTTP 521)")
    assert final(fetch(ARTICLE, 503)) == ("failed", "HTTP 503")
    assert final(fetch(ARTICLE, 403)) == ("failed", "HTTP 403")


def test_a_page_like_the_sites_own_not_found_page_is_a_soft_404():
    sample_text = "".join(ARTICLE.decode("utf-8").split())  # the site answers missing pages with this page
    from crawler.pipeline.site_state import soft_404_sample

    sample = soft_404_sample(ARTICLE.decode("utf-8"), f"{BASE}/missing.html", "courtgov")
    [verdict] = classify(fetch(not_found=sample))
    assert (verdict.outcome, verdict.not_article) == ("gone", True)
    assert verdict.reason == "soft 404: the page is 100% the same as this site's own not-found page"
    # another article of the same site shares its chrome, not its text: an article
    assert final(fetch(OTHER, url=OTHER_URL, final_url=OTHER_URL, not_found=sample))[0] == "article"
    # a sample that is no 200 page, or has no text, compares nothing
    assert final(fetch(not_found=NotFoundSample(404, None, sample_text)))[0] == "article"
    assert final(fetch(not_found=NotFoundSample(200, f"{BASE}/", None)))[0] == "article"


def test_scripts_are_no_part_of_the_likeness_to_the_not_found_page():
    """The soft-404 page a site serves carries scripts of its own each time (a multi-line one, in capitals):
    they are no visible text, so the page is still 100% its not-found page."""
    from crawler.pipeline.site_state import soft_404_sample

    sample = soft_404_sample(ARTICLE.decode("utf-8"), f"{BASE}/missing.html", "courtgov")
    script = (
        "<SCRIPT type='text/javascript'>\n"
        + "".join(f"var item{n} = '第{n}条推荐新闻标题';\n" for n in range(60))
        + "</SCRIPT>"
    )
    page = ARTICLE.replace(b"</body>", script.encode() + b"</body>", 1)
    assert final(fetch(page, not_found=sample)) == (
        "gone",
        "soft 404: the page is 100% the same as this site's own not-found page",
    )


def test_a_page_without_visible_text_is_no_soft_404_of_any_not_found_page():
    """Nothing to compare is no likeness: an empty app shell on a site with a soft-404 page stays a challenge
    (the crawl backs off), never a removal of the article."""
    shell = b"<html><head><title></title></head><body><div id='app'></div></body></html>"
    outcome, reason = final(fetch(shell, not_found=NotFoundSample(200, None, "抱歉，您访问的页面不存在！")))
    assert outcome == "challenge" and reason.startswith("empty shell")


def list_page(linked_share: str) -> bytes:
    """Forty headlines linked to articles; "most" also prints a date beside each (a list page), "all" does
    not (a link farm: nearly all of its text inside links)."""
    date = "<span>2024-01-02</span>" if linked_share == "most" else ""
    items = "".join(
        f'<li><a href="/zixun/xiangqing/{n}.html">法院召开第{n}次审判委员会会议</a>{date}</li>'
        for n in range(40)
    )
    return f"<html><head><title>法院新闻</title></head><body><ul>{items}</ul></body></html>".encode()


def test_extraction_refusals_are_removals_or_failures():
    """A soft 404 or a list page at an article's address says the article is gone; a link farm or a page
    cut short says nothing about the article: failed."""
    soft = "<html><head><title>页面不存在</title></head><body><p>抱歉，您访问的页面不存在！</p></body></html>"
    [verdict] = classify(fetch(soft.encode()))
    assert (verdict.outcome, verdict.not_article) == ("gone", True)
    assert verdict.reason == "not an article: soft 404 (页面不存在)"
    [verdict] = classify(fetch(list_page("most")))
    assert (verdict.outcome, verdict.not_article) == ("gone", True)
    assert verdict.reason == "not an article: list page (40 links, 59% of text inside them)"
    [verdict] = classify(fetch(list_page("all")))
    assert (verdict.outcome, verdict.not_article) == ("failed", False)
    assert verdict.reason.startswith("not an article: link farm (40 links")
    cut = ARTICLE[: ARTICLE.index("此次发布的案例".encode())]
    assert final(fetch(cut)) == (
        "failed",
        "truncated: the page opens <html>/<body>, closes neither and ends mid-sentence",
    )


def test_a_near_empty_page_is_a_challenge_when_nothing_can_be_extracted():
    shell = b"<html><head><title>x</title></head><body><div id='app'></div><script src='/a.js'></script></body></html>"
    outcome, reason = final(fetch(shell))
    assert outcome == "challenge" and reason.startswith("empty shell: under 100 characters")


def test_an_article_too_short_to_be_one_is_failed():
    """A page with enough text around it (menus, footer) but a body of a few characters."""
    menu = "首页 新闻中心 审判工作 队伍建设 司法公开 诉讼服务 " * 4
    footer = "版权所有：某某县人民法院 地址：某某县人民路一号 邮编：100000 电话：010-12345678"
    page = (
        f"<html><head><title>法院简讯</title></head><body><div class='nav'>{menu}</div><div id='zoom'>"
        f"<p>法院召开会议。</p></div><div class='footer'>{footer}</div></body></html>"
    )
    assert final(fetch(page.encode())) == ("failed", "no article text found (7 characters after extraction)")


def test_a_decoding_note_is_the_reason_of_an_article():
    declared_wrong = ARTICLE.replace(b'<meta charset="utf-8">', b'<meta charset="gb2312">')
    [verdict] = classify(fetch(declared_wrong, headers={"Content-Type": "text/html"}))
    assert (
        verdict.outcome == "article"
        and verdict.reason.startswith("decoding: ")
        and "gb2312" in verdict.reason
    )


def test_the_charset_the_server_declares_is_weighed_and_a_wrong_one_noted():
    """The Content-Type header's charset goes to the decoder: a GBK page its server calls UTF-8 is read as
    GB18030, and the capture's reason says the header was wrong (without the header, nothing to say)."""
    gbk = ARTICLE.decode("utf-8").replace('<meta charset="utf-8">', "").encode("gbk")
    [verdict] = classify(fetch(gbk, headers={"Content-Type": "text/html; charset=utf-8"}))
    assert (verdict.outcome, verdict.encoding) == ("article", "gb18030")
    assert verdict.reason == "decoding: header charset 'utf-8' does not decode these bytes"
    assert final(fetch(gbk, headers={"Content-Type": "text/html"})) == ("article", None)


@pytest.mark.parametrize(
    ("href", "honoured"),
    [
        (f"{BASE}/zixun/xiangqing/7.html", True),
        ("/zixun/xiangqing/7.html", True),  # relative to the page
        ("https://court.gov.cn/zixun/xiangqing/7.html", True),  # another allowed host
        ("https://evil.example/zixun/xiangqing/7.html", False),  # not an allowed host
        ("ftp://www.court.gov.cn/zixun/xiangqing/7.html", False),
        (f"{BASE}/", False),  # a CMS pointing every page at its home page
        (f"{BASE}/index.html", False),
        (LIST_URL, False),  # the list
        (f"{BASE}/about/7.html", False),  # not article-shaped
        (ARTICLE_URL, False),  # itself
        (ARTICLE_URL + "#top", False),  # itself, spelled otherwise
    ],
)
def test_rel_canonical_is_honoured_only_for_another_article_address_on_an_allowed_host(href, honoured):
    page = ARTICLE.replace(b"</title>", f'</title><link rel="canonical" href="{href}">'.encode(), 1)
    [verdict] = classify(fetch(page))
    assert verdict.outcome == "article"
    expected = {"/zixun/xiangqing/7.html": f"{BASE}/zixun/xiangqing/7.html"}.get(href, href)
    assert verdict.page_url == (expected if honoured else None)


def test_without_an_article_pattern_any_allowed_address_may_be_canonical():
    page = ARTICLE.replace(
        b"</title>", f'</title><link rel="canonical" href="{BASE}/about/7.html">'.encode(), 1
    )
    assert classify(fetch(page, article_pattern=None))[0].page_url == f"{BASE}/about/7.html"


@pytest.mark.parametrize("href", [f"{BASE}/", f"{BASE}/index.html", LIST_URL])
def test_without_an_article_pattern_a_canonical_home_or_list_page_is_still_refused(href):
    """A CMS that points every page at its home page (or its list) must not merge all articles into one."""
    page = ARTICLE.replace(b"</title>", f'</title><link rel="canonical" href="{href}">'.encode(), 1)
    [verdict] = classify(fetch(page, article_pattern=None))
    assert (verdict.outcome, verdict.page_url) == ("article", None)


# ---------------------------------------------------------------- redirects
def hop(url: str, location: str, status: int = 301) -> Hop:
    return Hop(url, status, location, {"Location": location}, b"")


def redirected(target: str, body: bytes | None = OTHER, status: int | None = 200, **more) -> FetchedPage:
    return fetch(body, status, url=ARTICLE_URL, final_url=target, hops=[hop(ARTICLE_URL, target)], **more)


def outcomes(item: FetchedPage) -> list[tuple[str, str | None]]:
    return [(v.outcome, v.reason) for v in classify(item)]


def test_a_redirect_to_another_article_is_a_move_naming_the_target():
    first, last = classify(redirected(OTHER_URL))
    assert (first.outcome, first.reason, first.location) == ("moved", f"moved to {OTHER_URL}", OTHER_URL)
    assert last.outcome == "article" and last.url == OTHER_URL
    # the target's own canonical address is the one named
    canonical = OTHER.replace(
        b"</title>", f'</title><link rel="canonical" href="{BASE}/zixun/xiangqing/8.html">'.encode(), 1
    )
    assert classify(redirected(OTHER_URL, canonical))[0].location == f"{BASE}/zixun/xiangqing/8.html"


def test_a_redirect_to_the_same_page_spelled_otherwise_is_only_a_hop():
    https = fetch(url="http://www.court.gov.cn/zixun/xiangqing/1001.html", final_url=ARTICLE_URL,
                  hops=[hop("http://www.court.gov.cn/zixun/xiangqing/1001.html", ARTICLE_URL)])  # fmt: skip
    assert outcomes(https) == [("redirect", f"redirect to {ARTICLE_URL}"), ("article", None)]


@pytest.mark.parametrize(
    "target",
    [f"{BASE}/", f"{BASE}/index.html", f"{BASE}/news/default.aspx", LIST_URL, f"{BASE}/user/login?next=1"],
)
def test_a_redirect_to_home_list_or_login_is_a_removal(target):
    first, last = classify(redirected(target))
    assert (first.outcome, first.reason) == (
        "gone",
        f"redirected to {target}, where the site sends pages that are gone",
    )
    assert (last.outcome, last.reason) == ("not-article", "a home, list or login page reached by a redirect")


def test_a_redirect_to_where_the_site_sends_unknown_addresses_is_a_removal():
    lost = f"{BASE}/error/lost.html"
    sample = NotFoundSample(302, lost)
    assert classify(redirected(lost, not_found=sample))[0].outcome == "gone"
    assert classify(redirected(lost))[0].outcome == "moved"  # without the probe it reads as an article


def test_a_redirect_to_a_gone_page_is_a_removal_and_a_soft_404_there_is_no_article():
    first, last = classify(redirected(OTHER_URL, b"<html><body>404</body></html>", 404))
    assert (first.outcome, last.outcome) == ("gone", "gone")
    assert first.reason == f"redirected to {OTHER_URL}, which is gone: HTTP 404"
    soft = "<html><head><title>页面不存在</title></head><body><p>抱歉，您访问的页面不存在！</p></body></html>"
    first, last = classify(redirected(OTHER_URL, soft.encode()))
    assert (first.outcome, last.outcome) == ("gone", "not-article")


def test_a_redirect_to_a_page_that_cannot_be_read_is_failed():
    first, last = classify(redirected(OTHER_URL, OTHER, 503))
    assert (first.outcome, first.reason) == (
        "failed",
        f"redirected to {OTHER_URL}, which could not be read: HTTP 503",
    )
    assert last.outcome == "failed"
    first, last = classify(redirected(OTHER_URL, None, None, reason="TimeoutError: slow"))
    assert (first.outcome, first.reason) == (
        "failed",
        f"redirected to {OTHER_URL}, which failed: TimeoutError: slow",
    )


def test_a_chain_that_ends_unfollowed_fails_at_the_url_asked_for():
    loop = fetch(None, None, final_url=None, reason="redirect loop: a → b → a",
                 hops=[hop(ARTICLE_URL, OTHER_URL), hop(OTHER_URL, ARTICLE_URL)])  # fmt: skip
    assert outcomes(loop) == [
        ("failed", "redirect loop: a → b → a"),
        ("redirect", f"redirect to {ARTICLE_URL}"),
    ]
    unexplained = fetch(None, None, final_url=None, hops=[hop(ARTICLE_URL, OTHER_URL)])
    assert outcomes(unexplained) == [("failed", "redirect not followed")]


def test_a_fetch_that_breaks_the_classifier_is_still_recorded_as_failed():
    broken = fetch(status="two hundred")  # type: ignore[arg-type]  # a comparison with an int raises
    [verdict] = classify(broken)
    assert verdict.outcome == "failed" and verdict.reason.startswith("classification failed: TypeError: ")
    hops = failed_verdicts(redirected(OTHER_URL), "boom")
    assert [(v.outcome, v.reason) for v in hops] == [("redirect", None), ("failed", "boom")]
    unfollowed = failed_verdicts(fetch(final_url=None, hops=[hop(ARTICLE_URL, OTHER_URL)]), "boom")
    assert [(v.url, v.outcome, v.reason) for v in unfollowed] == [(ARTICLE_URL, "failed", "boom")]
    assert [(v.url, v.outcome) for v in failed_verdicts(fetch(), "x")] == [(ARTICLE_URL, "failed")]


def test_records_pair_each_verdict_with_its_own_response():
    item = redirected(OTHER_URL)
    item.hops[0].body = b"moved"
    records = to_records(item, classify(item))
    hop_record, final_record = records
    assert (hop_record.capture.url, hop_record.capture.status, hop_record.capture.raw) == (
        ARTICLE_URL,
        301,
        b"moved",
    )
    assert hop_record.outcome == "moved" and hop_record.capture.location == OTHER_URL
    assert hop_record.article is None
    assert (final_record.capture.url, final_record.capture.status, final_record.capture.raw) == (
        OTHER_URL,
        200,
        OTHER,
    )
    assert final_record.outcome == "article" and final_record.article.title
    assert final_record.capture.encoding == "utf-8" and final_record.capture.headers == HTML
    assert (
        final_record.capture.fetched_at == item.fetched_at
        and hop_record.capture.fetched_at == item.hops[0].fetched_at
    )


def test_a_bom_is_read_as_utf8():
    assert final(fetch(codecs.BOM_UTF8 + ARTICLE, headers={"Content-Type": "text/html"}))[0] == "article"


# ---------------------------------------------------------------- edges of the classification
def test_a_400_answer_is_failed_whatever_page_it_carries():
    """Every 4xx/5xx but 404/410 is a failure: a 400 error page that reads like an article is no version."""
    assert final(fetch(ARTICLE, 400)) == ("failed", "HTTP 400")


@pytest.mark.parametrize(("sample_share", "outcome"), [("80%", "gone"), ("under 80%", "article")])
def test_a_page_is_a_soft_404_from_80_percent_of_the_sites_not_found_page(sample_share, outcome):
    """The similarity is the share of 4-grams two texts have in common (of all the 4-grams of either). A
    not-found page holding all of the page's text and words of its own for a quarter more 4-grams shares
    exactly 80% with it: the page is gone; one new 4-gram more and it is the article it looks like."""
    from crawler.extract import extract_html
    from crawler.pipeline.site_state import similarity

    text = extract_html(ARTICLE.decode("utf-8"), ARTICLE_URL, "courtgov").body  # compared on main text

    def notice(extra: int) -> str:
        return "".join(chr(0x3041 + i) for i in range(extra))  # kana: no 4-gram of them is in the page

    # the longest notice that still leaves the two 80% alike, or the shortest that does not
    extra = max(n for n in range(1, 400) if similarity(text, text + notice(n)) >= 0.8)
    extra += 0 if sample_share == "80%" else 1
    share = similarity(text, text + notice(extra))
    [verdict] = classify(fetch(not_found=NotFoundSample(200, None, "页面", text + notice(extra))))
    assert verdict.outcome == outcome
    if outcome == "gone":
        assert (
            verdict.reason == f"soft 404: the page is {share:.0%} the same as this site's own not-found page"
        )


@pytest.mark.parametrize(("length", "outcome"), [(19, "failed"), (20, "article")])
def test_an_article_has_a_body_of_at_least_20_characters(length, outcome):
    """A 简讯 of twenty characters is an article; nineteen, in a page of menus and footer, is no text found."""
    menu = "首页 新闻中心 审判工作 队伍建设 司法公开 诉讼服务 " * 4
    footer = "版权所有：某某县人民法院 地址：某某县人民路一号 邮编：100000 电话：010-12345678"
    body = "法院召开会议" + "某" * (length - 7) + "。"
    page = (
        f"<html><head><title>法院简讯</title></head><body><div class='nav'>{menu}</div><div id='zoom'>"
        f"<p>{body}</p></div><div class='footer'>{footer}</div></body></html>"
    )
    assert final(fetch(page.encode()))[0] == outcome


def test_a_reason_is_one_line_of_at_most_300_characters():
    from crawler.pipeline.records import one_line

    assert one_line("某" * 300) == "某" * 300
    assert one_line("某" * 301) == "某" * 299 + "…"
    assert one_line("第一行\n\t第二行  ") == "第一行 第二行"
    assert len(final(fetch(None, None, reason="Error: " + "很长的原因" * 100))[1]) == 300


def test_a_move_names_the_article_not_a_redirect_on_the_way():
    """A two-hop chain to another article: the page asked for moved to the article, not to the hop between;
    and to the article's canonical address when it names one."""
    middle = f"{BASE}/go.php?id=1002"
    item = fetch(OTHER, url=ARTICLE_URL, final_url=OTHER_URL,
                 hops=[hop(ARTICLE_URL, middle), hop(middle, OTHER_URL)])  # fmt: skip
    records = to_records(item, classify(item))
    assert [(r.capture.url, r.outcome, r.capture.location) for r in records] == [
        (ARTICLE_URL, "moved", OTHER_URL),
        (middle, "redirect", OTHER_URL),
        (OTHER_URL, "article", None),
    ]
    canonical = OTHER.replace(
        b"</title>", f'</title><link rel="canonical" href="{BASE}/zixun/xiangqing/8.html">'.encode(), 1
    )
    item = redirected(OTHER_URL, canonical)
    assert to_records(item, classify(item))[0].capture.location == f"{BASE}/zixun/xiangqing/8.html"


def test_a_failed_fetch_after_redirects_is_recorded_at_the_url_that_failed():
    """When classification breaks on a redirected fetch, the hops stay hops and the failure is the final
    response's, at its own URL: the page asked for gets no failure that belongs to another."""
    item = redirected(OTHER_URL)
    assert [(v.url, v.outcome) for v in failed_verdicts(item, "boom")] == [
        (ARTICLE_URL, "redirect"),
        (OTHER_URL, "failed"),
    ]
    assert [r.capture.url for r in to_records(item, failed_verdicts(item, "boom"))] == [
        ARTICLE_URL,
        OTHER_URL,
    ]


# ---------------------------------------------------------------- run verdicts
def facts(**more) -> RunFacts:
    defaults = {"kind": "crawl", "close_reason": "finished", "counts": {"captures": 4, "failures": 1},
                "list_pages_ok": 2, "links_found": 4}  # fmt: skip
    return RunFacts(**{**defaults, **more})


def test_a_run_that_read_its_list_and_stored_its_fetches_finished():
    assert run_verdict(facts()) == ("finished", None)
    assert run_verdict(facts(counts={"captures": 0, "failures": 0})) == ("finished", None)  # nothing new
    assert run_verdict(facts(kind="revisit", list_pages_ok=0, links_found=0)) == ("finished", None)


def test_lost_fetches_or_a_full_disk_fail_the_run_first():
    assert run_verdict(facts(unstored=3, first_store_error="database is locked")) == (
        "failed",
        "3 fetches could not be stored (database is locked)",
    )
    assert run_verdict(facts(close_reason=DISK_FULL)) == (
        "failed",
        "0 fetches could not be stored (disk_full)",
    )
    assert run_verdict(facts(close_reason="shutdown", unstored=1))[0] == "failed"


def test_operator_and_daemon_stops_are_stopped_and_other_closes_failed():
    assert run_verdict(facts(close_reason="shutdown")) == (
        "stopped",
        "stopped by a signal (an operator, or the daemon shutting down)",
    )
    assert run_verdict(facts(close_reason=PARENT_GONE)) == (
        "stopped",
        "stopped: the daemon that started it ended",
    )
    assert run_verdict(facts(close_reason="closespider_timeout")) == (
        "failed",
        "spider closed: closespider_timeout",
    )


def test_a_crawl_without_a_readable_list_fails():
    assert run_verdict(facts(list_pages_ok=0, list_errors=("a: 503", "b: 412"))) == (
        "failed",
        "no list page could be fetched (2 errors; first: a: 503)",
    )
    assert run_verdict(facts(list_pages_ok=0)) == ("failed", "no list page could be fetched")
    status, reason = run_verdict(facts(list_pages_ok=3, links_found=0))
    assert status == "failed" and reason.startswith("the list (3 pages read) had no article links")


def test_a_run_whose_every_fetch_failed_fails():
    assert run_verdict(facts(counts={"captures": 2, "failures": 2}, first_failure="x: HTTP 503")) == (
        "failed",
        "all 2 fetches failed (first: x: HTTP 503)",
    )
    assert run_verdict(facts(kind="revisit", counts={"captures": 1, "failures": 1}))[0] == "failed"
