"""court.gov.cn (最高人民法院): server-rendered lists under /zixun/gengduo/, articles under /xiangqing/."""

from __future__ import annotations

from scrapy.http import Response

from crawler.crawling.spiders.base import SourceSpider


class CourtGovSpider(SourceSpider):
    default_article_pattern = r"/(?:zixun|shenpan|fabu)[-/]xiangqing[-/]\d+\.html"

    def article_links(self, response: Response) -> list[str]:
        return (
            response.css("div.sec_list ul li a::attr(href)").getall()
            or response.css("a[href*=xiangqing]::attr(href)").getall()
        )

    def next_page(self, response: Response) -> str | None:
        href = response.css("li.next a::attr(href)").get()
        return response.urljoin(href) if href else super().next_page(response)
