"""The evidence log on a real archive: every capture and version is a leaf in the order written, the archive
signs C2SP checkpoints with its own Ed25519 key (openssl agrees), a real RFC 3161 TSA timestamps them, proof
bundles verify with a bare `python3 -I verify.py`, and each kind of tampering our layer can see is named."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import ArticleFields, Capture
from archive.db import open_archive, write_transaction
from archive.evidence import checkpoint as checkpoints
from archive.evidence import log, service
from archive.evidence.audit import verify_archive
from archive.evidence.bundle import capture_of_url, write_bundle
from archive.evidence.entry import canonical
from archive.evidence.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from archive.evidence.record import log_capture, log_recorded, log_version
from archive.evidence.tables import create_evidence_tables
from archive.evidence.timestamp import timestamp_pending, timestamp_request, verify_reply
from archive.runs import start_run
from archive.store import Recorded, record_fetch
from tests.tsa_server import TsaServer, openssl_missing

URL = "https://www.court.gov.cn/zixun/xiangqing/1.html"
needs_openssl = pytest.mark.skipif(openssl_missing() is not None, reason=openssl_missing() or "")
BASE_PYTHON = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "a.db")
    with write_transaction(database):
        create_evidence_tables(database)  # the lead's migration step does this
    yield database
    database.close()


@pytest.fixture
def key(tmp_path):
    return checkpoints.load_or_create_key(checkpoints.key_path(tmp_path / "a.db"))


def article(body: str = "第一段。\n第二段。") -> ArticleFields:
    return ArticleFields(title="法院审结一起借贷纠纷案", body=body, rules_hash="r1", extractor_version="e1")


def capture(raw: bytes | None = b"<html>page</html>", status: int | None = 200, **more) -> Capture:
    return Capture(url=URL, source="s", status=status, raw=raw, headers={"Content-Type": "text/html"}, **more)


def recorded(db, run, cap: Capture, outcome: str = "article", fields: ArticleFields | None = None):
    """Record one fetch through the store and log it as the store's wiring does (where it does not yet)."""
    with write_transaction(db):
        result = record_fetch(db, run, [Recorded(cap, outcome, fields)])[0]  # type: ignore[arg-type]
        if not log.leaves_of_capture(db, result.capture_id):
            log_recorded(db, result.capture_id, cap, fields.rules_hash if fields else None)
    return result


def sign(db, key):
    with write_transaction(db):
        return checkpoints.checkpoint(db, key, "courtnews.test/log")


def tamper(db, *statements: tuple[str, list]) -> None:
    """Edit the log as an attacker with write access to the file would (the triggers dropped first)."""
    db.conn.execute("DROP TRIGGER evidence_leaves_no_update")
    db.conn.execute("DROP TRIGGER evidence_leaves_no_delete")
    for sql, params in statements:
        db.conn.execute(sql, params)
    db.conn.commit()


