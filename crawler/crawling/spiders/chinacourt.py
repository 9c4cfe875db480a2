"""The chinacourt CMS family: chinacourt.org and the court sites built on the same platform."""

from __future__ import annotations

from scrapy.http import Response

from crawler.crawling.spiders.base import SourceSpider


class ChinaCourtSpider(SourceSpider):
    default_article_pattern = r"/article/detail/\d{4}/\d{2}/id/\d+\.shtml"

    def article_links(self, response: Response) -> list[str]:
        return (
            response.css("#articleList ul li a::attr(href)").getall()
            # county variant: the list is the <ul> right before the pager
            or response.xpath(
                '//div[contains(@class,"paginationControl")]/preceding-sibling::ul[1]//a/@href'
            ).getall()
            or response.css("a[href*='/article/detail/']::attr(href)").getall()
        )

    def next_page(self, response: Response) -> str | None:
        href = response.xpath(
            '//div[contains(@class,"paginationControl")]//a[contains(., "下一页")]/@href'
        ).get()
        return response.urljoin(href) if href else super().next_page(response)
