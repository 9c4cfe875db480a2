"""Safety on every request, redirects included: only http/https and the source's allow-listed hosts.

Importing this module (Scrapy does, for the allow-list) also keeps Scrapy's cookie handling offline: it asks
tldextract whether a cookie's domain is a public suffix, and tldextract's default is to download the Public
Suffix List from the internet (outside any allow-list) and cache it under the home folder. The list
tldextract ships is used instead, and nothing is cached.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import scrapy.downloadermiddlewares.cookies as scrapy_cookies
from scrapy.exceptions import IgnoreRequest
from tldextract import TLDExtract

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
scrapy_cookies._split_domain = TLDExtract(  # noqa: SLF001 - see the module docstring
    cache_dir=None, suffix_list_urls=(), include_psl_private_domains=True
)


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
