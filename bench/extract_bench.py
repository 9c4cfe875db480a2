"""Extraction speed and quality on the corpus folders beside the project (../shared/corpus by default).

.venv/bin/python bench/extract_bench.py [CORPUS_DIR ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract.evaluate import evaluate, format_report  # noqa: E402


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or sorted(
        p for p in (ROOT.parent / "shared/corpus").glob("*") if p.is_dir()
    )
    if not folders:
        raise SystemExit("no corpus folders found; pass CORPUS_DIR (a folder with truth.jsonl and pages/)")
    for folder in folders:
        data = evaluate(folder)
        print(format_report(data))
        ours, base = data["courtnews"]["median_ms"], data["trafilatura"]["median_ms"]
        print(
            f"speed: median {ours} ms per page against {base} ms for plain trafilatura ({ours / base:.2f}x)\n"
        )


if __name__ == "__main__":
    main()
