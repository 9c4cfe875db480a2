"""The evidence log at scale: appending, proving and re-verifying a log of 1,000,000 entries.

    .venv/bin/python bench/evidence_bench.py [--leaves 1000000] [--batch 500] [--proofs 300]

Writes a fresh archive under /tmp/courtnews-bench/evidence/ through the log's own write path
(``archive.evidence.log.append`` inside write transactions of --batch entries, as a crawl's batches are),
with capture entries like a crawl's (real-sized headers, a SHA-256 of a generated body, the IP and TLS facts).
Prints, with the figure it is judged against:
- append: time per entry of ``log.append`` (leaf row + the subtree nodes it completes), and the same entries
  inserted into a bare table, for the ratio (target: append <= 0.2 ms);
- inclusion proof, consistency proof and tree head at the full size: median and 99th percentile over
  --proofs random leaves (target: inclusion < 50 ms);
- size: bytes per leaf of the log's tables and indexes (dbstat), and of the entries alone;
- `courtnews verify`'s full re-hash of the log (verify_log), for the whole log;
- what logging adds to recording an article (``archive.store.record_fetch``, 1,800-character bodies, search
  index and all) in a separate archive: ``log_recorded`` (the capture's entry and its version's), as a ratio.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import open_archive  # noqa: E402
from archive.db import write_transaction  # noqa: E402
from archive.evidence import log  # noqa: E402
from archive.evidence.entry import capture_entry  # noqa: E402
from archive.evidence.merkle import leaf_hash, verify_consistency, verify_inclusion  # noqa: E402
from archive.evidence.tables import create_evidence_tables  # noqa: E402

FOLDER = Path("/tmp/courtnews-bench/evidence")
HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Date": "Tue, 08 Dec 2026 03:00:00 GMT",
    "Server": "nginx",
    "Last-Modified": "Mon, 07 Dec 2026 12:00:00 GMT",
    "ETag": '"5f3a-1b2c3d4e"',
    "Cache-Control": "max-age=600",
}
REQUEST = {
    "User-Agent": "courtnews/0.1 (+https://example.invalid/bot)",
    "Accept": "text/html",
    "Accept-Encoding": "gzip",
}


def entries(count: int, rng: random.Random) -> list[bytes]:
    out = []
    for i in range(count):
        body = rng.randbytes(64)
        out.append(
            capture_entry(
                capture_id=i + 1,
                url=f"https://www.court{i % 200}.gov.cn/xwzx/{2021 + i % 5}/{i:08d}.html",
                fetched_at=f"2026-12-{1 + i % 28:02d}T03:{i % 60:02d}:{i % 59:02d}Z",
                status=200,
                response_headers=HEADERS,
                request_headers=REQUEST,
                payload=body,
                peer_ip=f"10.{i % 250}.{i % 249}.{i % 247}",
                tls_cert_sha256=hashlib.sha256(str(i % 200).encode()).hexdigest(),
                rules_hash="3f2a9c1e",
                outcome="version",
                version="0.1.0",
            )
        )
    return out


def timed_ms(fn, times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def table_bytes(db, names: list[str]) -> int:
    try:
        return sum(
            db.conn.execute("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ?", (n,)).fetchone()[0]
            for n in names
        )
    except Exception:  # a SQLite built without dbstat: the file's growth is the figure then
        return -1


def store_overhead(count: int = 3000) -> None:
    """Recording an article, and logging it, timed apart in the same transactions (the store's wiring or not)."""
    from archive import ArticleFields, Capture
    from archive.evidence.record import log_recorded
    from archive.runs import start_run
    from archive.store import Recorded, record_fetch

    db = open_archive(FOLDER / "store.db")
    with write_transaction(db):
        create_evidence_tables(db)
    run = start_run(db, "s")
    body = "法院审结一起民间借贷纠纷案件，依法判决被告归还借款本金及利息。" * 60
    recording = logging = 0.0
    for first in range(0, count, 100):
        with write_transaction(db):
            for i in range(first, first + 100):
                raw = f"<html><body>{i}{body}</body></html>".encode()
                cap = Capture(
                    url=f"https://www.court.gov.cn/x/{i}.html",
                    source="s",
                    status=200,
                    raw=raw,
                    headers=HEADERS,
                )
                fields = ArticleFields(
                    title=f"标题{i}", body=f"{body}{i}", rules_hash="r", extractor_version="e"
                )
                start = time.perf_counter()
                result = record_fetch(db, run, [Recorded(cap, "article", fields)])[0]
                middle = time.perf_counter()
                if not log.leaves_of_capture(db, result.capture_id):  # the store does not log (yet)
                    log_recorded(db, result.capture_id, cap, "r")
                logging += time.perf_counter() - middle
                recording += middle - start
    print(f"recording an article {recording / count * 1000:.3f} ms, logging it (2 leaves) {logging / count * 1000:.3f} ms: "
          f"+{logging / recording * 100:.0f}% on the store's write path")  # fmt: skip
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--proofs", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(26)
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    db = open_archive(FOLDER / "archive.db")
    with write_transaction(db):
        create_evidence_tables(db)
        db.conn.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, entry BLOB, hash BLOB)")

    append_seconds = bare_seconds = build_seconds = 0.0
    entry_bytes = 0
    done = 0
    while done < args.leaves:
        n = min(args.batch, args.leaves - done)
        start = time.perf_counter()
        batch = entries(n, rng)
        build_seconds += time.perf_counter() - start
        entry_bytes += sum(map(len, batch))
        with write_transaction(db):
            start = time.perf_counter()
            for e in batch:
                log.append(db, e, "capture", done + 1)
            append_seconds += time.perf_counter() - start
        if done < 200_000:  # the bare-table baseline on the first 200,000 only: its cost does not grow
            with write_transaction(db):
                start = time.perf_counter()
                for e in batch:
                    db.conn.execute(
                        "INSERT INTO bare (entry, hash) VALUES (?, ?)", (e, hashlib.sha256(e).digest())
                    )
                bare_seconds += time.perf_counter() - start
        done += n
        if done % 100_000 == 0:
            print(f"  {done:,} appended", flush=True)
    bare_count = min(args.leaves, 200_000)
    per_append = append_seconds / args.leaves * 1000
    per_bare = bare_seconds / bare_count * 1000
    print(f"append: {per_append:.4f} ms per entry (target <= 0.2 ms); bare insert of the same entry "
          f"{per_bare:.4f} ms: ratio {per_append / per_bare:.2f}x; building an entry {build_seconds / args.leaves * 1000:.4f} ms")  # fmt: skip

    size = log.size(db)
    head = log.tree_head(db)
    indexes = [rng.randrange(size) for _ in range(args.proofs)]
    entry_of = {i: log.leaf(db, i)["entry"] for i in indexes}
    it = iter(indexes * 2)
    inclusion = timed_ms(lambda: log.prove_inclusion(db, next(it)), args.proofs)
    for i in indexes[:50]:
        assert verify_inclusion(i, size, leaf_hash(entry_of[i]), log.prove_inclusion(db, i), head.root)
    firsts = [rng.randrange(1, size) for _ in range(args.proofs)]
    fit = iter(firsts)
    consistency = timed_ms(lambda: log.prove_consistency(db, next(fit)), args.proofs)
    for m in firsts[:20]:
        assert verify_consistency(m, size, log.tree_head(db, m).root, head.root, log.prove_consistency(db, m))
    heads = timed_ms(lambda: log.tree_head(db), 50)
    print(
        f"inclusion proof at {size:,} leaves: median {statistics.median(inclusion):.3f} ms, p99 {p99(inclusion):.3f} ms (target < 50 ms)"
    )
    print(
        f"consistency proof to {size:,}: median {statistics.median(consistency):.3f} ms, p99 {p99(consistency):.3f} ms"
    )
    print(f"tree head at {size:,}: median {statistics.median(heads):.3f} ms")

    log_bytes = table_bytes(db, ["evidence_leaves", "evidence_leaves_capture", "evidence_leaves_version"])
    node_bytes = table_bytes(db, ["evidence_nodes"])
    if log_bytes >= 0:
        print(f"size per leaf: {(log_bytes + node_bytes) / size:.0f} bytes in all (leaves and their index "
              f"{log_bytes / size:.0f}, subtree cache {node_bytes / size:.0f}); the entry alone {entry_bytes / size:.0f} bytes")  # fmt: skip
    start = time.perf_counter()
    check = log.verify_log(db)
    print(
        f"verify_log (re-hash and rebuild all {size:,}): {time.perf_counter() - start:.1f} s, problems: {len(check.problems)}"
    )
    db.close()
    store_overhead()


if __name__ == "__main__":
    main()
