"""Where known CMS families keep the article: selectors as data, tried before any general extractor.

A recipe names the family it comes from; ``GENERIC`` lists containers used across many government CMSs.
Every selector must be specific to an article container of that CMS, never a general layout class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
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


@dataclass(frozen=True)
class Names:
    """The class names and ids a page's elements carry: a recipe selector that names one the page lacks
    matches nothing there, and is not run over the whole page (most recipes are for other CMSs)."""

    classes: frozenset[str]
    ids: frozenset[str]


_CLASS_VALUES = etree.XPath("//@class", smart_strings=False)
_ID_VALUES = etree.XPath("//@id", smart_strings=False)


def names_in(doc: lxml_html.HtmlElement) -> Names:
    """Every class token and id of the document (str.split splits on more than the XML whitespace a class
    selector splits on, so a name a selector can match is always found here)."""
    classes = frozenset(token for value in _CLASS_VALUES(doc) for token in value.split())
    return Names(classes, frozenset(_ID_VALUES(doc)))


_COMPOUND = re.compile(r"(?:[A-Za-z][\w-]*)?((?:[.#][\w-]+)*)")
_NAME = re.compile(r"([.#])([\w-]+)")


@lru_cache(maxsize=256)
def _required(selector: str) -> Names | None:
    """The classes and ids every element a selector matches (or an ancestor of it) carries; None for
    selectors other than tags, classes and ids joined by descendant combinators (they are always run)."""
    classes: set[str] = set()
    ids: set[str] = set()
    for compound in selector.split(" "):
        match = _COMPOUND.fullmatch(compound)
        if match is None:
            return None
        for kind, name in _NAME.findall(match.group(1)):
            (classes if kind == "." else ids).add(name)
    return Names(frozenset(classes), frozenset(ids))


def select(
    root: lxml_html.HtmlElement, selector: str, names: Names | None = None
) -> list[lxml_html.HtmlElement]:
    """Elements matching a recipe's CSS selector; each selector is translated to XPath once, not per page.
    names: those of the document root belongs to, when known: a selector naming others matches nothing."""
    needed = _required(selector) if names is not None else None
    if (
        needed is not None
        and names is not None
        and not (needed.classes <= names.classes and needed.ids <= names.ids)
    ):
        return []
    return _compiled(selector)(root)