def test_every_capture_and_each_version_it_makes_is_a_leaf_in_the_order_written(db):
    run = start_run(db, "s")
    tls = hashlib.sha256(b"certificate").hexdigest()
    first = recorded(db, run, capture(b"<html>one</html>"), "article", article())
    recorded(db, run, capture(b"<html>one</html>"), "article", article())  # unchanged: a capture, no version
    recorded(db, run, capture(b"<html>two</html>"), "article", article("改过的正文。"))
    recorded(db, run, capture(None, status=None, reason="timeout"), "failed")
    leaves = [log.leaf(db, i) for i in range(log.size(db))]
    assert [(r["kind"], r["capture_id"]) for r in leaves] == [
        ("capture", first.capture_id), ("version", first.capture_id), ("capture", first.capture_id + 1),
        ("capture", first.capture_id + 2), ("version", first.capture_id + 2), ("capture", first.capture_id + 3),
    ]  # fmt: skip
    entry = json.loads(leaves[0]["entry"])
    assert entry["payload_sha256"] == hashlib.sha256(b"<html>one</html>").hexdigest()
    assert (entry["url"], entry["status"], entry["response_headers"]) == (
        URL,
        200,
        {"Content-Type": "text/html"},
    )
    assert entry["tls_cert_sha256"] is None and entry["peer_ip"] is None and entry["rules_hash"] == "r1"
    assert canonical(entry) == leaves[0]["entry"]  # stored in canonical form, byte for byte
    assert all(r["leaf_hash"] == leaf_hash(r["entry"]) for r in leaves)
    version = json.loads(leaves[4]["entry"])
    assert version["capture_leaf"] == 3 and version["kind"] == "changed" and version["content_hash"]
    assert (
        version["text_sha256"]
        == hashlib.sha256("法院审结一起借贷纠纷案\n\n改过的正文。\n".encode()).hexdigest()
    )
    failed = json.loads(leaves[5]["entry"])
    assert failed["payload_sha256"] is None and failed["outcome"] == "failed"
    # a page gone: its capture is logged with the outcome it ends with, its version as a text's absence
    recorded(db, run, capture(b"not found", status=404), "gone")
    gone, removed = (json.loads(log.leaf(db, i)["entry"]) for i in (6, 7))
    assert (gone["status"], gone["outcome"]) == (404, "removed")
    assert (removed["kind"], removed["text_sha256"], removed["content_hash"], removed["capture_leaf"]) == (
        "removed",
        None,
        None,
        6,
    )
    # facts of the connection are logged where the capture carries them
    cap = capture(b"x")
    cap.peer_ip, cap.tls_cert_sha256, cap.request_headers = "127.0.0.1", tls, {"User-Agent": "courtnews"}  # type: ignore[attr-defined]
    with write_transaction(db):
        index = log_capture(db, 99, cap, "version")
    logged = json.loads(log.leaf(db, index)["entry"])
    assert (logged["peer_ip"], logged["tls_cert_sha256"], logged["request_headers"]) == (
        "127.0.0.1", tls, {"User-Agent": "courtnews"},
    )  # fmt: skip


