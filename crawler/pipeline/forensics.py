"""Change forensics in the writing processes: the archive's store classifies each changed or restored version
as it writes it, with the crawler's classifier (``crawler.edits``) handed over here (archive/ cannot import
the crawler). Every process that writes versions calls ``use_in_archive`` once: the crawl pipeline, the
distributed writer and the command line."""

from __future__ import annotations

from crawler.edits import classify_edits


def classify_fields(old: dict, new: dict) -> dict:
    """The classifier as the archive takes it: two versions' fields to the report's dict."""
    return classify_edits(old, new).as_dict()


def use_in_archive() -> None:
    """Hand the archive this classifier, so every changed or restored version the store writes in this
    process records its kinds (``archive.edits.classify_written``). Call once at a writing process's start."""
    from archive.edits import use_classifier

    use_classifier(classify_fields)
