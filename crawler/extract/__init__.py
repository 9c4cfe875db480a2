"""Extraction: pure functions over bytes/str and a URL. Never imports Scrapy or the archive."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from crawler.extract.article import Article, extract_bytes, extract_decoded, extract_html
from crawler.extract.decode import Decoded, decode_html
from crawler.extract.errors import ExtractionError, NotAnArticle, PageTooLarge, Truncated
from crawler.extract.posts import Comment
from crawler.extract.rules.challenge import detect_challenge

# 1.2: refusals with reasons, mojibake refused, spam judged in blocks, WeChat chrome and credits, comments
EXTRACTOR_VERSION = "1.2.0"


NOT_RULES = {
    "__init__.py",
    "evaluate.py",
    "errors.py",
    "spamgen.py",
}  # index, scorer, error types, spam generator


def _ours_by_name(body: list[ast.stmt]) -> None:
    """Where a module of ours sits (rules/, quality/) is layout, not meaning: each run of imports from our modules
    reads as if every module sat in crawler/extract/, in name order (the order an import sorter gives them)."""
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.ImportFrom) and _ours(node):
            node.module = "crawler.extract." + (node.module or "").rpartition(".")[2]
    ours = [i for i, node in enumerate(body) if isinstance(node, ast.ImportFrom) and _ours(node)]
    ordered = sorted((body[i] for i in ours), key=lambda node: getattr(node, "module", ""))
    for i, node in zip(ours, ordered, strict=True):
        body[i] = node


def _ours(node: ast.ImportFrom) -> bool:
    return (node.module or "").startswith("crawler.extract.")


def _meaning(source: str) -> str:
    """A module's code without comments, docstrings or layout: what it does, not how it is written."""
    tree = ast.parse(source)
    _ours_by_name(tree.body)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, annotate_fields=False)


def _rules_fingerprint() -> str:
    """Hash of what the rule modules do, in every subfolder: a changed recipe, rule or parser changes it, and a
    new module counts without being listed; an edited comment, docstring or line break does not (no needless re-extraction)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    # every subfolder counts; by file name, as when the rules sat in one folder (names are unique here)
    for module in sorted(here.rglob("*.py"), key=lambda path: path.name):
        if module.name not in NOT_RULES:
            digest.update(module.name.encode() + b"\0" + _meaning(module.read_text("utf-8")).encode())
    return digest.hexdigest()[:16]


RULES_HASH = _rules_fingerprint()


__all__ = [
    "EXTRACTOR_VERSION",
    "RULES_HASH",
    "Article",
    "Comment",
    "Decoded",
    "ExtractionError",
    "NotAnArticle",
    "PageTooLarge",
    "Truncated",
    "decode_html",
    "detect_challenge",
    "extract_bytes",
    "extract_decoded",
    "extract_html",
]
