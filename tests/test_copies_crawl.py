"""Copies across sites (issue 28), end to end: four local sites publishing the same court articles
(tests/copies_sites.py) crawled with real `scrapy crawl` as four sources into one archive, then
`courtnews copies` read as a user reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli.copies import copies
from crawler.demo.server import serve
from tests.conftest import run_crawl
from tests.copies_sites import SITES, build_sites, source_entry, synthetic_stories


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    """Ten stories on the court's site, five of them republished by the three others; crawled in order
    court, portal, platform, farm (so the court's site is also captured first)."""
    root = tmp_path_factory.mktemp("copies")
    placements = build_sites(root / "sites", synthetic_stories(10), copied=5)
    servers = {slug: serve(root / "sites" / slug) for slug in SITES}
    try:
        sources = root / "sources.toml"
        sources.write_text("\n".join(source_entry(s, servers[s].base_url) for s in SITES), "utf-8")
        db = root / "archive.db"
        for slug in SITES:
            result = run_crawl(slug, db, sources)
            assert result.returncode == 0, result.log[-3000:]
        yield db, sources, placements
    finally:
        for server in servers.values():
            server.stop()


def _copies(db: Path, sources: Path, *args: str) -> dict:
    result = CliRunner().invoke(copies, ["--db", str(db), "--sources", str(sources), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _path(url: str) -> str:
    return url.split("/", 3)[3]


def _by_story(groups: list[dict]) -> dict[str, dict]:
    return {_path(g["original"]["url"]): g for g in groups}


@pytest.mark.parametrize("how", ["at write time", "rebuilt"])
def test_copies_are_grouped_with_the_courts_original_and_the_cuts_named(crawled, how: str) -> None:
    db, sources, placements = crawled
    data = _copies(db, sources, *(["--rebuild"] if how == "rebuilt" else []))
    groups = _by_story(data["groups"])
    copied = [p for p in placements if len(p.paths) > 1]
    # one group per republished story, none for the articles only the court published (formulaic paragraphs
    # shared by unrelated articles and notices do not make them copies)
    assert sorted(groups) == sorted(p.paths["court"] for p in copied)
    for place in copied:
        group = groups[place.paths["court"]]
        assert group["original"]["source"] == "court"
        assert group["original"]["why"].startswith(("credit", "publisher"))
        members = {m["source"]: m for m in group["members"]}
        assert sorted(members) == ["farm", "platform", "portal"]
        assert {s: _path(m["url"]) for s, m in members.items()} == {s: place.paths[s] for s in members}
        assert members["portal"]["missing"] == [] and members["portal"]["containment"] == 1.0
        assert members["farm"]["missing"] == place.cut["farm"]  # the cut end, named paragraph by paragraph
        assert members["farm"]["added"][0].startswith("震惊！")  # the new title comes first
        assert members["farm"]["containment"] >= 0.8
        if len(place.story.paragraphs) > 3:  # a third of an article cut: a Jaccard threshold would miss it
            assert members["farm"]["similarity"] < 0.8


def test_one_articles_group_by_url_and_a_sources_groups(crawled) -> None:
    db, sources, placements = crawled
    place = placements[0]
    everything = _copies(db, sources)
    farm_url = next(
        m["url"] for g in everything["groups"] for m in g["members"] if _path(m["url"]) == place.paths["farm"]
    )
    one = _copies(db, sources, "--url", farm_url)
    assert [_path(g["original"]["url"]) for g in one["groups"]] == [place.paths["court"]]
    assert len(_copies(db, sources, "--source", "farm")["groups"]) == len(everything["groups"])
    alone = next(p for p in placements if len(p.paths) == 1)
    court_url = everything["groups"][0]["original"]["url"].rsplit("/", 2)[0] + "/" + alone.paths["court"]
    assert _copies(db, sources, "--url", court_url) == {"groups": []}


def test_an_unknown_url_is_one_line_naming_it(crawled) -> None:
    db, sources, _ = crawled
    result = CliRunner().invoke(
        copies, ["--db", str(db), "--sources", str(sources), "--url", "http://127.0.0.1:9/x"]
    )
    assert result.exit_code == 1
    assert "http://127.0.0.1:9/x: not in the archive" in result.output and "Traceback" not in result.output


def test_the_saved_groups_are_a_datasette_table_with_facets_and_canned_queries(crawled) -> None:
    import asyncio

    from datasette.app import Datasette

    from crawler.service.serve import DATASETTE_SETTINGS, datasette_metadata

    db, sources, placements = crawled
    _copies(db, sources, "--rebuild")

    async def go(path: str) -> dict:
        ds = Datasette([str(db)], metadata=datasette_metadata(db), settings=DATASETTE_SETTINGS)
        await ds.invoke_startup()
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    copied = [p for p in placements if len(p.paths) > 1]
    table = asyncio.run(go("/archive/copy_groups.json?_facet=role&_facet=source&_shape=objects&_size=max"))
    roles = {f["value"]: f["count"] for f in table["facet_results"]["role"]["results"]}
    assert roles == {"original": len(copied), "copy": 3 * len(copied)}
    cut = asyncio.run(go("/archive/copies_that_cut.json?_shape=objects"))["rows"]
    assert {r["source"] for r in cut} == {"farm"} and len(cut) == len(copied)
    assert all(r["divergence"].startswith("删去最后") for r in cut)
    many = asyncio.run(go("/archive/copied_by_many.json?_shape=objects"))["rows"]
    assert {r["source"] for r in many} == {"court"} and len(many) == len(copied)


def test_rebuild_reports_its_progress_on_stderr_and_keeps_stdout_for_the_groups(crawled) -> None:
    db, sources, _ = crawled
    result = CliRunner().invoke(copies, ["--db", str(db), "--sources", str(sources), "--json", "--rebuild"])
    assert result.exit_code == 0, result.output
    versions = sum(1 for line in result.stderr.splitlines() if line.startswith("copies: signed"))
    assert (
        versions >= 1
        and "copies: linked" in result.stderr
        and "groups, saved to copy_groups" in result.stderr
    )
    assert json.loads(result.stdout)["groups"]


def test_save_refreshes_the_groups_table_and_refuses_a_partial_listing(crawled) -> None:
    db, sources, placements = crawled
    base = ["--db", str(db), "--sources", str(sources)]
    assert CliRunner().invoke(copies, [*base, "--save"]).exit_code == 0
    import sqlite3

    with sqlite3.connect(db) as conn:
        originals = conn.execute("SELECT COUNT(*) FROM copy_groups WHERE role = 'original'").fetchone()[0]
    assert originals == sum(1 for p in placements if len(p.paths) > 1)
    refused = CliRunner().invoke(copies, [*base, "--save", "--source", "farm"])
    assert refused.exit_code == 1 and "--save stores every group" in refused.output
