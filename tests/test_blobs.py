"""Raw evidence stored compactly and returned exactly: plain zstd for a new source, its trained dictionary
once it has enough pages, a recapture as a difference from the page's previous bytes; older zlib blobs
re-encoded by compaction; pruning never drops a base a kept capture is stored against. Every blob is
checked byte for byte (sha256) after every step."""

from __future__ import annotations

import hashlib
import zlib

from archive import ArticleFields, Capture, open_archive, record, start_run
from archive.blobs import DICT_MIN_SAMPLES, MAX_CHAIN, REBASE_DEPTH, get_blob
from archive.upkeep.maintenance import compact, prune
from archive.upkeep.verify import verify
from crawler.demo.sitegen import render_article, synthetic_articles


def pages(count: int, views: int = 1) -> list[tuple[str, bytes]]:
    return [
        (
            f"https://court.example/zixun/xiangqing/{a.id}.html",
            render_article(a, views=views, chrome=True).encode(),
        )
        for a in synthetic_articles(count, seed=3)
    ]


def store(db, run, url: str, raw: bytes, source: str = "court") -> str:
    record(
        db,
        run,
        Capture(url=url, source=source, status=200, raw=raw),
        "article",
        ArticleFields(title="t", body="法院依法审理。"),
    )
    return db.execute("SELECT digest FROM captures ORDER BY id DESC LIMIT 1").fetchone()[0]


def every_blob_exact(db) -> None:
    for (digest,) in db.execute("SELECT digest FROM blobs").fetchall():
        assert "sha256:" + hashlib.sha256(get_blob(db, digest)).hexdigest() == digest
    assert not any(verify(db).values())


def many_layouts(count: int) -> list[tuple[str, bytes]]:
    """Pages of one site whose layouts all differ a little (no page has another of its layout to lean on)."""
    return [
        (
            url,
            raw.replace(
                b"<body>", f"<body><section class='layout-{n}'><b id='x{n}'></b></section>".encode(), 1
            ),
        )
        for n, (url, raw) in enumerate(pages(count))
    ]


def test_a_source_gets_a_dictionary_once_it_has_enough_pages_and_recaptures_cost_tens_of_bytes(tmp_path):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    first = many_layouts(DICT_MIN_SAMPLES + 20)
    for url, raw in first:
        store(db, run, url, raw)
    assert db.execute("SELECT COUNT(*) FROM zstd_dicts WHERE source = 'court'").fetchone()[0] == 1
    kinds = dict(db.execute("SELECT compression, COUNT(*) FROM blobs GROUP BY compression").fetchall())
    assert kinds["zstd"] == DICT_MIN_SAMPLES - 1 and kinds["zstd-dict"] == 21  # plain until there are enough
    plain = db.execute("SELECT AVG(length(data)) FROM blobs WHERE compression = 'zstd'").fetchone()[0]
    with_dict = db.execute("SELECT AVG(length(data)) FROM blobs WHERE compression = 'zstd-dict'").fetchone()[
        0
    ]
    assert with_dict < 0.7 * plain  # pages of one CMS share their markup
    # the same pages again with a view counter ticking: each costs a few dozen bytes
    for url, raw in first:
        store(db, run, url, raw.replace(b"</body>", b"<i>views 2</i></body>"))
    deltas = db.execute(
        "SELECT COUNT(*), MAX(length(data)) FROM blobs WHERE compression = 'zstd-delta'"
    ).fetchone()
    assert deltas[0] == len(first) and deltas[1] < 200
    every_blob_exact(db)


def test_delta_chains_are_bounded_and_a_full_chain_goes_on_from_its_middle_not_from_a_whole_page(tmp_path):
    """Reading a capture decompresses at most MAX_CHAIN frames; a page revisited for years never pays for a
    whole frame again: past a full chain its bytes are stored against the chain's ancestor at REBASE_DEPTH."""
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    url, raw = pages(1)[0]
    for views in range(MAX_CHAIN * 3):
        store(db, run, url, raw.replace(b"</body>", f"<i>{views}</i></body>".encode()))
    rows = db.execute("SELECT depth, compression, length(data) FROM blobs ORDER BY rowid").fetchall()
    depths = [r[0] for r in rows]
    assert max(depths) == MAX_CHAIN and depths.count(0) == 1  # only the first capture is whole
    assert depths[MAX_CHAIN + 1] == REBASE_DEPTH + 1  # the capture after a full chain
    assert all(r[1] == "zstd-delta" and r[2] < 200 for r in rows[1:])
    every_blob_exact(db)


