"""A long maintenance command run off a terminal (cron, systemd, a pipe) is never silent until it ends:
verify, prune, vacuum, export and migrate print a line on stderr every few seconds ($COURTNEWS_PROGRESS_EVERY)
with the step they are at, each step as it starts and a last line; stdout keeps the report. A command that
ends sooner prints nothing more than before (its one-line error stays one line). COURTNEWS_PROGRESS_EVERY=0
says every step at once: the small archive here is done long before any heartbeat."""

from __future__ import annotations

import subprocess
import sys

import pytest

from archive.schema import migrations
from tests.conftest import crawl_env

LAST_STEP = migrations._migrations[-1].name  # an archive one step behind: whichever step is newest


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from archive import ArticleFields, Capture, open_archive, record, start_run

    db_path = tmp_path_factory.mktemp("progress") / "archive.db"
    db = open_archive(db_path)
    run = start_run(db, "a-court")
    for n in range(3):
        url = f"https://a.example.gov.cn/{n}.html"
        capture = Capture(
            url=url, source="a-court", status=200, raw=b"<p>x</p>", fetched_at="2020-01-01T00:00:00Z"
        )
        record(db, run, capture, "article", ArticleFields(title=f"标题{n}", body=f"正文{n}" * 20))
    db.close()
    return db_path


@pytest.mark.parametrize(
    ("command", "steps"),
    [
        (["verify"], ["verify: check 1/", "verify: check 2/"]),
        (["prune", "--older-than", "1d", "--vacuum"], ["prune: choosing the captures to keep", "prune: deleting",
                                                       "vacuum: checkpointing the WAL"]),
        (["export", "--format", "jsonl", "-o", "/dev/null"], ["export: writing jsonl"]),
        (["migrate"], [f"migrate: applying 1 schema steps ({LAST_STEP})"]),
    ],
)  # fmt: skip
def test_a_maintenance_command_off_a_terminal_says_what_it_is_doing(archive, tmp_path, command, steps):
    if command == ["migrate"]:  # an archive a step behind
        from tests.test_migrations import archive_before

        archive = tmp_path / "old.db"
        archive_before(archive, LAST_STEP, "finished")[0].commit()
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", *command, "--db", str(archive)],
        capture_output=True, text=True, timeout=120,
        env={**crawl_env(), "COURTNEWS_PROGRESS_EVERY": "0"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    for step in steps:
        assert any(line.startswith(step) for line in lines), result.stderr
    name = command[0] if command[0] != "prune" else "vacuum"
    assert any(line.startswith(f"{name}: done after ") for line in lines), result.stderr
    positions = [next(i for i, line in enumerate(lines) if line.startswith(step)) for step in steps]
    assert positions == sorted(positions)  # in the order they happen


def test_a_quick_command_off_a_terminal_prints_no_progress(archive):
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "verify", "--db", str(archive)],
        capture_output=True, text=True, timeout=120, env=crawl_env(),
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr
