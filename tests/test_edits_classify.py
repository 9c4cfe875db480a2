"""Change forensics: each kind of edit is named as that kind (and no other) with its place, whatever its
variant; style-only differences are cosmetic and not significant; identical versions have no edits; the JSON
form has exactly its keys; the display marks a single changed character and says each edit in Chinese."""

from __future__ import annotations

import json

import pytest

from crawler.edits import KINDS, classify_edits, inline_diff, render_text, summary_line
from crawler.edits.text import sentences

# a court news article written for these tests (not copied from any site)
BASE = {
    "title": "市中级人民法院审结一起合同诈骗案",
    "published": "2024-03-05 10:00:00",
    "source_name": "市中级人民法院",
    "author": "王明",
    "editor": "李华",
    "body": "\n".join(
        [
            "2024年3月1日，市中级人民法院公开开庭审理了被告人张三合同诈骗一案。",
            "法院经审理查明，被告人张三以虚构工程项目为名，骗取被害人钱款共计22万元。案发后，张三退还了部分赃款。",
            "法院认为，被告人张三以非法占有为目的，在签订、履行合同过程中骗取他人财物，数额巨大，其行为已构成合同诈骗罪。",
            "据此，法院判处被告人张三有期徒刑三年，并处罚金人民币五万元。",
            "审判长刘洋表示，本案的审理对于规范市场秩序具有警示意义。",
            "宣判后，被告人当庭表示服从判决，不上诉。",
        ]
    ),
}
PARAS = BASE["body"].split("\n")


def with_body(paras: list[str], **fields: str) -> dict:
    return {**BASE, **fields, "body": "\n".join(paras)}


def replaced(index: int, old: str, new: str, everywhere: bool = False) -> dict:
    paras = list(PARAS)
    if everywhere:
        paras = [p.replace(old, new) for p in paras]
    else:
        assert old in paras[index]
        paras[index] = paras[index].replace(old, new, 1)
    return with_body(paras)


def kinds_of(new: dict, old: dict = BASE) -> list[str]:
    return classify_edits(old, new).kinds


METADATA = [
    ("title_changed", {**BASE, "title": "市中院审结一起合同诈骗案件"}),
    ("title_changed", {**BASE, "title": "市中级人民法院审结一起合同诈骗案（更新）"}),
    ("published_changed", {**BASE, "published": "2024-03-06 10:00:00"}),
    ("published_changed", {**BASE, "published": None}),
    ("source_changed", {**BASE, "source_name": "人民法院报"}),
    ("author_changed", {**BASE, "author": "赵敏"}),
    ("author_changed", {**BASE, "author": ""}),
    ("editor_changed", {**BASE, "editor": "陈静"}),
]


@pytest.mark.parametrize(("kind", "new"), METADATA, ids=[f"{k}-{i}" for i, (k, _) in enumerate(METADATA)])
def test_metadata_edits_are_named_by_their_field(kind, new):
    report = classify_edits(BASE, new)
    assert report.kinds == [kind] and report.significant
    (edit,) = report.edits
    assert (edit.paragraph, edit.sentence) == (None, None)


STRUCTURE = [
    ("paragraph_removed", with_body(PARAS[:3] + PARAS[4:]), 4),
    ("paragraph_removed", with_body(PARAS[1:]), 1),
    (
        "paragraph_added",
        with_body(PARAS[:2] + ["法院同时提醒广大群众，签订合同时应核实对方身份。"] + PARAS[2:]),
        3,
    ),
    ("paragraph_added", with_body([*PARAS, "本案由市中级人民法院刑事审判庭审理。"]), 7),
    ("paragraph_moved", with_body([PARAS[4], *PARAS[:4], PARAS[5]]), 1),
    ("paragraph_moved", with_body([PARAS[0], PARAS[2], PARAS[3], PARAS[4], PARAS[1], PARAS[5]]), 5),
]


@pytest.mark.parametrize(
    ("kind", "new", "paragraph"), STRUCTURE, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(STRUCTURE)]
)
def test_paragraphs_added_removed_or_moved(kind, new, paragraph):
    report = classify_edits(BASE, new)
    assert report.kinds == [kind]
    assert [e.paragraph for e in report.edits] == [paragraph]


def test_sentence_added_and_removed_inside_a_kept_paragraph():
    two = PARAS[1]
    first, second = sentences(two)
    removed = classify_edits(BASE, replaced(1, second, ""))
    assert removed.kinds == ["sentence_removed"]
    assert [(e.paragraph, e.sentence, e.old) for e in removed.edits] == [(2, 2, second)]
    added = classify_edits(BASE, replaced(3, "据此，", "公诉机关当庭出示了证据。据此，"))
    assert added.kinds == ["sentence_added"]
    assert [(e.paragraph, e.sentence, e.new) for e in added.edits] == [(4, 1, "公诉机关当庭出示了证据。")]


