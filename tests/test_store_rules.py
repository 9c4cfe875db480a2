"""The store's rules that the crawl tests only brush against, each on a real SQLite archive: comments make
a version only when the archive asks for it, a restored page names only what differs from its last text,
a same-page hop leaves the page's state alone, every version with text is findable by search under its own
id, a revisit asks with the validators of the last full response of a live page only, removed pages are
revisited or not as asked, and a capture's repr never carries the page."""

from __future__ import annotations

import json

from archive import ArticleFields, Capture
from archive.search import search
from archive.store import Recorded, known_page_keys, known_urls, record, record_fetch, validators
from tests import test_archive

URL = test_archive.URL
db, run = test_archive.db, test_archive.run  # the archive and run fixtures


def article(body: str = "第一段。\n第二段。", **more) -> ArticleFields:
    return ArticleFields(
        title="法院审结一起民间借贷纠纷案", body=body, published="2024-01-02T03:04:05+08:00", **more
    )


def capture(
    url: str = URL, status: int | None = 200, raw: bytes | None = b"<html>page</html>", **more
) -> Capture:
    return Capture(url=url, source="s", status=status, raw=raw, **more)


def comment(text: str) -> dict[str, str | None]:
    return {"author": "网友", "published": None, "text": text}


def test_a_new_comment_alone_makes_a_version_only_when_comments_count(db, run):
    first = [comment("支持法院依法判决。")]
    more = [*first, comment("希望早日执行到位。")]
    record_fetch(db, run, [Recorded(capture(), "article", article(comments=first))])
    again = record_fetch(db, run, [Recorded(capture(), "article", article(comments=more))])
    assert again[0].outcome == "unchanged"  # by default a reply is not the court changing its article
    counted = record_fetch(
        db,
        run,
        [Recorded(capture(), "article", article(comments=[*more, comment("三。")]))],
        with_comments=True,
    )
    assert counted[0].outcome == "changed"
    stored = [json.loads(r["comments"]) for r in db.query("SELECT comments FROM versions ORDER BY version")]
    assert [len(c) for c in stored] == [1, 3] and stored[0][0]["text"] == "支持法院依法判决。"


def test_an_article_without_comments_stores_none(db, run):
    record(db, run, capture(), "article", article())
    assert next(iter(db.query("SELECT comments FROM versions")))["comments"] is None


def test_a_restored_page_names_the_fields_that_differ_from_its_last_text(db, run):
    record(db, run, capture(), "article", article())
    record(db, run, capture(status=404), "gone")
    same = record(db, run, capture(), "article", article())
    assert (same.outcome, same.changed_fields) == ("restored", [])
    record(db, run, capture(status=404), "gone")
    edited = record(db, run, capture(), "article", article(body="第一段。\n第二段改了。"))
    assert (edited.outcome, edited.changed_fields) == ("restored", ["body"])
    restored = next(iter(db.query("SELECT previous_id FROM versions WHERE version = 5")))
    assert restored["previous_id"] == 3  # it follows the text of version 3, not the removal in between


def test_a_hop_to_the_same_page_spelled_otherwise_leaves_its_state(db, run):
    record(db, run, capture(), "article", article())
    http = URL.replace("https://", "http://")
    results = record_fetch(
        db,
        run,
        [
            Recorded(capture(http, 301, b"", location=URL), "redirect"),
            Recorded(capture(), "article", article()),
        ],
    )
    assert [r.outcome for r in results] == ["redirect", "unchanged"]
    page = db["pages"].get(1)
    assert page["state"] == "live" and db["pages"].count == 1
    # a page first met as a hop is recorded as what it was
    other = "https://www.court.gov.cn/old/2.html"
    record_fetch(db, run, [Recorded(capture(other, 301, b"", location=URL), "redirect")])
    assert next(iter(db.query("SELECT state FROM pages WHERE url = ?", [other])))["state"] == "redirect"


def test_final_url_is_kept_only_where_a_fetch_ended_elsewhere(db, run):
    """A capture that ended at its own URL stores no final_url (NULL: no redirect); one that ended elsewhere
    names where, and the timeline and removals show it."""
    record(db, run, capture(final_url=URL), "article", article())
    home = "https://www.court.gov.cn/"
    record(db, run, capture(final_url=home, raw=b"<html>home</html>"), "gone")
    stored = [row[0] for row in db.execute("SELECT final_url FROM captures ORDER BY id")]
    assert stored == [None, home]
    assert [row[0] for row in db.execute("SELECT final_url FROM timeline ORDER BY version_id")] == [
        None,
        home,
    ]
    assert next(iter(db.query("SELECT final_url FROM removals")))["final_url"] == home


