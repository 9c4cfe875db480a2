"""The edges of spam_blocks.py's rules, judged on the verdicts the line rules hand it: how long a token line
may be and how many tokens it may hold (built from the constants, so a test follows a change of their
value), the words that make a phrase, each kind of credential evidence on its own, the share of evidence
that makes a closing run a dump, the one short header and the spam lines a walk may cross to reach an anchor,
the first and last lines of the text, and the farm timestamps beside a spam block. A rule off by one here
lets a dump into the archived article, or cuts the court's own lines (a table of figures, a standard, an
English phrase, the article's date) because spam stands somewhere else on the page."""

from __future__ import annotations

import pytest

from crawler.extract.rules.line_rules import filter_lines
from crawler.extract.rules.spam_blocks import (
    ANCHORS,
    HEADER_BRIDGE,
    MAX_TOKENS,
    TOKEN_LINE_MAX,
    has_credential_evidence,
    is_token_line,
    judge_dumps,
)

# the court's own text
TRIAL = "某县人民法院近日审结一起网络赌博案件，被告人以开设赌场罪被判处有期徒刑三年，并处罚金。"
WARNING = "法官提醒，切勿轻信“免费领取会员账号”“刷单返利”等信息，谨防电信网络诈骗。"
CLOSING = "该院将继续依法严厉打击涉网络犯罪，切实维护人民群众财产安全。"
TABLE = ["2021 1250 1380", "2022 1302 1411", "2023 1421 1502"]  # year, cases filed, cases closed
STANDARDS = ["GB/T 7714-2015", "GB/T 2260-2007"]  # standards a judgment cites: a '/' between tokens
# the junk the line rules recognise, with their verdicts
GIVEAWAY = ("迅雷会员25天/4.5元,独享1天0.7元,请点本站上边链接购买", "giveaway-offer")
DISCLAIMER = (
    "本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场，"
    "澎湃新闻仅提供信息发布平台。",
    "platform-disclaimer",
)
POPUP = ("会员登录关闭", "popup-leftover")
TAKEDOWN = ("本文图片来自网络，如有侵权请联系删除", "takedown-notice")
STAMP = ("2026年04月16日 17:22:47", "bare-timestamp")
FOOTER = ("版权所有：某县人民法院", "site-footer")  # junk, but no spam anchor
DUMP = ["zhangwei----Kx93mq", "liuyang----Tr0s2p", "wangfang----9mQpz1"]  # not the seed's shape

# lines of a closing run, each with one kind of credential evidence only, and lines with none
EVIDENCE = {
    "a credential label": ["账号 zhangwei", "密码 qwerty"],
    "a token mixing letters and digits": ["zhangwei Kx93mq", "liuyang Tr0s2p"],
    "an e-mail address": ["zhangwei@qq.com", "liuyang@sina.com"],
    "a key": ["6222-0210-0112-3456", "6217-0038-1000-2468"],
    "a separator other than a space": ["zhangwei|qwerty", "liuyang|asdfgh"],
}
NO_EVIDENCE = {
    "letters and spaces": ["zhangwei qwerty", "liuyang asdfgh"],
    "figures and spaces": TABLE[:2],
}


def judge(*items: str | tuple[str, str]) -> list[str | None]:
    """judge_dumps over lines given as text (no line rule matched it) or (text, verdict)."""
    lines = [item if isinstance(item, str) else item[0] for item in items]
    verdicts = [None if isinstance(item, str) else item[1] for item in items]
    return judge_dumps(lines, verdicts)


def test_the_lines_here_get_from_the_line_rules_the_verdicts_they_are_given():
    for line, verdict in (GIVEAWAY, DISCLAIMER, POPUP, TAKEDOWN, STAMP, FOOTER):
        assert [r.rule for r in filter_lines([TRIAL, line, CLOSING])[1]] == [verdict], line
    for line in (TRIAL, WARNING, CLOSING, *TABLE, *STANDARDS, *DUMP, header(HEADER_BRIDGE), "二、审理情况"):
        assert filter_lines([TRIAL, line, CLOSING])[1] == [], line
    assert {GIVEAWAY[1], DISCLAIMER[1], POPUP[1], TAKEDOWN[1]} <= ANCHORS
    assert FOOTER[1] not in ANCHORS and STAMP[1] not in ANCHORS


# ---------------------------------------------------------------- what a token line is
def account_line(length: int, user: str) -> str:
    """One account token of exactly `length` characters."""
    return f"{user}----Kx93mq".ljust(length, "7")


@pytest.mark.parametrize("over", [False, True])
def test_a_dump_line_is_at_most_token_line_max_characters(over):
    lines = [account_line(TOKEN_LINE_MAX + over, user) for user in ("zhangwei", "liuyang")]
    assert all(len(line) == TOKEN_LINE_MAX + over for line in lines)
    verdicts = judge(TRIAL, GIVEAWAY, *lines, CLOSING)
    assert verdicts[2:4] == ([None, None] if over else ["credential-lines"] * 2)
    assert is_token_line(lines[0]) is not over


