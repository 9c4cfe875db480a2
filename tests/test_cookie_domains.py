"""Scrapy's cookie rule, kept offline: a cookie cannot be set for a public suffix, the suffixes of shared
hosting included (Scrapy asks tldextract with the Public Suffix List's private domains). crawler/crawling/middlewares.py
swaps Scrapy's tldextract for one that reads the list tldextract ships instead of downloading it; the swap
must keep that rule, or a site on shared hosting sets cookies that every other site there receives."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import HtmlResponse

import crawler.crawling.middlewares  # noqa: F401 - the swap happens on import, as in every crawl


def cookie_sent_to(url: str, set_by: str, set_cookie: str) -> bytes | None:
    cookies = CookiesMiddleware()
    request = Request(set_by)
    response = HtmlResponse(
        set_by, headers={"Set-Cookie": set_cookie}, body=b"<html></html>", request=request
    )
    cookies.process_response(request, response)
    later = Request(url)
    cookies.process_request(later)
    return later.headers.get("Cookie")


def test_a_cookie_for_a_shared_hosting_suffix_reaches_no_other_site_there():
    """Scrapy drops a cookie a site sets for its public suffix (github.io is one, in the private part)."""
    set_cookie = "token=1; Domain=.github.io; Path=/"
    assert cookie_sent_to("https://other.github.io/", "https://court.github.io/a.html", set_cookie) is None
    assert (
        cookie_sent_to("https://court.github.io/b.html", "https://court.github.io/a.html", set_cookie) is None
    )


def test_a_cookie_for_a_registrable_domain_reaches_its_subdomains():
    set_cookie = "token=1; Domain=.court.gov.cn; Path=/"
    assert cookie_sent_to("https://www.court.gov.cn/", "https://court.gov.cn/", set_cookie) == b"token=1"
