"""The quality gate: extraction is evaluated on the shared corpus, on the same pages with generated spam, on the
project's own pages with spam, and on thread pages; the test fails below any floor pinned in
crawler/extract/quality/quality_floors.toml. Raising a floor is part of the change that earns it.

Where ../shared/corpus is absent (a CI machine without it) the corpus parts skip and say which folder is
missing; the parts built from the project's own fixtures still run."""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

import pytest

from crawler.extract.decode import decode_html
from crawler.extract.quality.evaluate import (
    CorpusPage,
    below_floors,
    evaluate,
    evaluate_page,
    evaluate_threads,
    gate_figures,
    read_floors,
    report,
)
from crawler.extract.quality.spamgen import POSITIONS, inject
from tests.extract_fixtures.platform_pages import PLATFORM_PAGES
from tests.extract_fixtures.threads import THREAD_PAGES

ROOT = Path(__file__).resolve().parent.parent
CWCED = ROOT.parent / "shared" / "corpus" / "cwced"
PAGES = Path(__file__).parent / "pages"
FLOORS = read_floors()


def _corpus() -> Path:
    if not (CWCED / "truth.jsonl").exists():
        pytest.skip(f"corpus folder {CWCED} is missing: the corpus part of the quality gate is skipped")
    return CWCED


def _assert_floors(section: str, figures: dict[str, float]) -> None:
    broken = below_floors(figures, FLOORS[section])
    assert not broken, f"[{section}] " + "; ".join(broken)


def test_cwced_stays_above_its_floors():
    _assert_floors("cwced", gate_figures(evaluate(_corpus(), baseline=False)))


def test_injected_spam_never_leaks_on_cwced():
    _assert_floors("cwced-injected", gate_figures(evaluate(_corpus(), inject_spam=True, baseline=False)))


def own_injected_pages() -> list[CorpusPage]:
    """The project's platform pages, each with a generated spam block after its last paragraph that must stay."""
    expectations = tomllib.loads((PAGES / "expectations.toml").read_text("utf-8"))
    rng = random.Random(7)
    pages = []
    for number, (name, spec) in enumerate(sorted(expectations.items())):
        text = decode_html((PAGES / name).read_bytes()).text
        position = POSITIONS[number % len(POSITIONS)]
        injected = inject(text, [spec["must"][-1]], rng, position)
        assert injected is not None, f"{name}: its last must-phrase is not written verbatim"
        html, block = injected
        truth = {"text": None, "must": spec["must"], "must_not": [*spec["must_not"], *block.must_not]}
        pages.append(CorpusPage(f"{name}+{position}", b"", truth, text=html))
    return pages


def test_injected_spam_never_leaks_on_the_projects_own_pages():
    results = [evaluate_page(page) for page in own_injected_pages()]
    _assert_floors("own-injected", gate_figures(report(results, PAGES)))


def platform_fixture_pages() -> list[CorpusPage]:
    """The project's platform end-matter, related-list and split-body pages as a corpus: every paragraph must
    stay (the last one is judged apart), every chrome phrase must go."""
    pages = []
    for name, make in sorted(PLATFORM_PAGES.items()):
        page = make()
        truth = {"text": page.truth, "must": page.paragraphs, "must_not": page.must_not}
        pages.append(CorpusPage(name, b"", truth, text=page.html))
    return pages


def test_platform_pages_keep_whole_bodies_without_end_matter():
    results = [evaluate_page(page, baseline=False) for page in platform_fixture_pages()]
    _assert_floors("platform-fixtures", gate_figures(report(results, PAGES)))


def test_threads_keep_every_post():
    pages = [(name, make().html, make().truth) for name, make in THREAD_PAGES.items()]
    figures = evaluate_threads(pages)
    _assert_floors("threads", {"thread_macro_f1": figures["thread_macro_f1"]})


def test_the_gate_reports_what_it_breaks():
    floors = {"min_macro_f1": 0.97, "max_leaking_pages": 0}
    assert below_floors({"macro_f1": 0.95, "leaking_pages": 2}, floors) == [
        "macro_f1 0.95 below its floor 0.97",
        "leaking_pages 2 above its ceiling 0",
    ]
    assert below_floors({"macro_f1": 0.98, "leaking_pages": 0}, floors) == []
