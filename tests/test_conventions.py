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

from crawler.config.families import FAMILY_NAMES

ROOT = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
PACKAGES = ("archive", "crawler")

# (modules whose name starts with this, may not import modules whose name starts with any of these, because):
# CONTRIBUTING.md's layout section says the same, folder by folder
LAYERS = [
    ("crawler.edits", ("crawler.", "archive", "scrapy", "twisted"), "change forensics is pure text work"),
    ("crawler.extract", ("crawler.", "archive", "scrapy", "twisted"), "extraction knows neither the crawl nor the archive"),
    ("archive", ("crawler", "scrapy", "twisted", "redis"), "the archive knows SQLite, not the web"),
    ("crawler.config", ("crawler.", "archive", "scrapy", "twisted"), "the sources file model is data, below everything"),
    ("crawler.crawling.spiders", ("crawler.pipeline.pipelines", "crawler.pipeline.records"),
     "spiders fetch; what a fetch becomes is decided after them"),
    ("crawler.crawling", ("crawler.service", "crawler.cli", "crawler.demo"), "the crawl runs under the service, never above it"),
    ("crawler.pipeline", ("crawler.service", "crawler.cli", "crawler.distributed", "crawler.demo"),
     "the pipeline runs under the service and knows no distributed mode"),
    ("crawler.pipeline.records", ("scrapy", "twisted"), "classification runs in worker processes, without Scrapy"),
    ("crawler.service", ("crawler.cli", "crawler.demo"), "the service is a library; the command line sits on top of it"),
    ("crawler.service.scheduling", ("archive", "scrapy"), "the daemon's rules are pure"),
    ("crawler.distributed", ("crawler.service.daemon", "crawler.service.status", "crawler.service.serve", "crawler.cli"),
     "distributed mode fills the service's interfaces (running, status_model) and never imports the daemon"),
    ("crawler.demo", ("crawler.service", "crawler.cli"), "the demo drives a crawl, not the service"),
]  # fmt: skip
MAX_LINES = 500  # a module longer than this does more than one job
MAX_FLAT = 12  # modules in one folder beside its subfolders: more, and the folder needs subfolders
# a long module waiting for its split, with the reason it waits (remove the line with the split)
LONG_FOR_NOW = {
    "archive/search.py": "grew past 500 lines in the evidence round; its split is the next step",
    "crawler/service/daemon.py": "grew with the claim tokens, kept fire times and the backup job; split next",
    "crawler/crawling/spiders/base.py": "grew with the site-state control and polite retries; split next",
    "crawler/edits/classify.py": "new this round, 4 lines over; split with the reader's change pages",
    "archive/reader/views.py": "grew with the as-of-a-date, capture, proof and home pages; split next",
}


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
    from crawler.config.sources import load_sources

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
    from crawler.crawling.spiders import FAMILY_SPIDERS
    from crawler.extract.recipes import RECIPES

    assert tuple(FAMILY_SPIDERS) == FAMILY_NAMES
    assert set(RECIPES) <= set(FAMILY_NAMES)
    shipped = tomllib.loads((ROOT / "crawler" / "config" / "sources.toml").read_text("utf-8"))
    assert {s["family"] for s in shipped["source"]} <= set(FAMILY_NAMES)


def _resolved_graph() -> dict[str, set[str]]:
    """Each module's imports of our modules, `from package import module` counted as the module."""
    ours = modules()
    edges: dict[str, set[str]] = {}
    for name, path in ours.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                while target and target not in ours:
                    target = target.rpartition(".")[0]
                if target and target != name and not target.startswith(name + "."):
                    found.add(target)  # a package's __init__ gathering its own modules is no cycle
        edges[name] = found
    return edges


def test_no_import_cycles():
    """Data flows one way, so no module reaches itself through its imports (a package's __init__ importing its
    own modules aside): a cycle is broken by moving the shared piece down, into a module both import."""
    edges = _resolved_graph()
    reach: dict[str, set[str]] = {}
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(edges[current])
        reach[start] = seen
    cycles = sorted(f"{a} <-> {b}" for a in edges for b in reach[a] if a < b and a in reach[b])
    assert cycles == []


def test_no_long_module_and_no_crowded_folder():
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in modules().values()
            if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
            and str(path.relative_to(ROOT)) not in LONG_FOR_NOW]  # fmt: skip
    folders: dict[Path, int] = {}
    for path in modules().values():
        if path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    crowded = [
        f"{folder.relative_to(ROOT)}/: {n} modules" for folder, n in sorted(folders.items()) if n > MAX_FLAT
    ]
    assert long == [], f"split these by job (CONTRIBUTING.md, Layout): {long}"
    assert crowded == [], f"group these folders' modules into subfolders by job: {crowded}"


LAYOUT_LINE = re.compile(r"^- `((?:archive|crawler)(?:/[\w]+)*)/`", re.M)


def test_the_layout_in_contributing_names_every_package_and_only_packages():
    """CONTRIBUTING.md's layout section has one line per folder of code: every package is there, and every
    folder it names exists, so a newcomer reads the architecture from the folder names."""
    text = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    named = set(LAYOUT_LINE.findall(section))
    packages = {
        str(p.parent.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("__init__.py")
    }
    assert named == packages, (
        f"missing: {sorted(packages - named)}; not a package: {sorted(named - packages)}"
    )


if __name__ == "__main__":
    for name, targets in graph().items():
        print(f"{name:<32} -> {', '.join(targets) or '(nothing of ours)'}")
    sys.exit(0)
