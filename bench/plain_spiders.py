"""The anchors the pipeline is measured against (`scrapy runspider bench/plain_spiders.py -a mode=…`):
- ``bare``: fetch the list pages, follow every article link, do nothing with the pages;
- ``naive``: the same, with ``trafilatura.extract`` inline in the callback and nothing stored: the crawler a
  user would write in ten minutes.
Both obey the same politeness settings the bench gives the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, start: str = "", mode: str = "bare", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start]
        self.mode = mode
        self.extracted = 0

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("div.sec_list a::attr(href)").getall():
            yield response.follow(href, callback=self.article)
        next_page = response.css("li.next a::attr(href)").get()
        if next_page:
            yield response.follow(next_page, callback=self.parse)

    def article(self, response: Response) -> None:
        if self.mode == "naive":
            import trafilatura

            if trafilatura.extract(response.text):
                self.extracted += 1
