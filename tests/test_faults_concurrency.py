"""Two and three crawls writing one new archive at once: every fetch a capture, nothing lost."""

from __future__ import annotations

import pytest
import sqlite_utils

from tests.generated_sites import assert_sound, court_sites, start_crawl


@pytest.mark.parametrize("crawls", [2, 3])
def test_concurrent_crawls_into_one_new_archive_lose_nothing(tmp_path, crawls):
    sizes = [600 // crawls] * crawls
    servers, sources = court_sites(tmp_path, sizes)
    db = tmp_path / "archive.db"  # does not exist yet: every crawl races to create it
    try:
        procs = [
            start_crawl(f"court-{i}", db, sources, log=tmp_path / f"crawl-{i}.log") for i in range(crawls)
        ]
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for server in servers:
            server.stop()
    logs = [(tmp_path / f"crawl-{i}.log").read_text("utf-8", "replace") for i in range(crawls)]
    assert codes == [0] * crawls, "\n".join(log[-2000:] for log in logs)
    archive = sqlite_utils.Database(db)
    runs = list(archive.query("SELECT source, status, captures, unstored FROM runs ORDER BY source"))
    assert [(r["status"], r["captures"], r["unstored"]) for r in runs] == [("finished", n, 0) for n in sizes]
    assert archive["captures"].count == 600  # every fetch is a capture
    assert archive.execute("SELECT COUNT(*) FROM pages WHERE current_version = 1").fetchone()[0] == 600
    assert_sound(db)
