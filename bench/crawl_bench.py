"""Crawl throughput: the whole pipeline against a bare Scrapy crawl of the same generated local site.

Prints pages per second for both, their ratio, peak memory of each crawl process, and archive bytes per
page against raw HTML bytes per page. Not a test: figures depend on the machine.

    .venv/bin/python bench/crawl_bench.py --articles 2000
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.server import serve  # noqa: E402
from crawler.demo.sitegen import synthetic_articles, write_site  # noqa: E402
from crawler.process import crawl_process  # noqa: E402

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
    "LOGSTATS_INTERVAL": "0",
}

# Runs one crawl and reports its own wall time and the peak RSS of the crawl process (KiB on Linux).
MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(json.dumps({"code": code, "seconds": time.perf_counter() - start,
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def crawl(sources: Path, db: Path, extra: dict[str, str]) -> dict:
    process = crawl_process("bench-court", db, sources, settings={**FAST, **extra})
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *process.command],
        cwd=process.cwd,
        env=process.env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"crawl failed with exit {result['code']}: {' '.join(process.command)}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="courtnews-bench-") as tmp:
        root = Path(tmp) / "site"
        print(f"generating a court.gov.cn-family site with {args.articles} articles …", flush=True)
        articles = write_site(root, synthetic_articles(args.articles), chrome=True)
        article_files = list((root / "zixun/xiangqing").glob("*.html"))
        list_pages = len(list((root / "zixun/gengduo").glob("*.html")))
        raw_bytes = sum(p.stat().st_size for p in article_files)
        server = serve(root)
        try:
            sources = Path(tmp) / "sources.toml"
            sources.write_text(
                f'[[source]]\nslug = "bench-court"\ncourt = "某某市中级人民法院"\nfamily = "courtgov"\n'
                f'start_urls = ["{server.base_url}/zixun/gengduo/24.html"]\nallowed_hosts = ["127.0.0.1"]\n'
                f"max_list_pages = {list_pages + 1}\nmax_articles = {len(articles) + 1}\n",
                "utf-8",
            )
            pages = len(articles) + list_pages
            print(
                f"bare Scrapy crawl (same spider, no extraction, no archive) of {pages} pages …", flush=True
            )
            bare = crawl(sources, Path(tmp) / "bare.db", {"ITEM_PIPELINES": "{}"})
            print(f"full pipeline crawl (decode, extract, archive) of {pages} pages …", flush=True)
            db = Path(tmp) / "archive.db"
            full = crawl(sources, db, {})
        finally:
            server.stop()
        conn = sqlite3.connect(db)
        versions = conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        archive_bytes = db.stat().st_size
    full_rate, bare_rate = pages / full["seconds"], pages / bare["seconds"]
    print(f"\narticles archived: {versions} of {len(articles)}")
    print(f"{'':28}{'pages/s':>10}{'seconds':>10}{'peak MiB':>10}")
    print(
        f"{'bare Scrapy crawl':28}{bare_rate:>10.1f}{bare['seconds']:>10.1f}{bare['peak_kib'] / 1024:>10.1f}"
    )
    print(f"{'full pipeline':28}{full_rate:>10.1f}{full['seconds']:>10.1f}{full['peak_kib'] / 1024:>10.1f}")
    print(f"pipeline/bare throughput ratio: {full_rate / bare_rate:.2f}")
    print(f"raw HTML bytes per article page: {raw_bytes / len(article_files):.0f}")
    print(
        f"archive bytes per archived page: {archive_bytes / max(versions, 1):.0f} "
        f"({archive_bytes / raw_bytes:.2f}x the raw HTML, raw bytes stored zlib-compressed plus extracted text)"
    )


if __name__ == "__main__":
    main()