WORDING = [
    replaced(2, "数额巨大", "情节严重"),
    replaced(4, "具有警示意义", "有重要的警示作用"),
    replaced(5, "当庭", ""),
    replaced(0, "公开开庭审理了", "依法审理了"),
]


@pytest.mark.parametrize("new", WORDING, ids=range(len(WORDING)))
def test_words_replaced_in_a_sentence_are_sentence_edited(new):
    report = classify_edits(BASE, new)
    assert report.kinds == ["sentence_edited"]
    (edit,) = report.edits
    assert edit.old != edit.new and edit.paragraph and edit.sentence


FACTS = [
    ("number_changed", replaced(1, "22万元", "22余万元"), "22万元", "22余万元"),
    ("number_changed", replaced(1, "22万元", "25万元"), "22万元", "25万元"),
    ("number_changed", replaced(3, "有期徒刑三年", "有期徒刑三年六个月"), None, None),
    ("number_changed", replaced(3, "有期徒刑三年", "有期徒刑五年"), "三年", "五年"),
    ("number_changed", replaced(3, "五万元", "十万元"), "五万元", "十万元"),
    ("date_changed", replaced(0, "2024年3月1日", "2024年3月4日"), "2024年3月1日", "2024年3月4日"),
    ("date_changed", replaced(0, "2024年3月1日", "2024年2月1日"), "2024年3月1日", "2024年2月1日"),
    ("date_changed", replaced(5, "宣判后，", "本月8日宣判后，"), None, None),
    ("date_changed", replaced(0, "2024年3月1日", "2024-03-01"), "2024年3月1日", "2024-03-01"),
    ("name_masked", replaced(0, "张三", "张某", everywhere=True), "张三", "张某"),
    ("name_masked", replaced(0, "张三", "张某某", everywhere=True), "张三", "张某某"),
    ("name_masked", replaced(0, "张三", "张×", everywhere=True), "张三", "张×"),
    ("name_masked", replaced(4, "刘洋", "刘某"), "刘洋", "刘某"),
    ("name_changed", replaced(0, "张三", "李四", everywhere=True), "张三", "李四"),
    ("name_changed", replaced(4, "刘洋", "周海涛"), "刘洋", "周海涛"),
]


@pytest.mark.parametrize(
    ("kind", "new", "old_fact", "new_fact"), FACTS, ids=[f"{k}-{i}" for i, (k, *_) in enumerate(FACTS)]
)
def test_a_fact_alone_replaces_sentence_edited(kind, new, old_fact, new_fact):
    report = classify_edits(BASE, new)
    assert report.kinds == [kind]
    if old_fact is not None:
        assert {(e.old, e.new) for e in report.edits} == {(old_fact, new_fact)}


def test_a_name_without_context_replaced_throughout_is_a_name():
    old = {"body": "张伟参加了会议。\n会后张伟走访了社区。"}
    new = {"body": "李强参加了会议。\n会后李强走访了社区。"}
    report = classify_edits(old, new)
    assert report.kinds == ["name_changed"] and {(e.old, e.new) for e in report.edits} == {("张伟", "李强")}
    once = {"body": "张伟参加了会议。\n会后他走访了社区。"}  # once, without context: words, not a name
    assert classify_edits(once, {"body": "李强参加了会议。\n会后他走访了社区。"}).kinds == ["sentence_edited"]


def test_a_fact_and_words_in_one_sentence_are_both_named():
    new = replaced(3, "有期徒刑三年，并处罚金", "有期徒刑五年，同时处以罚金")
    assert kinds_of(new) == ["number_changed", "sentence_edited"]


COSMETIC = [
    replaced(1, "，", ","),
    replaced(5, "不上诉。", "不上诉."),
    replaced(0, "2024年", "2024 年"),
    replaced(2, "法院认为", "法院认为\u3000"),
    with_body([p.replace("“", "「").replace("”", "」") + "  " for p in PARAS]),
    with_body(PARAS, title=BASE["title"].replace("一起", "一起 ")),
    {**BASE, "body": BASE["body"].replace("\n", "\n\n")},
    with_body([PARAS[0] + PARAS[1], *PARAS[2:]]),  # only where a line breaks
]


@pytest.mark.parametrize("new", COSMETIC, ids=range(len(COSMETIC)))
def test_style_only_differences_are_cosmetic_and_not_significant(new):
    report = classify_edits(BASE, new)
    if new == BASE or new["body"] == BASE["body"] and new["title"] == BASE["title"]:
        assert report.edits == []
    else:
        assert report.kinds == ["cosmetic"]
    assert report.significant is False


