"""`compare` (two saved pages) and `diff` (two archived versions) print the classified edits: one JSON object
with --json, the edits then the paragraph marked once otherwise; bad input answers in one line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from archive import ArticleFields, Capture, open_archive, record, start_run
from crawler.cli.compare import compare_command, diff_command
from tests.seed_layouts import LAYOUTS

URL = "https://court.example.cn/a/1.html"


def pages(tmp_path, old: str, new: str):
    a, b = tmp_path / "old.html", tmp_path / "new.html"
    a.write_text(old, "utf-8")
    b.write_text(new, "utf-8")
    return str(a), str(b)


def test_compare_json_names_the_edit(tmp_path):
    html = LAYOUTS["sibling-paragraphs"]()
    assert "102周年" in html
    old, new = pages(tmp_path, html, html.replace("102周年", "103周年"))
    result = CliRunner().invoke(compare_command, [old, new, "--url", URL, "--json"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()  # exactly one object
    data = json.loads(line)
    assert list(data) == ["significant", "kinds", "edits", "chars_deleted", "chars_inserted"]
    assert (data["significant"], data["kinds"]) == (True, ["number_changed"])
    assert [(e["old"], e["new"]) for e in data["edits"]] == [("102周年", "103周年")]


def test_compare_text_lists_edits_then_marks_characters(tmp_path):
    html = LAYOUTS["sibling-paragraphs"]()
    old, new = pages(tmp_path, html, html.replace("102周年", "103周年"))
    result = CliRunner().invoke(compare_command, [old, new, "--no-color"])
    assert result.exit_code == 0, result.output
    assert result.output.index("修改列表") < result.output.index("10[-2-]{+3+}周年")
    assert "\x1b[" not in result.output
    coloured = CliRunner().invoke(compare_command, [old, new, "--color"])
    assert "\x1b[" in coloured.output and "[-2-]" not in coloured.output


def test_identical_pages_are_not_significant(tmp_path):
    html = LAYOUTS["sibling-paragraphs"]()
    old, new = pages(tmp_path, html, html)
    result = CliRunner().invoke(compare_command, [old, new, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {
        "significant": False,
        "kinds": [],
        "edits": [],
        "chars_deleted": 0,
        "chars_inserted": 0,
    }


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not an HTML page"),
        ("只是一段纯文本，没有任何标签。".encode(), "not an HTML page"),
        (b"<html><body></body></html>", "empty page"),
    ],
)
def test_bad_input_answers_in_one_line_naming_the_file(tmp_path, content, says):
    good = tmp_path / "good.html"
    good.write_text(LAYOUTS["sibling-paragraphs"](), "utf-8")
    bad = tmp_path / "bad.html"
    bad.write_bytes(content)
    result = CliRunner().invoke(compare_command, [str(good), str(bad), "--json"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "bad.html" in lines[0] and says in lines[0]
    assert "Traceback" not in result.output


def test_diff_classifies_two_archived_versions(tmp_path):
    path = tmp_path / "a.db"
    db = open_archive(path)
    run = start_run(db, "s")
    body = "被告人张三犯盗窃罪。\n法院判处其有期徒刑三年。"
    for text in (body, body.replace("张三", "张某")):
        record(
            db,
            run,
            Capture(url=URL, source="s", status=200, raw=b"<html></html>"),
            "article",
            ArticleFields(title="宣判", body=text),
        )
    db.close()
    result = CliRunner().invoke(diff_command, [URL, "--db", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kinds"] == ["name_masked"]
    text = CliRunner().invoke(diff_command, [URL, "1", "2", "--db", str(path), "--no-color"])
    assert "张[-三-]{+某+}" in text.output and "（姓名隐去）" in text.output
    missing = CliRunner().invoke(diff_command, [URL, "1", "9", "--db", str(path)])
    assert missing.exit_code == 1 and len(missing.output.strip().splitlines()) == 1
