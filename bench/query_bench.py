"""Reading the archive at scale: a generated archive of 1,000,000 versions, timed through Datasette.

    .venv/bin/python bench/query_bench.py [--versions 1000000] [--runs 5] [--rebuild]

The archive is written through the archive's own write path (``archive.store.record_fetch`` in large write
transactions, so every trigger and the search index are maintained as in a crawl) from generated text: a
vocabulary of 3,000+ words made of Chinese characters with a Zipf frequency, bodies of about 1,800 characters,
about 200 courts, five years of dates; pages that change, disappear and come back. Nothing is copied from
anywhere. Building takes a long while on a small machine, so the archive is cached under
``/tmp/courtnews-bench/<key>/`` where the key names the generator's parameters (schema steps added since are
applied when it is opened); a rerun only times. Figures are medians of several requests through Datasette's own client (in process, no network),
with the settings ``courtnews serve`` uses.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import open_archive  # noqa: E402
from archive.db import write_transaction  # noqa: E402
from archive.search import ADD_CHARACTERS, characters_json, search_text  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


GENERATOR = 3  # bump when the generated text or its distribution changes: the cache key includes it
CACHE = Path("/tmp/courtnews-bench")
LEGAL_WORDS = _words(
    "人民法院 依法 审理 当事人 判决 执行 调解 开设赌场罪 诈骗 合同纠纷 赡养 知识产权 行政诉讼 诉源治理 巡回审判 "
    "司法救助 审判委员会 庭审 上诉 维持原判 被告人 原告 被告 法官 检察院 公诉 辩护人 有期徒刑 罚金 缓刑 民事 刑事 "
    "行政 立案 执行款 失信被执行人 调解书 裁定 再审 二审 一审 证据 质证 法庭 审判长 书记员 判决书 合议庭 "
    "公开开庭 宣判 附带民事诉讼 非法集资 电信网络诈骗 未成年人 家事审判 劳动争议 物业纠纷 借款合同"
)
PROVINCES = _words(
    "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 "
    "重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆"
)


@dataclass(frozen=True)
class Params:
    versions: int = 1_000_000
    courts: int = 200
    words: int = 3_200
    body_chars: int = 1_800
    years: tuple[int, int] = (2020, 2024)
    seed: int = 7

    def key(self) -> str:
        # the schema is not part of the key: opening a cached archive applies the schema steps added since
        blob = json.dumps([GENERATOR, self.__dict__], default=list, sort_keys=True)
        return f"v{self.versions}-" + hashlib.sha1(blob.encode()).hexdigest()[:12]


class Generator:
    """Deterministic text: words from a fixed pool of characters, chosen with a Zipf frequency."""

    def __init__(self, params: Params) -> None:
        self.p = params
        self.rng = random.Random(params.seed)
        pool = [chr(0x4E00 + self.rng.randrange(0x51A5)) for _ in range(2_500)]
        words = list(LEGAL_WORDS)
        seen = set(words)
        while len(words) < params.words:
            word = "".join(self.rng.choice(pool) for _ in range(self.rng.choice((2, 2, 2, 3, 4))))
            if word not in seen:
                seen.add(word)
                words.append(word)
        self.rng.shuffle(words)
        self.words = words
        self.cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))
        self.courts = [
            f"{PROVINCES[i % len(PROVINCES)]}{''.join(self.rng.choice(pool) for _ in range(2))}"
            f"{'中级人民法院' if i % 3 == 0 else '人民法院'}"
            for i in range(params.courts)
        ]

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=self.rng.randint(5, 14))
        cut = self.rng.randint(2, len(words) - 1)
        return "".join(words[:cut]) + "，" + "".join(words[cut:]) + "。"

    def body(self) -> list[str]:
        paragraphs, size = [], 0
        while size < self.p.body_chars:
            paragraph = "".join(self.sentence() for _ in range(self.rng.randint(3, 6)))
            paragraphs.append(paragraph)
            size += len(paragraph)
        return paragraphs

    def moment(self) -> float:
        start = time.mktime((self.p.years[0], 1, 1, 0, 0, 0, 0, 0, 0))
        end = time.mktime((self.p.years[1], 12, 1, 0, 0, 0, 0, 0, 0))
        return self.rng.uniform(start, end)


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclass
class Fetch:
    source: str
    url: str
    fetched_at: str
    article: dict[str, str] | None  # None: the page answered 404
    indexed: tuple[str, str] = ("", "")  # the article's title and body as archive.search indexes them
    characters: str = "[]"  # and the characters it counts in search_chars, as archive.search writes them


def _produce(params: Params, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In a process of its own: generate the fetches and their indexed text (the costly half), in batches."""
    batch: list[Fetch] = []
    for fetch in _fetches(Generator(params)):
        if fetch.article:
            fetch.indexed = (search_text(fetch.article["title"]), search_text(fetch.article["body"]))
            fetch.characters = characters_json(fetch.article["title"], fetch.article["body"], None)
        batch.append(fetch)
        if len(batch) == 1_000:
            queue.put(batch)
            batch = []
    queue.put(batch)
    queue.put(None)


