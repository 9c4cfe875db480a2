"""`make demo` end to end: serve, crawl, edit, remove, crawl with revisits, summarise."""

from __future__ import annotations

from click.testing import CliRunner

from archive import open_archive
from crawler.cli import main


def test_demo_shows_changes_and_removals(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "v2 changed" in result.output and "1002.html" in result.output
    assert "v2 removed" in result.output and "1003.html" in result.output
    assert "datasette" in result.output and "sqlite-utils" in result.output
    db = open_archive(tmp_path / "demo.db")
    seed = next(iter(db.query("SELECT body, removed_blocks FROM versions WHERE title LIKE '镇原县%'")))
    assert "以迅雷不及掩耳之势" in seed["body"]
    assert (
        "迅雷会员" not in seed["body"] and "本文为澎湃号" not in seed["body"] and "摘要" not in seed["body"]
    )
    assert len(seed["body"].splitlines()) == 26
    # the demo starts afresh each time
    again = CliRunner().invoke(main, ["demo", "--data-dir", str(tmp_path)])
    assert again.exit_code == 0 and "versions: 8" in again.output
