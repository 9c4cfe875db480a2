"""The edges of line_rules.py's rules: the longest line each line rule applies to (a junk line of exactly that
many characters goes, one character more and it stays), the counter cut of byline lines and how many of them a
process remembers, the headlines that make a list of other articles (their length, the date and title of a
dated one, the heading above them, the count inside the body) and where such a list starts, and the page
numbers closing a body. A rule off by one here archives a counter, a disclaimer or a list of other articles
as the court's text, or cuts the court's own lines (a subheading, a timeline, a figure), only for the bodies
at its edge: these tests are those bodies.

The longest line of each rule, the size of the counter cache and the counts of cut_related and
cut_page_numbers are literals in line_rules.py, not constants; they are named here once, beside the line they
mirror, and every test builds its lines from them."""

from __future__ import annotations

import pytest

from crawler.extract.rules.line_rules import (
    HEADLINE_LINE,
    LINE_RULES,
    LIST_HEADING,
    MIN_TITLE,
    cut_page_numbers,
    cut_related,
    filter_lines,
    without_counters,
)

# the literals of line_rules.py
COUNTERS_REMEMBERED = 256  # @lru_cache(maxsize=...) of without_counters
LIST_INSIDE = 2  # cut_related: headlines after a heading that make a list inside the body
PAGE_NUMBERS = 2  # cut_page_numbers: bare numbers counting up from 1 that make a pager

BEFORE, AFTER = "法院依法审理此案。", "判决已经发生法律效力。"
# prose without whitespace, punctuation or any word a line rule looks for
PROSE = "今年以来该院持续深化诉源治理推动矛盾纠纷实质化解切实维护群众合法权益"
PARAGRAPH = (
    "本案中，原告主张被告应当承担违约责任，并提交了大量证据材料证明其主张，法院经审理后对上述证据予以采纳。"
)
HEADLINES = [
    "某法院召开党组会议",
    "某法院开展普法宣传活动",
    "某法院审结一起借款纠纷案",
    "某法院举办公众开放日",
]
HEADING = "相关阅读"

# Each line rule, the longest line it applies to (its max_len) and a line of its junk that can be padded to
# any length: (start, padding, end), the padding repeated between them. The padding is prose where the
# pattern is not anchored, and spaces where the pattern allows whitespace inside the line.
RULE_LINES: dict[str, tuple[int, tuple[str, str, str]]] = {
    "summary-line": (10_000, ("摘要：", PROSE, "")),  # the default of LineRule.max_len
    "giveaway-offer": (80, ("迅雷会员25天/4.5元", PROSE, "")),
    "contact-ad": (50, ("加微信 vip8866 领取", PROSE, "")),
    "credential-header": (24, ("账号", " ", "密码")),
    "popup-leftover": (24, ("会员登录", " ", "关闭")),
    "platform-disclaimer": (400, ("本文为澎湃号作者上传并发布", PROSE, "")),
    "stance-disclaimer": (300, ("仅代表作者本人观点", PROSE, "")),
    "takedown-notice": (150, ("如有侵权请联系删除", PROSE, "")),
    "platform-chrome": (30, ("", PROSE, "点个在看")),
    "wechat-chrome": (40, ("回复", " ", "【案例】查看更多")),
    "credit-line": (80, ("来源：", " ", "某某区人民法院")),
    "bare-timestamp": (30, ("2026年04月16日", " ", "17:22:47")),
    "print-share-chrome": (120, ("", PROSE, "字号：大 中 小")),
    "view-counter": (80, ("浏览次数：", " ", "123")),
    "reprint-notice": (300, ("转载请注明出处", PROSE, "")),
    "icon-glyphs": (12, ("\ue000", " ", "12")),
    "pager": (40, ("第1页", " ", "共3页")),
    "site-footer": (160, ("版权所有", PROSE, "")),
}