def _produced(params: Params) -> Iterator[Fetch]:
    queue: multiprocessing.Queue = multiprocessing.Queue(maxsize=8)  # type: ignore[type-arg]
    producer = multiprocessing.Process(target=_produce, args=(params, queue), daemon=True)
    producer.start()
    while (batch := queue.get()) is not None:
        yield from batch
    producer.join()


def _fetches(gen: Generator) -> Iterator[Fetch]:
    """Fetches in time order per page: a first text, then edits, removals (404) and restorations."""
    rng = gen.rng
    made, n = 0, 0
    while made < gen.p.versions:
        n += 1
        court_index = rng.randrange(len(gen.courts))
        court, source = gen.courts[court_index], f"court-{court_index:03d}"
        url = f"https://court{court_index:03d}.example.gov.cn/article/{n}.html"
        when = gen.moment()
        published = time.strftime("%Y-%m-%dT%H:%M:00+08:00", time.gmtime(when + 8 * 3600 - 3600))
        paragraphs = gen.body()
        title = f"{court}{''.join(rng.choices(gen.words, cum_weights=gen.cum_weights, k=3))}"
        author, editor = rng.choice(gen.words), rng.choice(gen.words)
        gone = False
        for step in range(rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0]):
            if made >= gen.p.versions:
                break
            if step and not gone and rng.random() < 0.2:
                gone = True
                yield Fetch(source, url, _utc(when), None)
            else:
                if step and not gone:
                    paragraphs[rng.randrange(len(paragraphs))] = "".join(gen.sentence() for _ in range(4))
                gone = False
                article = {
                    "title": title,
                    "body": "\n".join(paragraphs),
                    "published": published,
                    "published_precision": "minute",
                    "source_name": court,
                    "author": author,
                    "editor": editor,
                    "court": court,
                }
                yield Fetch(source, url, _utc(when), article)
            made += 1
            when += rng.uniform(3600, 90 * 86400)


@dataclass
class _Page:
    id: int
    version: int = 0
    text_id: int | None = None  # the last version with text
    text_hash: str = ""
    last_kind: str = ""