def figures(count: int, start: int = 1250) -> str:
    return " ".join(str(start + 37 * k) for k in range(count))


@pytest.mark.parametrize("over", [False, True])
def test_a_row_of_more_than_max_tokens_figures_is_a_table_even_beside_spam(over):
    rows = [figures(MAX_TOKENS + over), figures(MAX_TOKENS + over, 1302)]
    verdicts = judge(TRIAL, GIVEAWAY, *rows, CLOSING)
    assert verdicts[2:4] == ([None, None] if over else ["credential-lines"] * 2)


def test_a_line_with_anything_but_tokens_and_separators_is_no_token_line():
    # brackets are neither: standards cited with their year stay beside a closing disclaimer
    cited = ["ISO 9001 (2015)", "ISO 14001 (2015)"]
    assert judge(TRIAL, *cited, DISCLAIMER)[1:3] == [None, None]
    assert not is_token_line(cited[0])


def test_a_token_line_needs_a_token_of_three_characters():
    # seed-shaped accounts of three characters a token go wherever they stand ...
    assert judge(TRIAL, "x9k m2p", "q7w e4r", CLOSING)[1:3] == ["credential-lines"] * 2
    # ... while labels and numbering cut away, two-character tokens are no token line
    assert is_token_line("pwd: abc") and not is_token_line("pwd: ab")
    assert is_token_line("100. abc") and not is_token_line("100. ab")


def test_three_words_make_a_phrase_two_make_an_account_and_its_password():
    # letters-only accounts and passwords after a giveaway go
    assert (
        judge(TRIAL, GIVEAWAY, "zhangwei qwerty", "liuyang asdfgh", CLOSING)[2:4] == ["credential-lines"] * 2
    )
    # an English phrase of three words just before a closing disclaimer stays
    assert judge(TRIAL, "Rule of Law", DISCLAIMER)[1] is None
    assert is_token_line("zhangwei qwerty") and not is_token_line("Rule of Law")


# ---------------------------------------------------------------- credential evidence and closing runs
@pytest.mark.parametrize("kind", EVIDENCE)
def test_each_kind_of_evidence_alone_makes_a_closing_run_a_dump(kind):
    run = EVIDENCE[kind]
    assert all(has_credential_evidence(line) for line in run)
    assert judge(TRIAL, CLOSING, *run)[2:] == ["credential-lines"] * 2


@pytest.mark.parametrize("kind", NO_EVIDENCE)
def test_a_closing_run_without_evidence_stays(kind):
    run = NO_EVIDENCE[kind]
    assert not any(has_credential_evidence(line) for line in run)
    assert judge(TRIAL, CLOSING, *run)[2:] == [None, None]


@pytest.mark.parametrize("length", [2, 3, 4])
@pytest.mark.parametrize("most", [False, True])
def test_a_closing_run_is_a_dump_when_more_than_half_its_lines_show_evidence(length, most):
    with_evidence = ["zhangwei|qwerty", "liuyang|asdfgh", "wangfang|zxcvbn", "chenjing|poiuyt"]
    without = [figures(3, 1250 + 52 * k) for k in range(4)]
    count = length // 2 + most  # half (no majority), or one more
    run = with_evidence[:count] + without[: length - count]
    verdicts = judge(TRIAL, CLOSING, *run)
    assert verdicts[2:] == (["credential-lines"] * length if most else [None] * length)


def test_a_separator_is_evidence_only_between_two_tokens():
    # the court's hotlines closing the article, one number a line with its '；': nothing stands between tokens
    hotlines = ["0931-8888123；", "0931-8888456；"]
    assert not any(has_credential_evidence(line) for line in hotlines)
    assert judge(TRIAL, "欢迎拨打以下电话咨询：", *hotlines) == [None, None, None, None]


def test_one_token_line_closing_the_article_proves_nothing():
    contact = "Email: tougao@court.gov.cn"
    assert is_token_line(contact) and has_credential_evidence(contact)
    assert judge(TRIAL, CLOSING, contact) == [None, None, None]


def test_a_run_followed_only_by_junk_closes_the_article():
    assert judge(TRIAL, *DUMP[:2], FOOTER) == [None, "credential-lines", "credential-lines", FOOTER[1]]


def test_a_run_with_evidence_followed_by_text_stays():
    assert all(has_credential_evidence(line) for line in STANDARDS)
    assert judge(TRIAL, *STANDARDS, CLOSING) == [None, None, None, None]
    assert judge(TRIAL, *STANDARDS, CLOSING, FOOTER)[1:3] == [None, None]


# ---------------------------------------------------------------- the walk to an anchor
def header(length: int) -> str:
    """A short unrecognised line of exactly `length` characters, as farms put between a giveaway and a dump."""
    return ("下面是今天整理好的一批，数量有限，请大家自行取用，用完为止，不定期补充" * 2)[: length - 1] + "："


