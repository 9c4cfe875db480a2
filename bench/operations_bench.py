"""A week of operation on a compressed clock: the real daemon runs a court site that publishes, edits and
removes articles every day, with a view counter that changes on every page, for seven "days"; then the
retention (`courtnews prune`) and vacuum the daemon runs weekly. Prints what the archive and its logs weigh at
the end, and what prune and vacuum took off.

One day lasts --day seconds (default 40): the source's schedule, the revisit offsets (1h 6h 1d 3d 7d 30d) and
the retention (2 days here, 90 in production) are scaled to it.

    .venv/bin/python bench/operations_bench.py --day 40 --articles 200
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.demo.server import serve  # noqa: E402
from crawler.demo.sitegen import article_path, render_article, synthetic_articles, write_site  # noqa: E402

DAY_OFFSETS = (1 / 24, 6 / 24, 1, 3, 7, 30)  # the revisit offsets, in days


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--day", type=float, default=40.0, help="seconds one simulated day lasts")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--articles", type=int, default=200, help="articles on the site at the start")
    parser.add_argument("--per-day", type=int, default=10, help="articles published each day")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="courtnews-week-") as tmp:
        work = Path(tmp)
        site = work / "site"
        pool = synthetic_articles(args.articles + args.per_day * args.days, seed=5)
        live = pool[: args.articles]
        write_site(site, live)
        server = serve(site)
        day = args.day
        offsets = ", ".join(f'"{max(1, round(o * day))}s"' for o in DAY_OFFSETS)
        sources = work / "sources.toml"
        sources.write_text(
            f"""[daemon]
jitter = 0
revisit_every = "{max(2, round(day / 8))}s"
revisit_offsets = [{offsets}]
revisit_batch = 500
grace_period = "10s"
catch_up_delay = "1s"
min_cadence = "1s"  # a compressed clock: a day lasts seconds
keep_logs = 20

[[source]]
slug = "week-court"
court = "某某市中级人民法院"
family = "courtgov"
start_urls = ["{server.base_url}/zixun/gengduo/24.html"]
allowed_hosts = ["127.0.0.1"]
max_list_pages = 3
max_articles = 100
schedule = "{max(2, round(day / 8))}s"
""",
            "utf-8",
        )
        db = work / "archive.db"
        env = {
            **os.environ,
            "COURTNEWS_DOWNLOAD_DELAY": "0",
            "COURTNEWS_AUTOTHROTTLE": "0",
            "COURTNEWS_EXTRACT_WORKERS": "1",
        }
        daemon = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "daemon", "--db", str(db), "--sources", str(sources), "--log-dir", str(work / "logs")],
            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "daemon.log", "wb"),  # noqa: SIM115
        )  # fmt: skip
        published, edited, removed = 0, 0, 0
        try:
            for today in range(args.days):
                print(
                    f"day {today + 1}/{args.days}: the court publishes {args.per_day}, edits 2, removes 1 …",
                    flush=True,
                )
                fresh = pool[
                    args.articles + today * args.per_day : args.articles + (today + 1) * args.per_day
                ]
                live = fresh + live
                published += len(fresh)
                for article in rng.sample(live[len(fresh) :], 2):
                    article.paragraphs[0] += "（本文有修改）"
                    edited += 1
                gone = rng.choice(live[len(fresh) :])
                live.remove(gone)
                (site / article_path(gone.id)).unlink(missing_ok=True)
                removed += 1
                write_site(site, live)
                deadline = time.monotonic() + day
                while time.monotonic() < deadline:  # the view counters tick all day long
                    for article in rng.sample(live, min(20, len(live))):
                        page = site / article_path(article.id)
                        page.write_text(
                            render_article(replace(article), views=rng.randint(1, 10**6)), "utf-8"
                        )
                    time.sleep(1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=120)
            server.stop()
        conn = sqlite3.connect(db)
        counts = dict(conn.execute("SELECT 'captures', COUNT(*) FROM captures UNION ALL SELECT 'versions', COUNT(*) FROM versions UNION ALL SELECT 'blobs', COUNT(*) FROM blobs UNION ALL SELECT 'runs', COUNT(*) FROM runs").fetchall())  # fmt: skip
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM versions GROUP BY kind").fetchall())
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        before = db.stat().st_size
        logs_bytes, logs_files = folder_size(work / "logs")
        retention = f"{max(1, round(2 * day))}s"
        prune = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "prune", "--db", str(db), "--older-than", retention, "--vacuum"],
            cwd=work, capture_output=True, text=True, check=True,
        )  # fmt: skip
        after = db.stat().st_size
        verify = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "verify", "--db", str(db)],
            cwd=work,
            capture_output=True,
            text=True,
        )
    print(
        f"\na week on a {args.day:.0f}-second day: {published} articles published, {edited} edited, {removed} removed"
    )
    print(
        f"archive: {counts['runs']} runs, {counts['captures']} captures, {counts['versions']} versions {kinds}, {counts['blobs']} raw pages"
    )
    print(f"archive file before prune and vacuum: {before / 1e6:.2f} MB")
    print(prune.stdout.strip())
    print(f"archive file after:                   {after / 1e6:.2f} MB")
    print(f"crawl logs kept: {logs_files} files, {logs_bytes / 1e6:.2f} MB")
    print(f"courtnews verify: {'sound' if verify.returncode == 0 else verify.stdout}")


if __name__ == "__main__":
    main()