def test_the_stored_tree_answers_heads_and_proofs_at_every_size_as_the_rfc_tree_does(db):
    entries = [f"entry {i}".encode() for i in range(70)]
    with write_transaction(db):
        for e in entries:
            log.append(db, e, "capture")
    memory = MemoryTree([leaf_hash(e) for e in entries])
    for n in range(0, 71):
        head = log.tree_head(db, n)
        assert head.root == memory.root(n)
        for m in (0, 1, n // 2, n - 1):
            if 0 <= m < n:
                assert verify_inclusion(m, n, leaf_hash(entries[m]), log.prove_inclusion(db, m, n), head.root)
            if 0 <= m <= n:
                old = log.tree_head(db, m)
                assert verify_consistency(m, n, old.root, head.root, log.prove_consistency(db, m, n))
    with pytest.raises(log.EvidenceError, match="no tree head at size 71"):
        log.tree_head(db, 71)
    with write_transaction(db):
        assert log.rebuild_nodes(db) > 0
    assert log.tree_head(db).root == memory.root() and verify_archive(db).problems == []


def test_the_key_is_made_once_mode_0600_beside_the_archive_or_where_configured(tmp_path, monkeypatch):
    path = checkpoints.key_path(tmp_path / "a.db")
    assert path == tmp_path / "a.db.key"
    key = checkpoints.load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert checkpoints.public_raw(checkpoints.load_or_create_key(path)) == checkpoints.public_raw(key)
    monkeypatch.setenv("COURTNEWS_KEY", str(tmp_path / "elsewhere.key"))
    assert checkpoints.key_path(tmp_path / "a.db") == tmp_path / "elsewhere.key"
    assert checkpoints.key_path(tmp_path / "a.db", tmp_path / "given.key") == tmp_path / "given.key"
    os.chmod(path, 0o644)
    with pytest.raises(log.EvidenceError) as refused:
        checkpoints.load_or_create_key(path)
    assert (
        str(refused.value)
        == f"{path}: the signing key is readable by others (mode 644); run chmod 600 {path}"
    )
    path.write_bytes(b"not a key")
    os.chmod(path, 0o600)
    with pytest.raises(log.EvidenceError, match="not an unencrypted PEM private key"):
        checkpoints.load_or_create_key(path)


@needs_openssl
def test_checkpoints_are_c2sp_text_signed_with_ed25519_that_openssl_and_the_note_format_accept(
    db, key, tmp_path
):
    run = start_run(db, "s")
    recorded(db, run, capture(), "article", article())
    cp = sign(db, key)
    head = log.tree_head(db)
    assert cp.body == f"courtnews.test/log\n2\n{base64.b64encode(head.root).decode()}\n".encode()
    assert len(cp.signature) == 64
    (tmp_path / "c.txt").write_bytes(cp.body)
    (tmp_path / "c.sig").write_bytes(cp.signature)
    (tmp_path / "k.pem").write_bytes(checkpoints.public_pem(cp.public_key))
    args = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "k.pem",
        "-rawin",
        "-sigfile",
        "c.sig",
        "-in",
        "c.txt",
    ]
    assert subprocess.run(args, cwd=tmp_path, capture_output=True).returncode == 0
    # the signed note: text, blank line, "— name base64(keyhash4 ‖ sig)", keyhash = SHA-256(name\n\x01key)[:4]
    text, _, line = cp.note.partition(b"\n\n")
    assert text + b"\n" == cp.body
    dash, name, blob = line.decode().rstrip("\n").split(" ")
    raw = base64.b64decode(blob)
    assert (dash, name) == ("\u2014", "courtnews.test/log")
    assert (
        raw[:4] == hashlib.sha256(b"courtnews.test/log\n\x01" + cp.public_key).digest()[:4]
        and raw[4:] == cp.signature
    )
    assert checkpoints.verify_note(cp.note, cp.public_key)
    assert checkpoints.parse(cp.note) == checkpoints.parse(cp.body) == ("courtnews.test/log", 2, head.root)
    assert sign(db, key).id == cp.id  # nothing new logged: the same checkpoint
    recorded(db, run, capture(b"<html>new</html>"), "article", article("新的。"))
    assert sign(db, key).size == 4


def entry_edited(db):
    row = log.leaf(db, 0)
    forged = row["entry"].replace(b'"status":200', b'"status":404')
    return [("UPDATE evidence_leaves SET entry = ? WHERE idx = 0", [forged])]


def entry_and_hash_edited(db):
    forged = log.leaf(db, 0)["entry"].replace(b'"status":200', b'"status":404')
    return [
        ("UPDATE evidence_leaves SET entry = ?, leaf_hash = ? WHERE idx = 0", [forged, leaf_hash(forged)])
    ]


def leaf_deleted(db):
    n = log.size(db)
    return [("DELETE FROM evidence_leaves WHERE idx = 1", [])] + [
        ("UPDATE evidence_leaves SET idx = ? WHERE idx = ?", [i - 1, i]) for i in range(2, n)
    ]


def leaf_inserted(db):
    n = log.size(db)
    moves = [("UPDATE evidence_leaves SET idx = ? WHERE idx = ?", [i + 1, i]) for i in range(n - 1, 0, -1)]
    forged = canonical({"type": "capture", "url": URL, "status": 200})
    insert = "INSERT INTO evidence_leaves (idx, kind, entry, leaf_hash) VALUES (1, 'capture', ?, ?)"
    return moves + [(insert, [forged, leaf_hash(forged)])]


def leaves_reordered(db):
    return [
        ("UPDATE evidence_leaves SET idx = -1 WHERE idx = 0", []),
        ("UPDATE evidence_leaves SET idx = 0 WHERE idx = 1", []),
        ("UPDATE evidence_leaves SET idx = 1 WHERE idx = -1", []),
    ]


