"""Distributed mode's figures on this machine: crawl throughput with 1, 2 and 4 workers beside a local crawl of
the same site in the same run, the CPU each spends per page (the crawl processes with their extraction
workers; the writer apart), the writer's ceiling fed from a pre-filled stream, and on paper what one writer
sustains. Not a test: figures depend on the machine (and on what else runs on it).

    .venv/bin/python bench/distributed_bench.py --articles 2000 --workers 1,2,4

Needs Debian's redis-server (`make test` installs it); everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from archive import open_archive  # noqa: E402
from archive.runs import start_run  # noqa: E402
from crawler.crawling.process import crawl_process  # noqa: E402
from crawler.demo.server import serve  # noqa: E402
from crawler.demo.sitegen import render_article, synthetic_articles, write_site  # noqa: E402
from crawler.distributed import redis_link  # noqa: E402
from crawler.distributed.records import encode  # noqa: E402
from crawler.distributed.writer import Writer  # noqa: E402
from crawler.pipeline.items import FetchedPage  # noqa: E402
from crawler.pipeline.records import classify, to_records  # noqa: E402

COURTNEWS = str(Path(sys.executable).with_name("courtnews"))
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
    "LOGSTATS_INTERVAL": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def site(folder: Path, articles: int) -> tuple[object, Path]:
    write_site(folder / "site", synthetic_articles(articles, seed=11))
    server = serve(folder / "site")
    sources = folder / "sources.toml"
    sources.write_text(
        f"""[[source]]
