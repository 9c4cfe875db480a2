"""What extraction raises. The pipeline catches ExtractionError alone: every refusal is one of these, with a
one-line reason that names the pattern, and nothing else escapes extraction (tests/test_extract_fuzz.py)."""

from __future__ import annotations


class ExtractionError(ValueError):
    """A page that cannot yield an article; the message says why."""


class NotAnArticle(ExtractionError):
    """A page that was fetched fine but is no article: a soft 404, a block page, a list of links, a PDF or
    JSON document served as text/html. Its reason starts 'not an article:' and names the pattern.

    ``removal`` says the page itself tells that no article stands at this address any more (a soft 404, a
    list or home page served in its place), as opposed to a page we cannot read as one (a PDF, a link farm).
    """

    def __init__(self, reason: str, removal: bool = False) -> None:
        super().__init__(reason)
        self.removal = removal


class PageTooLarge(ExtractionError):
    """A page refused for its size, node, link or nesting count before it could cost minutes and gigabytes."""


class Truncated(ExtractionError):
    """A page cut short in transfer: it opened <html>/<body>, closes neither, and ends inside a tag or element.
    Storing it would record a shortened article as a new version."""
