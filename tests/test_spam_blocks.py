"""Credential dumps of any token shape, separator and position go; body text that merely holds Latin letters
or digits (case numbers, statutes, English names, URLs, tables of figures) stays beside them."""

from __future__ import annotations

import random

import pytest

from crawler.extract import extract_html
from crawler.extract.quality.spamgen import POSITIONS, SHAPES, credential_lines, render, spam_block
from crawler.extract.rules.line_rules import filter_lines
from crawler.extract.rules.spam_blocks import has_credential_evidence, is_token_line

PARAGRAPHS = [
    "甘肃省某县人民法院审理了一起民间借贷纠纷案件，案号为(2023)甘1027民初123号。",
    "法院依照《中华人民共和国民法典》第六百七十五条、第六百七十六条的规定，判决被告归还借款。",
    "本案原告John Smith系外籍人士，法院依法为其提供了翻译服务，保障其诉讼权利。",
    "判决书已在中国裁判文书网公开，网址为https://wenshu.court.gov.cn/，当事人可自行查阅。",
]
LOOK_ALIKE_LINES = [
    "(2023)甘1027民初123号",
    "https://wenshu.court.gov.cn/website/wenshu/181107ANFZ0BXSK4/index.html",
    "John Smith",
    "Justice delayed is justice denied",
    "2021 1250 1380",
    "2022 1302 1411",
    "GB/T 7714-2015",
    "ISO 9001",
]
TABLE = ["年度 收案 结案", "2021 1250 1380", "2022 1302 1411", "2023 1421 1502"]


def article(extra: str, position: str = "after-last-paragraph") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    if position == "between-paragraphs":
        paragraphs = f"<p>{PARAGRAPHS[0]}</p>{extra}" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[1:])
    else:
        paragraphs += extra
    return (
        "<html><head><meta charset='utf-8'><title>某法院审结一起借贷纠纷</title></head><body>"
        f"<h1>某法院审结一起借贷纠纷</h1><div class='content'>{paragraphs}</div></body></html>"
    )


@pytest.mark.parametrize("seed", range(40))
def test_generated_dumps_go_wherever_they_stand(seed):
    rng = random.Random(seed)
    block = spam_block(rng)
    position = POSITIONS[seed % len(POSITIONS)]
    extra = render(block, position)
    if position == "after-disclaimer":
        extra = (
            "<p>本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场。</p>"
            + extra
        )
    body = extract_html(article(extra, position), "https://farm.example.invalid/a.html").body
    for line in block.must_not:
        assert line not in body, f"{position}: leaked {line!r}"
    for paragraph in PARAGRAPHS:
        assert paragraph in body, f"{position}: lost {paragraph!r}"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_dump_of_each_token_shape_after_a_giveaway_goes(shape):
    rng = random.Random(1)
    for _ in range(20):  # until the generator picks this shape for accounts
        lines = credential_lines(rng, 4)
        if all(is_token_line(line) for line in lines):
            break
    giveaway = "腾讯视频VIP账号免费分享，每日更新，先到先得"
    kept, removed = filter_lines([PARAGRAPHS[0], giveaway, *lines, PARAGRAPHS[1]])
    assert kept == [PARAGRAPHS[0], PARAGRAPHS[1]]


def test_a_dump_closing_the_article_goes_without_any_giveaway():
    dump = ["zhangwei----Kx93mq", "liuyang----Tr0s2p", "wangfang----9mQpz1"]
    kept, removed = filter_lines([*PARAGRAPHS, *dump])
    assert kept == PARAGRAPHS and {r.rule for r in removed} == {"credential-lines"}


def test_look_alike_lines_stay_in_the_body_and_at_its_end():
    kept, _ = filter_lines([*PARAGRAPHS, *TABLE, PARAGRAPHS[0]])
    assert kept == [*PARAGRAPHS, *TABLE, PARAGRAPHS[0]]
    kept, _ = filter_lines([*PARAGRAPHS, *TABLE])  # a table of figures closing the article
    assert kept == [*PARAGRAPHS, *TABLE]
    for line in LOOK_ALIKE_LINES:
        assert filter_lines([PARAGRAPHS[0], line])[0] == [PARAGRAPHS[0], line], line


