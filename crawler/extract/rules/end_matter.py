"""Platform end-matter: what a publishing platform prints around an article, as a family of named patterns.

A post written on WeChat and reposted to 澎湃号, 头条号, 百家号 or 网易号 carries the closing chrome of every
platform it passed through: WeChat's reader bar (继续滑动看下一个, 轻触阅读原文, the account's name, 向上滑动看下一个,
the 赞/分享/在看 bar), a platform's own disclaimer or app call, the "原标题：《…》" line an editor adds when retitling,
and 责任编辑/校对 sign-offs. None of it is the article; the original title and the editors are metadata, kept in
removed_blocks under a metadata rule (article.METADATA_RULES reads them).

Each pattern matches whole lines only, and a line that is a sentence of the article (it speaks of parties,
ends in 。 within a paragraph's length) is never taken for chrome. tests/extract_fixtures/platform_pages.py
holds a page for every pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract.rules.node_rules import Removed


@dataclass(frozen=True)
class EndPattern:
    name: str
    reason: str
    pattern: re.Pattern[str]
    max_len: int


# Lines of WeChat's closing chrome that only the reader shell prints. One of them opens the closing block:
# the short lines around them (the account card's name, 视频, 小程序, 知道了) belong to the same block.
WECHAT_ANCHORS = re.compile(
    r"^(?:(?:继续|向上|向下)?滑动(?:查看|看)下一(?:个|篇)|轻触(?:阅读)?原文|(?:微信)?扫一扫(?:关注该公众号|使用小程序)|"
    r"预览时标签不可点|喜欢此内容的人还喜欢|.{0,12}轻点两下取消(?:赞|在看).*|人划线|写留言|留言|分享\s*收藏|分享\s*留言\s*收藏|Scan (?:to )?Follow|"
    r"Got It|Scan with Weixin to\s*use this Mini Program|阅读原文)$"
)
CARD_LINE = (
    24  # the account card's name, its one-line intro, 视频/小程序/知道了/取消 允许: short and unpunctuated
)

END_PATTERNS: tuple[EndPattern, ...] = (
    EndPattern(
        "follow-call",
        "calls to follow the publisher's account (欢迎扫描左方二维码关注新浪新闻官方微信, 关注XX公众号获取更多, a bare "
        "'新浪新闻公众号' card, 我要反馈): the portal's or account's promotion, printed under every article",
        re.compile(
            r"(?:扫描|扫码|长按|识别).{0,12}二维码.{0,8}关注.{0,30}$|^(?:欢迎|请)?关注.{1,20}(?:公众号|官方微信|官方微博|视频号)"
            r".{0,24}$|^[^\s，。；]{2,12}(?:微信公众号|公众号|官方微信|官方微博)$|^(?:我要反馈|意见反馈|我要纠错)$"
        ),
        max_len=80,
    ),
    EndPattern(
        "original-title",
        "'原标题：《…》' (or （原标题：…）) records the title the piece had before a platform or portal retitled it: "
        "metadata about the article, never its text",
        re.compile(r"^[（(【\[]?\s*原(?:文)?标题\s*[:：]\s*\S.{0,118}$"),
        max_len=130,
    ),
    EndPattern(
        "editor-line",
        "sign-offs naming the editors (责任编辑：张三, （责编：王五、李四）, 校对 | 赵六, 本期编辑 …, and the empty "
        "'责任编辑：' a template leaves): metadata, the editor is read from them",
        re.compile(
            r"^[（(【\[]?\s*(?:(?:本期|本文|值班|实习|网络)?(?:责任编辑|责编|编辑|校对|审校|审核|编审|终审|复审|初审|"
            r"美编|排版|监制)\s*(?:[:：|｜丨/]|\s)\s*[^\s，。；？！]{0,12}[、,，\s]*){1,5}[)）】\]]?$"
        ),
        max_len=48,
    ),
    EndPattern(
        "platform-app-call",
        "calls to open or download a platform's app (打开澎湃新闻APP阅读体验更佳, 下载头条客户端, 扫码下载网易新闻, "
        "用百度App看更多): they sell the platform, not the article",
        re.compile(
            r"^(?:打开|下载|扫码下载|用|使用|前往)\s*\S{0,8}(?:APP|App|app|客户端)\s*(?:，|,)?\s*(?:阅读体验更佳|看更多|"
            r"查看更多|阅读全文|查看原文|看精彩图片|体验更佳|获取更多.{0,6})?$|阅读体验更佳$"
        ),
        max_len=30,
    ),
    EndPattern(
        "platform-self-promotion",
        "an account's promotion of itself closing a 头条号/百家号/网易号 post (本文由…原创，欢迎关注，带你一起长知识！, "
        "关注我，每天分享…, 作者最新文章, 更多精彩内容请关注…): the account's, not the article's",
        re.compile(
            r"^本文(?:由|为|系).{1,20}原创.{0,30}(?:关注|转发|转载|分享).{0,20}$|^(?:欢迎)?关注(?:我|我们)\s*[，,].{0,24}$|"
            r"^作者最新文章$|^更多精彩(?:内容)?\s*[，,]?\s*(?:请|敬请)?关注.{0,20}$|^TA的(?:文章|其他文章)$"
        ),
        max_len=60,
    ),
)

# a line that speaks of the parties or the public tells them something (当事人可扫描下方二维码查询案件进度):
# the court's text, never a platform's chrome
_PARTIES = re.compile(r"当事人|申请人|被申请人|被执行人|被告|原告|群众|市民|公众(?!号)")


def _card_line(line: str) -> bool:
    """A line of an account card: short, no sentence punctuation."""
    return len(line) <= CARD_LINE and not re.search(r"[，。；！？,;!?]", line)


TRAILING_CARD = 6  # card lines after the block's last anchor, taken only when they close the body


def _anchor(line: str) -> bool:
    return bool(WECHAT_ANCHORS.match(line.strip()))


def closing_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """WeChat's closing chrome: each run of anchor and card lines holding two or more anchors, from its first
    anchor to its last; the card lines after the last anchor go with it only when they close the body (at most
    TRAILING_CARD of them). The account's name printed between 轻触阅读原文 and 向上滑动看下一个 is no sentence, so
    it goes with the block; card lines before the first anchor stay (the article's own last short lines), and
    a lone anchor inside the body is left to the line rules, with the lines around it."""
    blocks: list[tuple[int, int]] = []
    index = 0
    while index < len(lines):
        if not _anchor(lines[index]):
            index += 1
            continue
        run_end = index
        while run_end < len(lines) and (_anchor(lines[run_end]) or _card_line(lines[run_end].strip())):
            run_end += 1
        anchors = [i for i in range(index, run_end) if _anchor(lines[i])]
        last = anchors[-1] + 1
        closes_body = run_end == len(lines) and run_end - last <= TRAILING_CARD
        if len(anchors) >= 2 or closes_body:
            blocks.append((index, run_end if closes_body else last))
        index = run_end
    return blocks


def cut_end_matter(lines: list[str]) -> tuple[list[str], list[Removed]]:
    """Drop platform end-matter from a chosen body: WeChat's closing blocks (with the account card), then each
    line matching an END_PATTERNS entry. Returns the lines kept and what went, rule by rule."""
    removed: list[Removed] = []
    for start, end in reversed(closing_blocks(lines)):
        removed.insert(0, Removed("wechat-closing", " / ".join(lines[start:end])[:300]))
        lines = lines[:start] + lines[end:]
    kept: list[str] = []
    for line in lines:
        compact = line.strip()
        rule = next(
            (
                p
                for p in END_PATTERNS
                if len(compact) <= p.max_len and p.pattern.search(compact) and not _PARTIES.search(compact)
            ),
            None,
        )
        if rule is None:
            kept.append(line)
        else:
            removed.append(Removed(rule.name, compact))
    return kept, removed


METADATA_RULES = {"original-title", "editor-line"}  # end-matter that carries metadata