slug = "bench-court"
court = "某某市中级人民法院"
family = "courtgov"
start_urls = ["{server.base_url}/zixun/gengduo/24.html"]
allowed_hosts = ["127.0.0.1"]
max_list_pages = {articles // 20 + 1}
max_articles = {articles}
""",
        "utf-8",
    )
    return server, sources


@dataclass
class Figures:
    seconds: float
    crawl_cpu: float  # CPU seconds of the crawl processes and their children (extraction workers)
    writer_cpu: float = 0.0
    startup_cpu: float = 0.0  # of which the workers spent starting up, before the run was queued
    redis_calls: int = 0  # round trips to Redis during the run (every client: workers, writer, enqueue)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process and its live descendants spent so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / tick
        children = [
            int(c)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()
        ]
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return own + sum(tree_cpu(child) for child in children)


# the commands our Lua scripts run: counted by Redis, but no round trip of their own
SCRIPTED = {
    "zrange", "zrem", "hset", "hdel", "hget", "hgetall", "hexists", "hincrby", "zadd", "sadd", "exists", "xadd",
    "xack", "xdel", "rpush", "ltrim", "time", "zremrangebyscore", "get", "set", "pexpire", "zcard", "hlen",
    "expire",
}  # fmt: skip


def redis_calls(server: redis.Redis) -> int:
    """Round trips clients made so far: every script call, and every command no script runs. (A command of
    SCRIPTED sent on its own is not counted: the figure is a floor, to compare runs, not an exact count.)"""
    stats = server.info("commandstats")
    names = {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}
    return sum(n for name, n in names.items() if name not in SCRIPTED and name != "info")


def cpu_of(process: subprocess.Popen[bytes]) -> float:
    """Wait for process; the CPU seconds it and the children it waited for spent (user + system)."""
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_utime + usage.ru_stime


def distributed_crawl(folder: Path, sources: Path, workers: int, articles: int) -> Figures:
    """Seconds from queuing the run to its close by the writer, with `workers` crawl workers, and CPU."""
    redis_process, url = start_redis(folder / "redis")
    db = folder / "archive.db"  # folder made by start_redis
    env = {**os.environ, "COURTNEWS_SOURCES": str(sources)}
    env.pop("COURTNEWS_REDIS_URL", None)
    settings = [a for k, v in FAST.items() for a in ("-s", f"{k}={v}")]
    started = [
        subprocess.Popen([COURTNEWS, "worker", "--redis", url, *settings], env=env, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    started.append(
        subprocess.Popen(
            [COURTNEWS, "writer", "--redis", url, "--db", str(db)], env=env, stderr=subprocess.DEVNULL
        )
    )
    try:
        server = redis.Redis.from_url(url)
        while server.zcard(redis_link.WORKERS) < workers:
            time.sleep(0.2)
        time.sleep(2)  # the extraction pools up too
        startup = sum(tree_cpu(process.pid) for process in started[:-1])
        calls = redis_calls(server)
        begin = time.perf_counter()
        subprocess.run(
            [COURTNEWS, "enqueue", "bench-court", "--redis", url, "--db", str(db)],
            env=env,
            check=True,
            capture_output=True,
        )
        while True:
            time.sleep(0.5)
            with sqlite3.connect(db) as conn:
                status, captures = conn.execute("SELECT status, captures FROM runs").fetchone()
            if status != "running":
                break
        seconds = time.perf_counter() - begin
        if status != "finished" or captures != articles:
            raise SystemExit(f"the distributed run ended {status} with {captures} captures")
        calls = redis_calls(server) - calls
        for process in started:
            process.terminate()
        cpu = [cpu_of(process) for process in started]
        return Figures(seconds, sum(cpu[:-1]), cpu[-1], startup, calls)
    finally:
        for process in started:
            if process.returncode is None:
                process.kill()
                process.wait()
        redis_process.kill()


def local_crawl(folder: Path, sources: Path) -> Figures:
    folder.mkdir(parents=True, exist_ok=True)
    process = crawl_process("bench-court", folder / "local.db", sources, settings=FAST)
    begin = time.perf_counter()
    child = subprocess.Popen(process.command, cwd=process.cwd, env=process.env, stdout=subprocess.DEVNULL)
    cpu = cpu_of(child)
    return Figures(time.perf_counter() - begin, cpu)


def writer_ceiling(folder: Path, records: int) -> float:
    """Records per second the writer stores from a stream filled beforehand (distinct first versions)."""
    redis_process, url = start_redis(folder / "redis-writer")
    db_path = folder / "writer.db"
    try:
        server = redis.Redis.from_url(url)
        db = open_archive(db_path)
        run_id = start_run(db, "bench-court", "crawl", pid=0)
        db.close()
        server.hset(redis_link.run_key(run_id), mapping={"source": "bench-court", "pushed": records})
        template = []
        for article in synthetic_articles(min(records, 200), seed=5):  # classified once, pushed as new pages
            url_ = f"http://127.0.0.1:9/zixun/xiangqing/{article.id}.html"
            page = FetchedPage(
                url=url_,
                source="bench-court",
                family="courtgov",
                court="某某市中级人民法院",
                status=200,
                final_url=url_,
                headers={"Content-Type": "text/html; charset=utf-8"},
                body=render_article(article, chrome=True).encode("utf-8"),
            )
            template.append((page, to_records(page, classify(page))))
        pipe = server.pipeline(transaction=False)
        for n in range(records):
            page, recorded = template[n % len(template)]
            for record in recorded:  # another page each time: every record is a first version
                record.capture.url = record.capture.final_url = f"{page.url}?n={n}"
            fields = encode(recorded, uuid.uuid4().hex, run_id, "bench-court", "bench", page.url)
            pipe.xadd(redis_link.ITEMS, fields)
            if n % 500 == 499:
                pipe.execute()
        pipe.execute()
        writer = Writer(url, db_path)
        server.xgroup_create(redis_link.ITEMS, redis_link.GROUP, id="0", mkstream=True)
        begin = time.perf_counter()
        done = 0
        while done < records:
            done += writer.record_batch()
        writer.close()
        return records / (time.perf_counter() - begin)
    finally:
        redis_process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--records", type=int, default=5000, help="entries pre-filled for the writer's ceiling"
    )
    parser.add_argument("--no-local", action="store_true", help="skip the local crawl for reference")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="courtnews-dbench-") as tmp:
        folder = Path(tmp)
        server, sources = site(folder, args.articles)
        try:
            figures = {}
            if not args.no_local:
                figures["local crawl"] = local_crawl(folder / "local", sources)
            for workers in (int(n) for n in args.workers.split(",")):
                figures[f"{workers} worker{'s' if workers > 1 else ''}"] = distributed_crawl(
                    folder / f"w{workers}", sources, workers, args.articles
                )
        finally:
            server.stop()  # type: ignore[attr-defined]
        ceiling = writer_ceiling(folder, args.records)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{args.articles} articles, {os.cpu_count()} CPUs, load average now {load} (other work skews the figures)"
    )
    local = figures.get("local crawl")
    print(
        "  CPU ms/page: the crawl processes and their extraction workers (a worker's start-up apart), the writer"
    )
    for name, got in figures.items():
        per_page = 1000 * (got.crawl_cpu - got.startup_cpu) / args.articles
        ratio = f" ({(got.crawl_cpu - got.startup_cpu) / local.crawl_cpu:.2f}x local)" if local else ""
        extra = (
            f", start-up {got.startup_cpu:4.1f} s, writer {1000 * got.writer_cpu / args.articles:4.1f}, "
            f"{got.redis_calls / args.articles:4.1f} round trips/page"
            if got.writer_cpu
            else ""
        )
        print(
            f"  {name:<12} {got.seconds:7.1f} s  {args.articles / got.seconds:7.1f} pages/s  "
            f"CPU ms/page {per_page:5.1f}{ratio}{extra}"
        )
    print(f"  writer ceiling: {ceiling:7.0f} records/s (pre-filled stream of {args.records} first versions)")
    # on paper: what one writer sustains. Per court and day: 4 list crawls finding `new` articles, each article
    # revisited at 6 offsets in its first 30 days, then every 30 days (an archive of `years` of articles)
    new, years, share = 5, 3, 0.5
    per_court = new + 6 * new + new * 365 * years / 30
    per_day = ceiling * 86400 * share
    print(
        f"  on paper: a court publishing {new} articles a day with {years} years archived needs about "
        f"{per_court:.0f} recorded fetches a day (new + 6 early revisits each + a monthly revisit of the archive);"
        f" one writer at {share:.0%} of its ceiling records {per_day / 1e6:.1f} M fetches a day: "
        f"about {per_day / per_court:,.0f} such courts (China has about 3,500)"
    )


if __name__ == "__main__":
    main()
