"""When two URLs are one page: the archive's rule for a page's identity.

An article is reachable under many spellings: with a ``#comment`` fragment, a ``?utm_source=…`` share link,
over http or https, with ``%E6%B3%95`` or ``法`` in its path. Each spelling used to become its own page with
its own ``first`` version. ``page_key`` folds them into one key; the page keeps the URL it was first seen
under (that is the address fetched again).

Folded: the scheme (http and https are one page), the case of scheme and host, a default port, the fragment,
percent-encoding (unreserved characters decoded, the rest upper-case escapes, non-ASCII UTF-8 encoded),
dot segments, the order of query parameters, and the tracking parameters named in ``TRACKING_PARAMETERS``.
Not folded: ``www.`` (another host may serve other pages), a trailing slash, any other query parameter
(court CMSs put the article id there: ``show.asp?id=12``).
"""

from __future__ import annotations

import posixpath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

# Parameters that say how a reader arrived, never which article: share links, campaign tags, WeChat
# forwarding. Each is dropped from the key.
TRACKING_PARAMETERS: dict[str, str] = {
    "utm_source": "campaign tag (Google Analytics)",
    "utm_medium": "campaign tag (Google Analytics)",
    "utm_campaign": "campaign tag (Google Analytics)",
    "utm_term": "campaign tag (Google Analytics)",
    "utm_content": "campaign tag (Google Analytics)",
    "utm_id": "campaign tag (Google Analytics)",
    "spm": "Alibaba/UC share position tag",
    "from": "share origin on WeChat, 澎湃 and news apps (from=singlemessage, from=timeline)",
    "isappinstalled": "WeChat share flag",
    "scene": "WeChat share scene",
    "clicktime": "WeChat click time",
    "enterid": "WeChat entry id",
    "sharer_sharetime": "WeChat sharer's time",
    "sharer_shareid": "WeChat sharer's id",
    "share_token": "app share token",
    "wfr": "Baidu share origin",
    "fbclid": "Facebook click id",
    "gclid": "Google Ads click id",
}
_UNRESERVED = "-._~"
_SAFE_PATH = "/:@!$&'()*+,;="


def _fold_percent(part: str, safe: str) -> str:
    """Decode every escape, then escape again what must be: one spelling for every way of writing it."""
    return quote(unquote(part, errors="surrogatepass"), safe=safe + _UNRESERVED, errors="surrogatepass")


def page_key(url: str) -> str:
    """The identity of the page at url: ``//host[:port]/path[?query]`` with the foldings above."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = _fold_percent(parts.path or "/", _SAFE_PATH)
    normalised = posixpath.normpath(path) if path not in ("", "/") else "/"
    if path.endswith("/") and normalised != "/":
        normalised += "/"  # normpath drops it, but /news/ and /news are different resources
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS
    )
    encoded = urlencode(query, quote_via=lambda s, *_: _fold_percent(s, "/:@!$'()*,;"))
    return f"//{netloc}{normalised}" + (f"?{encoded}" if encoded else "")


def same_page(a: str, b: str) -> bool:
    return page_key(a) == page_key(b)
