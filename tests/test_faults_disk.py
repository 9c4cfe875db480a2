"""A full disk ends the crawl at once, failed with its reason, the run closed and the archive sound."""

from __future__ import annotations

import subprocess

import pytest

from archive.db import open_reader
from tests.generated_sites import assert_sound, court_sites, start_crawl


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({result.stderr.decode().strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_ends_the_crawl_at_once_failed_with_its_reason(tmp_path, small_disk):
    servers, sources = court_sites(tmp_path, [400])
    db = small_disk / "archive.db"
    try:
        crawl = start_crawl("court-0", db, sources, log=tmp_path / "crawl.log")
        try:
            code = crawl.wait(timeout=300)
        except subprocess.TimeoutExpired:
            crawl.kill()  # not left running after the test, holding the unmounted disk
            code = None
    finally:
        for server in servers:
            server.stop()
    log = (tmp_path / "crawl.log").read_text("utf-8", "replace")
    assert code == 1, log[-3000:]
    assert (
        "Closing spider (disk_full)" in log
    )  # closed by the full disk, not left to fetch the rest of the site
    run = list(open_reader(db).query("SELECT status, reason, captures, unstored FROM runs"))[0]
    assert run["status"] == "failed" and "disk is full" in run["reason"], run
    assert 0 < run["captures"] < 400 and run["unstored"] > 0
    # it stopped at once: far fewer fetches than the site has, and a log of bounded size
    assert log.count("not stored") == run["unstored"] and len(log) < 400_000
    assert_sound(db)
