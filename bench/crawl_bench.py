"""Throughput, memory and storage of a crawl, every figure beside its anchor from the same run.

The site: article pages built from the real pages of ../shared/corpus as templates (their markup and text,
read at run time), rewritten into a court.gov.cn-style site with list pages, served by nginx on 127.0.0.1
(Debian's nginx-light, installed here if missing; the bench falls back to Python's server and says so) with
a view counter and a token that change on every request (nginx's sub_filter: the counter is an integer that
differs on every request, as a site's visit count does, the token a random hex string).

Rounds alternate: bare Scrapy (fetch and follow only), the naive crawler (trafilatura.extract inline, no
storage), the full pipeline (decode, extract in the pool, archive). Then, on the pipeline's archive: raw
evidence bytes against raw bytes, the file with and without its search index, and the bytes a second list
crawl and a revisit pass of the unchanged site add. Last, what extraction costs a page on one core (the naive
call, trafilatura's fast mode alone, courtnews's), and the ceiling each sets on this machine's cores: the
rate at which every core is busy fetching and extracting, against bare Scrapy's.

    .venv/bin/python bench/crawl_bench.py --articles 2000 --rounds 2
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.crawling.process import crawl_environment, crawl_process  # noqa: E402
from crawler.extract.decode import decode_html  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SLUG = "bench-court"
POLITE_OFF = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "LOG_LEVEL": "WARNING",
    "LOGSTATS_INTERVAL": "0",
}
PER_PAGE = 20


# ---------------------------------------------------------------- the site
def templates() -> list[str]:
    pages = sorted(CORPUS.glob("*/pages/*.htm*"))
    if not pages:
        raise SystemExit(f"no template pages under {CORPUS}: the bench builds its site from that corpus")
    return [decode_html(p.read_bytes()).text for p in pages]


def paragraphs() -> list[str]:
    """Every paragraph of the corpus's ground-truth texts: each article gets its own text from these."""
    import json

    found = []
    for truth in CORPUS.glob("*/truth.jsonl"):
        for line in truth.read_text("utf-8").splitlines():
            text = json.loads(line).get("text") or ""
            found += [p.strip() for p in text.splitlines() if len(p.strip()) >= 20]
    return found


_PARAGRAPH = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.S | re.I)


_CHARSET = re.compile(r"<meta[^>]+charset[^>]*>", re.I)


def article_page(template: str, number: int, texts: list[str]) -> str:
    """A corpus page as article `number` of the court site: UTF-8, its markup, paragraphs of its own drawn
    from the corpus's texts, its own title, a counter and a token."""
    import random

    pick = random.Random(number)
    page = _PARAGRAPH.sub(lambda m: m.group(1) + html.escape(pick.choice(texts)) + m.group(3), template)
    page = _CHARSET.sub("", page)
    page = re.sub(
        r"<title>(.*?)</title>", rf"<title>第{number}号 \1</title>", page, count=1, flags=re.S | re.I
    )
    marker = (
        '<meta charset="utf-8"><input type="hidden" name="csrf" value="__COURTNEWS_TOKEN__">'
        f"<span class='views'>本文已被浏览 __COURTNEWS_VIEWS__ 次</span><!-- article {number} -->"
    )
    if re.search(r"<head[^>]*>", page, re.I):
        return re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + marker, page, count=1, flags=re.I)
    return marker + page


