"""The evidence log as a crawl writes it: a real `scrapy crawl` over HTTP of a fixture site logs every capture
and every version it records, in order, and a bundle of one of its articles verifies with verify.py alone.

Runs once archive/store.py calls archive.evidence.record.log_recorded (the lead's wiring of issue 26): before
that the archive has no evidence tables and this module skips, saying so."""

from __future__ import annotations

import json
import zipfile

import pytest

from archive.db import open_archive
from archive.evidence import log, service
from archive.evidence.audit import verify_archive
from tests.test_evidence import needs_openssl, run_verify


@needs_openssl
def test_a_crawl_logs_every_capture_and_version_and_its_articles_prove_themselves(
    site_factory, crawl, tmp_path
):
    site = site_factory("court-gov-cn")
    crawl(site)
    db = open_archive(tmp_path / "archive.db")
    if not db["evidence_leaves"].exists():
        pytest.skip("the store does not log yet: wire archive.evidence.record.log_recorded (issue 26)")
    page = site.path("zixun/xiangqing/1002.html")
    page.write_text(page.read_text("utf-8").replace("</p>", "（补充）</p>", 1), "utf-8")
    crawl(site, "revisit=live")
    captures = [r[0] for r in db.conn.execute("SELECT id FROM captures ORDER BY id")]
    versions = [r[0] for r in db.conn.execute("SELECT id FROM versions ORDER BY id")]
    leaves = [log.leaf(db, i) for i in range(log.size(db))]
    assert [r["capture_id"] for r in leaves if r["kind"] == "capture"] == captures
    assert [r["version_id"] for r in leaves if r["kind"] == "version"] == versions
    assert any(json.loads(r["entry"])["kind"] == "changed" for r in leaves if r["kind"] == "version")
    signed = service.sign_checkpoint(db)
    assert signed.checkpoint.size == len(captures) + len(versions) and verify_archive(db).problems == []
    url = next(r[0] for r in db.conn.execute("SELECT url FROM pages WHERE url LIKE '%1002.html'"))
    bundle = service.proof(db, url, tmp_path / "proof.zip")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(tmp_path / "proof")
        body = json.loads(z.read("entry.json"))
    assert body["url"] == url and body["status"] == 200 and body["peer_ip"] in (None, "127.0.0.1")
    done = run_verify(tmp_path / "proof")
    assert done.returncode == 0, done.stdout
    db.close()
