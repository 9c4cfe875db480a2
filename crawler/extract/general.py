"""The body of a page no recipe knows: trafilatura and the sentence-density finder, chosen by evidence,
with readability-lxml as referee when they disagree badly."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.extract.density import find_container, sentence_weights, strip_link_blocks
from crawler.extract.posts import first_post
from crawler.extract.text import element_lines, grams
from crawler.extract.whole_body import continuation

CONTAINED = 0.8  # share of the dense container's 4-grams found in trafilatura's answer
COVERS = 0.65  # share of trafilatura's answer the container accounts for


def _trafilatura_lines(doc: lxml_html.HtmlElement) -> list[str]:
    import trafilatura

    text = (
        trafilatura.extract(doc, include_comments=False, include_tables=True, deduplicate=False, fast=True)
        or ""
    )
    # table cells come back as "a | b | c" rows and "|---|" rules: keep the cell text, drop the rules
    lines = (
        re.sub(r"\s*\|\s*", " ", line).strip()
        for line in text.splitlines()
        if not re.fullmatch(r"[\s|:\-]*", line)
    )
    return [line for line in lines if line]


def general_body(doc: lxml_html.HtmlElement) -> tuple[list[str], str]:
    """trafilatura (fast mode: the density finder replaces its own fallbacks) and the sentence-density
    finder both answer; evidence decides.

    When the dense container lies inside trafilatura's answer (CONTAINED) and holds most of it (COVERS),
    what trafilatura added around it is boilerplate (comments, related links, table chrome): take the
    container. When they disagree, the container found some other text block (a comment thread, a
    sidebar): trust trafilatura.
    """
    tra_lines = _trafilatura_lines(doc)
    body = doc.body if doc.body is not None else doc
    weights = sentence_weights(body)
    container = find_container(body, weights)
    if container is None:
        return (tra_lines, "trafilatura") if tra_lines else ([], "none")
    post = first_post(body, container, weights)
    if post is not None:
        # a thread or a blog front page: both extractors would merge posts or take the longest one
        strip_link_blocks(post, weights)
        post_lines = element_lines(post)
        if post_lines:
            return post_lines, "first-post"
    strip_link_blocks(container, weights)
    dense_lines = element_lines(container) + continuation(container, body)  # the article may go on past it
    if not tra_lines:
        return (dense_lines, "density") if dense_lines else ([], "none")
    tra_grams, dense_grams = grams("".join(tra_lines)), grams("".join(dense_lines))
    common = len(tra_grams & dense_grams)
    contained = common / len(dense_grams) if dense_grams else 0.0
    covers = common / len(tra_grams) if tra_grams else 0.0
    if contained >= CONTAINED and covers >= COVERS:
        return dense_lines, "density"
    # They disagree badly: ask readability-lxml, a third well-kept extractor, and keep the answer it backs.
    referee = grams("".join(_readability_lines(doc)))
    if referee and _agreement(dense_grams, referee) > _agreement(tra_grams, referee):
        return dense_lines, "density+readability"
    return tra_lines, "trafilatura"


def _agreement(a: set[str], b: set[str]) -> float:
    common = len(a & b)
    return 0.0 if not common else 2 * common / (len(a) + len(b))


def _readability_lines(doc: lxml_html.HtmlElement) -> list[str]:
    from readability import Document

    try:
        summary = Document(lxml_html.tostring(doc, encoding="unicode")).summary(html_partial=True)
        return element_lines(lxml_html.fragment_fromstring(summary, create_parent="div"))
    except Exception:  # readability raises bare Unparseable and friends on odd pages
        return []
