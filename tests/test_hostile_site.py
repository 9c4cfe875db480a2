"""The archive records what happened, as it happened, on a site that misbehaves (tests/hostile_site.py):
redirects are hops, moves and removals are dated events, soft 404s and cut-short bodies are never versions,
one article spelled three ways is one page, and layout noise makes no version."""

from __future__ import annotations

import pytest
import sqlite_utils

from archive.urls import page_key
from crawler.demo.sitegen import article_path
from tests import hostile_site


@pytest.fixture(scope="module")
def hostile(hostile_archive):
    db_path, base_url = hostile_archive
    return sqlite_utils.Database(db_path), base_url


def page(db, base_url, article_id):
    rows = list(
        db.query(
            "SELECT * FROM pages WHERE url_key = ?", [page_key(f"{base_url}/{article_path(article_id)}")]
        )
    )
    assert len(rows) == 1, rows
    return rows[0]


def kinds(db, page_id):
    return [
        r["kind"] for r in db.query("SELECT kind FROM versions WHERE page_id = ? ORDER BY version", [page_id])
    ]


def last_capture(db, page_id):
    return list(db.query("SELECT * FROM captures WHERE page_id = ? ORDER BY id DESC LIMIT 1", [page_id]))[0]


@pytest.mark.parametrize("article_id", sorted(hostile_site.PHASE2))
def test_each_misbehaviour_is_recorded_as_it_happened(hostile, article_id):
    db, base_url = hostile
    _, expected, reason = hostile_site.PHASE2[article_id]
    row = page(db, base_url, article_id)
    captures = list(db.query("SELECT * FROM captures WHERE page_id = ? ORDER BY id", [row["id"]]))
    revisit = [c for c in captures if c["run_id"] == 2]
    first_of_revisit = revisit[0]
    assert first_of_revisit["outcome"] == expected, first_of_revisit
    assert reason in (first_of_revisit["reason"] or ""), first_of_revisit["reason"]
    # whatever happened, the archive never made a version of this page from another page's text
    titles = {
        r["title"]
        for r in db.query("SELECT title FROM versions WHERE page_id = ? AND title IS NOT NULL", [row["id"]])
    }
    assert len(titles) == 1


def test_a_redirect_to_another_article_is_a_move_never_a_retitling(hostile):
    db, base_url = hostile
    moved = page(db, base_url, 2001)
    assert kinds(db, moved["id"]) == ["first", "moved"]
    assert moved["state"] == "moved" and moved["moved_to"].endswith(article_path(2002))
    hop = list(db.query("SELECT * FROM captures WHERE page_id = ? AND outcome = 'moved'", [moved["id"]]))[0]
    assert hop["status"] == 301 and hop["location"].endswith(article_path(2002))
    # the response it led to is a capture of the target's own page, linked to the hop
    target = list(db.query("SELECT * FROM captures WHERE redirected_from = ?", [hop["id"]]))[0]
    assert target["page_id"] == page(db, base_url, 2002)["id"] and target["outcome"] == "unchanged"
    # no change event for 2001 at all: the feed and the changes view cannot report a retitling
    assert not list(db.query("SELECT * FROM changes WHERE url LIKE ?", [f"%{article_path(2001)}"]))
    removal = list(
        db.query("SELECT kind, moved_to FROM removals WHERE url LIKE ?", [f"%{article_path(2001)}"])
    )
    assert removal == [{"kind": "moved", "moved_to": hop["location"]}]


@pytest.mark.parametrize("article_id", [2003, 2004, 2005, 2006, 2014])
def test_sending_readers_home_or_to_a_not_found_page_is_a_dated_removal(hostile, article_id):
    db, base_url = hostile
    gone = page(db, base_url, article_id)
    assert kinds(db, gone["id"]) == ["first", "removed"] and gone["state"] == "removed"
    # latest_articles keeps the last text it had
    latest = list(db.query("SELECT state, body FROM latest_articles WHERE page_id = ?", [gone["id"]]))[0]
    assert latest["state"] == "removed" and len(latest["body"]) > 20


