"""Pathological pages, generated (never stored): each one cost the extractor minutes or hundreds of MB.

Used by the correctness tests (each is refused or handled, with the right reason) and by
``bench/extract_bench.py --hostile`` (peak memory and time of each, in its own process).
"""

from __future__ import annotations

from collections.abc import Callable

PARAGRAPH = "<p>法院依法审理了这起合同纠纷案件，判决被告支付货款及利息，并承担本案诉讼费用。</p>"


def _page(body: str, title: str = "法院新闻") -> str:
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"


def huge_page(megabytes: int = 30) -> str:
    """An article followed by megabytes of repeated paragraphs (a runaway CMS template)."""
    repeats = megabytes * 1024 * 1024 // len(PARAGRAPH.encode())
    return _page(PARAGRAPH * repeats)


def links_page(megabytes: float = 7.5) -> str:
    """A link farm: nothing but anchors, megabytes of them."""
    link = '<li><a href="http://farm.example.org/p/{n}.html">热门资讯第{n}条</a></li>'
    out, size, n = [], 0, 0
    while size < megabytes * 1024 * 1024:
        item = link.format(n=n)
        out.append(item)
        size += len(item.encode())
        n += 1
    return _page("<ul>" + "".join(out) + "</ul>")


def many_nodes(count: int = 1_000_000) -> str:
    """A million empty spans around one article."""
    return _page(PARAGRAPH * 5 + "<span></span>" * count)


def deep_nesting(levels: int = 10_000) -> str:
    """An article at the bottom of ten thousand nested divs."""
    return _page("<div>" * levels + PARAGRAPH * 5 + "</div>" * levels)


def single_text_node(megabytes: int = 5) -> str:
    """One paragraph of five megabytes of text without a single tag inside."""
    sentence = "法院依法审理了这起合同纠纷案件，判决被告支付货款。"
    repeats = megabytes * 1024 * 1024 // len(sentence.encode())
    return _page(f"<p>{sentence * repeats}</p>")


def many_links(count: int = 200_000) -> str:
    """An article beside two hundred thousand links."""
    links = "".join(f'<a href="/{n}">{n}</a>' for n in range(count))
    return _page(PARAGRAPH * 5 + f"<div class='nav'>{links}</div>")


def under_the_limits() -> str:
    """The costliest page the limits let through: just under the tag, link and text limits
    (crawler/extract/rules/refusals.py), with an article inside. Its cost is the bound the limits promise."""
    links = "".join(f'<li><a href="/{n}.html">第{n}条</a></li>' for n in range(4_900))
    cells = "".join(f"<td>{n}</td>" for n in range(9_000))
    text = "<p>" + "法院依法审理了这起合同纠纷案件，判决被告支付货款。" * 30 + "</p>"
    return _page(PARAGRAPH * 5 + f"<ul>{links}</ul><table><tr>{cells}</tr></table>" + text * 550)


def digit_run_links(count: int = 4_900) -> str:
    """Adjacent numbered links: their text is one run of tens of thousands of digits (a pager gone wild)."""
    return _page(
        PARAGRAPH * 5 + "<div>" + "".join(f'<a href="/{n}">{n}</a>' for n in range(count)) + "</div>"
    )


HOSTILE: dict[str, Callable[[], str]] = {
    "30MB-page": huge_page,
    "7.5MB-links-page": links_page,
    "1M-nodes": many_nodes,
    "10k-deep-nesting": deep_nesting,
    "5MB-text-node": single_text_node,
    "200k-links": many_links,
    "under-the-limits": under_the_limits,
    "digit-run-links": digit_run_links,
}
