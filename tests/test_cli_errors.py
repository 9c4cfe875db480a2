"""Read-only means read-only, and every CLI error is one line: commands that read the archive refuse a missing
path, a file that is not a courtnews archive, an archive from a newer courtnews and an outdated one, read a
read-only file and a read-only mount, and leave every file byte-identical; a failed output leaves no file."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import ArticleFields, Capture, open_archive, record, start_run
from crawler.cli import main

URL = "https://www.court.gov.cn/zixun/xiangqing/1.html"
READERS = [
    ["summary"],
    ["history", URL],
    ["show", URL],
    ["diff", URL],
    ["search", "法院"],
    ["export", "--format", "jsonl"],
    ["feed"],
    ["verify"],
    ["status", "--without-daemon"],
]


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def small_archive(path: Path) -> Path:
    db = open_archive(path)
    run = start_run(db, "court-gov-cn")
    for body in ("法院依法审理一起案件。", "法院依法公开审理一起案件。"):
        record(db, run, Capture(url=URL, source="court-gov-cn", status=200, raw=body.encode()), "article",
               ArticleFields(title="标题", body=body))  # fmt: skip
    db.close()
    return path


def invoke(args: list[str]):
    return CliRunner().invoke(main, args)


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_missing_path_is_refused_and_not_created(folder, args):
    result = invoke([*args, "--db", str(folder / "typo.db")])
    assert_one_line_error(result, "typo.db", "no archive here")
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_another_sqlite_file_is_refused_and_left_byte_identical(folder, args):
    other = folder / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('mine')")
    conn.commit()
    conn.close()
    before = fingerprint(folder)
    assert_one_line_error(invoke([*args, "--db", str(other)]), "not a courtnews archive")
    assert fingerprint(folder) == before  # no tables added, not switched to WAL, no files beside it


@pytest.mark.parametrize("content", [b"", b"just some text, not a database" * 50], ids=["empty", "text"])
def test_a_file_that_is_not_a_database_is_refused(folder, content):
    path = folder / "notes.db"
    path.write_bytes(content)
    before = fingerprint(folder)
    result = invoke(["summary", "--db", str(path)])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "not a courtnews archive" in result.output or "not a SQLite database" in result.output
    assert fingerprint(folder) == before


def test_an_archive_from_a_newer_courtnews_is_refused_by_readers_and_writers(folder):
    path = small_archive(folder / "archive.db")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('courtnews', 'm999_future', 'x')"
    )
    conn.commit()
    conn.close()
    before = fingerprint(folder)
    for args in (["summary"], ["migrate"], ["prune"], ["reextract"]):
        assert_one_line_error(invoke([*args, "--db", str(path)]), "newer courtnews", "m999_future")
    assert fingerprint(folder) == before


def test_an_outdated_archive_is_read_only_after_migrate(folder):
    path = small_archive(folder / "archive.db")
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = (SELECT MAX(name) FROM _sqlite_migrations)")
    conn.commit()
    conn.close()
    before = fingerprint(folder)
    assert_one_line_error(invoke(["summary", "--db", str(path)]), "older courtnews", "courtnews migrate")
    assert fingerprint(folder) == before


def test_a_read_only_file_is_read(folder):
    path = small_archive(folder / "archive.db")
    path.chmod(0o444)
    before = fingerprint(folder)
    result = invoke(["history", URL, "--db", str(path)])
    assert result.exit_code == 0 and "v2" in result.output
    assert fingerprint(folder) == before


@pytest.fixture
def read_only_mount(tmp_path):
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_mount_is_read_and_writers_say_why_they_cannot(read_only_mount):
    small_archive(read_only_mount / "archive.db")
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    before = fingerprint(read_only_mount)
    for args in READERS[:-1]:
        result = invoke([*args, "--db", str(read_only_mount / "archive.db")])
        assert result.exit_code == 0, (args, result.output)
    assert_one_line_error(invoke(["prune", "--db", str(read_only_mount / "archive.db")]), "read-only")
    assert fingerprint(read_only_mount) == before


def test_outputs_are_whole_or_absent(folder, tmp_path):
    path = small_archive(folder / "archive.db")
    missing = tmp_path / "no-such-folder" / "out.jsonl"
    assert_one_line_error(invoke(["export", "--db", str(path), "-o", str(missing)]), "no-such-folder")
    assert not missing.parent.exists()
    result = invoke(["feed", "--db", str(path), "-o", "/dev/full"])
    assert_one_line_error(result, "/dev/full", "No space left")
    target = folder / "feed.atom"
    assert invoke(["feed", "--db", str(path), "-o", str(target)]).exit_code == 0
    assert target.read_text("utf-8").startswith("<?xml") and not list(folder.glob(".*.part-*"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["show", URL, "--version", str(10**20)], "--version"),
        (["show", URL, "--version", "0"], "--version"),
        (["export", "--since", "garbage"], "neither a date"),
        (["export", "--since", "2024-13-45"], "neither a date"),
        (["diff", URL, "1"], "two version numbers"),
        (["history", "https://nowhere.invalid/x"], "not in the archive"),
    ],
)
def test_bad_arguments_are_one_line(folder, args, fragment):
    path = small_archive(folder / "archive.db")
    result = invoke([*args, "--db", str(path)])
    assert result.exit_code in (1, 2), result.output
    assert fragment in result.output and "Traceback" not in result.output


def test_since_accepts_dates_moments_and_durations(folder):
    path = small_archive(folder / "archive.db")
    for since, count in (("2000-01-01", 2), ("7d", 2), ("2999-01-01T00:00+08:00", 0), ("2999-01-01", 0)):
        result = CliRunner().invoke(main, ["export", "--db", str(path), "--since", since])
        assert result.exit_code == 0, result.output
        assert result.stdout.count("\n") == count, (since, result.stdout)