def _write(db: sqlite_utils.Database, run_id: int, page: _Page, fetch: Fetch) -> None:
    """One fetch as archive.store writes it (plain INSERTs and the same UPDATE of the page), without its
    per-fetch savepoint: SQLite's FTS5 flushes its pending terms at every savepoint, which makes a bulk load of
    a million versions take hours; the rows and triggers are the same."""
    article = fetch.article
    digest = hashlib.sha1(json.dumps(article, sort_keys=True).encode()).hexdigest() if article else ""
    if article is None:
        kind, outcome, status = "removed", "removed", 404
    elif page.text_id is None:
        kind, outcome, status = "first", "version", 200
    elif page.last_kind == "removed":
        kind, outcome, status = "restored", "version", 200
    else:
        kind, outcome, status = "changed", "version", 200
    capture_id = db.execute(
        "INSERT INTO captures (page_id, run_id, url, fetched_at, status, headers, outcome) VALUES (?, ?, ?, ?, ?, '{}', ?)",
        [page.id, run_id, fetch.url, fetch.fetched_at, status, outcome],
    ).lastrowid
    page.version += 1
    row: dict[str, object] = {
        "page_id": page.id,
        "version": page.version,
        "kind": kind,
        "capture_id": capture_id,
        "created_at": fetch.fetched_at,
        "changed_fields": json.dumps(
            ["body"] if kind == "changed" else [] if article is None else list(article)
        ),
        "previous_id": page.text_id,
    }
    if article is not None:
        row.update(
            article, content_hash=digest, removed_blocks="[]", extractor_version="bench", rules_hash=""
        )
    version_id = int(
        db.execute(
            f"INSERT INTO versions ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        ).lastrowid
        or 0
    )
    if article is not None:
        # what archive.search.index_version writes, with the text tokenised in the producer process
        db.execute(
            "INSERT INTO versions_fts (rowid, title, body, comments) VALUES (?, ?, ?, '')",
            [version_id, *fetch.indexed],
        )
        db.execute(ADD_CHARACTERS, [fetch.characters])
        page.text_id = version_id
    page.last_kind = kind
    db.execute(
        "UPDATE pages SET current_version = ?, last_seen = ?, last_status = ?, state = ? WHERE id = ?",
        [page.version, fetch.fetched_at, status, "removed" if article is None else "live", page.id],
    )


def build(params: Params, path: Path) -> int:
    """Write the archive to path (a temporary name; the caller renames it), printing progress; the number of
    versions written. SIGUSR1 ends the build after the batch being written, leaving a smaller, sound archive."""
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(True))
    db = open_archive(path)
    # a bulk load of a file nobody else opens: no journal (not written twice), and the search index merges its
    # segments less often (16 per level instead of 4); both are put back before the archive is used
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-3000000")
    db.execute("INSERT INTO versions_fts (versions_fts, rank) VALUES ('automerge', 16)")
    runs: dict[str, int] = {}
    pages: dict[str, _Page] = {}
    started = time.perf_counter()
    written = 0
    fetches = _produced(params)
    while written < params.versions and not stop:
        with write_transaction(db):
            for fetch in itertools.islice(fetches, 20_000):
                if fetch.source not in runs:
                    runs[fetch.source] = int(
                        db.execute(
                            "INSERT INTO runs (source, kind, started_at, status) VALUES (?, 'crawl', ?, 'finished')",
                            [fetch.source, fetch.fetched_at],
                        ).lastrowid
                        or 0
                    )
                page = pages.get(fetch.url)
                if page is None:
                    page_id = db.execute(
                        "INSERT INTO pages (url, url_key, source, first_seen, last_seen, state) VALUES (?, ?, ?, ?, ?, 'new')",
                        [fetch.url, fetch.url, fetch.source, fetch.fetched_at, fetch.fetched_at],
                    ).lastrowid
                    page = pages[fetch.url] = _Page(int(page_id or 0))
                _write(db, runs[fetch.source], page, fetch)
                written += 1
        if len(pages) > 50_000:  # pages are generated one after another: old ones get no more fetches
            for url in list(pages)[:-10_000]:
                del pages[url]
        elapsed = time.perf_counter() - started
        rate = written / elapsed
        print(
            f"  {written:>9,} of {params.versions:,} versions written  {rate:6.0f}/s  {elapsed / 60:5.1f} min, "
            f"about {(params.versions - written) / rate / 60:.0f} min to go",
            flush=True,
        )
    print("  merging the search index and analysing …", flush=True)
    db.execute("INSERT INTO versions_fts (versions_fts) VALUES ('optimize')")
    db.execute("INSERT INTO versions_fts (versions_fts, rank) VALUES ('automerge', 4)")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return written


def cached_archive(params: Params, rebuild: bool = False) -> Path:
    folder = CACHE / params.key()
    final = folder / "archive.db"
    if final.exists() and not rebuild:
        print(f"archive of {params.versions:,} versions: cached at {final}", flush=True)
        return final
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    partial = folder / "building.db"
    print(
        f"building an archive of {params.versions:,} versions at {final} (cached for reruns; "
        f"kill -USR1 {os.getpid()} stops early and keeps a smaller archive) …",
        flush=True,
    )
    written = build(params, partial)
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    if written < params.versions:
        smaller = folder / f"partial-{written}.db"
        partial.rename(smaller)
        print(f"stopped early: {written:,} versions at {smaller} (time it with --db {smaller})", flush=True)
        return smaller
    partial.rename(final)
    return final


