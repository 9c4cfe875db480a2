"""The evidence commands on a real crawled archive, and the tampering `courtnews verify` must name: a version's
title or text edited, a capture deleted or inserted, two captures swapped, raw bytes or a header changed, a
checkpoint exported earlier that a rebuilt log no longer extends, one byte of a bundle's response changed."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import crawl_env
from tests.test_evidence import needs_openssl, run_verify

ARTICLE = "zixun/xiangqing/1002.html"


def courtnews(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**crawl_env(), "COURTNEWS_PROGRESS_EVERY": "0"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "courtnews"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def crawled(site_factory, crawl, tmp_path) -> tuple[Path, str]:
    site = site_factory("court-gov-cn")
    crawl(site)
    page = site.path(ARTICLE)
    page.write_text(page.read_text("utf-8").replace("</p>", "（补充）</p>", 1), "utf-8")
    crawl(site, "revisit=live")
    return tmp_path / "archive.db", f"{site.base_url}/{ARTICLE}"


@needs_openssl
def test_checkpoint_proof_and_verify_from_the_command_line(crawled, tmp_path):
    db, url = crawled
    assert (tmp_path / "archive.db.key").exists()  # made by the first run's checkpoint, beside the archive
    assert oct((tmp_path / "archive.db.key").stat().st_mode & 0o777) == "0o600"
    done = courtnews("checkpoint", "--db", str(db), "--output", str(tmp_path / "published"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    origin, size, root = done.stdout.splitlines()[:3]
    assert origin.startswith("courtnews.archive/") and int(size) > 0 and len(root) == 44
    assert (tmp_path / "published").read_bytes().startswith(done.stdout.encode())  # the signed note
    assert (
        courtnews(
            "verify", "--db", str(db), "--against", str(tmp_path / "published"), cwd=tmp_path
        ).returncode
        == 0
    )
    done = courtnews("proof", url, "--db", str(db), "--output", str(tmp_path / "p.zip"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert courtnews("verify-proof", str(tmp_path / "p.zip"), cwd=tmp_path).returncode == 0
    with zipfile.ZipFile(tmp_path / "p.zip") as bundle:
        bundle.extractall(tmp_path / "p")
    assert run_verify(tmp_path / "p").returncode == 0
    # one byte of the response changed: both verifiers refuse it, naming the payload
    body = tmp_path / "p" / "response.bin"
    data = bytearray(body.read_bytes())
    data[len(data) // 2] ^= 1
    body.write_bytes(bytes(data))
    refused = run_verify(tmp_path / "p")
    assert refused.returncode == 1 and "payload" in refused.stdout.lower()
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as out:
        for name in sorted(os.listdir(tmp_path / "p")):
            out.write(tmp_path / "p" / name, name)
    refused = courtnews("verify-proof", str(tampered), cwd=tmp_path)
    assert refused.returncode == 1


TAMPERING = {
    "a version's title edited": (
        "UPDATE versions SET title = title || '（改）' WHERE id = (SELECT MAX(id) FROM versions)",
        "title or text",
    ),
    "a version's body edited": (
        "UPDATE versions SET body = replace(body, '。', '，') WHERE id = 1",
        "title or text",
    ),
    "a capture deleted": ("DELETE FROM captures WHERE id = 3", "deleted from the archive"),
    "a capture inserted": (
        "INSERT INTO captures (page_id, run_id, url, fetched_at, status, headers, outcome) "
        "SELECT page_id, run_id, url, '2020-01-01T00:00:00Z', 200, '{}', 'unchanged' FROM captures LIMIT 1",
        "not in the evidence log",
    ),
    "two captures' times swapped": (
        "UPDATE captures SET fetched_at = CASE id WHEN 2 THEN (SELECT fetched_at FROM captures WHERE id = 9) "
        "ELSE (SELECT fetched_at FROM captures WHERE id = 2) END WHERE id IN (2, 9)",
        "the log says",
    ),
    "a header changed": (
        "UPDATE captures SET headers = replace(headers, 'text/html', 'text/plain') WHERE id = "
        "(SELECT MAX(id) FROM captures WHERE headers LIKE '%text/html%')",
        "headers differ",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_verify_names_each_tampering(crawled, tmp_path, case):
    db, _ = crawled
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    assert courtnews("verify", "--db", str(copy), cwd=tmp_path).returncode == 0
    sql, named = TAMPERING[case]
    with sqlite3.connect(copy) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        assert conn.execute(sql).rowcount >= 1, case
    done = courtnews("verify", "--db", str(copy), cwd=tmp_path)
    assert done.returncode == 1, (case, done.stdout)
    assert named in done.stdout, (case, done.stdout)


def test_a_rebuilt_log_no_longer_extends_a_checkpoint_exported_earlier(crawled, tmp_path):
    """Deleting a capture and rebuilding the whole log from the rest gives a log that verifies on its own;
    only the checkpoint published before proves it was rewritten."""
    db, _ = crawled
    assert (
        courtnews(
            "checkpoint", "--db", str(db), "--output", str(tmp_path / "earlier"), cwd=tmp_path
        ).returncode
        == 0
    )
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER evidence_leaves_no_delete")
        conn.execute("DELETE FROM captures WHERE id = 3")
        conn.execute("DELETE FROM evidence_leaves")
        conn.execute("DELETE FROM evidence_nodes")
        conn.execute("DELETE FROM evidence_checkpoints")
    from archive.db import open_archive
    from archive.evidence.rows import backfill

    rebuilt = open_archive(copy)
    with rebuilt.conn:
        backfill(rebuilt)
    rebuilt.close()
    done = courtnews("verify", "--db", str(copy), "--against", str(tmp_path / "earlier"), cwd=tmp_path)
    assert done.returncode == 1 and "FAIL the log extends the checkpoint" in done.stdout, done.stdout


def test_captures_thinned_by_prune_are_recorded_in_the_log_and_verify_still_holds(crawled, tmp_path):
    db, _ = crawled
    time.sleep(1.1)  # every capture older than the one second kept whole
    done = courtnews("prune", "--db", str(db), "--older-than", "1s", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        [entry] = [
            json.loads(e) for (e,) in conn.execute("SELECT entry FROM evidence_leaves WHERE kind = 'prune'")
        ]
        assert (
            entry["capture_ids"]
            and not conn.execute(
                f"SELECT 1 FROM captures WHERE id IN ({','.join(map(str, entry['capture_ids']))})"
            ).fetchall()
        )
    assert courtnews("verify", "--db", str(db), cwd=tmp_path).returncode == 0