def test_token_lines_and_evidence():
    assert not is_token_line("(2023)甘1027民初123号")  # CJK remains: a case number
    assert not is_token_line("https://wenshu.court.gov.cn/")  # a URL
    assert not is_token_line("Justice delayed is justice denied")  # an English phrase
    assert is_token_line("zhangwei----Kx93mq") and has_credential_evidence("zhangwei----Kx93mq")
    assert is_token_line("账号：abcdef 密码：ghijkl") and has_credential_evidence("账号：abcdef 密码：ghijkl")
    assert is_token_line("2021 1250 1380") and not has_credential_evidence("2021 1250 1380")


@pytest.mark.parametrize(
    "line",
    [
        "法院提醒：切勿轻信“VIP账号免费分享”之类的链接，谨防诈骗。",
        "被告人以“会员账号免费共享”为名，诱骗被害人扫码付款。",
        "警惕“免费领取会员账号”骗局",
    ],
)
def test_reports_of_giveaway_frauds_stay(line):
    assert filter_lines([line])[0] == [line]


def test_a_dump_inside_a_table_cell_goes_even_when_an_extractor_merges_the_cell():
    rng = random.Random(5)
    block = spam_block(rng)
    cell = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + render(block, "after-last-paragraph")
    page = (
        "<html><head><meta charset='utf-8'><title>某法院审结一起借贷纠纷</title></head><body><table><tr>"
        f"<td class='nav'><a href='/'>首页</a></td><td>{cell}</td></tr></table></body></html>"
    )
    article = extract_html(page, "https://farm.example.invalid/a.html")
    for line in block.must_not:
        assert line not in article.body
    assert PARAGRAPHS[-1] in article.body
    assert "credential-lines" in {r.rule for r in article.removed_blocks}


def test_a_farm_timestamp_inside_the_spam_block_dates_nothing():
    lines = [
        PARAGRAPHS[0],
        "迅雷会员25天/4.5元,独享1天0.7元,请点本站上边链接购买",
        "2026年04月16日 17:22:47",
        "账号 密码",
        "zhangwei----Kx93mq",
    ]
    _, removed = filter_lines(lines)
    assert ("spam-timestamp", "2026年04月16日 17:22:47") in [(r.rule, r.text) for r in removed]
    assert [r.rule for r in filter_lines([PARAGRAPHS[0], "2026年04月16日 17:22:47"])[1]] == ["bare-timestamp"]


def test_every_generated_spam_block_wakes_the_page_wide_pass():
    from crawler.extract.rules.spam_dom import ACCOUNT_SPAM_HINT

    rng = random.Random(21)
    for _ in range(300):
        block = spam_block(rng)
        assert ACCOUNT_SPAM_HINT.search("\n".join(block.lines)), block.lines


def test_a_table_of_figures_before_a_platform_disclaimer_stays():
    """A 澎湃号 repost ends with the platform's disclaimer, whatever the article ends with: a court's table of
    figures just before it (each cell a line, as extractors give table cells) is no credential dump. A dump
    with credential evidence beside the same disclaimer still goes."""
    disclaimer = "特别声明：本文经上观新闻客户端的“上观号”入驻单位授权发布，仅代表该入驻单位观点。申请澎湃号请用电脑访问。"
    opening = "2022年全市法院共受理各类案件如下。"
    table = ["年份", "收案", "结案", "2021", "1250", "1380", "2022", "1302", "1411"]
    kept, removed = filter_lines([opening, *table, disclaimer])
    assert kept == [opening, *table] and [r.rule for r in removed] == ["platform-disclaimer"]
    dump = ["abc123----pass456", "qq88912----zx9981", "wang2021----ab12cd"]
    kept, removed = filter_lines([opening, *dump, disclaimer])
    assert kept == [opening] and [r.rule for r in removed].count("credential-lines") == len(dump)