def test_the_home_page_reached_by_a_redirect_is_captured_under_its_own_url_and_is_no_article(hostile):
    db, base_url = hostile
    hop = last_capture(db, page(db, base_url, 2004)["id"])
    assert hop["status"] == 200 and hop["location"].endswith("/index.html")  # a meta refresh
    home = list(
        db.query(
            "SELECT c.url, c.outcome, p.state FROM captures c JOIN pages p ON p.id = c.page_id WHERE c.redirected_from = ?",
            [hop["id"]],
        )
    )
    assert home == [{"url": f"{base_url}/index.html", "outcome": "not-article", "state": "not-article"}]
    assert not list(
        db.query("SELECT * FROM versions v JOIN pages p ON p.id = v.page_id WHERE p.url LIKE '%/index.html'")
    )


def test_cut_short_and_non_html_bodies_are_failed_captures_with_their_bytes_kept(hostile):
    db, base_url = hostile
    truncated = last_capture(db, page(db, base_url, 2007)["id"])
    assert truncated["outcome"] == "failed" and truncated["size"] == 400  # the 400 bytes that arrived
    assert kinds(db, page(db, base_url, 2007)["id"]) == ["first"]
    json_capture = last_capture(db, page(db, base_url, 2008)["id"])
    assert json_capture["digest"] and kinds(db, page(db, base_url, 2008)["id"]) == ["first"]


def test_a_redirect_to_the_same_page_spelled_otherwise_is_a_hop_and_the_article_unchanged(hostile):
    db, base_url = hostile
    same = page(db, base_url, 2009)
    revisit = list(
        db.query(
            "SELECT status, outcome FROM captures WHERE page_id = ? AND run_id = 2 ORDER BY id", [same["id"]]
        )
    )
    assert revisit == [{"status": 302, "outcome": "redirect"}, {"status": 200, "outcome": "unchanged"}]
    assert kinds(db, same["id"]) == ["first"]


def test_one_article_under_several_spellings_is_one_page(hostile):
    db, base_url = hostile
    for article_id in (2011, 2012):
        row = page(db, base_url, article_id)
        first_run = list(db.query("SELECT url FROM captures WHERE page_id = ? AND run_id = 1", [row["id"]]))
        assert len(first_run) == 1  # fetched once, not once per spelling
        assert kinds(db, row["id"]) == ["first"]
    # the share link's page named its canonical address: the page is filed under it
    assert page(db, base_url, 2012)["url"] == f"{base_url}/{article_path(2012)}"


def test_a_ticking_counter_and_a_space_after_a_full_stop_make_no_version(hostile):
    db, base_url = hostile
    row = page(db, base_url, 2010)
    assert kinds(db, row["id"]) == ["first"]
    assert last_capture(db, row["id"])["outcome"] == "unchanged"


def test_control_characters_and_a_stray_byte_still_make_a_clean_version(hostile):
    db, base_url = hostile
    for article_id in (2017, 2018):
        row = page(db, base_url, article_id)
        [version] = list(db.query("SELECT body, title FROM versions WHERE page_id = ?", [row["id"]]))
        assert "人民法院" in version["body"] or "法院" in version["body"]
        assert not any(ch in version["body"] for ch in "\x0b\x01\x1b\x00"), repr(version["body"][:80])
        assert "锟" not in version["body"] and "\u00e6" not in version["body"]  # no mojibake of either kind
        # the stray byte is one replacement character where it stood, the rest read as the UTF-8 it is
        assert version["body"].count("\ufffd") == (1 if article_id == 2018 else 0)


def test_block_pages_and_cut_short_pages_keep_the_last_good_text(hostile):
    db, base_url = hostile
    for article_id in (2013, 2015, 2016):
        row = page(db, base_url, article_id)
        assert kinds(db, row["id"]) == ["first"] and row["state"] == "live"
        latest = list(db.query("SELECT body FROM latest_articles WHERE page_id = ?", [row["id"]]))[0]
        assert "防火墙" not in latest["body"] and "PDF" not in latest["body"]