def rule_line(name: str, length: int) -> str:
    """A junk line of the rule `name` of exactly `length` characters."""
    start, padding, end = RULE_LINES[name][1]
    count = length - len(start) - len(end)
    line = start + (padding * (count // len(padding) + 1))[:count] + end
    assert len(line) == length
    return line


def test_every_line_rule_has_its_longest_line_here():
    assert sorted(RULE_LINES) == sorted(rule.name for rule in LINE_RULES)


@pytest.mark.parametrize("over", [False, True])
@pytest.mark.parametrize("name", RULE_LINES)
def test_a_line_rule_applies_to_lines_of_at_most_its_max_len_characters(name, over):
    """A line of a rule's junk as long as the rule's longest goes; one character more and no rule takes it
    (a longer line is a sentence that merely mentions the junk)."""
    line = rule_line(name, RULE_LINES[name][0] + over)
    kept, removed = filter_lines([BEFORE, line, AFTER])
    if over:
        assert (kept, removed) == ([BEFORE, line, AFTER], [])
    else:
        assert kept == [BEFORE, AFTER]
        assert [(r.rule, r.text) for r in removed] == [(name, line)]


# ---------------------------------------------------------------- visit counters cut from bylines
def test_a_visit_counter_is_cut_from_a_byline_and_the_name_before_it_ends_there():
    assert without_counters("来源：某某区人民法院 浏览次数：123") == "来源：某某区人民法院  | "
    assert without_counters("责编：张三 阅读数(1.2万) 字体：大 中 小") == "责编：张三  | 字体：大 中 小"
    assert without_counters("来源：某某区人民法院") == "来源：某某区人民法院"
    assert without_counters("") == ""


def test_the_counter_cut_of_the_last_counters_remembered_lines_is_remembered():
    """The source, author and editor finders each ask about the same byline: its cut is made once."""
    without_counters.cache_clear()
    lines = [f"来源：第{n}法庭 浏览次数：{n}" for n in range(COUNTERS_REMEMBERED + 1)]
    for line in lines:
        without_counters(line)
    assert without_counters.cache_info().currsize == COUNTERS_REMEMBERED  # one more made room
    for line in reversed(lines[1:]):  # the last ones asked, most recent first
        assert without_counters(line) == line.split(" ")[0] + "  | "
    info = without_counters.cache_info()
    assert (info.hits, info.misses) == (COUNTERS_REMEMBERED, COUNTERS_REMEMBERED + 1)
    without_counters(lines[0])  # the first was forgotten
    assert without_counters.cache_info().misses == COUNTERS_REMEMBERED + 2
    without_counters.cache_clear()


# ---------------------------------------------------------------- lists of other articles: headlines
def headline(length: int) -> str:
    """A headline of exactly `length` characters (no 。 at its end)."""
    return (PROSE * (length // len(PROSE) + 1))[:length]


@pytest.mark.parametrize("over", [False, True])
def test_a_list_item_is_a_headline_of_at_most_headline_line_characters(over):
    items = [headline(HEADLINE_LINE + over), HEADLINES[0]]
    body = [BEFORE, AFTER, HEADING, *items]
    kept, removed = cut_related(body)
    if over:  # a paragraph after the heading: the court quoting 相关阅读, with a short line after it
        assert (kept, removed) == (body, [])
    else:
        assert kept == [BEFORE, AFTER]
        assert [r.rule for r in removed] == ["related-links"]
        assert removed[0].text == " / ".join([HEADING, *items])


def test_a_related_heading_closing_the_body_goes_with_a_single_headline_after_it():
    for closing in ([HEADING, HEADLINES[0]], [HEADING]):
        kept, removed = cut_related([BEFORE, AFTER, *closing])
        assert kept == [BEFORE, AFTER]
        assert [(r.rule, r.text) for r in removed] == [("related-links", " / ".join(closing))]


def test_a_related_heading_opening_what_is_left_of_the_body_goes_with_its_headline():
    for lines in ([HEADING, HEADLINES[0]], [HEADING]):
        kept, removed = cut_related(lines)
        assert kept == []
        assert [(r.rule, r.text) for r in removed] == [("related-links", " / ".join(lines))]


def test_a_related_heading_is_recognised_whatever_whitespace_surrounds_it():
    # padded past a headline's length: the list closing the body starts at the line before its headlines
    padded = HEADING + " " * HEADLINE_LINE
    kept, removed = cut_related([BEFORE, AFTER, padded, HEADLINES[0]])
    assert kept == [BEFORE, AFTER]
    assert [r.rule for r in removed] == ["related-links"]


def test_a_related_heading_followed_by_a_paragraph_is_the_courts_text_whatever_follows():
    """相关链接 followed by a paragraph is the court quoting it: neither a short line after the paragraph nor
    a subheading and its paragraph make the heading a list."""
    closing = [BEFORE, HEADING, PARAGRAPH, HEADLINES[0]]
    assert cut_related(closing) == (closing, [])
    inside = [BEFORE, HEADING, PARAGRAPH, "二、典型案例", "三、工作成效", PARAGRAPH]
    assert cut_related(inside) == (inside, [])


@pytest.mark.parametrize("more", [False, True])
def test_a_heading_inside_the_body_makes_a_list_with_at_least_list_inside_headlines(more):
    items = HEADLINES[: LIST_INSIDE - 1 + more]
    body = [BEFORE, HEADING, *items, PARAGRAPH, AFTER]
    kept, removed = cut_related(body)
    if more:
        assert kept == [BEFORE, PARAGRAPH, AFTER]
        assert [(r.rule, r.text) for r in removed] == [("related-links", " / ".join([HEADING, *items]))]
    else:  # the court's own subheading after a heading word
        assert (kept, removed) == (body, [])


def test_a_list_inside_the_body_ends_at_its_last_headline():
    items = HEADLINES[:3]
    kept, removed = cut_related([BEFORE, HEADING, *items, PARAGRAPH, AFTER])
    assert kept == [BEFORE, PARAGRAPH, AFTER]
    assert removed[0].text == " / ".join([HEADING, *items])


def test_a_body_of_short_lines_only_is_kept_whole():
    # a notice of short lines, none a heading: every line is headline-length
    assert cut_related(HEADLINES) == (HEADLINES, [])
    assert cut_related([]) == ([], [])


# ---------------------------------------------------------------- lists of other articles: dated headlines
def dated(title_length: int, day: int = 2) -> str:
    return f"{headline(title_length)}（2024-01-{day:02d}）"


@pytest.mark.parametrize("over", [False, True])
def test_a_dated_headline_holds_at_least_min_title_characters_besides_its_date(over):
    items = [dated(MIN_TITLE - 1 + over, day) for day in (2, 3, 4)]
    body = [BEFORE, AFTER, *items]
    assert cut_related(body)[0] == ([BEFORE, AFTER] if over else body)


def test_a_body_of_dated_headlines_only_is_kept_whole():
    # a timeline page, or what is left of one: a list of other articles closes a body, something is above it
    for count in (3, 4):
        lines = [dated(MIN_TITLE, day) for day in range(1, count + 1)]
        assert cut_related(lines) == (lines, [])


def test_dated_headlines_closing_a_body_of_one_line_go():
    items = [dated(MIN_TITLE, day) for day in (2, 3, 4)]
    kept, removed = cut_related([PARAGRAPH, *items])
    assert kept == [PARAGRAPH]
    assert removed[0].text == " / ".join(items)


@pytest.mark.parametrize("over", [False, True])
def test_the_line_above_a_dated_list_is_its_heading_up_to_list_heading_characters(over):
    above = headline(LIST_HEADING + over)
    items = [dated(MIN_TITLE, day) for day in (2, 3, 4)]
    kept, removed = cut_related([BEFORE, above, *items])
    if over:  # a longer line is the article's last
        assert kept == [BEFORE, above]
        assert removed[0].text == " / ".join(items)
    else:
        assert kept == [BEFORE]
        assert removed[0].text == " / ".join([above, *items])


# ---------------------------------------------------------------- page numbers
@pytest.mark.parametrize("more", [False, True])
def test_page_numbers_are_at_least_page_numbers_bare_numbers_counting_up_from_1(more):
    numbers = [str(n) for n in range(1, PAGE_NUMBERS + more)]
    kept, removed = cut_page_numbers([BEFORE, *numbers])
    if more:
        assert kept == [BEFORE]
        assert [(r.rule, r.text) for r in removed] == [("pager", " ".join(numbers))]
    else:  # a lone 1 closing the body may be text (an item of a list, a figure)
        assert (kept, removed) == ([BEFORE, *numbers], [])


def test_a_body_of_bare_numbers_only_is_judged_without_a_line_before_them():
    kept, removed = cut_page_numbers(["1", "2"])
    assert kept == [] and [(r.rule, r.text) for r in removed] == [("pager", "1 2")]
    assert cut_page_numbers(["2019"]) == (["2019"], [])
    assert cut_page_numbers([]) == ([], [])