@pytest.mark.parametrize("over", [False, True])
def test_a_line_of_at_most_header_bridge_characters_is_the_header_of_a_dump(over):
    line = header(HEADER_BRIDGE + over)
    assert len(line) == HEADER_BRIDGE + over and not is_token_line(line)
    verdicts = judge(TRIAL, GIVEAWAY, line, *DUMP, CLOSING)
    if over:  # a line longer than a header parts the dump from the giveaway
        assert verdicts[2:5] == [None, None, None]
    else:
        assert verdicts[2:5] == ["credential-header", "credential-lines", "credential-lines"]


def test_a_header_after_a_dump_bridges_it_to_an_anchor_after_it():
    verdicts = judge(TRIAL, *DUMP, header(10), POPUP, CLOSING)
    assert verdicts[1:5] == ["credential-lines"] * 3 + ["credential-header"]


def test_at_most_one_short_line_bridges_an_anchor_to_a_run():
    # spam in the middle of the article, then two short headings of the court's and its table: all stay
    verdicts = judge(TRIAL, GIVEAWAY, "二、审理情况", "（一）收结案数据", *TABLE, CLOSING)
    assert verdicts[2:7] == [None] * 5


def test_a_paragraph_parts_a_table_from_spam_before_it():
    assert judge(GIVEAWAY, TRIAL, *TABLE, CLOSING)[1:5] == [None] * 4
    assert judge(TRIAL, *TABLE, WARNING, DISCLAIMER)[1:5] == [None] * 4


def test_a_walk_crosses_farm_timestamps_to_the_anchor():
    assert judge(TRIAL, GIVEAWAY, STAMP, *DUMP, CLOSING)[2:6] == ["spam-timestamp"] + ["credential-lines"] * 3
    assert judge(TRIAL, *DUMP, STAMP, POPUP, CLOSING)[1:5] == ["credential-lines"] * 3 + ["spam-timestamp"]
    # a stamp inside the block, next to no spam line, is the farm's too
    assert judge(TRIAL, GIVEAWAY, STAMP, STAMP, STAMP, *DUMP, CLOSING)[2:5] == ["spam-timestamp"] * 3


def test_a_walk_crosses_a_dump_already_found_to_the_anchor():
    verdicts = judge(TRIAL, GIVEAWAY, *DUMP[:2], STAMP, DUMP[2], "chenjing----Pq72xz", CLOSING)
    assert verdicts[2:7] == ["credential-lines"] * 2 + ["spam-timestamp"] + ["credential-lines"] * 2


def test_an_anchor_right_after_a_dump_marks_it():
    assert judge(TRIAL, *DUMP, POPUP, CLOSING)[1:4] == ["credential-lines"] * 3


# ---------------------------------------------------------------- the first and the last line
def test_a_giveaway_on_the_first_line_anchors_the_dump_after_it():
    assert judge(GIVEAWAY, *DUMP, CLOSING)[1:4] == ["credential-lines"] * 3


def test_a_dump_on_the_first_line_goes_whole():
    assert judge(*DUMP, GIVEAWAY, TRIAL)[:3] == ["credential-lines"] * 3


def test_a_table_opening_the_text_is_not_tied_to_spam_closing_it():
    assert judge(*TABLE, TRIAL, DISCLAIMER)[:3] == [None] * 3


def test_a_table_closing_the_text_is_not_tied_to_spam_opening_it():
    assert judge(TAKEDOWN, TRIAL, *TABLE)[2:] == [None] * 3


# ---------------------------------------------------------------- farm timestamps beside spam
def test_a_bare_timestamp_right_after_spam_is_the_farms():
    assert judge(GIVEAWAY, STAMP, TRIAL)[1] == "spam-timestamp"
    assert judge(TRIAL, GIVEAWAY, STAMP, CLOSING)[2] == "spam-timestamp"


def test_a_bare_timestamp_right_before_spam_is_the_farms():
    assert judge(TRIAL, STAMP, POPUP)[1] == "spam-timestamp"
    assert judge(TRIAL, STAMP, GIVEAWAY, CLOSING)[1] == "spam-timestamp"


def test_the_articles_own_timestamp_opening_the_text_dates_it_whatever_closes_the_text():
    assert judge(STAMP, TRIAL, CLOSING, DISCLAIMER)[0] == "bare-timestamp"
    assert judge(STAMP, TRIAL, CLOSING, *DUMP[:2])[0] == "bare-timestamp"


def test_beside_a_disclaimer_a_run_is_a_dump_only_when_more_than_half_its_lines_show_evidence():
    """A platform or stance disclaimer closes every repost, so it ties a run to spam only when most of the
    run's lines show credential evidence: exactly half is not most. The article goes on after the disclaimer
    here, so the run does not close the text and only the anchor can make it a dump."""
    half = [DUMP[0], TABLE[0]]
    most = [DUMP[0], DUMP[1], TABLE[0]]
    assert [has_credential_evidence(line) for line in most] == [True, True, False]
    assert judge(TRIAL, *half, DISCLAIMER, CLOSING)[1:3] == [None, None]
    assert judge(TRIAL, *most, DISCLAIMER, CLOSING)[1:4] == ["credential-lines"] * 3
