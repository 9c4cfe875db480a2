"""`courtnews extract`, `courtnews eval` and `courtnews reextract` on real files and a real archive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import open_archive
from crawler.cli import main
from tests.seed_layouts import LAYOUTS, seed_parts

PAGES = Path(__file__).parent / "pages"


def test_extract_json_has_the_documented_keys(tmp_path):
    page = tmp_path / "seed.html"
    page.write_text(LAYOUTS["sibling-paragraphs"](), "utf-8")
    broken = tmp_path / "empty.html"
    broken.write_bytes(b"")
    result = CliRunner().invoke(
        main, ["extract", str(page), str(PAGES / "sohu-repost.html"), str(broken), "--json"]
    )
    assert result.exit_code == 1  # one input failed, and says so
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    for key in ("title", "body", "published", "source_name", "author", "editor", "court", "removed_blocks"):
        assert key in rows[0]
    assert rows[0]["body"].splitlines() == [line.strip() for line in seed_parts()[1]]
    assert any(block["rule"] == "giveaway-offer" for block in rows[0]["removed_blocks"])
    assert rows[1]["published"] == "2024-03-08T09:15:00+08:00"
    assert "empty document" in rows[2]["error"]


def test_extract_plain_text(tmp_path):
    result = CliRunner().invoke(
        main, ["extract", str(PAGES / "chinacourt-subsite.html"), "--family", "chinacourt"]
    )
    assert result.exit_code == 0
    assert "title: 某中院召开审判委员会会议" in result.output
    assert "author: 王明" in result.output
    assert "[removed by site-footer]" in result.output or "[removed by page-chrome]" in result.output


def make_corpus(folder: Path) -> None:
    """A corpus in the format of ../shared/corpus, made of the project's own pages."""
    (folder / "pages").mkdir(parents=True)
    summary, body, disclaimer, spam = seed_parts()
    rows = []
    for layout in ("own-block", "sibling-paragraphs"):
        (folder / "pages" / f"{layout}.html").write_text(LAYOUTS[layout](), "utf-8")
        rows.append(
            {
                "id": layout,
                "html": f"pages/{layout}.html",
                "text": "\n".join(body),
                "date": "2023-07-04 17:22",
                "author": None,
                "must": [body[15]],
                "must_not": [spam[0], disclaimer],
            }
        )
    (folder / "pages" / "sohu.html").write_bytes((PAGES / "sohu-repost.html").read_bytes())
    rows.append({"id": "sohu", "html": "pages/sohu.html", "text": None})
    (folder / "truth.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")


def test_eval_on_any_corpus_folder(tmp_path):
    make_corpus(tmp_path / "corpus")
    result = CliRunner().invoke(main, ["eval", str(tmp_path / "corpus"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["pages"] == 3 and report["scored_pages"] == 2
    assert report["courtnews"]["macro_f1"] == 1.0
    assert report["trafilatura"]["macro_f1"] < 1.0  # plain trafilatura keeps the spam of these layouts
    assert report["leaking_pages"] == [] and report["dropping_pages"] == [] and report["errors"] == {}
    assert report["date"]["of"] == 2
    text = CliRunner().invoke(main, ["eval", str(tmp_path / "corpus")]).output
    assert "macro F1" in text and "median ms per page" in text


@pytest.mark.parametrize(
    ("found", "truth", "verdict"),
    [
        ("2005-05-07T21:23:57+08:00", "2005-5-7 21:23:57", True),
        ("2005-07-05T21:23:57+08:00", "2005-5-7 21:23:57", False),
        ("1998-03", "1998-3", True),
        (None, "1998-3", False),
        ("2018-06-01", "2018", True),
        ("2018-06-01", "UNKNWON", None),
        (None, None, None),
    ],
)
def test_dates_are_judged_at_the_truths_precision(found, truth, verdict):
    from crawler.extract.quality.evaluate import _same_day

    assert _same_day(found, truth) is verdict


def test_eval_refuses_a_folder_that_is_not_a_corpus(tmp_path):
    result = CliRunner().invoke(main, ["eval", str(tmp_path)])
    assert result.exit_code != 0 and "no truth.jsonl" in result.output


def test_reextract_updates_old_versions_without_new_ones(site_factory, crawl, tmp_path):
    site = site_factory("court-gov-cn")
    crawl(site)
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    # pretend version 1 of every page was made by an older extractor that kept a share widget in the body
    db.execute("UPDATE versions SET body = body || '\n分享到：微信 微博', rules_hash = 'old'")
    db.conn.commit()
    before = db["versions"].count
    db.close()
    sources = tmp_path / "sources-court-gov-cn.toml"
    result = CliRunner().invoke(main, ["reextract", "--db", str(db_path), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert "re-extracted 4 versions: 4 updated" in result.output
    db = open_archive(db_path)
    assert db["versions"].count == before
    assert all("分享到" not in row["body"] for row in db.query("SELECT body FROM versions"))
    assert db["reextractions"].count == 4
    again = CliRunner().invoke(main, ["reextract", "--db", str(db_path), "--sources", str(sources)])
    assert "re-extracted 0 versions" in again.output


def test_extract_shows_the_comments_of_a_thread():
    result = CliRunner().invoke(main, ["extract", str(PAGES / "forum-thread.html")])
    assert result.exit_code == 0
    assert "[comment by 老陈说法 at 2024-06-01T11:03:00+08:00] 高空抛物入刑以后" in result.output
