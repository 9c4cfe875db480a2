"""Extraction: pure functions over bytes/str and a URL. Never imports Scrapy."""

from __future__ import annotations

import hashlib

from crawler.extract.article import Article, ExtractionError, extract_bytes, extract_html
from crawler.extract.challenge import detect_challenge
from crawler.extract.decode import Decoded, decode_html
from crawler.extract.filters import LINE_RULES, NODE_RULES
from crawler.extract.recipes import GENERIC, RECIPES

EXTRACTOR_VERSION = "1.0.0"


def _rules_fingerprint() -> str:
    parts = [EXTRACTOR_VERSION, repr(sorted(RECIPES.items())), repr(GENERIC)]
    parts += [f"{r.name}:{r.pattern.pattern}:{r.max_len}" for r in LINE_RULES]
    parts += [f"{r.name}:{r.matches.__name__}" for r in NODE_RULES]
    return hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


RULES_HASH = _rules_fingerprint()

__all__ = [
    "EXTRACTOR_VERSION",
    "RULES_HASH",
    "Article",
    "Decoded",
    "ExtractionError",
    "decode_html",
    "detect_challenge",
    "extract_bytes",
    "extract_html",
]
