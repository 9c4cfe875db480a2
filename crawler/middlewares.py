"""Safety on every request, redirects included: only http/https and the source's allow-listed hosts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class AllowListMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        source = getattr(self.crawler.spider, "source", None)
        if source is None or source.allows(request.url):
            return
        raise IgnoreRequest(
            f"refused {request.url}: only http/https on the hosts {list(source.allowed_hosts)} of source "
            f"{source.slug!r} are fetched (add the host to allowed_hosts in the sources file if it belongs there)"
        )