def test_quotes_restyled_beside_a_real_edit_name_both():
    new = replaced(4, "审判长刘洋表示，", "审判长刘洋表示,")
    new["body"] = new["body"].replace("22万元", "23万元")
    assert kinds_of(new) == ["cosmetic", "number_changed"]
    assert classify_edits(BASE, new).significant


def test_a_retitled_title_with_its_quotes_restyled_names_both():
    old = {**BASE, "title": "法院发布“十大案例”"}
    new = {**BASE, "title": "法院发布「十大典型案例」"}
    assert kinds_of(new, old) == ["cosmetic", "title_changed"]


@pytest.mark.parametrize("version", [BASE, {**BASE, "body": ""}, {"title": "只有标题"}, {}])
def test_identical_versions_have_no_edits(version):
    report = classify_edits(version, dict(version))
    assert report.as_dict() == {
        "significant": False,
        "kinds": [],
        "edits": [],
        "chars_deleted": 0,
        "chars_inserted": 0,
    }


def test_json_form_has_exactly_its_keys_and_counts_characters():
    new = replaced(1, "22万元", "22余万元")
    new["title"] = "新标题"
    data = json.loads(classify_edits(BASE, new).to_json())
    assert list(data) == ["significant", "kinds", "edits", "chars_deleted", "chars_inserted"]
    assert data["kinds"] == sorted(data["kinds"]) and set(data["kinds"]) <= set(KINDS)
    assert all(list(e) == ["kind", "field", "old", "new", "paragraph", "sentence"] for e in data["edits"])
    assert (data["chars_deleted"], data["chars_inserted"]) == (0, 1)  # the body's 余; titles are not counted
    removed = classify_edits(BASE, with_body(PARAS[:5])).as_dict()
    assert removed["chars_deleted"] == len(PARAS[5]) and removed["chars_inserted"] == 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("会议强调，要高度重视审判质效。", "会议强调，要充分重视审判质效。"),  # no person context at all
        ("院长高度重视这项工作。", "院长充分重视这项工作。"),  # after a title, but the new words are no name
        ("法官司法为民，耐心释法。", "法官公正为民，耐心释法。"),
    ],
)
def test_words_after_a_title_are_not_a_name(old, new):
    """A changed word is a name only when both sides are written as names (a surname and one or two
    characters, or a masked form) and one of them is named as a person somewhere in the article."""
    assert classify_edits({"body": old}, {"body": new}).kinds == ["sentence_edited"]


@pytest.mark.parametrize(
    ("old", "new", "marked"),
    [
        ("罚金22万元。", "罚金22余万元。", "罚金22{+余+}万元。"),
        ("判处有期徒刑三年。", "判处有期徒刑五年。", "判处有期徒刑[-三-]{+五+}年。"),
        ("被告人张三犯罪。", "被告人犯罪。", "被告人[-张三-]犯罪。"),
    ],
)
def test_inline_diff_marks_single_characters_and_shows_the_paragraph_once(old, new, marked):
    assert inline_diff(old, new) == marked
    coloured = inline_diff(old, new, colour=True)
    assert "\x1b[" in coloured and "[-" not in coloured


def test_summary_lines_in_chinese():
    report = classify_edits(BASE, replaced(1, "22万元", "22余万元"))
    assert [summary_line(e) for e in report.edits] == ["第 2 段第 1 句：22万元 → 22余万元（数字）"]
    assert summary_line(classify_edits(BASE, with_body(PARAS[:3] + PARAS[4:])).edits[0]).startswith(
        "删除第 4 段"
    )
    assert summary_line(classify_edits(BASE, {**BASE, "title": "新"}).edits[0]).startswith("标题修改")


def test_render_text_lists_edits_then_marks_the_paragraph():
    new = replaced(3, "有期徒刑三年", "有期徒刑五年")
    text = render_text(classify_edits(BASE, new), BASE, new)
    assert text.index("修改列表") < text.index("[-三-]{+五+}")
    assert text.count(PARAS[3][:8]) == 1  # the paragraph once, not twice
    assert render_text(classify_edits(BASE, BASE), BASE, BASE) == "两个版本相同：没有修改\n"


def test_a_long_unpunctuated_paragraph_edited_once_is_one_sentence_edited():
    """A paragraph of one 20,000-character sentence (a table flattened, a page without punctuation) is
    compared on what lies between its unchanged start and end, and still names the one edit."""
    filler = "".join("法院审理判决执行调解案件当事人依法公开"[i % 19] for i in range(20_000))
    old = {"body": filler}
    new = {"body": filler[:10_000] + "重新" + filler[10_004:]}
    report = classify_edits(old, new)
    assert report.kinds == ["sentence_edited"]
    assert (report.chars_deleted, report.chars_inserted) == (4, 2)
