"""Date, byline and decoding tables, and challenge detection."""

from __future__ import annotations

import codecs

import pytest

from crawler.extract import metadata as meta
from crawler.extract.decode import decode_html, looks_binary
from crawler.extract.rules.challenge import detect_challenge


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("发布时间：2024-01-02 03:04:05", "2024-01-02T03:04:05+08:00", "second"),
        (
            "2010-09-19 08:56:04 | 来源：中国法院网新晃频道 | 作者：邱孟洁",
            "2010-09-19T08:56:04+08:00",
            "second",
        ),
        (
            "时间：2014-07-09 10:09:43 作者：刘静 齐绍杰 来源：湖南省高级人民法院",
            "2014-07-09T10:09:43+08:00",
            "second",
        ),
        ("发布日期：2026-09-24", "2026-09-24", "day"),
        ("2023年07月04日 17:22:47", "2023-07-04T17:22:47+08:00", "second"),
        ("2023年7月4日 17:22", "2023-07-04T17:22:00+08:00", "minute"),
        ("2023年7月4日", "2023-07-04", "day"),
        ("2023/07/04", "2023-07-04", "day"),
        ("2023.7.4", "2023-07-04", "day"),
        ("9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00", "second"),
        ("9/17/2004 5:54:13 PM", "2004-09-17T17:54:13+08:00", "second"),
    ],
)
def test_dates(text, value, precision):
    assert meta.parse_date(text) == meta.ParsedDate(value, precision)


@pytest.mark.parametrize("text", ["2023年13月40日", "共12篇文章", "", "第2019号"])
def test_not_dates(text):
    assert meta.parse_date(text) is None


def test_labelled_date_skips_a_date_in_a_headline():
    line = "2019年起施行的新规解读 发布时间：2024-03-05 10:00"
    assert meta.labelled_date(line).value == "2024-03-05T10:00:00+08:00"


@pytest.mark.parametrize(
    ("url", "value", "precision"),
    [
        ("https://www.chinacourt.org/article/detail/2023/07/id/7391234.shtml", "2023-07", "month"),
        ("http://www.xx.gov.cn/xwzx/202307/t20230704_123.html", "2023-07-04", "day"),
        ("http://www.xx.gov.cn/art/2023/7/4/art_123_456.html", "2023-07-04", "day"),
        ("https://news.example.com/2023/07/04/abc.html", "2023-07-04", "day"),
    ],
)
def test_url_dates(url, value, precision):
    assert meta.date_from_url(url) == meta.ParsedDate(value, precision)


@pytest.mark.parametrize(
    ("line", "value", "precision"),
    [
        ("——《北京之春》1998年3月号", "1998-03", "month"),
        ("（原载《人民法院报》2023年5月10日第8版）", "2023-05-10", "day"),
        ("来源：《法治日报》2024年1月2日", "2024-01-02", "day"),
    ],
)
def test_periodical_credit_lines_date_a_reprint(line, value, precision):
    assert meta.credit_date(line) == meta.ParsedDate(value, precision)


def test_a_reprint_without_a_date_of_its_own_is_dated_by_its_credit():
    from crawler.extract import extract_html

    paragraphs = "".join(
        f"<p>第{n}段：法院依法审理了这起合同纠纷案件，判决被告支付货款。</p>" for n in range(4)
    )
    html = f"<html><body><div class='main'>{paragraphs}<p>——《法苑》2016年9月号</p></div></body></html>"
    article = extract_html(html, "https://reprint.example.invalid/a.html")
    assert (article.published, article.published_precision) == ("2016-09", "month")


@pytest.mark.parametrize(
    "line",
    [
        "据《人民法院报》2023年5月10日报道，某法院审结一起案件。",
        "原载《人民司法》2019年第5期",
        "《民法典》2020年5月28日通过",
    ],
)
def test_sentences_citing_a_periodical_are_not_credits(line):
    assert meta.credit_date(line) is None


@pytest.mark.parametrize(
    ("text", "author"),
    [
        ("作者：邱孟洁", "邱孟洁"),
        ("时间：2014-07-09 10:09:43 作者：刘静 齐绍杰 来源：湖南省高级人民法院", "刘静、齐绍杰"),
        ("（记者 王晓明 通讯员 李华）", "王晓明、李华"),
        ("文/张三 图/李四", "张三"),
        ("来源：人民法院报 作者：赵敏、孙磊 责任编辑：王珊", "赵敏、孙磊"),
        ("【文/观察者网专栏作者 王文】", "王文"),
        ("本文仅代表作者本人观点，与本网无关。", None),  # a disclaimer, not a byline
    ],
)
def test_authors(text, author):
    assert meta.find_authors(text) == author