@pytest.mark.parametrize(
    ("forgery", "named"),
    [
        (entry_edited, "leaf 0's entry does not hash to its stored leaf hash"),
        (entry_and_hash_edited, "no longer hash to the checkpoint's root"),
        (leaf_deleted, "no longer hash to the checkpoint's root"),
        (leaf_inserted, "no longer hash to the checkpoint's root"),
        (leaves_reordered, "no longer hash to the checkpoint's root"),
    ],
)
def test_a_rewritten_log_changes_the_root_and_fails_against_an_earlier_checkpoint(
    db, key, tmp_path, forgery, named
):
    run = start_run(db, "s")
    for i in range(3):
        recorded(db, run, capture(f"<html>{i}</html>".encode()), "article", article(f"正文{i}。"))
    earlier = sign(db, key)
    (tmp_path / "kept.note").write_bytes(earlier.note)
    recorded(db, run, capture(b"<html>later</html>"), "article", article("后来的。"))
    assert verify_archive(db, tmp_path / "kept.note").problems == []
    before = log.verify_log(db).root
    tamper(db, *forgery(db))
    # an attacker who rewrote the log also re-signs nothing: the kept checkpoint still names the old root
    problems = verify_archive(db, tmp_path / "kept.note").problems
    assert any(named in p for p in problems), problems
    assert log.verify_log(db).root != before
    with write_transaction(db):
        log.rebuild_nodes(db)  # the cache made to agree with the forgery: the signer still refuses
    if forgery is entry_edited:  # the stored leaf hash still commits to the real entry; a bundle is refused
        assert sign(db, key).root == before
        with pytest.raises(log.EvidenceError, match="does not lead to checkpoint"):
            write_bundle(db, 1, tmp_path / "p.zip")
    else:
        with pytest.raises(log.EvidenceError, match="no longer extends checkpoint"):
            sign(db, key)


def test_an_entry_edited_before_it_was_signed_is_not_signed(db, key):
    run = start_run(db, "s")
    recorded(db, run, capture(), "article", article())
    sign(db, key)
    recorded(db, run, capture(b"<html>later</html>"), "article", article("后来的。"))
    forged = log.leaf(db, 2)["entry"].replace(b'"status":200', b'"status":404')
    tamper(db, ("UPDATE evidence_leaves SET entry = ? WHERE idx = 2", [forged]))
    with pytest.raises(
        log.EvidenceError, match="leaf 2: its entry does not hash to its leaf hash, so it is not signed"
    ):
        sign(db, key)


def test_a_stale_node_cache_is_named_and_never_signed(db, key):
    run = start_run(db, "s")
    for i in range(4):
        recorded(db, run, capture(f"<html>{i}</html>".encode()), "article", article(f"正文{i}。"))
    sign(db, key)
    recorded(db, run, capture(b"<html>later</html>"), "article", article("后来的。"))
    db.conn.execute("UPDATE evidence_nodes SET hash = ? WHERE level = 3 AND idx = 0", [bytes(32)])
    assert (
        "evidence log: cached node (level 3, index 0) does not match the leaves"
        in verify_archive(db).problems
    )
    with pytest.raises(log.EvidenceError, match="no longer extends checkpoint 1"):
        sign(db, key)
    with write_transaction(db):
        log.rebuild_nodes(db)
    assert verify_archive(db).problems == [] and sign(db, key).size == 10


def test_the_log_refuses_updates_and_deletes_of_its_leaves(db):
    with write_transaction(db):
        log.append(db, b"one", "capture")
    for sql in ("UPDATE evidence_leaves SET entry = x'00'", "DELETE FROM evidence_leaves"):
        with pytest.raises(Exception, match="evidence_leaves is append-only"):
            db.conn.execute(sql)


