"""Extraction results and fetched items as archive records: the one place the crawler's names meet the
archive's. Extraction and the archive share field names, so the mapping is a copy, never a rename."""

from __future__ import annotations

from archive.store import ArticleFields
from crawler.extract import EXTRACTOR_VERSION, RULES_HASH, Article


def article_fields(article: Article) -> ArticleFields:
    return ArticleFields(
        title=article.title,
        body=article.body,
        published=article.published,
        published_precision=article.published_precision,
        source_name=article.source_name,
        author=article.author,
        editor=article.editor,
        court=article.court,
        removed_blocks=[{"rule": r.rule, "text": r.text} for r in article.removed_blocks],
        extractor_version=EXTRACTOR_VERSION,
        rules_hash=RULES_HASH,
    )
