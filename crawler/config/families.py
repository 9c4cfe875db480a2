"""The site families courtnews knows: the one list from which the sources check, the CLI's choices, the
spiders and the extraction recipes derive. A court on one of these CMSs is a few lines in the sources file;
a new CMS is a family here, a spider module and a recipe (CONTRIBUTING.md says how)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    description: str
    required: tuple[str, ...] = ()  # source keys this family cannot work without ("selectors.article_links")


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("courtgov", "court.gov.cn (最高人民法院): /zixun/gengduo/ lists, /xiangqing/ articles"),
        Family(
            "chinacourt", "the chinacourt CMS: chinacourt.org and the provincial *.chinacourt.gov.cn sites"
        ),
        Family(
            "thepaper", "澎湃号 accounts: the JSON list API, then the articles' __NEXT_DATA__", ("pph_id",)
        ),
        Family(
            "govcms",
            "government CMSs (TRS, Hanweb, UCAP) of county courts, driven by CSS selectors in the sources file",
            ("selectors.article_links",),
        ),
    )
}
FAMILY_NAMES = tuple(FAMILIES)
