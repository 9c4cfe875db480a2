"""Spiders by site family. The spider loader makes one spider per source from these."""

from __future__ import annotations

from crawler.config.families import FAMILY_NAMES
from crawler.crawling.spiders.base import SourceSpider
from crawler.crawling.spiders.chinacourt import ChinaCourtSpider
from crawler.crawling.spiders.courtgov import CourtGovSpider
from crawler.crawling.spiders.govcms import GovCmsSpider
from crawler.crawling.spiders.thepaper import ThePaperSpider

FAMILY_SPIDERS: dict[str, type[SourceSpider]] = {
    "courtgov": CourtGovSpider,
    "chinacourt": ChinaCourtSpider,
    "thepaper": ThePaperSpider,
    "govcms": GovCmsSpider,
}
assert tuple(FAMILY_SPIDERS) == FAMILY_NAMES, (
    "every family in crawler/config/families.py has exactly one spider"
)