def test_a_checkpoint_whose_signature_was_replaced_is_named(db, key, tmp_path):
    run = start_run(db, "s")
    recorded(db, run, capture(), "article", article())
    cp = sign(db, key)
    other = checkpoints.load_or_create_key(tmp_path / "other.key")
    (tmp_path / "forged.note").write_bytes(
        checkpoints.signed_note(cp.body, cp.origin, checkpoints.public_raw(other), other.sign(cp.body))
    )
    problems = verify_archive(db, tmp_path / "forged.note").problems
    assert problems == [
        f"{tmp_path / 'forged.note'}: its signature is not by any key this archive signs with"
    ]
    db.conn.execute("UPDATE evidence_checkpoints SET signature = ?", [other.sign(cp.body)])
    assert "checkpoint 1: its signature does not verify" in verify_archive(db).problems


def unzip(bundle: Path, folder: Path) -> Path:
    with zipfile.ZipFile(bundle) as z:
        z.extractall(folder)
    return folder


def run_verify(folder: Path) -> subprocess.CompletedProcess[str]:
    """verify.py as a recipient runs it: the base interpreter, isolated (-I), no courtnews importable."""
    return subprocess.run(
        [BASE_PYTHON, "-I", "verify.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )


@pytest.fixture
def bundle(db, key, tmp_path):
    run = start_run(db, "s")
    recorded(db, run, capture(b"<html>old</html>"), "article", article("旧的。"))
    result = recorded(db, run, capture(b"<html>\xe6\xad\xa3\xe6\x96\x87 body</html>"), "article", article())
    recorded(db, run, capture(b"<html>later</html>"), "article", article("后来的。"))
    sign(db, key)
    assert capture_of_url(db, URL, "9999") == result.capture_id + 1
    return write_bundle(db, result.capture_id, tmp_path / "proof.zip")


@needs_openssl
def test_a_bundle_verifies_with_the_standard_library_and_openssl_alone(bundle, tmp_path):
    folder = unzip(bundle, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "entry.json", "response.bin", "response.warc.gz", "inclusion.json", "checkpoint.txt", "checkpoint.sig",
        "checkpoint.note", "public_key.pem", "version_entry.json", "version_inclusion.json", "version.txt",
        "VERIFY.md", "verify.py",
    ])  # fmt: skip
    assert (folder / "verify.py").read_bytes() == (
        Path(log.__file__).parent / "bundle_verify.py"
    ).read_bytes()
    assert subprocess.run(
        [BASE_PYTHON, "-I", "-c", "import archive"], cwd=folder, capture_output=True
    ).returncode
    done = run_verify(folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == [
        "ok   payload", "ok   warc", "ok   inclusion", "ok   signature", "ok   version", "VERIFIED",
    ]  # fmt: skip
    assert "sha256sum response.bin" in (folder / "VERIFY.md").read_text()
    with (folder / "response.warc.gz").open("rb") as warc:  # a WARC record replay tools read
        records = [
            (r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(warc)
            if r.rec_type == "response"
        ]
    assert records == [(URL, (folder / "response.bin").read_bytes())]


def flip_byte(name: str):
    def edit(folder: Path) -> None:
        data = bytearray((folder / name).read_bytes())
        data[len(data) // 2] ^= 0x01
        (folder / name).write_bytes(bytes(data))

    return edit


def replace_signature(folder: Path) -> None:
    (folder / "checkpoint.sig").write_bytes(bytes(64))


def edit_entry(folder: Path) -> None:
    entry = folder / "entry.json"
    entry.write_bytes(entry.read_bytes().replace(b'"status":200', b'"status":201'))


def other_leaf_index(folder: Path) -> None:
    proof = json.loads((folder / "inclusion.json").read_text())
    proof["leaf_index"] += 1
    (folder / "inclusion.json").write_text(json.dumps(proof))


@needs_openssl
@pytest.mark.parametrize(
    ("edit", "failing"),
    [
        (flip_byte("response.bin"), ["payload", "warc"]),
        (edit_entry, ["inclusion"]),
        (replace_signature, ["signature"]),
        (flip_byte("checkpoint.txt"), ["inclusion", "signature", "version"]),
        (flip_byte("version.txt"), ["version"]),
        (other_leaf_index, ["inclusion", "version"]),
    ],
    ids=[
        "response-byte",
        "entry-edited",
        "signature-replaced",
        "checkpoint-edited",
        "text-edited",
        "leaf-moved",
    ],
)
def test_verify_py_exits_1_naming_each_check_a_tampered_bundle_fails(bundle, tmp_path, edit, failing):
    folder = unzip(bundle, tmp_path / "out")
    edit(folder)
    done = run_verify(folder)
    assert done.returncode == 1
    assert [
        line.split(":")[0].removeprefix("FAIL ")
        for line in done.stdout.splitlines()
        if line.startswith("FAIL")
    ] == failing
    assert done.stdout.splitlines()[-1] == f"NOT VERIFIED: {', '.join(failing)} failed"


def test_a_bundle_is_refused_when_the_archive_no_longer_matches_its_log(db, key, tmp_path):
    run = start_run(db, "s")
    result = recorded(db, run, capture(), "article", article())
    with pytest.raises(log.EvidenceError, match="run `courtnews checkpoint` first"):
        write_bundle(db, result.capture_id, tmp_path / "p.zip")
    sign(db, key)
    db.conn.execute("UPDATE versions SET body = '篡改的正文。'")
    with pytest.raises(log.EvidenceError, match="differs from the text logged"):
        write_bundle(db, result.capture_id, tmp_path / "p.zip")
    assert not (tmp_path / "p.zip").exists()


@needs_openssl
def test_the_request_built_is_a_timestamp_query_openssl_reads_with_our_imprint_and_nonce(tmp_path):
    (tmp_path / "q.tsq").write_bytes(timestamp_request(b"checkpoint\n", 0x8000_0000_0000_0001))
    (tmp_path / "data").write_bytes(b"checkpoint\n")

    def shown(*args: str) -> str:
        return subprocess.run(
            ["openssl", "ts", "-query", *args, "-text"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    ours = shown("-in", "q.tsq")
    theirs = shown("-data", "data", "-sha256", "-cert", "-no_nonce")  # openssl's own query for the same bytes
    assert "Hash Algorithm: sha256" in ours and "Certificate required: yes" in ours
    assert "Nonce: 0x8000000000000001" in ours
    imprint = ours.split("Message data:")[1].split("Policy OID")[0]
    assert imprint == theirs.split("Message data:")[1].split("Policy OID")[0]


@needs_openssl
def test_a_real_tsa_timestamps_pending_checkpoints_and_the_bundle_verifies_the_imprint(db, key, tmp_path):
    tsa = TsaServer(tmp_path / "tsa").start()
    try:
        run = start_run(db, "s")
        result = recorded(db, run, capture(), "article", article())
        cp = sign(db, key)
        tsa.refuse = True  # a TSA that is down: the checkpoint stays, untimestamped, for the next try
        with pytest.raises(log.EvidenceError, match="did not answer"):
            timestamp_pending(db, tsa.url, tsa.chain)
        assert checkpoints.get(db, cp.id).tsr is None
        tsa.refuse = False
        assert timestamp_pending(db, tsa.url, tsa.chain) == [cp.id]
        assert timestamp_pending(db, tsa.url, tsa.chain) == []  # done once
        stamped = checkpoints.get(db, cp.id)
        assert stamped.tsr is not None and verify_reply(stamped.tsr, cp.body, tsa.chain.read_bytes()).ok
        assert not verify_reply(stamped.tsr, cp.body + b"x", tsa.chain.read_bytes()).ok
        assert verify_archive(db).problems == []
        folder = unzip(write_bundle(db, result.capture_id, tmp_path / "p.zip"), tmp_path / "out")
        done = run_verify(folder)
        assert done.returncode == 0 and "ok   timestamp: RFC 3161 timestamp of checkpoint.txt" in done.stdout
        # a timestamp of another checkpoint does not vouch for this one
        recorded(db, run, capture(b"<html>2</html>"), "article", article("二。"))
        other = sign(db, key)
        timestamp_pending(db, tsa.url, tsa.chain)
        (folder / "timestamp.tsr").write_bytes(checkpoints.get(db, other.id).tsr or b"")
        done = run_verify(folder)
        assert done.returncode == 1 and "FAIL timestamp: openssl ts -verify refuses" in done.stdout
    finally:
        tsa.stop()


@needs_openssl
def test_the_commands_sign_beside_the_archive_write_publishable_files_and_judge_bundles_with_our_verifier(
    db, tmp_path, monkeypatch
):
    run = start_run(db, "s")
    result = recorded(db, run, capture(), "article", article())
    monkeypatch.setenv(
        "COURTNEWS_TSA_URL", "http://127.0.0.1:9/tsa"
    )  # nothing listens there: the TSA is down
    monkeypatch.setenv("COURTNEWS_TSA_CHAIN", str(tmp_path / "none.pem"))
    (tmp_path / "none.pem").write_bytes(b"")
    signed = service.checkpoint_after_run(db)
    assert signed.warning and "did not answer" in signed.warning and signed.timestamped == []
    assert (tmp_path / "a.db.key").exists() and signed.checkpoint.size == 2
    written = service.write_checkpoint_files(signed.checkpoint, tmp_path / "head.note")
    assert [p.name for p in written] == ["head.note", "head.note.txt", "head.note.sig", "head.note.pem"]
    assert service.verify(db, tmp_path / "head.note").problems == []
    assert (
        service.verify(db, tmp_path / "head.note.txt").problems == []
    )  # the plain text with its .sig beside it
    zipped = service.proof(db, URL, tmp_path / "p.zip")
    assert service.verify_proof(zipped)[0] == 0
    # a forged bundle: a changed body, and a verify.py that always says yes; ours is the one that judges
    folder = unzip(zipped, tmp_path / "forged")
    flip_byte("response.bin")(folder)
    (folder / "verify.py").write_text("print('VERIFIED')\n")
    with zipfile.ZipFile(tmp_path / "forged.zip", "w") as z:
        for f in folder.iterdir():
            z.write(f, f.name)
    code, report = service.verify_proof(tmp_path / "forged.zip")
    assert code == 1 and "FAIL payload" in report
    with zipfile.ZipFile(tmp_path / "slip.zip", "w") as z:
        z.writestr("../../escape.txt", b"x")
    with pytest.raises(log.EvidenceError, match="unexpected file '../../escape.txt'"):
        service.verify_proof(tmp_path / "slip.zip")
    assert not (tmp_path / "escape.txt").exists() and result.capture_id


@needs_openssl
def test_a_reextracted_version_is_logged_again_and_its_bundle_carries_the_new_text(db, key, tmp_path):
    from archive.upkeep.reextraction import apply_reextraction

    run = start_run(db, "s")
    result = recorded(db, run, capture(), "article", article("旧规则的正文。"))
    version_id = db.conn.execute("SELECT id FROM versions").fetchone()[0]
    apply_reextraction(db, version_id, article("新规则的正文。"))
    if log.size(db) == 2:  # until apply_reextraction logs it itself, inside its own transaction
        with write_transaction(db):
            log_version(db, version_id, kind="reextracted")
    sign(db, key)
    folder = unzip(write_bundle(db, result.capture_id, tmp_path / "p.zip"), tmp_path / "out")
    assert (folder / "version.txt").read_text() == "法院审结一起借贷纠纷案\n\n新规则的正文。\n"
    assert json.loads((folder / "version_entry.json").read_text())["kind"] == "reextracted"
    assert run_verify(folder).returncode == 0
    again = recorded(db, run, capture(), "article", article("新规则的正文。"))  # unchanged: no version
    sign(db, key)
    # `courtnews prune` drops captures no version needs; their leaves stay, and a bundle says why it cannot be
    db.conn.execute("DELETE FROM captures WHERE id = ?", [again.capture_id])
    with pytest.raises(log.EvidenceError, match=f"capture {again.capture_id} was pruned"):
        write_bundle(db, again.capture_id, tmp_path / "q.zip")
    assert verify_archive(db).problems == []
