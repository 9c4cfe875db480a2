"""Recognise anti-bot and challenge pages, which must never become versions.

We detect and back off; we never try to defeat them. Each rule names the vendor or pattern it matches.
"""

from __future__ import annotations

import re

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)

# (name, reason, pattern over the decoded page text including markup)
BODY_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("riversecurity", re.compile(r"\$_ts\s*=\s*window\[['\"]\$_ts['\"]\]|<meta[^>]+\br=['\"]m['\"]", re.I)),
    ("jiasule", re.compile(r"__jsl_clearance|__jsluid", re.I)),
    ("360-block", re.compile(r"<title>\s*访问异常页面\s*</title>", re.I)),
    ("enable-javascript", re.compile(r"please enable javascript and refresh the page", re.I)),
    (
        "script-redirect-home",
        re.compile(r"<script[^>]*>\s*(?:window\.)?location(?:\.href)?\s*=\s*['\"]/?['\"]", re.I),
    ),
)
CHALLENGE_STATUSES = {412: "riversecurity (HTTP 412)", 521: "jiasule (HTTP 521)"}
MIN_SHELL_TEXT = 100  # characters of visible text below which a page is an empty shell …
_PARAGRAPH = re.compile(r"<p\b[^>]*>[^<]{20,}", re.I)  # … unless it has a real paragraph (a short 简讯)


def visible_text_length(html: str) -> int:
    return len(re.sub(r"\s+", "", _TAGS.sub(" ", html)))


def detect_challenge(status: int | None, headers: dict[str, str], html: str) -> str | None:
    """The reason a response is a challenge/anti-bot page, or None when it looks like a real page."""
    if status in CHALLENGE_STATUSES:
        return f"challenge page: {CHALLENGE_STATUSES[status]}"
    cookies = " ".join(v for k, v in headers.items() if k.lower() == "set-cookie")
    if "__jsl_clearance" in cookies or "__jsluid" in cookies:
        return "challenge page: jiasule cookies"
    head = html[:20000]
    for name, pattern in BODY_SIGNS:
        if pattern.search(head):
            # A real article may mention JavaScript; the sign counts only on a page with little text.
            if name in {"enable-javascript", "script-redirect-home"} and visible_text_length(html) > 400:
                continue
            return f"challenge page: {name}"
    if visible_text_length(html) < MIN_SHELL_TEXT and not _PARAGRAPH.search(html):
        return f"empty shell: under {MIN_SHELL_TEXT} characters of visible text"
    return None
