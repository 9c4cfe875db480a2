"""Extraction speed and quality on the corpus folders beside the project (../shared/corpus by default), and
the cost of hostile pages.

.venv/bin/python bench/extract_bench.py [CORPUS_DIR ...]
.venv/bin/python bench/extract_bench.py --hostile     # peak memory and time of each pathological page
.venv/bin/python bench/extract_bench.py --inject-spam # the corpus pages with generated content-farm spam
.venv/bin/python bench/extract_bench.py --gate        # every figure the quality floors are set on
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract.quality.evaluate import evaluate, format_report  # noqa: E402

# Runs in a fresh interpreter per page, so that ru_maxrss is this page's peak and nothing else's.
_ONE_PAGE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from tests.extract_fixtures.hostile import HOSTILE
from crawler.extract import ExtractionError, extract_bytes
raw = HOSTILE[{name!r}]().encode("utf-8")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    article = extract_bytes(raw, "http://hostile.invalid/a.html")
    outcome = f"article of {{len(article.body):,}} characters ({{article.method}})"
except ExtractionError as exc:
    outcome = f"refused: {{exc}}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{{seconds:.2f}}\\t{{peak / 1024:.0f}}\\t{{before / 1024:.0f}}\\t{{len(raw) / 1e6:.1f}}\\t{{outcome}}")
"""


def hostile() -> None:
    from tests.extract_fixtures.hostile import HOSTILE

    print(f"{'page':20}{'seconds':>9}{'peak MB':>9}{'RSS before':>11}{'page size':>11}  outcome")
    for name in HOSTILE:
        code = _ONE_PAGE.format(root=str(ROOT), name=name)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
        if done.returncode:
            print(f"{name:20} crashed: {done.stderr.strip().splitlines()[-1]}")
            continue
        seconds, peak, before, size, outcome = done.stdout.strip().split("\t")
        print(f"{name:20}{seconds:>9}{peak:>9}{before:>11}{size + ' MB':>11}  {outcome}")
    print("peak MB: the process's peak resident set (interpreter, generated page and extraction);")
    print("RSS before: the same just before extraction started.")


def corpus(folders: list[Path], inject_spam: bool = False) -> None:
    folders = folders or sorted(p for p in (ROOT.parent / "shared/corpus").glob("*") if p.is_dir())
    if not folders:
        raise SystemExit("no corpus folders found; pass CORPUS_DIR (a folder with truth.jsonl and pages/)")
    for folder in folders:
        data = evaluate(folder, inject_spam=inject_spam)
        print(format_report(data))
        ours, base = data["courtnews"]["median_ms"], data["trafilatura"]["median_ms"]
        print(
            f"speed: median {ours} ms per page against {base} ms for plain trafilatura ({ours / base:.2f}x)\n"
        )


def gate() -> None:
    """The figures the floors in crawler/extract/quality/quality_floors.toml are set on, beside the floors."""
    from crawler.extract.quality.evaluate import (
        below_floors,
        evaluate_page,
        evaluate_threads,
        gate_figures,
        read_floors,
        report,
    )
    from tests.extract_fixtures.threads import THREAD_PAGES
    from tests.test_quality_gate import CWCED, own_injected_pages, platform_fixture_pages

    floors = read_floors()
    sections = {}
    if (CWCED / "truth.jsonl").exists():
        sections["cwced"] = gate_figures(evaluate(CWCED))
        sections["cwced-injected"] = gate_figures(evaluate(CWCED, inject_spam=True))
    else:
        print(f"{CWCED} is missing: corpus sections skipped")
    sections["own-injected"] = gate_figures(report([evaluate_page(p) for p in own_injected_pages()], ROOT))
    platform = [evaluate_page(p, baseline=False) for p in platform_fixture_pages()]
    sections["platform-fixtures"] = gate_figures(report(platform, ROOT))
    threads = evaluate_threads((name, make().html, make().truth) for name, make in THREAD_PAGES.items())
    sections["threads"] = {"thread_macro_f1": threads["thread_macro_f1"]}
    print(f"threads: body alone {threads['body_macro_f1']}, body and comments {threads['thread_macro_f1']}")
    for name, figures in sections.items():
        broken = below_floors(figures, floors[name])
        shown = ", ".join(f"{key.split('_', 1)[1]} {figures[key.split('_', 1)[1]]}" for key in floors[name])
        print(f"[{name}] {shown}  ->  {'OK' if not broken else 'BROKEN: ' + '; '.join(broken)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="corpus folders (truth.jsonl + pages/)")
    parser.add_argument("--hostile", action="store_true", help="measure the pathological pages instead")
    parser.add_argument("--inject-spam", action="store_true", help="insert generated spam into each page")
    parser.add_argument("--gate", action="store_true", help="the quality-gate figures beside their floors")
    args = parser.parse_args()
    if args.hostile:
        hostile()
    elif args.gate:
        gate()
    else:
        corpus(args.folders, inject_spam=args.inject_spam)


if __name__ == "__main__":
    main()
