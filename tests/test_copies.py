"""Copies across sites (issue 28), unit by unit: the signatures, containment, the formulaic paragraphs
learned from the archive, the rules that choose the original, and what a copy changed."""

from __future__ import annotations

from dataclasses import replace as _replace
from pathlib import Path

import pytest

from archive import open_archive
from archive.copies.groups import Member, Publisher, choose_original, divergence
from archive.copies.index import candidates, index_copies, judge
from archive.copies.signature import (
    containment,
    gram_hashes,
    jaccard,
    minhash,
    reduce_text,
    signature,
)
from tests.copies_sites import FORMULAIC, SPAM, synthetic_stories

STORIES = synthetic_stories(
    12, seed=7, formulaic_every=100
)  # no formulaic paragraphs unless a test adds them
ARTICLE = "\n".join(STORIES[0].paragraphs)


def _grams(text: str):
    return gram_hashes(reduce_text(text))


@pytest.mark.parametrize(
    "variant",
    [
        lambda t: t.replace("，", ", ").replace("。", ". "),  # punctuation and spaces
        lambda t: t.replace("\n", "\n\n  "),  # line breaks and indentation
        lambda t: t.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}),  # full-width digits
    ],
    ids=["punctuation", "layout", "full-width"],
)
def test_layout_never_changes_the_signature(variant) -> None:
    assert signature(variant(ARTICLE)) == signature(ARTICLE)