def test_every_version_with_text_is_found_by_search_under_its_own_id(db, run):
    record(db, run, capture(), "article", article())
    record(db, run, capture(), "article", article(body="第一段。\n法院依法追缴赃款。"))
    found = search(db, "追缴赃款")
    version = next(iter(db.query("SELECT id FROM versions WHERE version = 2")))["id"]
    assert [row["version_id"] for row in found] == [version]


def test_revisits_ask_with_the_validators_of_the_last_full_response_of_a_live_page(db, run):
    headers = {"ETag": '"v1"', "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT", "Content-Type": "text/html"}
    record(db, run, capture(headers=headers), "article", article())
    record(db, run, capture(status=304, raw=None, headers={"ETag": '"v0"'}), "not-modified")
    gone = "https://www.court.gov.cn/zixun/xiangqing/2.html"
    record(db, run, capture(gone, headers={"ETag": '"g"'}), "article", article())
    record(db, run, capture(gone, status=404, raw=b"nf"), "gone")
    bare = "https://www.court.gov.cn/zixun/xiangqing/3.html"
    record(db, run, capture(bare), "article", article())
    assert validators(db, [gone, "https://nowhere.invalid/", bare, URL]) == {
        URL: {"etag": '"v1"', "last-modified": "Tue, 02 Jan 2024 03:04:05 GMT"}
    }


def test_removed_pages_are_revisited_only_when_asked(db, run):
    record(db, run, capture(), "article", article())
    gone = "https://www.court.gov.cn/zixun/xiangqing/2.html"
    record(db, run, capture(gone), "article", article())
    record(db, run, capture(gone, status=404), "gone")
    never = "https://www.court.gov.cn/zixun/xiangqing/3.html"
    record(db, run, capture(never, status=503), "failed")
    assert sorted(known_urls(db, "s")) == [URL, gone]
    assert known_urls(db, "s", include_removed=False) == [URL]
    assert known_page_keys(db, "s") == {
        r["url_key"] for r in db.query("SELECT url_key FROM pages WHERE url != ?", [never])
    }
    assert known_urls(db, "other-source") == []


def test_a_capture_never_shows_its_bytes_in_a_log_line():
    shown = repr(capture(raw="<html>判决书全文</html>".encode()))
    assert "判决书" not in shown and "raw" not in shown and URL in shown


def test_a_re_extracted_page_with_comments_is_unchanged_at_its_next_capture(db, run):
    """Re-extraction stores the hash a crawl would compute, so the next capture of the same page is no
    version (comments do not count by default)."""
    from archive.upkeep.reextraction import apply_reextraction

    replies = [comment("支持法院依法判决。")]
    record_fetch(db, run, [Recorded(capture(), "article", article(comments=replies))])
    apply_reextraction(db, 1, article(body="第一段。\n第二段。\n", comments=replies, rules_hash="new"))
    again = record_fetch(db, run, [Recorded(capture(), "article", article(comments=replies))])
    assert again[0].outcome == "unchanged"


def test_with_comments_counting_a_re_extracted_page_is_unchanged_at_its_next_capture(db, run):
    from archive.upkeep.reextraction import apply_reextraction

    replies = [comment("支持法院依法判决。")]
    record_fetch(db, run, [Recorded(capture(), "article", article(comments=replies))], with_comments=True)
    apply_reextraction(db, 1, article(comments=replies, rules_hash="new"))
    again = record_fetch(
        db, run, [Recorded(capture(), "article", article(comments=replies))], with_comments=True
    )
    assert again[0].outcome == "unchanged"


def test_a_page_keeps_the_reason_of_its_last_trouble_across_hops(db, run):
    """A not-article capture says why in the page's last_error; a redirect hop through the page leaves the
    error it had."""
    home = "https://www.court.gov.cn/index.html"
    record_fetch(
        db, run, [Recorded(capture(home, reason="a home page reached by a redirect"), "not-article")]
    )
    assert db["pages"].get(1)["last_error"] == "a home page reached by a redirect"
    record_fetch(
        db, run, [Recorded(capture(home, 301, b"", location=URL, reason="redirect to x"), "redirect")]
    )
    assert db["pages"].get(1)["last_error"] == "a home page reached by a redirect"


