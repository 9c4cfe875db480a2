"""Whether a site "otherwise works" in this run: the condition every removal needs.

Rule: an article's address answering "gone" (404/410, a soft 404, a redirect home) is a removal only while
the rest of the site answers normally. Before its first list page each site is asked twice: once for an
address that cannot exist (how it says "not found") and once for its list page (the control). The site is
unavailable for this run when the control

- could not be fetched at all (a timeout, a refused connection),
- answered with anything but a complete 2xx page (a site-wide 404, 503 or 403), or
- answered with the same page as the made-up address (a maintenance page served for every URL, "系统维护中").

Exceptions: a site whose not-found probe failed but whose list page answered normally works (we only lack
its soft-404 sample). Pure functions: no Scrapy, no archive.
"""

from __future__ import annotations

import re

from crawler.extract import ExtractionError, extract_html
from crawler.extract.text import grams
from crawler.pipeline.items import NotFoundSample

SAME_PAGE_SIMILARITY = 0.8  # share of 4-grams two pages share to be one page
TEXT_SAMPLE_CHARS = 20_000
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)


def visible_text(html: str, limit: int = TEXT_SAMPLE_CHARS) -> str:
    """A page's text without tags, scripts or whitespace: what two answers are compared on."""
    return "".join(_TAGS.sub(" ", html[:200_000]).split())[:limit]


def similarity(a: str | None, b: str | None) -> float:
    """Jaccard similarity of the two texts' character 4-grams (0 when either is empty)."""
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga and gb else 0.0


def soft_404_sample(html: str, url: str, family: str | None = None) -> NotFoundSample:
    """The sample of a site's 200 "not found" page: its visible text, and what extraction makes of it (None
    when extraction finds no article in it), since pages are judged soft 404s on their main text."""
    try:
        main_text: str | None = extract_html(html, url, family=family).body
    except ExtractionError:
        main_text = None
    return NotFoundSample(200, None, visible_text(html), main_text)


def judge_site(
    probe: NotFoundSample | None,
    list_url: str,
    list_status: int | None,
    list_text: str | None,
    list_error: str | None,
) -> str | None:
    """Why the site does not work in this run (see the module rule), or None when it does."""
    if list_error:
        return f"its list page {list_url} could not be fetched ({list_error})"
    if list_status is None or not 200 <= list_status < 300 or list_status == 206:
        return f"its list page {list_url} answers HTTP {list_status}"
    if (
        probe is not None
        and probe.status == 200
        and probe.text
        and list_text
        and similarity(probe.text, list_text) >= SAME_PAGE_SIMILARITY
    ):
        return (
            f"its list page {list_url} and an address that cannot exist get the same page "
            "(a maintenance or block page served for every address)"
        )
    return None