def test_source_editor_court():
    assert (
        meta.find_source("2010-09-19 08:56:04 | 来源：中国法院网新晃频道 | 作者：邱孟洁")
        == "中国法院网新晃频道"
    )
    assert meta.find_editor("责任编辑：刘晓") == "刘晓"
    assert meta.find_editor("【编辑:刘欢】") == "刘欢"
    assert meta.clean_name("作者：张三") == "张三"
    assert meta.find_court("湖南省高级人民法院") == "湖南省高级人民法院"
    assert meta.find_court("来源：镇原县人民法院") == "镇原县人民法院"


# ---------------------------------------------------------------- decoding
TEXT = "<html><head><title>法院新闻</title></head><body><p>人民法院依法审理。</p></body></html>"


@pytest.mark.parametrize(
    ("raw", "content_type", "encoding", "how"),
    [
        (TEXT.encode("utf-8"), "text/html; charset=utf-8", "utf-8", "header"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), None, "utf-8", "bom"),
        (TEXT.replace("<head>", '<head><meta charset="gbk">').encode("gbk"), "text/html", "gb18030", "meta"),
        (TEXT.encode("utf-8"), "text/html", "utf-8", "utf-8"),
        (TEXT.encode("gbk"), "text/html", "gb18030", "gb18030"),  # undeclared GBK
    ],
)
def test_decoding_order(raw, content_type, encoding, how):
    decoded = decode_html(raw, content_type)
    assert (decoded.encoding, decoded.how) == (encoding, how)
    assert "人民法院依法审理" in decoded.text and decoded.refused is None


def test_declared_gb2312_that_is_really_utf8():
    raw = TEXT.replace(
        "<head>", '<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    ).encode("utf-8")
    decoded = decode_html(raw, "text/html")
    assert decoded.encoding == "utf-8" and "人民法院依法审理" in decoded.text
    assert "gb2312" in decoded.note  # the wrong declaration is noted


def test_declared_utf8_that_is_really_gbk():
    decoded = decode_html(TEXT.encode("gbk"), "text/html; charset=utf-8")
    assert decoded.encoding == "gb18030" and "人民法院依法审理" in decoded.text
    assert "does not decode" in decoded.note


def test_binary_bodies():
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert not looks_binary(TEXT.encode("gbk"))


# ---------------------------------------------------------------- challenges
@pytest.mark.parametrize(
    ("status", "headers", "html", "reason"),
    [
        (412, {}, "<html></html>", "riversecurity"),
        (
            200,
            {},
            "<html><head><meta r='m'><script>$_ts=window['$_ts'];</script></head></html>",
            "riversecurity",
        ),
        (521, {}, "<script>document.cookie='__jsl_clearance=1'</script>", "jiasule"),
        (
            200,
            {"Set-Cookie": "__jsluid_h=abc; path=/"},
            "<html><script>document.cookie='__jsl_clearance=1;max-age=3600';location.href=location.pathname</script></html>",
            "jiasule",
        ),
        (200, {}, "<html><title>访问异常页面</title></html>", "360-block"),
        (200, {}, "<html>Please enable JavaScript and refresh the page</html>", "enable-javascript"),
        (404, {}, "<html><script>location.href='/';</script></html>", "script-redirect-home"),
        (200, {}, "<html><head><title>某法院</title></head><body></body></html>", "empty shell"),
    ],
)
def test_challenges(status, headers, html, reason):
    found = detect_challenge(status, headers, html)
    assert found and reason in found


def test_real_pages_are_not_challenges():
    article = (
        "<html><body><p>"
        + "人民法院依法审理此案，本文介绍如何启用 JavaScript 查询案件。" * 20
        + "</p></body></html>"
    )
    assert detect_challenge(200, {}, article) is None
    short_news = "<html><body><p>县法院今天召开执行工作推进会，总结上半年工作。</p></body></html>"
    assert detect_challenge(200, {}, short_news) is None


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("（记者 王晓明 通讯员 李华）", "王晓明、李华"),
        ("新京报记者 彭冲 山东冠县报道", "彭冲"),
        ("文/张三", "张三"),
        ("记者了解到，该案已于近日审结。", None),
        ("一行正要结束采访时，记者接到电话。", None),
    ],
)
def test_bylines_inside_the_body_only_when_unmistakable(line, author):
    assert meta.find_authors(line, in_body=True) == author


def test_a_counter_ends_a_name_and_never_joins_a_source():
    assert meta.find_editor("责编：薛某 阅读数(15878） 不感兴趣 广告软文") == "薛某"
    assert meta.find_source("发布时间：2023-07-04 来源：某县人民法院浏览次数：123") == "某县人民法院"
    assert meta.find_authors("作者：张三 阅读：5") == "张三"
