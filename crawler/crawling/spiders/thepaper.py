"""澎湃号 accounts: the JSON list API (POST), then the article pages, whose __NEXT_DATA__ holds the text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from scrapy.http import JsonRequest, Request, Response

from crawler.crawling.spiders.base import SourceSpider

DEFAULT_API = "https://api.thepaper.cn/contentapi/cont/pph/user"
PAGE_SIZE = 20


class ThePaperSpider(SourceSpider):
    default_article_pattern = r"/newsDetail_forward_\d+|/detail/\d+"

    def api_request(self, page: int) -> JsonRequest:
        payload = {
            "pageSize": PAGE_SIZE,
            "pageNum": page,
            "contType": 0,
            "excludeContIds": [],
            "pphId": self.source.pph_id,
            "startTime": 0,
        }
        return JsonRequest(
            self.source.api_url or DEFAULT_API,
            data=payload,
            callback=self.parse_list,
            errback=self.list_failed,
            meta={"list_page": page},
            dont_filter=True,
        )

    def list_requests(self) -> Iterable[Request]:
        yield self.api_request(1)

    def article_links(self, response: Response) -> list[str]:
        try:
            data: Any = json.loads(response.text)
        except ValueError:
            self.logger.error(
                "澎湃号 list API %s did not return JSON; check pph_id and api_url", response.url
            )
            return []
        items = (
            (data.get("data") or {}).get("list") if isinstance(data.get("data"), dict) else data.get("data")
        )
        base = self.source.start_urls[0]
        return [
            f"{base.rstrip('/')}/newsDetail_forward_{item['contId']}"
            for item in items or []
            if item.get("contId")
        ]

    def next_page(self, response: Response) -> str | None:
        return None  # pagination is by pageNum, handled in parse_list

    def parse_list(self, response: Response) -> Iterable[Request]:
        produced = list(super().parse_list(response))
        yield from produced
        page = response.meta["list_page"]
        if produced and page < self.source.max_list_pages:
            yield self.api_request(page + 1)
