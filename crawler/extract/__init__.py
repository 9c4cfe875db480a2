"""Extraction: pure functions over bytes/str and a URL. Never imports Scrapy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from archive.store import ArticleFields
from crawler.extract.article import Article, ExtractionError, extract_bytes, extract_decoded, extract_html
from crawler.extract.challenge import detect_challenge
from crawler.extract.decode import Decoded, decode_html

EXTRACTOR_VERSION = "1.0.0"


def _rules_fingerprint() -> str:
    """Hash of the modules that hold the rules: any change to a recipe, filter or parser changes it."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    for name in (
        "article.py",
        "decode.py",
        "density.py",
        "filters.py",
        "general.py",
        "metadata.py",
        "prune.py",
        "recipes.py",
        "text.py",
    ):
        digest.update((here / name).read_bytes())
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
