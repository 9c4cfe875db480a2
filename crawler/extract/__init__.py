"""Extraction: pure functions over bytes/str and a URL. Never imports Scrapy or the archive."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from crawler.extract.article import Article, extract_bytes, extract_decoded, extract_html
from crawler.extract.challenge import detect_challenge
from crawler.extract.decode import Decoded, decode_html
from crawler.extract.errors import ExtractionError, NotAnArticle, PageTooLarge, Truncated
from crawler.extract.posts import Comment

# 1.2: refusals with reasons, mojibake refused, spam judged in blocks, WeChat chrome and credits, comments
EXTRACTOR_VERSION = "1.2.0"


NOT_RULES = {
    "__init__.py",
    "evaluate.py",
    "errors.py",
    "spamgen.py",
}  # index, scorer, error types, spam generator


def _meaning(source: str) -> str:
    """A module's code without comments, docstrings or layout: what it does, not how it is written."""
    tree = ast.parse(source)
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
    """Hash of what the rule modules do: a changed recipe, rule or parser changes it, and a new module counts
    without being listed; an edited comment, docstring or line break does not (no needless re-extraction)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    for module in sorted(here.glob("*.py")):
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