@pytest.mark.parametrize(
    "copy",
    [
        lambda ps: ps,  # verbatim
        lambda ps: ps[: len(ps) * 2 // 3],  # the last third cut
        lambda ps: ps[: len(ps) * 2 // 3] + [SPAM],  # cut, with spam added
        lambda ps: ps[:2] + [SPAM] + ps[2:],  # spam inserted in the middle
    ],
    ids=["verbatim", "cut-third", "cut-and-spam", "spam-inside"],
)
def test_a_copy_is_contained_and_a_band_candidate_where_jaccard_would_miss_it(copy, tmp_path: Path) -> None:
    text = "\n".join(copy(STORIES[0].paragraphs))
    assert containment(_grams(ARTICLE), _grams(text)) >= 0.75
    db = open_archive(tmp_path / "a.db")
    index_copies(db, 1, 1, ARTICLE)
    index_copies(db, 2, 2, text)
    assert candidates(db, 2) == [1]


def test_a_third_cut_is_below_the_usual_jaccard_threshold_but_fully_contained() -> None:
    cut = "\n".join(STORIES[0].paragraphs[: len(STORIES[0].paragraphs) * 2 // 3])
    assert jaccard(_grams(ARTICLE), _grams(cut)) < 0.75 <= containment(_grams(ARTICLE), _grams(cut))


def test_minhash_estimates_jaccard() -> None:
    a, b = _grams(ARTICLE), _grams("\n".join(STORIES[0].paragraphs[:5]))
    estimate = float((minhash(a) == minhash(b)).mean())  # type: ignore[operator]
    assert abs(estimate - jaccard(a, b)) < 0.15


def test_unrelated_articles_are_neither_candidates_nor_copies(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    for n, story in enumerate(STORIES, 1):
        index_copies(db, n, n, "\n".join(story.paragraphs))
    assert db.execute("SELECT COUNT(*) FROM copy_pairs").fetchone()[0] == 0


def _notice(story: int) -> str:
    own = STORIES[story].paragraphs[1]
    return "\n".join([FORMULAIC[0], own[:40], FORMULAIC[1]])


@pytest.mark.parametrize("others", [0, 6])
def test_formulaic_paragraphs_learned_from_the_archive_do_not_make_copies(
    others: int, tmp_path: Path
) -> None:
    """Two notices that share only two formulaic paragraphs: copies by containment while the archive has
    not seen those paragraphs elsewhere; not once six unrelated articles hold them too."""
    db = open_archive(tmp_path / "a.db")
    for n in range(others):
        index_copies(
            db, 100 + n, 100 + n, "\n".join([FORMULAIC[0], *STORIES[2 + n].paragraphs, FORMULAIC[1]])
        )
    assert (judge(db, _notice(0), _notice(1)) is None) == (others > 0)


def test_a_copy_of_an_article_with_formulaic_paragraphs_stays_a_copy(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    for n in range(6):
        index_copies(
            db, 100 + n, 100 + n, "\n".join([FORMULAIC[0], *STORIES[2 + n].paragraphs, FORMULAIC[1]])
        )
    text = "\n".join([FORMULAIC[0], *STORIES[0].paragraphs, FORMULAIC[1]])
    cut = "\n".join([FORMULAIC[0], *STORIES[0].paragraphs[:4]])
    verdict = judge(db, text, cut)
    assert verdict is not None and verdict.containment == 1.0


# ---------------------------------------------------------------- the original
def _member(n: int, source: str, body: str = ARTICLE, published: str | None = None, precision: str | None = "day",
            first_seen: str = "2024-05-01T00:00:00Z", source_name: str | None = None, title: str = "标题") -> Member:  # fmt: skip
    return Member(n, n, f"http://{source}.example/{n}", source, title, body, published, precision, first_seen,
                  source_name, [])  # fmt: skip


PUBLISHERS = {
    "court": Publisher(1, ("青川县人民法院", "court.example")),
    "court2": Publisher(1, ("北川县人民法院", "court2.example")),
    "portal": Publisher(2, ("法治资讯网", "portal.example")),
    "platform": Publisher(3, ("青川县人民法院",)),
    "farm": Publisher(4, ("每日看点",)),
}


def _original(members: list[Member]) -> tuple[int, str]:
    grams = {m.version_id: _grams(m.body) for m in members}
    chosen, why = choose_original(members, PUBLISHERS, grams)
    return chosen.version_id, why.split(":")[0]


CUT = "\n".join(STORIES[0].paragraphs[:4])


@pytest.mark.parametrize(
    "members, expected",
    [
        # 1. credit: the portal names the second court as its source, outranking the first court's tier tie
        ([_member(1, "court"), _member(2, "court2"), _member(3, "portal", source_name="北川县人民法院")],
         (2, "credit")),
        # a canonical link naming another member's page credits it, whatever the tiers
        ([_member(1, "court"), _member(2, "farm"), _replace(_member(3, "portal"), canonical="http://farm.example/2")],
         (2, "credit")),
        # a court's own 澎湃号 carries the court's name as its own: naming it credits nobody else
        ([_member(1, "platform", source_name="青川县人民法院"), _member(2, "court", source_name="青川县人民法院")],
         (2, "publisher")),
        # 2. publisher authority, whatever the dates
        ([_member(1, "farm", published="2024-01-01"), _member(2, "portal", published="2024-02-01"),
          _member(3, "court", published="2024-03-01")], (3, "publisher")),
        # 3. earliest day-precision date among equals
        ([_member(1, "farm", published="2024-03-02"), _member(2, "farm", published="2024-03-01")], (2, "date")),
        # a date later than our first capture of the page is not the article's, however early
        ([_member(1, "farm", published="2024-04-20"),
          _member(2, "farm", published="2024-04-15", first_seen="2024-04-01T00:00:00Z")], (1, "date")),
        # a month-precision date does not count
        ([_member(1, "farm", published="2024-01-01", precision="month"), _member(2, "farm", published="2024-03-01")],
         (2, "date")),
        # 4. the member whose text contains the others'
        ([_member(1, "farm", body=CUT), _member(2, "farm")], (2, "containment")),
        # and when everything ties, the page captured first
        ([_member(1, "farm", first_seen="2024-05-02T00:00:00Z"), _member(2, "farm")], (2, "first captured")),
    ],
    ids=["credit", "canonical", "own-name", "tier", "date", "date-after-capture", "month-date", "containment", "first-seen"],
)  # fmt: skip
def test_the_original_is_chosen_by_the_stated_rules_in_order(members, expected) -> None:
    assert _original(members) == expected


@pytest.mark.parametrize(
    "paragraphs, missing, word",
    [
        (lambda ps: ps[:-2], lambda ps: ps[-2:], "删去最后 2 段"),
        (lambda ps: ps[:1] + ps[2:], lambda ps: ps[1:2], "删去 1 段"),
        (lambda ps: ps + [SPAM], lambda ps: [], "加入 1 段无关内容"),
        (lambda ps: ps, lambda ps: [], "全文相同"),
    ],
    ids=["end-cut", "middle-cut", "spam", "verbatim"],
)
def test_a_copys_divergence_names_what_it_cut_and_added(paragraphs, missing, word, tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    ps = STORIES[0].paragraphs
    original = _member(1, "court")
    copy = _member(2, "farm", body="\n".join(paragraphs(ps)))
    result = divergence(db, original, copy)
    assert result.missing == missing(ps)
    assert result.in_a_word == word
    assert result.added == ([SPAM] if "加入" in word else [])


def test_a_new_title_is_the_first_text_added(tmp_path: Path) -> None:
    db = open_archive(tmp_path / "a.db")
    result = divergence(db, _member(1, "court"), _member(2, "farm", title="震惊！新标题"))
    assert result.added == ["震惊！新标题"] and result.in_a_word == "改了标题"


def test_a_paragraph_the_original_repeats_is_cut_once_when_the_copy_keeps_one(tmp_path: Path) -> None:
    """A heading the original has twice (讨论) and a line repeated at its end: the copy that cut the end
    kept their first occurrences, and the cut ones are still named."""
    db = open_archive(tmp_path / "a.db")
    ps = STORIES[0].paragraphs
    line = ps[1]
    original = [*ps[:3], "讨论", *ps[3:5], "讨论", line]
    copy = original[:6]
    result = divergence(
        db, _member(1, "court", body="\n".join(original)), _member(2, "farm", body="\n".join(copy))
    )
    assert result.missing == ["讨论", line] and result.in_a_word == "删去最后 2 段"


def _write(db, run: int, url: str, body: str) -> None:
    """A version written as a crawl writes it (archive.store.record), which indexes it for copies."""
    from archive.model import ArticleFields, Capture
    from archive.store import record

    record(db, run, Capture(url=url, source=url.split("/")[2], status=200, raw=url.encode()), "article",
           ArticleFields(title="标题", body=body))  # fmt: skip


@pytest.mark.parametrize("kept", [1.0, 2 / 3, 1 / 2, 1 / 3])
def test_a_copy_keeping_part_of_the_article_is_linked_as_it_is_written(kept: float, tmp_path: Path) -> None:
    from archive.runs import start_run

    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    for n, story in enumerate(STORIES[1:]):  # unrelated articles around it
        _write(db, run, f"http://court.example/{n}", "\n".join(story.paragraphs))
    _write(db, run, "http://court.example/original", ARTICLE)
    ps = STORIES[0].paragraphs
    _write(db, run, "http://farm.example/copy", "\n".join([*ps[: max(1, round(len(ps) * kept))], SPAM]))
    pairs = db.execute(
        "SELECT pa.url, pb.url FROM copy_pairs JOIN versions AS a ON a.id = version_a JOIN versions AS b "
        "ON b.id = version_b JOIN pages AS pa ON pa.id = a.page_id JOIN pages AS pb ON pb.id = b.page_id"
    ).fetchall()
    assert pairs == [("http://court.example/original", "http://farm.example/copy")]