def timed(call: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def datasette_pages(db_path: Path, runs: int) -> list[tuple[str, float, str]]:
    """Every shipped page through Datasette's client with the settings `courtnews serve` uses."""
    from datasette.app import Datasette

    from crawler.service.serve import DATASETTE_SETTINGS, datasette_metadata

    db = open_archive(db_path)
    sample = next(
        iter(db.query("SELECT * FROM timeline WHERE kind = 'changed' ORDER BY version_id DESC LIMIT 1"))
    )
    court = sample["court"]
    url = sample["url"]
    db.close()
    name = db_path.stem
    pages = {
        "latest_articles (facets court, source, state)": f"/{name}/latest_articles",
        "latest_articles, one court": f"/{name}/latest_articles?court={quote(court)}",
        "changes": f"/{name}/changes",
        "removals": f"/{name}/removals",
        "versions": f"/{name}/versions",
        "pages": f"/{name}/pages",
        "captures": f"/{name}/captures",
        "versions ?_search=法院 (the box)": f"/{name}/versions?_search=法院",
        "latest_articles ?_search=依法审理": f"/{name}/latest_articles?_search=依法审理",
        "query search?q=法院": f"/{name}/search?q=法院",
        "query search?q=开设赌场罪": f"/{name}/search?q=开设赌场罪",
        "query search?q=判 (1 character)": f"/{name}/search?q=判",
        "query search?q=判, page 200": f"/{name}/search?q=判&page=200",
        "query search?q=法院, page 200": f"/{name}/search?q=法院&page=200",
        "query url_history": f"/{name}/url_history?" + urlencode({"url": url}),
        "query recent_changes": f"/{name}/recent_changes",
        "query removed_articles": f"/{name}/removed_articles",
        "query court_articles": f"/{name}/court_articles?"
        + urlencode({"court": court, "start": "2022-01-01", "end": "2022-12-31"}),
        "query feed (all courts)": f"/{name}/feed?court=",
        "article page": f"/{name}/-/article/{sample['version_id']}",
        "timeline page": f"/{name}/-/timeline/{sample['page_id']}",
        "diff page": f"/{name}/-/diff/{sample['previous_id']}/{sample['version_id']}",
        "search page 法院": f"/{name}/-/search?q=法院",
        "search page 开设赌场罪, court filter": f"/{name}/-/search?"
        + urlencode({"q": "开设赌场罪", "court": court}),
        "search page 判, page 20": f"/{name}/-/search?q=判&page=20",
        "search page 法院, by version": f"/{name}/-/search?q=法院&by=version",
        "search page 法院, current text only": f"/{name}/-/search?q=法院&current=1",
        "at page (URL and date)": f"/{name}/-/at/2099-01-01?" + urlencode({"url": url}),
        "capture page (capture 1)": f"/{name}/-/capture/1",
        "court page": f"/{name}/-/court?" + urlencode({"name": court}),
        "feed.atom": f"/{name}/-/feed.atom",
    }

    async def go() -> list[tuple[str, float, str]]:
        ds = Datasette([str(db_path)], metadata=datasette_metadata(db_path), settings=DATASETTE_SETTINGS)
        await ds.invoke_startup()
        out = []
        for label, path in pages.items():
            samples, note = [], ""
            for _ in range(runs):
                start = time.perf_counter()
                response = await ds.client.get(path)
                if response.status_code == 302:  # timed to the page a browser ends on
                    note = "redirected to " + response.headers["location"].split("?")[0]
                    response = await ds.client.get(response.headers["location"])
                samples.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    note = f"HTTP {response.status_code}"
                elif "timed out" in response.text.lower() or "facet-timeout" in response.text:
                    note = "a facet or query timed out"
            out.append((label, statistics.median(samples), note))
            print(f"  {label:<48} {out[-1][1]:8.1f} ms  {note}", flush=True)
        return out

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="requests per page (the median is printed)")
    parser.add_argument("--rebuild", action="store_true", help="build the archive again even if cached")
    parser.add_argument("--build-only", action="store_true", help="build (or find) the archive, time nothing")
    parser.add_argument(
        "--db", type=Path, default=None, help="time this archive instead of the generated one"
    )
    args = parser.parse_args()
    params = Params(versions=args.versions)
    path = args.db or cached_archive(params, args.rebuild)
    if args.build_only:
        return
    from archive.search import count

    db = open_archive(path)
    versions = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
    size = path.stat().st_size
    counts = {
        q: (timed(lambda q=q: count(db, q), args.runs), count(db, q)) for q in ("法院", "开设赌场罪", "判")
    }
    db.close()
    print(f"\nDatasette pages at {versions:,} versions (median of {args.runs} requests):", flush=True)
    datasette_pages(path, args.runs)
    print("\nsearch total count (archive.search.count):")
    for q, (ms, n) in counts.items():
        print(f"  {q:<10} {n:>9,} matches  {ms:8.1f} ms")
    print(f"archive size: {size / 2**30:.2f} GiB ({size / versions:,.0f} bytes per version)")


if __name__ == "__main__":
    main()
