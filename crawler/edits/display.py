"""Showing edits to a reader: one paragraph with its changes marked inline, and one Chinese line per edit.

The inline diff compares characters (difflib on the paragraph's text), so a changed character of Chinese
is marked on its own and the paragraph is shown once: ``[-deleted-]{+inserted+}`` without colour, or red
struck / green underlined with ANSI colour. Neighbouring stretches split by one or two equal characters are
merged, so a reworded phrase reads as one deletion and one insertion rather than a comb of fragments.
"""

from __future__ import annotations

from crawler.edits.classify import Edit, EditReport
from crawler.edits.text import char_opcodes, paragraphs

_PLAIN = ("[-", "-]", "{+", "+}")
_ANSI = ("\x1b[31;9m", "\x1b[0m", "\x1b[32;4m", "\x1b[0m")
_FIELD_NAMES = {
    "title": "标题",
    "published": "发布时间",
    "source_name": "来源",
    "author": "作者",
    "editor": "编辑",
    "body": "正文",
}
_SHORT = 40  # characters of a sentence quoted in a summary line


def _stretches(old: str, new: str) -> list[tuple[str, str, str]]:
    """(equal, deleted, inserted) triples covering both texts, with equal runs of one or two characters
    between changes folded into the change."""
    result: list[list[str]] = []
    for tag, i1, i2, j1, j2 in char_opcodes(old, new):
        if tag == "equal":
            result.append([old[i1:i2], "", ""])
        elif result and not result[-1][0] and (result[-1][1] or result[-1][2]):
            result[-1][1] += old[i1:i2]
            result[-1][2] += new[j1:j2]
        else:
            result.append(["", old[i1:i2], new[j1:j2]])
    merged: list[list[str]] = []
    for index, (equal, deleted, inserted) in enumerate(result):
        is_short_gap = (
            equal and len(equal) <= 2 and 0 < index < len(result) - 1 and merged and not merged[-1][0]
        )
        if is_short_gap:
            merged[-1][1] += equal
            merged[-1][2] += equal
        elif not equal and merged and not merged[-1][0]:
            merged[-1][1] += deleted
            merged[-1][2] += inserted
        else:
            merged.append([equal, deleted, inserted])
    return [(e, d, i) for e, d, i in merged]


def inline_diff(old: str, new: str, colour: bool = False) -> str:
    """One paragraph with deletions and insertions marked in place (see the module's rule)."""
    open_del, close_del, open_ins, close_ins = _ANSI if colour else _PLAIN
    parts: list[str] = []
    for equal, deleted, inserted in _stretches(old, new):
        parts.append(equal)
        if deleted:
            parts.append(f"{open_del}{deleted}{close_del}")
        if inserted:
            parts.append(f"{open_ins}{inserted}{close_ins}")
    return "".join(parts)


def _quote(text: str | None) -> str:
    text = text or ""
    return f"「{text[:_SHORT]}…」" if len(text) > _SHORT else f"「{text}」"


def summary_line(edit: Edit | dict) -> str:
    """One line of plain Chinese for an edit: 第 9 段：22万元 → 22余万元, 删除第 4 段, 标题修改：旧 → 新."""
    e = edit if isinstance(edit, Edit) else Edit(**edit)
    where = f"第 {e.paragraph} 段" if e.paragraph else ""
    if e.sentence:
        where += f"第 {e.sentence} 句"
    name = _FIELD_NAMES.get(e.field, e.field)
    if e.kind.endswith("_changed") and e.field != "body":
        return f"{name}修改：{e.old or '（无）'} → {e.new or '（无）'}"
    lines = {
        "paragraph_added": f"新增第 {e.paragraph} 段：{_quote(e.new)}",
        "paragraph_removed": f"删除第 {e.paragraph} 段：{_quote(e.old)}",
        "paragraph_moved": f"第 {e.paragraph} 段移动了位置：{_quote(e.new)}",
        "sentence_added": f"{where}：新增一句 {_quote(e.new)}",
        "sentence_removed": f"{where}：删除一句 {_quote(e.old)}",
        "sentence_edited": f"{where}：改写 {_quote(e.new)}",
        "number_changed": f"{where}：{e.old} → {e.new}（数字）",
        "date_changed": f"{where}：{e.old} → {e.new}（日期）",
        "name_masked": f"{where}：{e.old} → {e.new}（姓名隐去）",
        "name_changed": f"{where}：{e.old} → {e.new}（姓名）",
        "cosmetic": f"{name}{where and '：' + where}：仅空白或标点写法不同",
    }
    return lines.get(e.kind, f"{where}：{e.kind}")


def summary_lines(report_edits: list[Edit] | list[dict]) -> list[str]:
    """The summary line of every edit, in the report's order."""
    return [summary_line(e) for e in report_edits]


def render_text(report: EditReport, old: dict, new: dict, colour: bool = False) -> str:
    """A report for a terminal: a line saying whether it matters and its size, the list of edits in Chinese,
    then each edited paragraph once with its changes marked inline (a removed or added paragraph marked
    whole), and an edited title the same way. Identical versions: one line saying so."""
    if not report.edits:
        return "两个版本相同：没有修改\n"
    open_del, close_del, open_ins, close_ins = _ANSI if colour else _PLAIN
    verdict = "有实质修改" if report.significant else "仅格式修改（不重要）"
    lines = [
        f"{verdict}：{', '.join(report.kinds)}  (+{report.chars_inserted}/−{report.chars_deleted} 字)",
        "",
        "修改列表：",
    ]
    lines += [f"  {n}. {line}" for n, line in enumerate(summary_lines(report.edits), 1)]
    old_paras, new_paras = paragraphs(old.get("body")), paragraphs(new.get("body"))
    shown: list[str] = []
    if any(e.kind == "title_changed" for e in report.edits):
        shown.append("标题：" + inline_diff(old.get("title") or "", new.get("title") or "", colour))
    for e in report.edits:
        if e.kind == "paragraph_removed" and e.paragraph:
            shown.append(f"原第 {e.paragraph} 段（删除）：{open_del}{e.old}{close_del}")
        elif e.kind == "paragraph_added" and e.paragraph:
            shown.append(f"第 {e.paragraph} 段（新增）：{open_ins}{e.new}{close_ins}")
    for old_number, new_number in report.paired:
        before, after = old_paras[old_number - 1], new_paras[new_number - 1]
        shown.append(f"第 {new_number} 段：{inline_diff(before, after, colour)}")
    if shown:
        lines += ["", *shown]
    return "\n".join(lines) + "\n"
