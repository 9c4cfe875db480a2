"""Visit counters and bylines judged by their shape (crawler/extract/counters.py, metadata.byline_shaped): any
line of counter words beside numbers goes, in any wording and order a site prints, and so does a byline line
at the body's edge; a short sentence with a number, or a label run into a sentence, stays. And the comparison
of two bodies that differ only in a counter's numbers."""

from __future__ import annotations

import itertools

import pytest

from crawler.extract import extract_html
from crawler.extract.counters import counter_shaped, differ_only_in_counters
from crawler.extract.metadata import byline_shaped
from crawler.extract.rules.line_rules import cut_edge_counters, filter_lines

URL = "http://court.invalid/a/1.html"
PARAGRAPH = "某某区人民法院依法公开开庭审理了这起合同纠纷案件，判决被告支付原告货款十二万元及利息，并承担本案诉讼费用。"

# the wordings of issue 24, none of them in the old table of counter wordings
ISSUE_WORDINGS = [
    "【阅读次数：123】",
    "共有123位读者阅读",
    "阅读 123\u3000点赞 4\u3000分享",
    "浏览量：123",
    "点击数：123次",
]
# counters built from the parts counters print: an action, a unit or filler, a number, brackets and separators.
# Their combinations are not listed anywhere in the rule: the shape takes them all.
ACTIONS = ["阅读", "浏览", "点击", "访问", "点赞", "分享", "在看", "评论", "收藏", "转发", "围观", "播放"]
SHAPES = [
    "{a}：{n}",
    "{a}量 {n}",
    "{a}数：{n}次",
    "【{a}：{n}】",
    "[{a} {n}]",
    "{a}({n})",
    "已{a}{n}次",
    "被{a} {n} 次",
    "{n}人{a}",
    "{n} 次{a}",
    "共有{n}位读者{a}",
    "本文已被{a}{n}次",
    "累计{a} {n}",
    "{a}人次：{n}",
]
NUMBERS = ["7", "1,024", "3.2万", "10万+", "１２３"]  # full-width digits too


def generated_counters() -> list[str]:
    lines = [shape.format(a=a, n=n) for shape, a, n in itertools.product(SHAPES, ACTIONS, NUMBERS[:2])]
    lines += [shape.format(a="阅读", n=n) for shape, n in itertools.product(SHAPES, NUMBERS[2:])]
    # bars of several counters, joined as sites join them
    for (a, b), sep in itertools.product(
        itertools.combinations(ACTIONS[:6], 2), [" ", "　", " | ", " · ", "/"]
    ):
        lines.append(f"{a} 12{sep}{b} 3{sep}分享")
    return lines


COUNTERS = (
    ISSUE_WORDINGS
    + generated_counters()
    + ["1,024 views · 12 likes", "Page views: 88", "【字体：大 中 小】 阅读 12 【打印】"]
)

# short lines with a number that are the court's text, and counters' words that are no counter
LOOK_ALIKES = [
    "判处有期徒刑3年",
    "共有3名被告人",
    "共有3人",
    "旁听群众达200人次",
    "该案庭审直播累计观看人次达12万，点击量居全省法院首位。",
    "截至目前，平台累计访问量：120万",
    "共3次开庭",
    "被告人点击链接3次后被骗。",
    "阅读理解",
    "2381",
    "第3条",
    "阅读 2024-01-02",  # a date line: the byline rules' to read
    "浏览 2024年1月2日 10:30",
    "被告人先后访问12次",
    "原告分享3次后删除",
    "本院共受理案件1,024件",
    "阅读100本书",
    "点赞3次的网友被告上法庭",
]


@pytest.mark.parametrize("line", COUNTERS)
def test_a_counter_shaped_line_is_dropped_wherever_it_stands(line):
    assert counter_shaped(line)
    for body in ([PARAGRAPH, line], [line, PARAGRAPH], [PARAGRAPH, line, PARAGRAPH]):
        kept, removed = filter_lines(body)
        assert kept == [PARAGRAPH] * body.count(PARAGRAPH)
        # the rule that takes it may be another chrome rule listed before ('7人在看' is WeChat's bar)
        assert [r.rule for r in removed] in (["view-counter"], ["print-share-chrome"], ["platform-chrome"])


@pytest.mark.parametrize("line", LOOK_ALIKES)
def test_a_short_sentence_with_a_number_is_kept(line):
    assert not counter_shaped(line)
    assert filter_lines([PARAGRAPH, line])[0] == [PARAGRAPH, line]
    assert cut_edge_counters([line]) == ([line], [])


@pytest.mark.parametrize("counter", ISSUE_WORDINGS + ["共有1,024位读者阅读", "阅读 12 | 点赞 3"])
def test_a_counter_after_the_text_of_a_line_is_cut_and_the_text_kept(counter):
    for glue in (" ", "。", " | "):
        line = "当事人当庭表示服判息诉" + glue + counter
        kept, removed = cut_edge_counters([line])
        assert kept == ["当事人当庭表示服判息诉" + ("。" if glue == "。" else "")]
        assert [r.rule for r in removed] == ["view-counter"]


