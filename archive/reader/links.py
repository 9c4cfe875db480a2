"""Which stored values may become links: the one rule every page and cell of the reader follows.

Rule: a value is a link only when it is an http or https address with a host, spelled without any control
character or white space; anything else (javascript:, data:, vbscript:, a relative path, a value with a
newline or tab in it) is shown as text. Stored addresses come from the sites we crawl (a redirect's
``Location``, a page's own links), and a hostile site can put any scheme there. Browsers drop leading and
trailing control characters and spaces and remove tabs and newlines anywhere before they read a URL's scheme
(WHATWG URL parsing), so ``java\\nscript:`` or `` javascript:`` would run: such values are never links, rather
than cleaned into something that looks safe.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def web_href(value: object) -> str | None:
    """value itself when it may be a link's href (an http(s) address with a host, no control character or
    space), else None: the caller shows it as text."""
    if not isinstance(value, str) or _UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed IPv6 host
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        return None
    return value
