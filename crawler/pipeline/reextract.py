"""Re-run extraction over stored raw pages when the extractor changed: derived fields are updated in place
and each update is recorded as a re-extraction, not as a new source version."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from archive.store import get_blob
from archive.upkeep.reextraction import apply_reextraction, versions_to_reextract
from crawler.config.sources import Source
from crawler.extract import RULES_HASH, ExtractionError
from crawler.pipeline.records import article_fields


@dataclass
class ReextractSummary:
    examined: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


def pending(db: sqlite_utils.Database, source: str | None = None, everything: bool = False) -> list[dict]:
    """Versions whose fields came from other rules than the current ones (or all, with everything)."""
    return versions_to_reextract(db, RULES_HASH, source, everything)


def reextract(
    db: sqlite_utils.Database,
    sources: dict[str, Source],
    rows: list[dict],
    progress: Callable[[int], None] | None = None,
) -> ReextractSummary:
    """Re-extract the given versions (from pending()) from their stored raw bytes."""
    from crawler.extract import extract_bytes

    result = ReextractSummary()
    for row in rows:
        result.examined += 1
        known = sources.get(row["source"])
        headers = json.loads(row["headers"] or "{}")
        try:
            article = extract_bytes(
                get_blob(db, row["digest"]),
                row["url"],
                headers.get("Content-Type"),
                family=known.family if known else None,
                court_hint=known.court if known else None,
            )
        except ExtractionError:
            result.failed += 1
            continue
        changed = apply_reextraction(db, row["version_id"], article_fields(article))
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
        if progress:
            progress(1)
    return result
