"""Copies across sites (issue 28): quality on generated sites, and speed.

Quality: the four sites of tests/copies_sites.py (a court's own site, a portal republishing verbatim, the
court's platform account appending spam, a content farm cutting the last third and retitling), with the
article bodies taken from ../shared/corpus/cwced at run time (its ground-truth texts; nothing of the corpus is
stored in the repository), formulaic paragraphs put into half of them and short notices among them, served on
127.0.0.1 and crawled with real `scrapy crawl` as four sources. Reported: pair precision and recall (a pair is
two pages in one group), originals right (share of true groups whose found original is the court's page),
cut paragraphs named (share of farm copies whose `missing` is exactly the cut paragraphs that extraction
kept in the court's archived text; ``cuts_named_strict`` counts against every paragraph the farm cut, including
those extraction dropped from the original, which no copy comparison can name).

Speed: signature + band update per version (store_signature, on the corpus bodies), the full write-time
cost with linking, `copies --url` latency (find_groups of one page) and rebuild throughput on a larger
synthetic archive written through archive.store (``--large`` versions, of which a quarter are copies).

    .venv/bin/python bench/copies_bench.py [--large 20000] [--skip-crawl]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import open_archive  # noqa: E402
from archive.copies.groups import find_groups, page_of  # noqa: E402
from archive.copies.index import index_copies, rebuild_copies, store_signature  # noqa: E402
from archive.copies.signature import reduce_text, signature  # noqa: E402
from archive.db import write_transaction  # noqa: E402
from archive.model import ArticleFields, Capture  # noqa: E402
from archive.runs import start_run  # noqa: E402
from archive.store import record  # noqa: E402
from crawler.cli.copies import publishers  # noqa: E402
from crawler.config.sources import load_sources  # noqa: E402
from crawler.crawling.process import crawl_process  # noqa: E402
from crawler.demo.server import serve  # noqa: E402
from tests.copies_sites import FORMULAIC, SITES, Story, build_sites, source_entry, synthetic_stories  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_TIMEOUT": "5",
    "LOGSTATS_INTERVAL": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}


def corpus_bodies() -> list[str]:
    path = CORPUS / "cwced" / "truth.jsonl"
    if not path.is_file():
        sys.exit(f"{path}: the corpus is not there; this bench reads ../shared/corpus at run time")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("text") and len(reduce_text(r["text"])) >= 200]


def corpus_stories(bodies: list[str], seed: int = 28) -> list[Story]:
    """One story per corpus text: its lines as paragraphs; every other one framed by formulaic paragraphs,
    every fifth replaced by a short notice (one line of its own between two formulaic ones)."""
    rng = random.Random(seed)
    stories = []
    for n, body in enumerate(bodies):
        paras = [line.strip() for line in body.splitlines() if line.strip()]
        paras = [p for p in paras if len(reduce_text(p)) >= 2][:30] or [body[:200]]
        if n % 5 == 4:
            paras = [FORMULAIC[n % 3], paras[0][:60], FORMULAIC[(n + 1) % 3]]
        elif n % 2 == 0:
            paras = [FORMULAIC[n % 3], *paras, FORMULAIC[(n + 1) % 3]]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        title = f"青川县人民法院{reduce_text(paras[1 if len(paras) > 1 else 0])[:12]}（{n + 1}）"
        stories.append(Story(f"c{n + 1:03d}", title, f"2024-{month:02d}-{day:02d}", paras))
    return stories


def crawl_sites(work: Path, stories: list[Story]) -> tuple[Path, Path, list]:
    placements = build_sites(work / "sites", stories)
    servers = {slug: serve(work / "sites" / slug) for slug in SITES}
    sources = work / "sources.toml"
    sources.write_text("\n".join(source_entry(s, servers[s].base_url, 500) for s in SITES), "utf-8")
    db = work / "archive.db"
    try:
        for slug in SITES:
            process = crawl_process(slug, db, sources, "none", SETTINGS)
            done = subprocess.run(
                process.command, cwd=process.cwd, env=process.env, capture_output=True, text=True
            )
            if done.returncode != 0:
                sys.exit(f"crawl of {slug} failed:\n{(done.stdout + done.stderr)[-2000:]}")
    finally:
        for server in servers.values():
            server.stop()
    return db, sources, placements


def _path(url: str) -> str:
    return url.split("/", 3)[3]


def quality(db_path: Path, sources: Path, placements: list) -> dict[str, float]:
    db = open_archive(db_path)
    groups = find_groups(db, publishers(load_sources(sources)))
    found_pairs, site_of = set(), {}
    for g in groups:
        members = [g.original, *(c.member for c in g.copies)]
        keys = sorted((m.source, _path(m.url)) for m in members)
        found_pairs |= {(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]}
        for m in members:
            site_of[(m.source, _path(m.url))] = g
    true_pairs = set()
    for place in placements:
        keys = sorted(place.paths.items())
        true_pairs |= {(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]}
    common = found_pairs & true_pairs
    copied = [p for p in placements if len(p.paths) > 1]
    originals = cuts = strict = 0
    for place in copied:
        g = site_of.get(("court", place.paths["court"]))
        if g is None:
            continue
        originals += g.original.source == "court" and _path(g.original.url) == place.paths["court"]
        farm = next((c for c in g.copies if c.member.source == "farm"), None)
        got = [reduce_text(p) for p in farm.missing] if farm is not None else None
        cut = [reduce_text(p) for p in place.cut["farm"] if reduce_text(p)]
        strict += got == cut
        # what can be named: the cut paragraphs that extraction kept in the court's archived text
        court = next(m for m in [g.original, *(c.member for c in g.copies)] if m.source == "court")
        archived = {reduce_text(p) for p in court.body.splitlines()}
        cuts += got == [p for p in cut if p in archived]
    return {
        "stories": len(placements),
        "copied": len(copied),
        "groups": len(groups),
        "pair_precision": round(len(common) / len(found_pairs), 3) if found_pairs else 1.0,
        "pair_recall": round(len(common) / len(true_pairs), 3) if true_pairs else 1.0,
        "originals_right": round(originals / len(copied), 3),
        "cuts_named": round(cuts / len(copied), 3),
        "cuts_named_strict": round(strict / len(copied), 3),
    }


def signature_speed(bodies: list[str], work: Path) -> dict[str, float]:
    db = open_archive(work / "speed.db")
    times, linked = [], []
    with write_transaction(db):
        for n, body in enumerate(bodies * 3, 1):
            start = time.perf_counter()
            store_signature(db, n, n, signature(body))
            times.append((time.perf_counter() - start) * 1000)
    with write_transaction(db):
        for n, body in enumerate(bodies * 3, 10_000):
            start = time.perf_counter()
            index_copies(db, n, n, body)
            linked.append((time.perf_counter() - start) * 1000)
    return {
        "signature_and_bands_ms_median": round(statistics.median(times), 3),
        "signature_and_bands_ms_mean": round(statistics.fmean(times), 3),
        "with_linking_ms_median": round(statistics.median(linked), 3),
        "mean_body_chars": round(statistics.fmean(len(b) for b in bodies)),
    }


def large_archive(versions: int, work: Path) -> dict[str, float]:
    """versions article versions written through archive.store: synthetic stories, one in four copied by
    a second source with its end cut. Then copies --url latency and rebuild throughput."""
    db = open_archive(work / "large.db")
    run = start_run(db, "court")
    stories = synthetic_stories(versions * 4 // 5 + 1, seed=5)
    urls = []
    start = time.perf_counter()
    written = 0
    with write_transaction(db):
        for n, story in enumerate(stories):
            if written >= versions:
                break
            for source, paras in [("court", story.paragraphs)] + (
                [("farm", story.paragraphs[: max(2, len(story.paragraphs) * 2 // 3)])] if n % 4 == 0 else []
            ):
                url = f"http://{source}.example/{n}.html"
                article = ArticleFields(title=story.title, body="\n".join(paras), published=story.date,
                                        published_precision="day")  # fmt: skip
                record(
                    db, run, Capture(url=url, source=source, status=200, raw=url.encode()), "article", article
                )
                written += 1
                if source == "farm":
                    urls.append(url)
    write_rate = written / (time.perf_counter() - start)
    sample = urls[:: max(1, len(urls) // 50)]
    known = {}
    latencies = []
    for url in sample:
        start = time.perf_counter()
        page_id = page_of(db, url)
        find_groups(db, known, page_id)
        latencies.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    with write_transaction(db):
        rebuild_copies(db)
    rebuild_rate = written / (time.perf_counter() - start)
    start = time.perf_counter()
    groups = find_groups(db, known)
    all_groups_ms = (time.perf_counter() - start) * 1000
    return {
        "versions": written,
        "write_versions_per_s": round(write_rate),
        "copies_url_ms_median": round(statistics.median(latencies), 2),
        "copies_url_ms_max": round(max(latencies), 2),
        "rebuild_versions_per_s": round(rebuild_rate),
        "all_groups": len(groups),
        "all_groups_ms": round(all_groups_ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=20_000, help="versions in the latency archive (0: skip)")
    parser.add_argument("--skip-crawl", action="store_true", help="only the speed figures")
    args = parser.parse_args()
    bodies = corpus_bodies()
    with tempfile.TemporaryDirectory(prefix="copies-bench-") as tmp:
        work = Path(tmp)
        report: dict[str, object] = {}
        if not args.skip_crawl:
            start = time.perf_counter()
            db, sources, placements = crawl_sites(work, corpus_stories(bodies))
            report["quality"] = quality(db, sources, placements)
            report["quality"]["crawl_s"] = round(time.perf_counter() - start, 1)  # type: ignore[index]
        report["speed"] = signature_speed(bodies, work)
        if args.large:
            report["large"] = large_archive(args.large, work)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
