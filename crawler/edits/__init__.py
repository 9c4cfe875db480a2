"""Change forensics: what kind of edit one extracted version of an article is of another, and how to show
it. Pure functions over extracted fields: no Scrapy, no archive, no SQL."""

from crawler.edits.classify import FACT_KINDS, KINDS, Edit, EditReport, classify_edits
from crawler.edits.display import inline_diff, render_text, summary_line, summary_lines

__all__ = [
    "FACT_KINDS",
    "KINDS",
    "Edit",
    "EditReport",
    "classify_edits",
    "inline_diff",
    "render_text",
    "summary_line",
    "summary_lines",
]