def test_a_new_page_leans_only_on_a_layout_page_shallow_enough_to_leave_room_for_its_revisits(tmp_path):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    for url, raw in pages(REBASE_DEPTH * 3):  # one layout: each new page is stored against an earlier one
        store(db, run, url, raw)
    depths = [r[0] for r in db.execute("SELECT depth FROM blobs ORDER BY rowid")]
    assert max(depths) == REBASE_DEPTH and depths.count(0) == 1
    every_blob_exact(db)


def test_compaction_reencodes_zlib_blobs_exactly_and_smaller(tmp_path):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    for views in (1, 2):
        for url, raw in pages(DICT_MIN_SAMPLES + 10, views=views):
            store(db, run, url, raw)
    # turn every blob back into what an older courtnews stored: zlib, no dictionary, no delta
    for (digest,) in db.execute("SELECT digest FROM blobs").fetchall():
        raw = get_blob(db, digest)
        db.execute(
            "UPDATE blobs SET compression = 'zlib', data = ?, dict_id = NULL, base = NULL, depth = 0 WHERE digest = ?",
            [zlib.compress(raw, 6), digest],
        )
    db.execute("DELETE FROM zstd_dicts")
    db.close()
    db = open_archive(tmp_path / "a.db")
    every_blob_exact(db)
    result = compact(db)
    assert result.reencoded == db["blobs"].count and result.dictionaries == 1
    assert result.bytes_after < 0.5 * result.bytes_before
    assert db.execute("SELECT COUNT(*) FROM blobs WHERE compression = 'zlib'").fetchone()[0] == 0
    every_blob_exact(db)


def test_pruning_keeps_every_version_its_evidence_and_the_bases_it_is_stored_against(tmp_path):
    from datetime import UTC, datetime, timedelta

    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    url, raw = pages(1)[0]
    old = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds").replace("+00:00", "Z")
    for views in range(6):  # six old captures of one unchanged article, each a delta of the one before
        capture = Capture(url=url, source="court", status=200, fetched_at=old,
                          raw=raw.replace(b"</body>", f"<i>{views}</i></body>".encode()))  # fmt: skip
        record(db, run, capture, "article", ArticleFields(title="t", body="法院依法审理。"))
    body_edit = ArticleFields(title="t", body="法院依法公开审理。")
    record(
        db, run, Capture(url=url, source="court", status=200, raw=raw + b"<!-- new -->"), "article", body_edit
    )
    versions_before = list(db.query("SELECT * FROM versions"))
    evidence = {r["capture_id"]: get_blob(db, r["digest"]) for r in db.query(
        "SELECT v.capture_id, c.digest FROM versions v JOIN captures c ON c.id = v.capture_id")}  # fmt: skip
    result = prune(db, timedelta(days=90))
    assert result.captures_deleted == 5  # the first of the month made version 1: it stands for the month
    assert list(db.query("SELECT * FROM versions")) == versions_before
    for capture_id, raw_bytes in evidence.items():
        digest = db.execute("SELECT digest FROM captures WHERE id = ?", [capture_id]).fetchone()[0]
        assert get_blob(db, digest) == raw_bytes
    every_blob_exact(db)


def test_pruning_a_page_whose_chain_was_continued_from_its_middle_keeps_every_kept_capture_readable(tmp_path):
    from datetime import UTC, datetime, timedelta

    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    url, raw = pages(1)[0]
    old = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds").replace("+00:00", "Z")
    for views in range(MAX_CHAIN * 2):  # old captures past a full chain: the later ones lean on its middle
        capture = Capture(url=url, source="court", status=200, fetched_at=old,
                          raw=raw.replace(b"</body>", f"<i>{views}</i></body>".encode()))  # fmt: skip
        record(db, run, capture, "article", ArticleFields(title="t", body="法院依法审理。"))
    store(db, run, url, raw.replace(b"</body>", b"<i>now</i></body>"))  # a recent capture, kept
    kept_before = {r[0]: get_blob(db, r[1]) for r in db.execute(
        "SELECT id, digest FROM captures WHERE fetched_at > ?", [old])}  # fmt: skip
    result = prune(db, timedelta(days=90))
    assert result.captures_deleted == MAX_CHAIN * 2 - 1  # the month keeps its first capture (the version)
    for capture_id, raw_bytes in kept_before.items():
        digest = db.execute("SELECT digest FROM captures WHERE id = ?", [capture_id]).fetchone()[0]
        assert get_blob(db, digest) == raw_bytes
    every_blob_exact(db)


