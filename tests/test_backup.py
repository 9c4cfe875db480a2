"""`courtnews backup` while a crawl writes: a real crawl process of a generated court site on 127.0.0.1 into
a real archive, the backup taken from another process mid-crawl; the copy opens, passes integrity_check and
verify, and holds every version committed before it began, exactly. Plus its refusals and the kept copies
of a schedule."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from archive.upkeep.backup import SCHEDULED_PREFIX, rotate, scheduled_backup
from tests.conftest import crawl_env, write_sources
from tests.generated_sites import assert_sound, court_sites, start_crawl
from tests.redis_server import COURTNEWS


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql).fetchall()


VERSIONS = "SELECT id, page_id, version, kind, title, body FROM versions ORDER BY id"


def courtnews(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COURTNEWS, *args], env=crawl_env(), capture_output=True, text=True, timeout=300)


def test_a_backup_taken_while_a_crawl_writes_holds_every_committed_version(tmp_path):
    servers, sources = court_sites(tmp_path, [400])
    db, copy = tmp_path / "archive.db", tmp_path / "copy.db"
    crawl = start_crawl("court-0", db, sources, log=tmp_path / "crawl.log", EXTRACT_WORKERS="1")
    try:
        deadline = time.monotonic() + 120
        while (
            not db.exists()
            or not rows(db, "SELECT name FROM sqlite_master WHERE name = 'versions'")
            or (rows(db, "SELECT COUNT(*) FROM versions")[0][0] < 30)
        ):
            assert time.monotonic() < deadline and crawl.poll() is None, (tmp_path / "crawl.log").read_text()
            time.sleep(0.2)
        committed = rows(db, VERSIONS)  # committed before the backup begins
        done = courtnews("backup", "--db", str(db), "--output", str(copy))
        assert done.returncode == 0, done.stderr
        assert crawl.poll() is None  # the crawl was writing all along
        after = rows(db, "SELECT COUNT(*) FROM versions")[0][0]
        assert crawl.wait(300) == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    finally:
        if crawl.poll() is None:
            crawl.stop(30)
        for server in servers:
            server.stop()
    assert "checking the copy" in done.stderr and "versions" in done.stdout
    held = rows(copy, VERSIONS)
    assert held[: len(committed)] == committed  # every committed version, identical
    assert len(committed) <= len(held) <= after  # and nothing that was not committed
    assert_sound(copy)  # integrity_check and verify on the copy
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert not list(tmp_path.glob(".copy.db.partial-*"))
    # the copy is an archive courtnews reads as it is
    summary = courtnews("verify", "--db", str(copy))
    assert summary.returncode == 0, summary.stdout + summary.stderr


def test_a_backup_never_overwrites_a_file_unless_forced(tmp_path):
    servers, sources = court_sites(tmp_path, [5])
    db, copy = tmp_path / "archive.db", tmp_path / "copy.db"
    try:
        assert start_crawl("court-0", db, sources, log=tmp_path / "crawl.log").wait(120) == 0
    finally:
        servers[0].stop()
    copy.write_text("an operator's file")
    refused = courtnews("backup", "--db", str(db), "--output", str(copy))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "exists already" in refused.stderr and "--force" in refused.stderr
    assert copy.read_text() == "an operator's file"
    forced = courtnews("backup", "--db", str(db), "--output", str(copy), "--force")
    assert forced.returncode == 0, forced.stderr
    assert rows(copy, "SELECT COUNT(*) FROM versions") == [(5,)]
    missing = courtnews("backup", "--db", str(tmp_path / "none.db"), "--output", str(tmp_path / "x.db"))
    assert (
        missing.returncode == 1 and "no archive here" in missing.stderr and "Traceback" not in missing.stderr
    )


def test_a_schedule_keeps_the_newest_copies(tmp_path):
    servers, sources = court_sites(tmp_path, [3])
    db, folder = tmp_path / "archive.db", tmp_path / "backups"
    try:
        assert start_crawl("court-0", db, sources, log=tmp_path / "crawl.log").wait(120) == 0
    finally:
        servers[0].stop()
    folder.mkdir()
    old = [folder / f"{SCHEDULED_PREFIX}2020010{n}T000000Z.db" for n in range(1, 4)]
    for path in old:
        path.write_bytes(b"older copy")
    (folder / "notes.db").write_bytes(b"not a scheduled copy")
    result = scheduled_backup(db, folder, keep=2)
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted([old[-1].name, result.path.name, "notes.db"])
    assert rows(result.path, "SELECT COUNT(*) FROM versions") == [(3,)]
    assert rotate(folder, 2) == []  # nothing more to delete


def start_daemon(tmp_path: Path, sources: Path, db: Path) -> subprocess.Popen[str]:
    env = {**crawl_env(), "COURTNEWS_DOWNLOAD_DELAY": "0", "COURTNEWS_AUTOTHROTTLE": "0"}
    command = [
        COURTNEWS,
        "daemon",
        "--db",
        str(db),
        "--sources",
        str(sources),
        "--log-dir",
        str(tmp_path / "logs"),
    ]
    return subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)


def test_the_daemon_backs_up_on_the_schedule_of_its_backup_table(tmp_path, site_factory):
    """A [backup] table in the sources file makes a daemon job: a checked copy every `every`, the newest
    `keep` kept in `folder` (relative: beside the archive)."""
    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "sources.toml", site)
    sources.write_text(
        sources.read_text("utf-8") + '\n[backup]\nevery = "2s"\nfolder = "backups"\nkeep = 2\n'
    )
    db = tmp_path / "archive.db"
    daemon = start_daemon(tmp_path, sources, db)
    assert daemon.stderr is not None
    made, lines = 0, []
    try:
        for line in daemon.stderr:
            lines.append(line)
            made += "courtnews.backup: backup courtnews-" in line
            assert "failed" not in line or "courtnews.backup" not in line, line
            if made >= 3:
                break
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(150)
    assert made >= 3, "".join(lines[-30:])
    assert any("job backup every 2 s" in line for line in lines)
    kept = sorted((tmp_path / "backups").glob("courtnews-*.db"))
    assert len(kept) == 2
    for copy in kept:
        assert_sound(copy)


def test_a_mistake_in_the_backup_table_stops_the_daemon_in_one_line(tmp_path, site_factory):
    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "sources.toml", site)
    sources.write_text(sources.read_text("utf-8") + '\n[backup]\nevery = "1d"\nfolder = "b"\nkeep = 0\n')
    daemon = start_daemon(tmp_path, sources, tmp_path / "archive.db")
    _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 1
    assert err.strip().splitlines()[-1].startswith("Error: ") and "[backup] keep" in err, err
    assert "Traceback" not in err
