"""The codebase's conventions, checked: data flows one way (sources → spider → extraction → archive →
queries), one slug names a fixture site, its sources entry and the family test module that crawls it, and the
families are one list everything derives from.

`python -m tests.test_conventions` prints the import graph between the project's modules (what the layering
rules below are about), module by module."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

from crawler.families import FAMILY_NAMES

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
PACKAGES = ("archive", "crawler")

# (modules whose name starts with this, may not import modules whose name starts with any of these, because)
LAYERS = [
    ("crawler.extract", ("crawler.", "archive", "scrapy", "twisted"), "extraction knows neither the crawl nor the archive"),
    ("archive", ("crawler", "scrapy", "twisted", "redis"), "the archive knows SQLite, not the web"),
    ("crawler.spiders", ("crawler.pipelines", "crawler.records", "crawler.daemon", "crawler.cli"),
     "spiders fetch; what a fetch becomes is decided after them"),
    ("crawler.records", ("scrapy", "twisted"), "classification runs in worker processes, without Scrapy"),
    ("crawler.scheduling", ("archive", "scrapy"), "the daemon's rules are pure"),
    ("crawler.edits", ("crawler.", "archive", "scrapy", "twisted"), "change forensics is pure text work"),
]  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def graph() -> dict[str, list[str]]:
    ours = modules()
    return {
        name: sorted(i for i in imports(path) if i.split(".")[0] in PACKAGES and i != name)
        for name, path in ours.items()
    }


@pytest.mark.parametrize(("layer", "forbidden", "why"), LAYERS, ids=[layer for layer, _, _ in LAYERS])
def test_data_flows_one_way(layer, forbidden, why):
    offending = [
        f"{name} imports {target}"
        for name, path in modules().items()
        if name.startswith(layer)
        for target in imports(path)
        if any(
            target == f or target.startswith(f if f.endswith(".") else f + ".") or target == f.rstrip(".")
            for f in forbidden
        )
        and not target.startswith(layer)  # fmt: skip
    ]
    assert offending == [], f"{why}: {offending}"


SQL = re.compile(
    r"^\s*(SELECT\s.*\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
    r"|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER|VIRTUAL)\s|ALTER\s+TABLE\s|PRAGMA\s)",
    re.S,
)


def test_sql_lives_in_the_archive():
    """Every SQL statement is in archive/: the crawler asks the archive's functions, never the tables."""
    offending = [
        f"{name}:{node.lineno}"
        for name, path in modules().items()
        if not name.startswith("archive")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
    ]
    assert offending == [], f"SQL outside archive/: {offending}"


def test_every_fixture_site_has_its_sources_entry_and_every_family_its_test_module(tmp_path):
    from crawler.sources import load_sources

    sites = sorted(p.parent.name for p in SITES.glob("*/source.toml"))
    folders = sorted(p.name for p in SITES.iterdir() if p.is_dir())
    assert sites == folders  # every fixture site folder carries its entry
    entries = "".join(
        f'[[source]]\nslug = "{slug}"\n' + (SITES / slug / "source.toml").read_text("utf-8").replace(
            "{base_url}", "http://127.0.0.1:9")
        for slug in sites
    )  # fmt: skip
    (tmp_path / "sources.toml").write_text(entries, "utf-8")
    loaded = load_sources(tmp_path / "sources.toml")  # every entry is a valid source
    for family in FAMILY_NAMES:
        module = Path(__file__).with_name(f"test_family_{family}.py")
        assert module.exists(), f"family {family} has no tests/test_family_{family}.py"
        crawled = {
            slug
            for slug, source in loaded.items()
            if source.family == family and f'"{slug}"' in module.read_text()
        }
        assert crawled, f"tests/test_family_{family}.py crawls none of the family's fixture sites"


def test_families_are_one_list():
    from crawler.extract.recipes import RECIPES
    from crawler.spiders import FAMILY_SPIDERS

    assert tuple(FAMILY_SPIDERS) == FAMILY_NAMES
    assert set(RECIPES) <= set(FAMILY_NAMES)
    shipped = tomllib.loads((ROOT / "crawler" / "sources.toml").read_text("utf-8"))
    assert {s["family"] for s in shipped["source"]} <= set(FAMILY_NAMES)


if __name__ == "__main__":
    for name, targets in graph().items():
        print(f"{name:<32} -> {', '.join(targets) or '(nothing of ours)'}")
    sys.exit(0)