@pytest.mark.parametrize("counter", ISSUE_WORDINGS + ["共有56位读者阅读", "点赞 3 | 收藏 2 | 分享"])
def test_a_counter_closing_an_article_page_is_neither_body_nor_metadata(counter):
    html = (
        "<html><head><title>某法院审结一起合同纠纷案</title></head><body><h1>某法院审结一起合同纠纷案</h1>"
        "<div class='info'>发布时间：2024-01-02 来源：某某区人民法院</div>"
        f"<div class='content'>{f'<p>{PARAGRAPH}</p>' * 4}<p>{counter}</p></div></body></html>"
    )
    article = extract_html(html, URL)
    assert article.body.splitlines()[-1] == PARAGRAPH
    assert article.source_name == "某某区人民法院"


# ---------------------------------------------------------------- bylines at the body's edges
BYLINES = {  # line -> (author, editor, source) read from it
    "通讯员 李四": ("李四", None, None),
    "记者 张三 通讯员 李四": ("张三、李四", None, None),
    "（记者 张三 通讯员 李四）": ("张三、李四", None, None),
    "（通讯员 李四）": ("李四", None, None),
    "文/张三": ("张三", None, None),
    "作者 张三": ("张三", None, None),
    "本文来源：某某区人民法院": (None, None, "某某区人民法院"),
    "（来源：某某区人民法院）": (None, None, "某某区人民法院"),
    "[责任编辑：王五]": (None, "王五", None),
    "责任编辑 王五": (None, "王五", None),
    "供稿：民一庭": (None, None, None),
    "编辑 王五": (None, None, None),  # a plain 编辑 with a space: dropped, not read (编辑 is also a verb)
    "摄影 赵六 李七": (None, None, None),
}
BYLINE_LOOK_ALIKES = [
    "记者从某某区人民法院获悉，该案已审结。",
    "作者系某某区人民法院法官",
    "编辑部全体人员参加了会议。",
    "来源于群众的意见建议",
    "通讯员队伍建设座谈会",
]


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("line", BYLINES)
def test_a_byline_line_at_the_body_edge_becomes_metadata(line, where):
    assert byline_shaped(line)
    body = [f"<p>{line}</p>", *[f"<p>{PARAGRAPH}</p>"] * 4]
    if where == "last":
        body = body[1:] + body[:1]
    html = f"<html><head><title>标题</title></head><body><h1>标题</h1><div class='content'>{''.join(body)}</div></body></html>"
    article = extract_html(html, URL)
    assert article.body.splitlines() == [PARAGRAPH] * 4
    assert (article.author, article.editor, article.source_name) == BYLINES[line]


@pytest.mark.parametrize("line", BYLINE_LOOK_ALIKES)
def test_a_label_run_into_a_sentence_is_no_byline(line):
    assert not byline_shaped(line)
    html = (
        "<html><head><title>标题</title></head><body><h1>标题</h1><div class='content'>"
        f"<p>{line}</p>{f'<p>{PARAGRAPH}</p>' * 3}<p>{line}</p></div></body></html>"
    )
    lines = extract_html(html, URL).body.splitlines()
    assert lines[0] == line and lines[-1] == line


# ---------------------------------------------------------------- comparing two captures
@pytest.mark.parametrize(
    "counter", ["阅读 {n}", "共有{n}位读者阅读", "【阅读次数：{n}】", "阅读 {n} 点赞 {m} 分享", "浏览量：{n}"]
)
def test_bodies_that_differ_only_in_a_counter_line_differ_only_in_counters(counter):
    old = "\n".join([PARAGRAPH, counter.format(n=57, m=3), PARAGRAPH])
    new = "\n".join([PARAGRAPH, counter.format(n=1058, m=4), PARAGRAPH])
    assert differ_only_in_counters(old, new)
    tail_old, tail_new = (
        f"当事人表示服判。{counter.format(n=5, m=1)}",
        f"当事人表示服判。{counter.format(n=6, m=2)}",
    )
    assert differ_only_in_counters(tail_old, tail_new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("判处有期徒刑3年", "判处有期徒刑4年"),  # a sentence's number
        ("共有3名被告人", "共有4名被告人"),
        ("旁听群众达200人次", "旁听群众达300人次"),
        (f"{PARAGRAPH}\n阅读 5", f"{PARAGRAPH}\n阅读 6\n新增一段"),  # a line more
        (f"{PARAGRAPH}\n阅读 5", PARAGRAPH),  # the counter went away: a change of the text's shape
        ("当事人表示服判。阅读 5", "当事人表示不服。阅读 6"),  # the text before the counter changed too
        ("阅读 2024-01-02", "阅读 2024-01-03"),  # a date is no counter
        (PARAGRAPH, PARAGRAPH),  # identical texts do not differ at all
    ],
)
def test_any_other_difference_is_an_edit(old, new):
    assert not differ_only_in_counters(old, new)
