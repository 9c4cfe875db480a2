"""Content-farm spam, generated: the variants the spam rules must remove, for tests and the injected-spam
evaluation (``courtnews eval --inject-spam``). Nothing here extracts anything.

Farms paste a block after a copied article: a giveaway line selling or sharing memberships, maybe a bare
timestamp, maybe a header, then a dump of accounts and passwords in any token shape and separator, and the
leftovers of their login pop-ups. The generator varies every part, deterministically from a seed.
"""

from __future__ import annotations

import html
import random
import re
import string
from dataclasses import dataclass

BRANDS = (
    "迅雷",
    "爱奇艺",
    "腾讯视频",
    "优酷",
    "百度网盘",
    "芒果TV",
    "哔哩哔哩",
    "网易云音乐",
    "QQ音乐",
    "Netflix",
)
GIVEAWAYS = (
    "{brand}会员{days}天/{price}元,独享1天{cheap}元,请点本站上边链接购买",
    "{brand}VIP账号免费分享，每日更新，先到先得",
    "今日{brand}会员账号共享（{date}更新）",
    "{brand}超级会员{days}天仅需{price}元，独享账号请点本站链接购买",
    "免费{brand}会员账号密码，{year}最新可用",
    "Free {brand} premium accounts, updated daily",
    "{brand}會員帳號免費分享，每日更新",
)
HEADERS = (
    "随机账号密码机器码:",
    "账号 密码",
    "账号：密码",
    "以下账号随机分享：",
    "帐号|密码|到期时间",
    "Accounts:",
    "",
)
POPUPS = (
    "会员登录关闭",
    "注册会员关闭",
    "用户登录 注册 关闭",
    "登录 | 注册",
    "Login Register Close",
    "忘记密码 找回密码",
)


def _token(rng: random.Random, shape: str) -> str:
    length = rng.randint(5, 12)
    if shape == "letters":
        return "".join(rng.choice(string.ascii_letters) for _ in range(length))
    if shape == "lower":
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))
    if shape == "digits":
        return "".join(rng.choice(string.digits) for _ in range(length))
    if shape == "email":
        user = "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))
        return f"{user}@{rng.choice(('qq.com', '163.com', 'gmail.com', 'outlook.com', 'sina.cn'))}"
    if shape == "key":
        return "-".join(
            "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(4)) for _ in range(4)
        )
    if shape == "phone":
        return "1" + "".join(rng.choice(string.digits) for _ in range(10))
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))  # mixed


SHAPES = ("mixed", "letters", "lower", "digits", "email", "key", "phone")
SEPARATORS = (" ", "\t", "----", " | ", ":", "：", " / ", "  密码：", " 密码 ")


def credential_lines(rng: random.Random, count: int) -> list[str]:
    """A dump of 'account password' lines, one token shape and separator per dump (as farms paste them)."""
    user_shape, pass_shape = rng.choice(SHAPES), rng.choice(SHAPES)
    separator = rng.choice(SEPARATORS)
    numbered = rng.random() < 0.3
    labelled = rng.random() < 0.2
    lines = []
    for n in range(1, count + 1):
        user, password = _token(rng, user_shape), _token(rng, pass_shape)
        line = f"账号：{user}{separator}{password}" if labelled else f"{user}{separator}{password}"
        if rng.random() < 0.2:
            line += f"{separator}{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines.append(f"{n}. {line}" if numbered else line)
    return lines


@dataclass(frozen=True)
class SpamBlock:
    """One generated block: its lines in page order, and the lines that must never reach the body."""

    lines: list[str]
    must_not: list[str]


def spam_block(rng: random.Random) -> SpamBlock:
    brand = rng.choice(BRANDS)
    giveaway = rng.choice(GIVEAWAYS).format(
        brand=brand,
        days=rng.randint(1, 31),
        price=rng.choice(("4.5", "9.9", "2", "15")),
        cheap=rng.choice(("0.7", "0.5", "1")),
        date=f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        year=rng.randint(2023, 2026),
    )
    creds = credential_lines(rng, rng.randint(2, 8))
    lines = [giveaway]
    if rng.random() < 0.5:
        lines.append(
            f"{rng.randint(2023, 2026)}年{rng.randint(1, 12):02d}月{rng.randint(1, 28):02d}日 17:22:47"
        )
    if header := rng.choice(HEADERS):
        lines.append(header)
    lines += creds
    lines += rng.sample(POPUPS, rng.randint(0, 2))
    return SpamBlock(lines, creds)


POSITIONS = (
    "after-last-paragraph",
    "after-disclaimer",
    "between-paragraphs",
    "hidden",
    "br-lines",
    "own-block",
)


def render(block: SpamBlock, position: str) -> str:
    """The block as a farm's template writes it."""
    if position == "hidden":
        return (
            '<div style="display:none">' + "".join(f"<p>{html.escape(x)}</p>" for x in block.lines) + "</div>"
        )
    if position == "br-lines":
        return "<p>" + "<br>".join(html.escape(x) for x in block.lines) + "</p>"
    if position == "own-block":
        return '<div class="vip-share">' + "".join(f"<p>{html.escape(x)}</p>" for x in block.lines) + "</div>"
    return "".join(f"<p>{html.escape(x)}</p>" for x in block.lines)


DISCLAIMER = (
    "本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场，"
    "澎湃新闻仅提供信息发布平台。申请澎湃号请用电脑访问。"
)


_BLOCK_END = re.compile(r"</(p|div|td|li|section|article|blockquote)\s*>|<br\s*/?>", re.I)


def _anchor_end(page: str, line: str) -> int | None:
    """Where a farm's template would paste a block after a line of the article: after the paragraph, <div> or
    <br> that ends it, or inside the table cell or list item that holds it (a <p> cannot follow a </td>).
    None when the line's text is not written verbatim in the markup."""
    tail = line.strip()[-8:]
    if len(tail) < 4:
        return None
    at = page.rfind(html.escape(tail, quote=False))
    at = page.rfind(tail) if at < 0 else at
    if at < 0:
        return None
    close = _BLOCK_END.search(page, at)
    if close is None:
        return None
    inside = (close.group(1) or "").lower() in ("td", "li", "section", "article", "blockquote")
    return close.start() if inside else close.end()


def inject(
    page: str, truth_lines: list[str], rng: random.Random, position: str
) -> tuple[str, SpamBlock] | None:
    """The page with a spam block inserted at a position relative to the article's own paragraphs (after the
    last, after or before a disclaimer added after it, between the first two, hidden, as <br> lines, or in its
    own block), or None when the article's text cannot be found verbatim in the markup."""
    block = spam_block(rng)
    anchor_line = truth_lines[0] if position == "between-paragraphs" else truth_lines[-1]
    end = _anchor_end(page, anchor_line)
    if end is None:
        return None
    spam = render(block, position)
    if position == "after-disclaimer":
        spam = f"<p>{DISCLAIMER}</p>" + spam
    elif position == "before-disclaimer":
        spam += f"<p>{DISCLAIMER}</p>"
    return page[:end] + spam + page[end:], block