def build_site(root: Path, count: int) -> tuple[int, int]:
    """Write the site; (article pages, raw bytes of the article pages as served, counters filled)."""
    pool, texts = templates(), paragraphs()
    (root / "zixun/xiangqing").mkdir(parents=True)
    (root / "zixun/gengduo").mkdir(parents=True)
    raw = 0
    for n in range(count):
        text = article_page(pool[n % len(pool)], n, texts)
        (root / f"zixun/xiangqing/{n}.html").write_text(text, "utf-8")
        raw += len(text.encode("utf-8"))
    lists = (count + PER_PAGE - 1) // PER_PAGE
    for page in range(lists):
        items = "".join(
            f'<li><a href="/zixun/xiangqing/{n}.html">第{n}号</a></li>'
            for n in range(page * PER_PAGE, min(count, (page + 1) * PER_PAGE))
        )
        nxt = (
            f'<ul><li class="next"><a href="/zixun/gengduo/24_{page + 2}.html">下一页</a></li></ul>'
            if page + 1 < lists
            else ""
        )
        name = "24.html" if page == 0 else f"24_{page + 1}.html"
        (root / "zixun/gengduo" / name).write_text(
            f'<html><head><meta charset="utf-8"><title>法院新闻</title></head><body><div class="sec_list"><ul>{items}</ul>'
            f"</div>{nxt}</body></html>",
            "utf-8",
        )
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return lists, raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Nginx:
    """nginx on 127.0.0.1 serving root, the counter and token replaced on every request."""

    def __init__(self, root: Path, work: Path) -> None:
        self.port = free_port()
        conf = work / "nginx.conf"
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (work / name).mkdir(exist_ok=True)
        conf.write_text(
            f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off; client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  types {{ text/html html; text/plain txt; }}
  server {{
    listen 127.0.0.1:{self.port}; root {root};
    sub_filter_types text/html; sub_filter_once off; sub_filter_last_modified off;
    sub_filter '__COURTNEWS_VIEWS__' '$connection$connection_requests'; sub_filter '__COURTNEWS_TOKEN__' '$request_id';
  }}
}}
"""
        )
        self.process = subprocess.Popen(
            ["nginx", "-c", str(conf), "-p", str(work)], stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("nginx did not start")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class PythonServer:
    """The fallback: courtnews's fixture server (it shares the two cores with the crawl), counters filled."""

    def __init__(self, root: Path) -> None:
        from crawler.demo.server import serve

        for page in (root / "zixun/xiangqing").glob("*.html"):
            page.write_text(
                page.read_text("utf-8")
                .replace("__COURTNEWS_VIEWS__", "1")
                .replace("__COURTNEWS_TOKEN__", "t")
            )
        self.server = serve(root)
        self.base_url = self.server.base_url

    def stop(self) -> None:
        self.server.stop()


def start_server(root: Path, work: Path) -> tuple[Nginx | PythonServer, str]:
    if not shutil.which("nginx"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], capture_output=True)
    if shutil.which("nginx"):
        return Nginx(root, work), "nginx (Debian nginx-light)"
    return PythonServer(
        root
    ), "Python's http.server (nginx could not be installed: the server competes for the cores)"


# ---------------------------------------------------------------- measuring a crawl
@dataclass
class Measured:
    seconds: float
    peak_mib: float  # the largest summed RSS of the crawl process and its children


