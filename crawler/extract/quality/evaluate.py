"""Measure extraction on a corpus folder (truth.jsonl + pages/), against plain trafilatura on the same pages.

The metric is the corpus's own: character 4-gram sets with whitespace removed, per-page F1, macro average.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from crawler.extract.article import Article, extract_html
from crawler.extract.decode import decode_html
from crawler.extract.metadata import parse_date
from crawler.extract.quality.spamgen import POSITIONS, inject
from crawler.extract.text import grams

_WS = re.compile(r"\s+")


def f1(extracted: str | None, truth: str | None) -> float:
    a, b = grams(extracted), grams(truth)
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    common = len(a & b)
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def thread_text(article: Article) -> str:
    """What a thread page archives for its readers: the body and every comment, in page order."""
    return "\n".join([article.body, *(comment.text for comment in article.comments)])


def thread_f1(article: Article, truth: str) -> float:
    """The corpus metric on body and comments joined (a thread's truth holds every post)."""
    return f1(thread_text(article), truth)


def evaluate_threads(pages: Iterable[tuple[str, str, str]]) -> dict:
    """Thread pages (id, html, truth of every post): F1 of the body alone and of body plus comments."""
    body_only, joined = [], []
    for page_id, html, truth in pages:
        article = extract_html(html, f"http://threads.invalid/{page_id}.html")
        body_only.append(f1(article.body, truth))
        joined.append(thread_f1(article, truth))
    return {
        "pages": len(joined),
        "body_macro_f1": round(statistics.fmean(body_only), 4) if body_only else None,
        "thread_macro_f1": round(statistics.fmean(joined), 4) if joined else None,
    }


@dataclass
class PageResult:
    id: str
    f1: float | None
    baseline_f1: float | None
    ms: float
    baseline_ms: float
    date_ok: bool | None = None
    author_ok: bool | None = None
    leaks: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    error: str | None = None
    method: str = ""
    drops_last: bool | None = None  # the truth's last paragraph is missing from the body (None: no truth)


@dataclass
class CorpusPage:
    id: str
    raw: bytes
    truth: dict
    text: str | None = None  # already decoded (an injected page); else raw is decoded


def read_corpus(folder: Path) -> Iterator[CorpusPage]:
    truth_file = folder / "truth.jsonl"
    if not truth_file.exists():
        raise FileNotFoundError(
            f"{folder}: no truth.jsonl here; a corpus folder holds truth.jsonl and pages/"
        )
    for number, line in enumerate(truth_file.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{truth_file}:{number}: not JSON ({exc})") from exc
        yield CorpusPage(row["id"], (folder / row["html"]).read_bytes(), row)


def _same_day(found: str | None, truth: str | None) -> bool | None:
    """Same day; a truth known only to the month or year is judged at its own precision."""
    expected = parse_date(truth or "")
    if expected is not None:
        return found is not None and found[:10] == expected.value[:10]
    partial = re.fullmatch(r"\s*((?:19|20)\d{2})(?:\s*[-/.年]\s*(\d{1,2})\s*月?)?\s*", truth or "")
    if not partial:
        return None  # the truth has no usable date ("UNKNOWN", a name, null)
    year, month = partial.groups()
    prefix = year if month is None else f"{year}-{int(month):02d}"
    return found is not None and found.startswith(prefix)


def _author_ok(found: str | None, truth: str | None) -> bool | None:
    if not truth:
        return None
    names = [n for n in re.split(r"[\s、，,/]+", truth) if n]
    return found is not None and all(name in found for name in names)


LAST_KEPT = (
    0.8  # share of the last paragraph's 4-grams the body must hold for that paragraph to count as kept
)
LAST_MIN = 20  # characters of a paragraph; shorter closing lines are sign-offs (记者 张三, 编辑：李四, 2022年1月27日)
_SENTENCE = re.compile(r"[，。！？；]")


def drops_last_paragraph(body: str, truth: str | None) -> bool | None:
    """Whether the body lost the truth's last paragraph: the end of an article is what a wrong recipe or a
    density choice loses silently (F1 barely moves when one closing paragraph of ten is gone). The last line
    of the truth that is a paragraph (LAST_MIN characters, a sentence's punctuation) is judged: the bylines,
    credits and signature dates after it are metadata the extractor moves out of the body on purpose. None
    when the truth has no paragraph."""
    closing = next(
        (
            line
            for line in reversed((truth or "").splitlines())
            if len(_WS.sub("", line)) >= LAST_MIN and _SENTENCE.search(line)
        ),
        None,
    )
    if closing is None:
        return None
    own = grams(closing)
    return len(own & grams(body)) < LAST_KEPT * len(own)


T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - start) * 1000


def evaluate_page(page: CorpusPage, baseline: bool = True) -> PageResult:
    """Score one page; baseline: also run plain trafilatura on it (the quality gate needs only ours)."""
    import trafilatura

    text = page.text if page.text is not None else decode_html(page.raw).text
    truth = page.truth
    base_text, base_ms = _timed(lambda: trafilatura.extract(text)) if baseline else (None, 0.0)
    try:
        article, ms = _timed(
            lambda: extract_html(text, truth.get("url") or f"http://corpus.invalid/{page.id}.html")
        )
    except Exception as exc:  # an evaluation reports every failure instead of stopping
        return PageResult(
            page.id,
            None if truth.get("text") is None else 0.0,
            None,
            0.0,
            base_ms,
            error=f"{type(exc).__name__}: {exc}",
        )
    body = article.body
    compact = _WS.sub("", body)
    result = PageResult(
        page.id,
        f1(body, truth["text"]) if truth.get("text") is not None else None,
        f1(base_text, truth["text"]) if truth.get("text") is not None else None,
        ms,
        base_ms,
        date_ok=_same_day(article.published, truth.get("date")),
        author_ok=_author_ok(article.author, truth.get("author")),
        leaks=[s for s in truth.get("must_not", []) if _WS.sub("", s) in compact],
        drops=[s for s in truth.get("must", []) if _WS.sub("", s) not in compact],
        method=article.method,
        drops_last=drops_last_paragraph(body, truth.get("text")),
    )
    if not body:
        result.error = "no article text found"
    return result


def injected_pages(folder: Path, variants: int = 2, seed: int = 13) -> Iterator[CorpusPage]:
    """The corpus's pages with generated content-farm spam inserted (crawler/extract/quality/spamgen.py), each page in
    `variants` positions taken in turn: the truth is unchanged, and every injected credential line must not
    reach the body. Pages whose text is not written verbatim in their markup are skipped."""
    rng = random.Random(seed)
    for number, page in enumerate(read_corpus(folder)):
        truth_lines = [line for line in (page.truth.get("text") or "").splitlines() if line.strip()]
        if not truth_lines:
            continue
        text = decode_html(page.raw).text
        for variant in range(variants):
            position = POSITIONS[(number * variants + variant) % len(POSITIONS)]
            injected = inject(text, truth_lines, rng, position)
            if injected is None:
                continue
            html, block = injected
            truth = dict(page.truth, must_not=[*page.truth.get("must_not", []), *block.must_not])
            yield CorpusPage(f"{page.id}+{position}", b"", truth, text=html)


def evaluate(
    folder: Path,
    progress: Callable[[int], None] | None = None,
    inject_spam: bool = False,
    baseline: bool = True,
) -> dict:
    """The report on a corpus folder; with inject_spam, on its pages with generated spam inserted; without
    baseline, plain trafilatura is not run (its figures are then empty)."""
    results = []
    for page in injected_pages(folder) if inject_spam else read_corpus(folder):
        results.append(evaluate_page(page, baseline))
        if progress:
            progress(1)
    return report(results, folder)


FLOORS = Path(__file__).with_name("quality_floors.toml")


def gate_figures(data: dict) -> dict[str, float]:
    """The figures of a report that floors are set on, by the names the floors file uses."""
    ours = data["courtnews"]
    return {
        "macro_f1": ours["macro_f1"] if ours["macro_f1"] is not None else 0.0,
        "below_0_8": ours["below_0_8"],
        "date_share": data["date"]["share"] if data["date"]["share"] is not None else 1.0,
        "leaking_pages": len(data["leaking_pages"]),
        "dropping_pages": len(data["dropping_pages"]),
        "last_paragraph_dropping_pages": len(data["last_paragraph_dropping_pages"]),
        "errors": len(data["errors"]),
    }


def below_floors(figures: dict[str, float], floors: dict[str, float]) -> list[str]:
    """Every floor a set of figures breaks, one line each ('macro_f1 0.951 below its floor 0.97')."""
    broken = []
    for key, floor in floors.items():
        bound, name = key.split("_", 1)
        value = figures[name]
        if bound == "min" and value < floor:
            broken.append(f"{name} {value} below its floor {floor}")
        elif bound == "max" and value > floor:
            broken.append(f"{name} {value} above its ceiling {floor}")
    return broken


def read_floors(path: Path = FLOORS) -> dict[str, dict[str, float]]:
    import tomllib

    return tomllib.loads(path.read_text("utf-8"))


def _share(values: list[bool | None]) -> dict:
    judged = [v for v in values if v is not None]
    return {
        "right": sum(judged),
        "of": len(judged),
        "share": round(sum(judged) / len(judged), 3) if judged else None,
    }


def report(results: list[PageResult], folder: Path) -> dict:
    scored = [r for r in results if r.f1 is not None]
    ours = [r.f1 for r in scored if r.f1 is not None]
    base = [r.baseline_f1 or 0.0 for r in scored]
    return {
        "corpus": str(folder),
        "pages": len(results),
        "scored_pages": len(scored),
        "courtnews": {
            "macro_f1": round(statistics.fmean(ours), 4) if ours else None,
            "median_f1": round(statistics.median(ours), 4) if ours else None,
            "below_0_8": sum(1 for v in ours if v < 0.8),
            "median_ms": round(statistics.median(r.ms for r in results), 2) if results else None,
        },
        "trafilatura": {
            "macro_f1": round(statistics.fmean(base), 4) if base else None,
            "median_f1": round(statistics.median(base), 4) if base else None,
            "below_0_8": sum(1 for v in base if v < 0.8),
            "median_ms": round(statistics.median(r.baseline_ms for r in results), 2) if results else None,
        },
        "date": _share([r.date_ok for r in results]),
        "author": _share([r.author_ok for r in results]),
        "leaking_pages": [r.id for r in results if r.leaks],
        "dropping_pages": [r.id for r in results if r.drops],
        "last_paragraph_dropping_pages": [r.id for r in results if r.drops_last],
        "errors": {r.id: r.error for r in results if r.error},
        "below_0_8_pages": {r.id: round(r.f1, 3) for r in scored if r.f1 is not None and r.f1 < 0.8},
        "methods": {m: sum(1 for r in results if r.method == m) for m in sorted({r.method for r in results})},
    }


def format_report(data: dict) -> str:
    ours, base = data["courtnews"], data["trafilatura"]
    lines = [
        f"corpus {data['corpus']}: {data['pages']} pages, {data['scored_pages']} with ground-truth text",
        f"{'':24}{'courtnews':>12}{'trafilatura':>14}",
        f"{'macro F1':24}{_fmt(ours['macro_f1']):>12}{_fmt(base['macro_f1']):>14}",
        f"{'median F1':24}{_fmt(ours['median_f1']):>12}{_fmt(base['median_f1']):>14}",
        f"{'pages below F1 0.8':24}{ours['below_0_8']:>12}{base['below_0_8']:>14}",
        f"{'median ms per page':24}{_fmt(ours['median_ms']):>12}{_fmt(base['median_ms']):>14}",
        f"published date right (same day; a month-only truth by month): {_ratio(data['date'])}",
        f"author right: {_ratio(data['author'])}",
        f"pages leaking spam (must_not found): {len(data['leaking_pages'])}  {' '.join(data['leaking_pages'][:10])}",
        f"pages dropping body (must missing): {len(data['dropping_pages'])}  {' '.join(data['dropping_pages'][:10])}",
        f"pages losing the body's last paragraph: {len(data['last_paragraph_dropping_pages'])}  "
        f"{' '.join(data['last_paragraph_dropping_pages'][:10])}",
        f"pages without an article: {len(data['errors'])}",
    ]
    lines += [f"  {page}: {error}" for page, error in list(data["errors"].items())[:20]]
    if data["below_0_8_pages"]:
        lines.append("below 0.8: " + ", ".join(f"{k[:8]} {v}" for k, v in data["below_0_8_pages"].items()))
    lines.append("methods: " + ", ".join(f"{k}: {v}" for k, v in data["methods"].items()))
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


def _ratio(share: dict) -> str:
    return "no truth" if not share["of"] else f"{share['right']}/{share['of']} ({share['share']:.1%})"
