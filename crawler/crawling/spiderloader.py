"""One spider per source: `scrapy list` shows every slug, `scrapy crawl <slug>` crawls it.

A court on a known CMS is data: the loader pairs each entry of the sources file with its family's spider.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from crawler.config.sources import SourcesError, load_sources
from crawler.crawling.spiders import FAMILY_SPIDERS

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.settings import BaseSettings


class SourceSpiderLoader:
    def __init__(self, settings: BaseSettings) -> None:
        try:
            self.sources = load_sources(settings.get("SOURCES_FILE"))
        except SourcesError as exc:
            raise SystemExit(f"courtnews: {exc}") from None
        self._spiders: dict[str, type[Spider]] = {}
        for slug, source in self.sources.items():
            base = FAMILY_SPIDERS[source.family]
            attrs = {"name": slug, "source": source, "allowed_domains": list(source.allowed_hosts)}
            self._spiders[slug] = type(f"{base.__name__}_{slug.replace('-', '_')}", (base,), attrs)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SourceSpiderLoader:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(
                f"Spider not found: {spider_name} (known sources: {', '.join(sorted(self._spiders))})"
            ) from None

    def list(self) -> builtins.list[str]:
        return sorted(self._spiders)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [name for name, cls in self._spiders.items() if cls.source.allows(request.url)]  # type: ignore[attr-defined]