def tree_rss(pid: int) -> int:
    """KiB resident in pid and its descendants (from /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) if "VmRSS" in status else 0  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Measured:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    done.set()
    sampler.join()
    if process.returncode not in ok:
        raise SystemExit(f"exit {process.returncode}: {' '.join(command)}\n{err.decode()[-2000:]}")
    return Measured(time.perf_counter() - started, peak / 1024)


def plain(mode: str, start: str, work: Path) -> Measured:
    settings = [arg for name, value in POLITE_OFF.items() for arg in ("-s", f"{name}={value}")]
    command = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench/plain_spiders.py"), "-a",
               f"start={start}", "-a", f"mode={mode}", "-s", "ROBOTSTXT_OBEY=True", "-s", "TELNETCONSOLE_ENABLED=False", *settings]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    return measure(command, work, env)


def pipeline(sources: Path, db: Path, revisit: str = "none", ok: tuple[int, ...] = (0,)) -> Measured:
    process = crawl_process(SLUG, db, sources, revisit, settings=dict(POLITE_OFF))
    return measure(process.command, process.cwd, process.env or crawl_environment(), ok)


# ---------------------------------------------------------------- what extraction costs, and the ceiling it sets
CEILING_SAMPLE = 200  # article pages timed one after another in this process


@dataclass
class ExtractionCost:
    naive_ms: float  # trafilatura.extract as the naive crawler calls it
    fast_ms: float  # trafilatura's fast mode alone: the least any pipeline built on trafilatura spends
    courtnews_ms: float  # decoding and extraction as a pool worker does it


def extraction_cost(root: Path) -> ExtractionCost:
    """Milliseconds per page of each extraction over the same served-like pages, one process, one core."""
    import trafilatura

    from crawler.extract import ExtractionError, extract_bytes

    pages = sorted((root / "zixun/xiangqing").glob("*.html"))[:CEILING_SAMPLE]
    raws = [
        page.read_bytes().replace(b"__COURTNEWS_VIEWS__", b"1").replace(b"__COURTNEWS_TOKEN__", b"t")
        for page in pages
    ]

    def per_page(work) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        for number, raw in enumerate(raws):
            work(number, raw)
        return (time.perf_counter() - started) * 1000 / len(raws)

    def ours(number: int, raw: bytes) -> None:
        with contextlib.suppress(ExtractionError):  # a page refused is measured all the same
            extract_bytes(raw, f"http://127.0.0.1/zixun/xiangqing/{number}.html", "text/html", "courtgov")

    return ExtractionCost(
        naive_ms=per_page(lambda _, raw: trafilatura.extract(raw.decode("utf-8"))),
        fast_ms=per_page(lambda _, raw: trafilatura.extract(raw.decode("utf-8"), fast=True)),
        courtnews_ms=per_page(ours),
    )


# ---------------------------------------------------------------- storage
def checkpointed_size(db: Path) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db.stat().st_size


def sizes_by_object(db: Path) -> dict[str, int]:
    """Bytes of every table and index of the file (SQLite's dbstat), to say where added bytes went."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    conn.close()
    return dict(rows)


def storage(db: Path) -> dict[str, float]:
    conn = sqlite3.connect(db)
    raw, stored = conn.execute(
        "SELECT COALESCE(SUM(size), 0), COALESCE(SUM(length(data)), 0) FROM blobs"
    ).fetchone()
    index = conn.execute(
        "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'versions_fts%'"
    ).fetchone()[0]
    versions = conn.execute("SELECT COUNT(*) FROM versions WHERE body IS NOT NULL").fetchone()[0]
    conn.close()
    size = checkpointed_size(db)
    return {"raw": raw, "stored": stored, "file": size, "index": index, "versions": versions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy the archive here after the revisit pass"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="courtnews-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx's workers read the site as another user
        root = work / "site"
        print(f"building a {args.articles}-article court site from the pages of {CORPUS} …", flush=True)
        lists, raw_site = build_site(root, args.articles)
        server, served_by = start_server(root, work)
        try:
            sources = work / "sources.toml"
            sources.write_text(
                f'[[source]]\nslug = "{SLUG}"\ncourt = "某某市中级人民法院"\nfamily = "courtgov"\n'
                f'start_urls = ["{server.base_url}/zixun/gengduo/24.html"]\nallowed_hosts = ["127.0.0.1"]\n'
                f"max_list_pages = {lists + 1}\nmax_articles = {args.articles + 1}\n",
                "utf-8",
            )
            pages = args.articles + lists
            times: dict[str, list[Measured]] = {"bare": [], "naive": [], "pipeline": []}
            for round_ in range(args.rounds):
                for name in times:
                    print(f"round {round_ + 1}/{args.rounds}: {name} crawl of {pages} pages …", flush=True)
                    if name == "pipeline":
                        db = work / f"archive-{round_}.db"
                        times[name].append(pipeline(sources, db))
                    else:
                        times[name].append(plain(name, f"{server.base_url}/zixun/gengduo/24.html", work))
            db = work / "archive-0.db"
            first = storage(db)
            print("second list crawl of the unchanged site …", flush=True)
            before = checkpointed_size(db)
            # it fetches again only the pages without a version (those that failed): when they fail again,
            # the run fails with exit 1 ("all fetches failed"), which is the truth about them, not the bench's
            pipeline(sources, db, ok=(0, 1))
            second_bytes = checkpointed_size(db) - before
            conn = sqlite3.connect(db)
            run, second_all = conn.execute(
                "SELECT id, captures FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            second_fetched = conn.execute(
                "SELECT COUNT(*) FROM captures c WHERE c.run_id = ? AND EXISTS (SELECT 1 FROM versions v "
                "JOIN captures f ON f.id = v.capture_id WHERE v.page_id = c.page_id AND f.run_id < ?)",
                [run, run],
            ).fetchone()[0]
            conn.close()
            print("revisit pass of every archived article (counters and tokens changed) …", flush=True)
            before, objects_before = checkpointed_size(db), sizes_by_object(db)
            revisit = pipeline(sources, db, "live")
            revisit_bytes = checkpointed_size(db) - before
            objects_after = sizes_by_object(db)
            conn = sqlite3.connect(db)
            revisit_captures = conn.execute(
                "SELECT COUNT(*) FROM captures WHERE run_id = (SELECT MAX(id) FROM runs)"
            ).fetchone()[0]
            conn.close()
            if args.keep:
                shutil.copy(db, args.keep)
            print(f"extraction cost on {CEILING_SAMPLE} of the site's article pages …", flush=True)
            cost = extraction_cost(root)
        finally:
            server.stop()

    def rate(name: str) -> float:
        return statistics.median(pages / m.seconds for m in times[name])

    def ratios(a: str, b: str) -> str:
        pairs = [(pages / x.seconds) / (pages / y.seconds) for x, y in zip(times[a], times[b], strict=True)]
        return f"{statistics.median(pairs):.2f}× (pairs: {', '.join(f'{p:.2f}' for p in pairs)})"

    print(
        f"\nsite: {args.articles} article pages from {CORPUS} templates + {lists} list pages, served by {served_by}"
    )
    print(f"{'crawl':<34}{'pages/s':>9}{'peak MiB':>10}")
    for name, label in (("bare", "bare Scrapy (fetch, follow)"), ("naive", "naive (trafilatura inline)"),
                        ("pipeline", "courtnews pipeline")):  # fmt: skip
        print(f"{label:<34}{rate(name):>9.1f}{max(m.peak_mib for m in times[name]):>10.0f}")
    print(f"pipeline / naive: {ratios('pipeline', 'naive')}   (target ≥ 1.4)")
    print(f"pipeline / bare:  {ratios('pipeline', 'bare')}   (target ≥ 0.5)")
    # Every page is fetched (bare's cost) and extracted; n cores do at most n pages' worth of that at once.
    cores = os.cpu_count() or 1
    fetch_ms = 1000 / rate("bare")
    print(
        f"extraction, ms per page on one core: trafilatura as the naive crawler calls it {cost.naive_ms:.1f}, "
        f"trafilatura's fast mode alone {cost.fast_ms:.1f}, courtnews {cost.courtnews_ms:.1f} "
        f"({cost.courtnews_ms / cost.naive_ms:.2f}× the naive call)"
    )
    for label, ms in (
        ("trafilatura's fast mode alone", cost.fast_ms),
        ("courtnews's extraction", cost.courtnews_ms),
    ):
        ceiling = cores * 1000 / (fetch_ms + ms)
        print(
            f"ceiling on {cores} cores with {label}: {ceiling:.1f} pages/s = {ceiling / rate('bare'):.2f}× bare "
            f"(every core busy fetching {fetch_ms:.1f} ms and extracting {ms:.1f} ms a page)"
        )
    print(f"\narchive after the first crawl ({first['versions']:.0f} versions):")
    print(f"  raw bytes fetched            {first['raw'] / 1e6:8.1f} MB")
    print(
        f"  raw evidence stored          {first['stored'] / 1e6:8.1f} MB  = {first['stored'] / first['raw']:.3f}× raw   (target ≤ 0.10)"
    )
    print(
        f"  whole file                   {first['file'] / 1e6:8.1f} MB  = {first['file'] / first['raw']:.3f}× raw"
    )
    print(
        f"  file without the search index{(first['file'] - first['index']) / 1e6:8.1f} MB  = {(first['file'] - first['index']) / first['raw']:.3f}× raw"
    )
    print(
        f"  search index                 {first['index'] / 1e6:8.1f} MB  = {first['index'] / max(first['versions'], 1):.0f} bytes per version"
    )
    print(
        f"second list crawl: {second_fetched} known articles fetched ({second_all} fetches in all: pages "
        f"without a version are tried again), {second_bytes / 1e3:.0f} kB added "
        f"({second_bytes / first['file']:.2%} of the first crawl's file)   (target 0 and ≤ 2%)"
    )
    print(
        f"revisit pass: {revisit_bytes / 1e3:.0f} kB added ({revisit_bytes / first['file']:.2%} of the first crawl's file), "
        f"{revisit.seconds:.0f} s   (target ≤ 2%)"
    )
    grown = sorted(
        ((objects_after.get(name, 0) - objects_before.get(name, 0), name) for name in objects_after),
        reverse=True,
    )
    per_capture = max(revisit_captures, 1)
    print(f"  where they went ({revisit_captures} captures, {revisit_bytes / per_capture:.0f} bytes each):")
    for delta, name in grown:
        if delta > 0:
            print(f"    {name:<40}{delta / 1e3:8.0f} kB  {delta / per_capture:6.0f} B/capture")


if __name__ == "__main__":
    main()
