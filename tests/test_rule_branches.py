"""Every branch of the rules that decide what is junk and what is a challenge, one example each, so that
dropping any alternative of a rule (or loosening a count) fails a test: each wording of an account-giveaway
line goes on its own, a run of seed-shaped credential lines goes wherever it stands (one token a line
included), and a page answered with a challenge status is a challenge whatever its body says."""

from __future__ import annotations

import re

import pytest

from crawler.extract.rules.challenge import block_page, detect_challenge
from crawler.extract.rules.line_rules import LINE_RULES, filter_lines

GIVEAWAY = next(rule for rule in LINE_RULES if rule.name == "giveaway-offer")
BEFORE, AFTER = "法院依法审理此案。", "判决已经发生法律效力。"

# one line per alternative of the giveaway pattern, each matched by that alternative alone
GIVEAWAY_WORDINGS = [
    "优酷会员30天/15元",  # price by days
    "腾讯视频独享7天",  # exclusive for N days
    "请点本站链接购买",  # 请点本站 … 购买
    "需要的朋友看本站上边链接",  # 本站上边链接
    "腾讯视频VIP账号免费分享，每日更新",  # an account shared free, refreshed daily
    "今日爱奇艺会员账号分享",  # today's member accounts shared
    "Free Netflix premium accounts",  # English: free premium accounts
    "Netflix accounts updated daily",  # English: accounts updated daily
]


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (split on | outside groups and classes)."""
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    return [*parts, pattern[start:]]


def test_each_alternative_of_the_giveaway_rule_has_its_own_example():
    """The examples cover the giveaway rule alternative by alternative (the English group holds two, one
    example each): a deleted alternative leaves its example unmatched, which the next test catches."""
    alternatives = [re.compile(a) for a in _alternatives(GIVEAWAY.pattern.pattern)]
    matched = []
    for wording in GIVEAWAY_WORDINGS:
        hits = [index for index, a in enumerate(alternatives) if a.search(wording)]
        assert len(hits) == 1, (wording, hits)
        matched += hits
    assert sorted(set(matched)) == list(range(len(alternatives)))


@pytest.mark.parametrize("line", GIVEAWAY_WORDINGS)
def test_every_wording_of_an_account_giveaway_goes(line):
    kept, removed = filter_lines([BEFORE, line, AFTER])
    assert kept == [BEFORE, AFTER]
    assert [(r.rule, r.text) for r in removed] == [("giveaway-offer", line)]


@pytest.mark.parametrize(
    "run",
    [
        ["64DZ605leV5", "YM81gy780Bphi"],  # one token a line
        ["64DZ605leV5 YM81gy780Bphi", "12H ZW33vb3"],
        ["a1b2c3 d4e5f6 g7h8i9 j0k1l2", "m3n4o5 p6q7r8 s9t0u1 v2w3x4"],  # four tokens a line
    ],
)
def test_seed_shaped_credential_lines_go_anywhere_in_the_body(run):
    """Two or more lines of random letter-and-digit tokens (one to four a line) are a dump even in the middle
    of an article, with no giveaway or header beside them."""
    kept, removed = filter_lines([BEFORE, *run, AFTER])
    assert kept == [BEFORE, AFTER]
    assert [r.rule for r in removed] == ["credential-lines"] * len(run)


@pytest.mark.parametrize(
    "run",
    [
        ["a1b2c3 d4e5f6 g7h8i9 j0k1l2 m3n4o5", "p6q7r8 s9t0u1 v2w3x4 y5z6a7 b8c9d0"],  # five tokens: a table
        ["64DZ605leV5"],  # a single line proves nothing
        ["GB2312 UTF8", "ISO8859 abcdef"],  # a token without a digit
    ],
)
def test_token_lines_in_the_body_that_are_not_the_seed_shape_stay(run):
    body = [BEFORE, *run, AFTER]
    assert filter_lines(body) == (body, [])


@pytest.mark.parametrize(("status", "vendor"), [(412, "riversecurity"), (521, "jiasule")])
def test_a_challenge_status_is_a_challenge_whatever_the_body(status, vendor):
    """412 (瑞数 riversecurity) and 521 (加速乐 jiasule) answer with a script page whose body varies; the status
    alone says challenge, even over a page that reads like an article."""
    article = (
        "<html><body><p>"
        + "法院依法公开审理了一起民间借贷纠纷案件，当庭作出判决。" * 10
        + "</p></body></html>"
    )
    assert detect_challenge(200, {}, article) is None
    assert detect_challenge(status, {}, article) == f"challenge page: {vendor} (HTTP {status})"


# ---------------------------------------------------------------- challenge thresholds, at their edges
ENABLE_JS = "please enable javascript and refresh the page"


@pytest.mark.parametrize(("visible", "challenge"), [(400, True), (401, False)])
def test_an_enable_javascript_notice_is_a_challenge_only_on_a_page_of_at_most_400_characters(
    visible, challenge
):
    """A real article may mention JavaScript; the sign counts on a page with little text."""
    page = "<html><body><p>" + ENABLE_JS + "</p><p>{}</p></body></html>"
    filler = "某" * (visible - len(ENABLE_JS.replace(" ", "")))
    assert detect_challenge(200, {}, page.format(filler)) == (
        "challenge page: enable-javascript" if challenge else None
    )


@pytest.mark.parametrize(("before", "blocked"), [(35, True), (36, False)])
def test_a_block_sign_counts_only_in_a_notice_of_at_most_40_characters(before, blocked):
    """'访问被拦截' in a run of 40 characters is a block notice; in a longer sentence an article speaks of it."""
    page = "<html><body><p>" + "某" * before + "访问被拦截</p></body></html>"
    assert detect_challenge(200, {}, page) == ("block page: 访问被拦截" if blocked else None)


def test_scripts_and_styles_are_not_visible_text_however_they_are_written():
    """An app shell's inline script (on many lines, in capitals) holds no text a reader sees: the page is an
    empty shell, whatever the size of the script."""
    script = "<SCRIPT type='text/javascript'>\n" + "var data = '法院新闻内容';\n" * 200 + "</SCRIPT>"
    style = "<style>\n" + "p { color: red; }\n" * 50 + "</STYLE>"
    shell = f"<html><head>{style}</head><body><div id='app'></div>{script}</body></html>"
    assert detect_challenge(200, {}, shell) == "empty shell: under 100 characters of visible text"


def test_a_vendor_script_sign_is_a_challenge_even_on_a_page_full_of_text():
    """Only the enable-JavaScript and script-redirect signs need a page with little text; a 瑞数 or 加速乐 script
    is a challenge however much text surrounds it."""
    text = "<p>" + "法院依法公开审理了一起民间借贷纠纷案件，当庭作出判决。" * 40 + "</p>"
    ts = f"<html><head><script>$_ts=window['$_ts'];</script></head><body>{text}</body></html>"
    assert detect_challenge(200, {}, ts) == "challenge page: riversecurity"
    jsl = f"<html><body>{text}<script>document.cookie='__jsl_clearance=1'</script></body></html>"
    assert detect_challenge(200, {}, jsl) == "challenge page: jiasule"


@pytest.mark.parametrize(("visible", "shell"), [(99, True), (100, False)])
def test_a_page_is_an_empty_shell_below_100_visible_characters(visible, shell):
    page = "<html><body><div>" + "某" * visible + "</div></body></html>"  # no paragraph of 20 characters
    assert (detect_challenge(200, {}, page) or "").startswith("empty shell") is shell


@pytest.mark.parametrize(("before", "blocked"), [(35, True), (36, False)])
def test_the_notice_around_a_block_sign_is_measured_from_the_start_of_a_page_without_markup(before, blocked):
    """A block page served as plain text: the run before the sign starts at the first character."""
    assert (block_page("某" * before + "访问被拦截。") == "访问被拦截") is blocked


def test_the_notice_around_a_block_sign_starts_at_the_nearest_sentence_end():
    """Only the text since the last sentence end counts: '……。某某某某某访问被拦截' is a ten-character notice,
    however long the sentence before it."""
    assert block_page("<p>" + "某" * 30 + "。" + "某" * 5 + "访问被拦截</p>") == "访问被拦截"
    assert block_page("<p>" + "某" * 36 + "访问被拦截</p>") is None


@pytest.mark.parametrize(("visible", "blocked"), [(600, True), (601, False)])
def test_a_block_page_has_at_most_600_visible_characters(visible, blocked):
    page = "<html><body><p>您的访问已被拦截</p><div>{}</div></body></html>"
    filler = "某" * (visible - len("您的访问已被拦截"))
    assert (block_page(page.format(filler)) == "访问被拦截") is blocked
