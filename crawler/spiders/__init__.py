"""Spiders by site family. The spider loader makes one spider per source from these."""

from __future__ import annotations

from crawler.families import FAMILY_NAMES
from crawler.spiders.base import SourceSpider
from crawler.spiders.chinacourt import ChinaCourtSpider
from crawler.spiders.courtgov import CourtGovSpider
from crawler.spiders.govcms import GovCmsSpider
from crawler.spiders.thepaper import ThePaperSpider

FAMILY_SPIDERS: dict[str, type[SourceSpider]] = {
    "courtgov": CourtGovSpider,
    "chinacourt": ChinaCourtSpider,
    "thepaper": ThePaperSpider,
    "govcms": GovCmsSpider,
}
assert tuple(FAMILY_SPIDERS) == FAMILY_NAMES, "every family in crawler/families.py has exactly one spider"
