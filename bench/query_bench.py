"""Query latency on a generated archive of 200,000 versions, and archive size with and without the FTS indexes.

    .venv/bin/python bench/query_bench.py [--pages 50000 --versions-per-page 4]

Versions are written through the archive's own insert path (triggers keep the trigram index in sync; the
short-query index is filled by archive.search), in large transactions for speed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import open_archive  # noqa: E402
from archive.query import version  # noqa: E402
from archive.search import index_version, search  # noqa: E402
from archive.store import content_hash  # noqa: E402

COURTS = [f"第{i}中级人民法院" for i in range(1, 41)]
WORDS = [
    "人民法院",
    "依法审理",
    "当事人",
    "判决",
    "执行",
    "调解",
    "开设赌场罪",
    "诈骗",
    "合同纠纷",
    "赡养",
    "知识产权",
    "行政诉讼",
    "诉源治理",
    "巡回审判",
    "司法救助",
    "审判委员会",
    "庭审",
    "上诉",
    "维持原判",
]


def body(rng: random.Random) -> str:
    return "\n".join(
        "，".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) + "。"
        for _ in range(rng.randint(6, 12))
    )


def build(db_path: Path, pages: int, per_page: int) -> int:
    rng = random.Random(11)
    db = open_archive(db_path)
    run_id = db.execute(
        "INSERT INTO runs (source, kind, started_at, status) VALUES ('bench', 'crawl', '2024-01-01T00:00:00Z', 'finished')"
    ).lastrowid
    total = 0
    started = time.perf_counter()
    for start in range(0, pages, 2000):
        with db.atomic():
            for n in range(start, min(start + 2000, pages)):
                url = f"https://court{n % 40}.example.gov.cn/article/{n}.html"
                court = COURTS[n % 40]
                day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
                page_id = db.execute(
                    "INSERT INTO pages (url, source, first_seen, last_seen, state, current_version) VALUES (?, ?, ?, ?, 'live', ?)",
                    [url, f"court{n % 40}", day, day, per_page],
                ).lastrowid
                text = body(rng)
                for v in range(1, per_page + 1):
                    text = text + "\n" + "，".join(rng.choice(WORDS) for _ in range(5)) + "。"
                    title = f"{court}{rng.choice(WORDS)}第{n}号"
                    capture_id = db.execute(
                        "INSERT INTO captures (page_id, run_id, url, fetched_at, status, outcome) VALUES (?, ?, ?, ?, 200, 'version')",
                        [page_id, run_id, url, f"{day}T0{v}:00:00Z"],
                    ).lastrowid
                    fields = {
                        "title": title,
                        "body": text,
                        "published": f"{day}T09:00:00+08:00",
                        "court": court,
                    }
                    version_id = db.execute(
                        "INSERT INTO versions (page_id, version, kind, capture_id, created_at, content_hash, title, body, "
                        "published, published_precision, source_name, court, changed_fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "'second', ?, ?, ?)",
                        [
                            page_id,
                            v,
                            "first" if v == 1 else "changed",
                            capture_id,
                            f"{day}T0{v}:00:00Z",
                            content_hash(fields),
                            title,
                            text,
                            fields["published"],
                            court,
                            court,
                            json.dumps([] if v == 1 else ["body"]),
                        ],
                    ).lastrowid
                    index_version(db, version_id, title, text, None)
                    total += 1
        print(f"  {total:,} versions written ({time.perf_counter() - started:.0f} s)", flush=True)
    db.close()
    return total


def timed(fn, runs: int = 7) -> tuple[float, int]:
    """Median milliseconds over runs, and how many rows the query returned (a check that it did work)."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), len(result) if isinstance(result, list) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50_000)
    parser.add_argument("--versions-per-page", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="courtnews-qbench-") as tmp:
        db_path = Path(tmp) / "archive.db"
        print(f"building an archive of {args.pages * args.versions_per_page:,} versions …", flush=True)
        total = build(db_path, args.pages, args.versions_per_page)
        db = open_archive(db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("ANALYZE")
        url = f"https://court7.example.gov.cn/article/{(args.pages // 2) // 40 * 40 + 7}.html"
        court_sql = (
            "SELECT published, title, url FROM latest_articles WHERE court = ? AND substr(published, 1, 10) "
            "BETWEEN ? AND ? ORDER BY published DESC"
        )
        results = {
            "latest version of one URL": timed(lambda: version(db, url)),
            "one court's articles in a date range": timed(
                lambda: list(db.query(court_sql, [COURTS[7], "2024-03-01", "2024-05-31"]))
            ),
            "search, 2 characters (法院)": timed(lambda: search(db, "法院", limit=50)),
            "search, 4 characters (开设赌场)": timed(lambda: search(db, "开设赌场", limit=50)),
            "search, 1 character (赌)": timed(lambda: search(db, "赌", limit=50)),
            "search, selective (第4321号, few matches)": timed(lambda: search(db, "第4321号", limit=50)),
        }
        size_with = db_path.stat().st_size
        slim = Path(tmp) / "slim.db"
        for table in ("versions_fts", "versions_short_fts"):
            db.execute(f"DROP TABLE {table}")
        db.execute(f"VACUUM INTO '{slim}'")
        db.close()
        size_without = slim.stat().st_size
    print(f"\narchive of {total:,} versions")
    for name, (ms, count) in results.items():
        print(f"  {name:<40} median {ms:8.2f} ms (7 runs, {count} rows)")
    print(
        f"  size per version with FTS indexes:    {size_with / total:8.0f} bytes ({size_with / 2**20:.0f} MiB)"
    )
    print(
        f"  size per version without FTS indexes: {size_without / total:8.0f} bytes ({size_without / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