def test_a_new_page_is_stored_against_the_latest_page_of_its_layout(tmp_path):
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    (first_url, first), (second_url, second) = pages(2)  # two articles, one CMS layout, different text
    first_digest = store(db, run, first_url, first)
    second_digest = store(db, run, second_url, second)
    row = db.execute(
        "SELECT compression, base, length(data), size FROM blobs WHERE digest = ?", [second_digest]
    ).fetchone()
    assert row[0] == "zstd-delta" and row[1] == first_digest
    plain = db.execute("SELECT length(data) FROM blobs WHERE digest = ?", [first_digest]).fetchone()[0]
    assert row[2] < plain / 2  # only its own text costs much
    every_blob_exact(db)


def test_a_recapture_carries_no_layout_key_and_new_pages_lean_on_the_newest_first_capture(tmp_path):
    """Only bytes stored without their page's previous bytes are looked up by layout (m011): a recapture adds no
    key and no index entry, and a new page still finds a page of its layout to be stored against."""
    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    (first_url, first), (second_url, second), (third_url, third) = pages(3)
    first_digest = store(db, run, first_url, first)
    again = store(db, run, first_url, first.replace(b"</body>", b"<i>views 2</i></body>"))
    keys = dict(db.execute("SELECT digest, template FROM blobs").fetchall())
    assert keys[first_digest] and keys[again] is None
    second_digest = store(db, run, second_url, second)
    assert (
        db.execute("SELECT base FROM blobs WHERE digest = ?", [second_digest]).fetchone()[0] == first_digest
    )
    # the newest first capture of the layout is now the second page
    third_digest = store(db, run, third_url, third)
    assert (
        db.execute("SELECT base FROM blobs WHERE digest = ?", [third_digest]).fetchone()[0] == second_digest
    )
    indexed = db.execute("SELECT COUNT(*) FROM blobs INDEXED BY blobs_template WHERE template IS NOT NULL")
    assert indexed.fetchone()[0] == 3
    every_blob_exact(db)


def test_the_lookups_of_rare_capture_columns_use_their_partial_indexes(tmp_path):
    """redirected_from and fetch_id are indexed only where set; a lookup by value must still use the index,
    or a distributed writer's duplicate check and a prune's redirect chain read every capture."""
    db = open_archive(tmp_path / "a.db")
    for column, index in (("fetch_id", "captures_fetch_id"), ("redirected_from", "captures_redirected_from")):
        plan = " ".join(
            str(row[-1])
            for row in db.execute(f"EXPLAIN QUERY PLAN SELECT id FROM captures WHERE {column} = ?", [1])
        )
        assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan


def test_courtnews_compact_reencodes_an_archive_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from crawler.cli import main

    db = open_archive(tmp_path / "a.db")
    run = start_run(db, "court")
    for url, raw in pages(5):
        store(db, run, url, raw)
    for (digest,) in db.execute("SELECT digest FROM blobs").fetchall():
        raw = get_blob(db, digest)
        db.execute("UPDATE blobs SET compression = 'zlib', data = ?, base = NULL, depth = 0 WHERE digest = ?",
                   [zlib.compress(raw), digest])  # fmt: skip
    db.close()
    result = CliRunner().invoke(main, ["compact", "--db", str(tmp_path / "a.db")])
    assert result.exit_code == 0, result.output
    assert "5 raw pages re-encoded" in result.output and "vacuum" in result.output
    db = open_archive(tmp_path / "a.db")
    assert db.execute("SELECT COUNT(*) FROM blobs WHERE compression = 'zlib'").fetchone()[0] == 0
    every_blob_exact(db)
