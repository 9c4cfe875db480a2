"""Government CMS sites (TRS, Hanweb, UCAP) used by county courts: driven by selectors in the sources file."""

from __future__ import annotations

from scrapy.http import Response

from crawler.crawling.spiders.base import SourceSpider


class GovCmsSpider(SourceSpider):
    default_article_pattern = (
        r"/t\d{8}_\d+\.s?html?|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html|/[Ss]how/\d+|\.s?html?$"
    )

    def article_links(self, response: Response) -> list[str]:
        scope = (
            response.css(self.source.selectors["items"]) if "items" in self.source.selectors else [response]
        )
        links: list[str] = []
        for node in scope:
            links += node.css(self.source.selectors["article_links"]).xpath("@href").getall()
        return links

    def next_page(self, response: Response) -> str | None:
        selector = self.source.selectors.get("next_page")
        if selector:
            href = response.css(selector).xpath("@href").get()
            return response.urljoin(href) if href else None
        return super().next_page(response)
