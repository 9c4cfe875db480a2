"""Where known CMS families keep the article: selectors as data, tried before any general extractor.

A recipe names the family it comes from; ``GENERIC`` lists containers used across many government CMSs.
Every selector must be specific to an article container of that CMS, never a general layout class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector


@dataclass(frozen=True)
class Recipe:
    family: str
    body: tuple[str, ...]  # CSS selectors of the body container, best first
    title: tuple[str, ...] = ()
    meta: tuple[str, ...] = ()  # blocks holding 来源/作者/发布时间 lines
    editor: tuple[str, ...] = ()  # blocks holding 责任编辑
    strip: tuple[str, ...] = field(default=())  # chrome known to sit inside the body container


RECIPES: dict[str, Recipe] = {
    "courtgov": Recipe(
        family="courtgov",
        body=("div.txt_txt#zoom", "#zoom"),
        title=("div.title", "div.detail div.title"),
        meta=("ul.message", "ul.info", "div.message"),
        strip=("div.txt_etr", "div.share", "div.word_size"),
    ),
    "chinacourt": Recipe(
        family="chinacourt",
        body=("div.detail_txt", "div.text"),
        title=("div.detail_bigtitle", "div.b_title"),
        meta=("div.detail_thr", "div.from", "div.sth_a"),
        editor=("div.compile",),
    ),
    "thepaper": Recipe(
        family="thepaper",
        body=("div.news_txt", "div[class*=cententWrap]", "div[class*=contentWrap]"),
        title=("h1.news_title", "h1[class*=title]"),
        meta=("div.news_about", "div[class*=ant-space]"),
    ),
    "govcms": Recipe(
        family="govcms",
        body=("div.TRS_Editor", "#fontzoom", "ucapcontent", "#zoom", "div.article-content", "div.arc_body"),
        title=("div.article-title", "h1"),
        meta=("div.article-info", "div.info", "div.property"),
    ),
}

# Tried on pages of unknown or generic family: containers that mean "article body" wherever they appear.
GENERIC = Recipe(
    family="generic",
    body=(
        "div.TRS_Editor",
        "#fontzoom",
        "ucapcontent",
        "div.detail_txt",
        "div.txt_txt#zoom",
        "#zoom",
        "div.news_txt",
        "[itemprop=articleBody]",
        "div.article-content",
        "#artibody",
        "#js_content",
    ),
    title=("div.detail_bigtitle", "div.b_title", "h1.news_title", "div.article-title"),
    meta=(
        "div.detail_thr",
        "ul.message",
        "ul.info",
        "div.news_about",
        "div.from",
        "div.sth_a",
        "div.article-info",
    ),
    editor=("div.compile",),
)


def recipes_for(family: str | None) -> list[Recipe]:
    """The family's own recipe first, then the generic containers."""
    chosen = [RECIPES[family]] if family in RECIPES else []
    return [*chosen, GENERIC]


@lru_cache(maxsize=256)
def _compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


def select(root: lxml_html.HtmlElement, selector: str) -> list[lxml_html.HtmlElement]:
    """Elements matching a recipe's CSS selector; each selector is translated to XPath once, not per page."""
    return _compiled(selector)(root)
