"""Recognise anti-bot and challenge pages, which must never become versions.

We detect and back off; we never try to defeat them. Each rule names the vendor or pattern it matches.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)

# (name, reason, pattern over the decoded page text including markup)
BODY_SIGNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("riversecurity", re.compile(r"\$_ts\s*=\s*window\[['\"]\$_ts['\"]\]|<meta[^>]+\br=['\"]m['\"]", re.I)),
    # the script of 加速乐's challenge computes the __jsl_clearance cookie; __jsluid is the CDN's visitor
    # cookie, set on every page it serves (articles too), so it is no sign at all
    ("jiasule", re.compile(r"__jsl_clearance", re.I)),
    ("360-block", re.compile(r"<title>\s*访问异常页面\s*</title>", re.I)),
    ("enable-javascript", re.compile(r"please enable javascript and refresh the page", re.I)),
    (
        "script-redirect-home",
        re.compile(r"<script[^>]*>\s*(?:window\.)?location(?:\.href)?\s*=\s*['\"]/?['\"]", re.I),
    ),
)
# Firewall and WAF block pages served with status 200: (name, pattern over the page text including markup).
# Each counts only on a page with little visible text (BLOCK_PAGE_TEXT), so an article that mentions a
# firewall, 安全狗 or an "access denied" error is never taken for one.
BLOCK_PAGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("安全狗", re.compile(r"安全狗|safedog", re.I)),
    ("云锁", re.compile(r"云锁|yunsuo", re.I)),
    ("宝塔", re.compile(r"宝塔(?:网站)?防火墙|btwaf", re.I)),
    ("创宇盾", re.compile(r"创宇盾|知道创宇|365cyd|wzws", re.I)),
    ("阿里云盾", re.compile(r"阿里云盾|aliyun_waf|errors\.aliyun\.com", re.I)),
    ("腾讯云 WAF", re.compile(r"腾讯云\s*(?:Web应用)?防火墙|waf\.tencent", re.I)),
    ("网站防火墙", re.compile(r"网站防火墙|web\s*应用防火墙|Web Application Firewall", re.I)),
    (
        "访问被拦截",
        re.compile(
            r"(?:访问|请求)(?:已)?(?:被|遭到)(?:拦截|阻断|拒绝|禁止)|已被(?:\S{0,8})?拦截|"
            r"疑似(?:黑客)?攻击|访问频率过(?:快|高)|(?:IP|ip)(?:地址)?已被(?:封禁|限制|屏蔽)"
        ),
    ),
    (
        "access denied",
        re.compile(r"\bAccess Denied\b|\b403 Forbidden\b|The requested URL was rejected", re.I),
    ),
    (
        "request blocked",
        re.compile(
            r"\bRequest (?:blocked|rejected)\b|Attention Required!|Sorry, you have been blocked", re.I
        ),
    ),
)
BLOCK_PAGE_TEXT = 600  # characters of visible text: a block page says one thing; an article says more
BLOCK_SENTENCE = 40  # … in a short notice: a sentence of an article that mentions a firewall is longer
_BOUNDARY = re.compile(r"[<>。！？!?\n]")


def _sentence_length(text: str, start: int, end: int) -> int:
    """Length of the text run around a match, up to tags and sentence ends (capped past BLOCK_SENTENCE)."""
    window = text[max(0, start - BLOCK_SENTENCE) : start]
    cuts = [m.end() for m in _BOUNDARY.finditer(window)]
    left = len(window) - (cuts[-1] if cuts else 0)
    right = _BOUNDARY.search(text, end, end + BLOCK_SENTENCE + 1)
    return left + (end - start) + (right.start() - end if right else BLOCK_SENTENCE + 1)


def block_page(html: str) -> str | None:
    """The vendor or pattern of a firewall block page, or None. The sign must stand in a short notice on a
    page with little text: an article that mentions a firewall or a blocked access is never one."""
    if visible_text_length(html) > BLOCK_PAGE_TEXT:
        return None
    head = html[:20000]
    for name, pattern in BLOCK_PAGES:
        for match in pattern.finditer(head):
            if _sentence_length(head, match.start(), match.end()) <= BLOCK_SENTENCE:
                return name
    return None


CHALLENGE_STATUSES = {412: "riversecurity (HTTP 412)", 521: "jiasule (HTTP 521)"}
MIN_SHELL_TEXT = 100  # characters of visible text below which a page is an empty shell …
_PARAGRAPH = re.compile(r"<p\b[^>]*>[^<]{20,}", re.I)  # … unless it has a real paragraph (a short 简讯)


VISIBLE_SCAN = 2_000_000  # characters read to measure visible text: every threshold here is under a thousand


@lru_cache(maxsize=2)
def visible_text_length(html: str) -> int:
    """Visible characters in the first VISIBLE_SCAN characters of a page (only ever compared with small
    thresholds, so a huge page costs no more than a big one). Remembered for the last pages: the challenge
    check, the block-page check and extraction all ask about the same page."""
    return sum(map(len, _TAGS.sub(" ", html[:VISIBLE_SCAN]).split()))  # without whitespace


def detect_challenge(status: int | None, headers: dict[str, str], html: str) -> str | None:  # noqa: ARG001
    """The reason a response is a challenge/anti-bot page, or None when it looks like a real page.

    A challenge is judged by its status and its body (a vendor's script, a script-only shell), never by a
    header: a CDN sets its cookies (加速乐's ``__jsluid_h``, 瑞数's) on every page it serves, the challenge and
    the article alike. ``headers`` stays in the signature for callers that pass what they have."""
    if status in CHALLENGE_STATUSES:
        return f"challenge page: {CHALLENGE_STATUSES[status]}"
    head = html[:20000]
    for name, pattern in BODY_SIGNS:
        if pattern.search(head):
            # A real article may mention JavaScript; the sign counts only on a page with little text.
            if name in {"enable-javascript", "script-redirect-home"} and visible_text_length(html) > 400:
                continue
            return f"challenge page: {name}"
    if blocked := block_page(html):
        return f"block page: {blocked}"
    if visible_text_length(html) < MIN_SHELL_TEXT and not _PARAGRAPH.search(html):
        return f"empty shell: under {MIN_SHELL_TEXT} characters of visible text"
    return None