def test_fetches_recorded_inside_a_batch_join_its_transaction(db, run):
    """The writer records many fetches in one write transaction: each is a savepoint of it, and an unchanged
    capture names the version it confirmed."""
    from archive.db import write_transaction

    with write_transaction(db):
        first = record_fetch(db, run, [Recorded(capture(), "article", article())])
        again = record_fetch(db, run, [Recorded(capture(), "article", article())])
        assert db.conn.in_transaction
    assert (first[0].outcome, again[0].outcome, again[0].version) == ("first", "unchanged", 1)
    assert db["captures"].count == 2 and not db.conn.in_transaction


def test_removals_and_moves_set_the_page_state_and_the_run_counters(db, run):
    moved_url = "https://www.court.gov.cn/zixun/xiangqing/2.html"
    target = "https://www.court.gov.cn/zixun/xiangqing/9.html"
    record(db, run, capture(), "article", article())
    record(db, run, capture(moved_url), "article", article())
    record(db, run, capture(), "article", article())  # the same page again: no new page
    assert record(db, run, capture(status=404), "gone").outcome == "removed"
    assert record(db, run, capture(moved_url, 301, b"", location=target), "moved").outcome == "moved"
    pages = {row["url"]: row for row in db.query("SELECT url, state, moved_to FROM pages")}
    assert (pages[URL]["state"], pages[URL]["moved_to"]) == ("removed", None)
    assert (pages[moved_url]["state"], pages[moved_url]["moved_to"]) == ("moved", target)
    counts = db["runs"].get(run)
    assert {
        k: counts[k] for k in ("captures", "new_pages", "new_versions", "unchanged", "removed", "moved")
    } == {
        "captures": 5,
        "new_pages": 2,
        "new_versions": 4,
        "unchanged": 1,
        "removed": 1,
        "moved": 1,
    }


def test_a_304_confirms_the_version_the_page_has(db, run):
    record(db, run, capture(), "article", article())
    record(db, run, capture(), "article", article(body="改了。\n第二段。"))
    confirmed = record(db, run, capture(status=304, raw=None), "not-modified")
    assert (confirmed.outcome, confirmed.version) == ("unchanged", 2)


def test_the_content_hash_keeps_the_format_older_archives_were_written_with():
    """sha1 of compact, key-sorted JSON of the normalised hashed fields, characters unescaped (as git-history
    does): archives written before must find their pages unchanged, not changed by a new hash format."""
    import hashlib

    from archive.store import content_hash

    fields = {"title": "法院审结一起民间借贷纠纷案", "body": "第一段。 \n\n第二段。", "published": "2024-01-02T03:04:05+08:00",
              "source_name": "最高人民法院", "author": "王晓明", "editor": "不计入", "court": "不计入"}  # fmt: skip
    payload = {"author": "王晓明", "body": "第一段。\n第二段。", "published": "2024-01-02T03:04:05+08:00",
               "source_name": "最高人民法院", "title": "法院审结一起民间借贷纠纷案"}  # fmt: skip
    text = '{"author":"王晓明","body":"第一段。\\n第二段。","published":"2024-01-02T03:04:05+08:00",' \
        '"source_name":"最高人民法院","title":"法院审结一起民间借贷纠纷案"}'  # fmt: skip
    assert json.loads(text) == payload
    assert content_hash(fields) == hashlib.sha1(text.encode("utf-8")).hexdigest()


def test_comments_are_searchable_and_captures_say_whether_they_made_a_version(db, run):
    record_fetch(db, run, [Recorded(capture(), "article", article(comments=[comment("希望早日执行到位。")]))])
    record_fetch(db, run, [Recorded(capture(), "article", article(comments=[comment("希望早日执行到位。")]))])
    assert [row["version"] for row in search(db, "执行到位")] == [1]
    assert [r["outcome"] for r in db.query("SELECT outcome FROM captures ORDER BY id")] == [
        "version",
        "unchanged",
    ]


def test_removed_blocks_and_comments_are_stored_as_readable_text(db, run):
    """The JSON columns kept for audit hold the characters themselves, as re-extraction writes them: a
    reader of the archive (Datasette, sqlite3) sees 首页, not \\u9996\\u9875."""
    blocks = [{"rule": "page-chrome", "text": "首页 新闻中心"}]
    record(db, run, capture(), "article", article(removed_blocks=blocks, comments=[comment("支持。")]))
    row = next(iter(db.query("SELECT removed_blocks, comments FROM versions")))
    assert row["removed_blocks"] == '[{"rule": "page-chrome", "text": "首页 新闻中心"}]'
    assert row["comments"] == '[{"author": "网友", "published": null, "text": "支持。"}]'
