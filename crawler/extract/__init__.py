"""Extraction: pure functions over bytes/str and a URL. Never imports Scrapy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from archive.store import ArticleFields
from crawler.extract.article import Article, ExtractionError, extract_bytes, extract_decoded, extract_html
from crawler.extract.challenge import detect_challenge
from crawler.extract.decode import Decoded, decode_html

EXTRACTOR_VERSION = "1.1.0"  # 1.1: first post of threads, view counters, credit dates


NOT_RULES = {"__init__.py", "evaluate.py"}  # the package index and the corpus scorer extract nothing


def _rules_fingerprint() -> str:
    """Hash of the modules that hold the rules: any change to a recipe, filter or parser changes it, and a
    new module counts without being listed."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    for module in sorted(here.glob("*.py")):
        if module.name not in NOT_RULES:
            digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


RULES_HASH = _rules_fingerprint()


def article_fields(article: Article) -> ArticleFields:
    return ArticleFields(
        title=article.title,
        body=article.text,
        published=article.published,
        published_precision=article.published_precision,
        source_name=article.source,
        author=article.author,
        editor=article.editor,
        court=article.court,
        removed_blocks=[{"rule": r.rule, "text": r.text} for r in article.removed],
        extractor_version=EXTRACTOR_VERSION,
        rules_hash=RULES_HASH,
    )


__all__ = [
    "EXTRACTOR_VERSION",
    "RULES_HASH",
    "Article",
    "Decoded",
    "ExtractionError",
    "decode_html",
    "detect_challenge",
    "extract_bytes",
    "extract_decoded",
    "extract_html",
    "article_fields",
]
