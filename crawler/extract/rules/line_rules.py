"""Line filters of the chosen body, each a named rule with the reason it exists.

A rule matches whole lines (and only lines up to its max_len), so a sentence that merely mentions 迅雷,
账号密码 or 登录 is never taken for the spam, pop-up or credential lines it resembles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from crawler.extract.counters import COUNTER_SHAPE, counter_shaped, trailing_counter
from crawler.extract.rules.node_rules import AUDIT_EXCERPT, Removed
from crawler.extract.rules.spam_blocks import judge_dumps


@dataclass(frozen=True)
class LineRule:
    name: str
    reason: str
    pattern: re.Pattern[str]
    max_len: int = 10_000  # the rule only applies to lines at most this long
    unless: re.Pattern[str] | None = None  # lines matching this are body text that only looks like the junk


_DATE = r"\d{4}\s*(?:年|-|/|\.)\s*\d{1,2}\s*(?:月|-|/|\.)\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?"
PLATFORMS = (
    r"澎湃号|澎湃新闻|网易号|搜狐号|搜狐|百家号|头条号|今日头条|企鹅号|大风号|一点号|新浪看点|新浪号|微信公众号|"
    r"大鱼号|人民号|封面号|凤凰号|东方号|雪球号|快传号|趣头条|知乎"
)
DISCLAIMER_SIGNS = re.compile(
    r"上传并发布|仅代表(?:该)?作者|观点或立场|观点和立场|信息发布平台|信息存储空间|信息存储服务|自媒体平台|"
    r"系信息发布平台|不代表(?:本|该)?(?:平台|网站|本站)|申请澎湃号|特别声明|免责声明"
)
# A court's report of a copyright or platform case argues about the same words ("被告辩称其仅提供信息存储空间
# 服务"); a disclaimer never speaks of parties, pleas or judgments.
COURT_REASONING = re.compile(
    r"被告|原告|上诉人|申请人|当事人|辩称|诉称|(?:本院|法院)(?:经审理|认为|判决|审理|查明)|判决|判令|裁定|审理|侵权责任|注意义务"
)

# Visit counters, one wording each (tests/test_rules.py holds a line for every one and body sentences that
# look like them). N is a count as sites print it: 123, 1,024, 1.2万, 10万+.
_N = r"(?<![\d,.])\d[\d,.]{0,12}\s*(?:万|千|[kKwW])?\+?"  # bounded: a run of digits costs linear time
VIEW_COUNTER_WORDINGS: tuple[tuple[str, str], ...] = (
    (
        "您是第N个访问者",
        rf"(?:您|你)是(?:本文|本页|本帖|本站)?(?:的)?第\s*{_N}\s*(?:个|位|名)?\s*(?:阅览者|访问者|访客|读者|浏览者)",
    ),
    (
        "已被阅读N次",
        rf"(?:本文|本页|本帖|该文|此文)?(?:已被|已)?(?:浏览|阅读|点击|访问|围观)(?:了)?\s*{_N}\s*次",
    ),
    ("已有N人阅读", rf"已有\s*{_N}\s*(?:人|次|位)(?:阅读|浏览|围观|点击|访问|看过)"),
    (
        "阅读/浏览/点击/访问(次数/量/数)：N",
        rf"(?:阅读|浏览|点击|访问|查看|阅览)(?:次数|量|数|人次|率)?\s*[:：]?\s*[（(\[]?\s*{_N}\s*[)）\]]?\s*(?:次|人次)?",
    ),
    ("浏览次数：(empty, filled by a script)", r"(?:阅读|浏览|点击|访问)(?:次数|量|数|人次)\s*[:：]?"),
    ("N 阅读", rf"{_N}\s*(?:人|次)?\s*(?:阅读|浏览|围观)(?:量)?"),
    ("人气/热度：N", rf"(?:人气|热度)\s*[:：]?\s*{_N}"),
    ("N views", rf"{_N}\s*(?:views?|reads?|hits?|pageviews)\b"),
)
# what stands beside a counter on its line: comment and like counts, font-size switches, separators
_COUNTER_COMPANIONS = (
    rf"(?:评论|点赞|赞|收藏|分享|转发|回复|留言)(?:数|量)?\s*[:：]?\s*[（(\[]?\s*{_N}\s*[)）\]]?",
    r"[【\[]?\s*(?:字体|字号)\s*[:：]?\s*[【\[]?\s*大\s*[|｜\s]?\s*中\s*[|｜\s]?\s*小\s*[】\]]?\s*[】\]]?",
    r"[【\[]?(?:打印|关闭|收藏|关闭窗口|打印本页)[】\]]?",
)
COUNTER = re.compile("|".join(rf"(?:{pattern})" for _, pattern in VIEW_COUNTER_WORDINGS))
_COUNTER_OR_COMPANION = "|".join([*(p for _, p in VIEW_COUNTER_WORDINGS), *_COUNTER_COMPANIONS])
COUNTER_LINE = re.compile(
    rf"^(?=.*(?:{COUNTER.pattern}))(?:\s*[|｜/·•,，;；]?\s*(?:{_COUNTER_OR_COMPANION}))+\s*[|｜/·•]?\s*$"
)


@lru_cache(maxsize=256)
def without_counters(text: str) -> str:
    """A byline or date line with its visit counter cut out ('来源：某法院 浏览次数：123' → '来源：某法院').
    Remembered: the source, author and editor finders each ask about the same lines."""
    return COUNTER.sub(" | ", text) if text else text  # a separator: a name before it ends there


# Label and name pairs: '编辑|张三', '责编：李四', '来源 | 某某法院'. Labels of people and sources only.
CREDIT_LABELS = (
    r"责任编辑|责编|编辑|校对|审校|审核|初审|复审|终审|一审|二审|三审|监制|统筹|排版|美编|设计|来源|文字|文|图片|图|摄影|视频|"
    r"作者|记者|通讯员|供稿|撰稿|撰文|出品|策划|主编|值班编辑"
)
_CREDIT_NAME = r"[^\s|｜丨:：/，。；？！?!、]{1,16}"
CREDIT_PAIR = rf"(?:{CREDIT_LABELS})\s*[|｜丨:：/]\s*{_CREDIT_NAME}"
# one pair alone is a credit only for an editor's or a source's label: '记者：…' opens interview questions too
_LONE_CREDIT = (
    rf"(?:来源|责任编辑|责编|编辑|校对|审核|审校|监制|统筹|排版|美编)\s*[|｜丨:：]\s*{_CREDIT_NAME}"
)
CREDIT_LINE = re.compile(rf"^(?:{CREDIT_PAIR})(?:\s*[|｜丨]?\s*(?:{CREDIT_PAIR}))+\s*$|^{_LONE_CREDIT}\s*$")

# the words of account spam in simplified and traditional characters (farms serve both)
_MEMBER = r"(?:会员|會員|VIP|vip)"
_ACCOUNT = r"(?:账号|帐号|帳號|賬號|账户|帳戶)"
_PASSWORD = r"(?:密码|密碼)"

LINE_RULES: tuple[LineRule, ...] = (
    LineRule(
        "summary-line",
        "a leading 摘要/导读 line is the page summary (metadata), repeated from the body",
        re.compile(
            r"^(?:[【\[](?:摘要|导读|内容摘要|核心提示)[】\]]|(?:摘要|导读|内容摘要|核心提示)\s*[:：])"
        ),
    ),
    LineRule(
        "giveaway-offer",
        "account-giveaway spam sells memberships by day and price ('迅雷会员25天/4.5元'), sends readers to '本站' "
        "links to buy, or shares accounts ('VIP账号免费分享，每日更新', 'Free … premium accounts'); a court report "
        "quoting a price or warning against such offers (提醒, 谨防, 诈骗) is neither",
        re.compile(
            r"\d+\s*天\s*/\s*\d+(?:\.\d+)?\s*元|独享\s*\d+\s*天|请点本站.{0,10}(?:链接|购买)|本站上边链接|"
            rf"(?:{_MEMBER}|{_ACCOUNT}).{{0,6}}(?:免费|免費|共享|分享|赠送|贈送)(?:.{{0,8}}(?:每日更新|先到先得|最新可用|更新\)|更新）))|"
            rf"(?:免费|免費|今日|每日).{{0,12}}{_MEMBER}{_ACCOUNT}.{{0,16}}(?:分享|共享|更新|可用)|"
            r"(?i:\bfree\b.{0,30}\b(?:premium|vip)\b.{0,12}\baccounts?\b|\baccounts?\b.{0,20}\b(?:updated daily|giveaway)\b)"
        ),
        max_len=80,
        unless=re.compile(rf"提醒|切勿|谨防|警惕|诈骗|骗局|不要|小心|防范|{COURT_REASONING.pattern}"),
    ),
    LineRule(
        "contact-ad",
        "content farms sell and give away accounts by chat id: '加微信 vip8866 领取', 'QQ群：12345678'; a court "
        "report of a fraud tells what the accused did, in a sentence about the parties",
        re.compile(
            r"^(?:[^，。]{0,12}[，,]\s*|[^，。\s]{0,4})?(?:请|欢迎)?(?:加|添加|联系|咨询|扫码加|关注|进|入)(?:客服)?(?:微信|微信号|VX|vx|V信|QQ|qq|QQ群|qq群)"
            r"\s*[:：]?\s*[A-Za-z0-9_-]{5,}|^(?:客服)?(?:微信|微信号|VX|QQ|QQ群)\s*[:：]\s*[A-Za-z0-9_-]{5,}\s*(?:\S{0,12})$"
        ),
        max_len=50,
        unless=COURT_REASONING,
    ),
    LineRule(
        "credential-header",
        "a bare label such as '随机账号密码机器码:', '账号 密码', '帐号|密码|到期时间', '以下账号随机分享：' or 'Accounts:' "
        "introduces a list of leaked credentials; it is a label alone, never a sentence",
        re.compile(
            rf"^(?:随机|免费|免費|共享)?{_MEMBER}?{_ACCOUNT}\s*(?:和|及|与|[|｜/:：、\s])?\s*{_PASSWORD}(?:机器码)?(?:分享|如下)?"
            r"(?:\s*[|｜/\s]\s*(?:到期时间|有效期|备注|到期))*\s*[:：]?$|"
            rf"^(?:以下|下面|今日|最新|本期)?.{{0,6}}{_ACCOUNT}.{{0,8}}(?:分享|共享|如下|更新|列表)\s*[:：]$|"
            r"^(?i:accounts?|account list|user(?:name)?\s*[/|]\s*pass(?:word)?)\s*[:：]?$"
        ),
        max_len=24,
    ),
    LineRule(
        "popup-leftover",
        "login/register pop-up residue such as '会员登录关闭', '注册会员关闭', '登录 | 注册', 'Login Register Close': "
        "UI words only, no sentence",
        re.compile(
            rf"^(?:(?:会员|會員|用户|用戶|{_ACCOUNT})?(?:登录|登陆|登錄|注册|註冊|关闭|關閉|忘记密码|找回密码|记住我|验证码|用户名|{_PASSWORD}|立即|提交|取消|退出)"
            r"\s*[|｜/·×]?\s*){2,}$|^(?i:(?:log\s*in|sign\s*in|sign\s*up|register|close|forgot password|remember me)"
            r"\s*[|/·×]?\s*){2,}$"
        ),
        max_len=24,
    ),
    LineRule(
        "platform-disclaimer",
        "platform disclaimers (澎湃号, 网易号, 搜狐号, 百家号, 头条号 …) close a repost and are not the court's text",
        re.compile(
            rf"(?:{PLATFORMS}).{{0,60}}(?:{DISCLAIMER_SIGNS.pattern})|(?:{DISCLAIMER_SIGNS.pattern}).{{0,80}}(?:{PLATFORMS}|平台)|"
            r"(?i:uploaded and posted by a user|only provides? information storage|is a (?:social media|self-media) platform)"
        ),
        max_len=400,
        unless=COURT_REASONING,
    ),
    LineRule(
        "stance-disclaimer",
        "any site's stance disclaimer: 仅代表作者(本人/个人)观点, 不代表…立场, 互联网用户自发贡献, 本站仅提供信息存储空间; "
        "it speaks for the publisher, not the article, whichever platform appends it",
        re.compile(
            r"(?:仅|只)代表(?:该|本)?(?:文)?作者(?:本人|个人)?(?:的)?(?:观点|看法|立场)|不代表\S{0,12}?(?:的)?(?:观点|立场)|"
            r"由互联网用户自发贡献|(?:本站|本网|本平台)仅提供信息存储|^[【\[]?(?:免责声明|版权声明)[】\]]?\s*[:：]"
        ),
        max_len=300,
        unless=COURT_REASONING,
    ),
    LineRule(
        "takedown-notice",
        "repost notices of content farms and accounts: 如有侵权请联系删除, 版权归原作者所有, 来源于网络仅供学习交流, "
        "图片来自网络",
        re.compile(
            r"(?:如有|若有|如涉及|涉及)侵权.{0,12}(?:删除|删)|侵删|版权归(?:原)?作者(?:所有)?|"
            r"(?:来源于|来自|源于)(?:网络|互联网).{0,20}(?:仅供|如有|版权)|^(?:部分)?(?:图片|配图|图)(?:均)?(?:来自|来源于|源于|来源|选自)(?:于)?(?:网络|互联网)|仅供(?:学习|参考|交流)(?:和|与|、)?(?:学习|交流|参考)?(?:使用)?[，,。]?.{0,20}(?:侵权|删除)"
        ),
        max_len=150,
        unless=COURT_REASONING,
    ),
    LineRule(
        "platform-chrome",
        "calls to action that platforms append to reposts (举报/反馈, 返回搜狐，查看更多, 打开网易新闻 查看精彩图片, 阅读原文; "
        "WeChat's 点个在看, 长按识别二维码, 点击蓝字关注)",
        re.compile(
            r"^(?:举报\s*/\s*反馈|返回\S{1,6}?[，,]?\s*查看更多|打开\S{1,8}\s*查看精彩图片|(?:点击)?展开全文|阅读原文|"
            r"查看原文|点击查看更多|(?:点击)?关注我们)$|^点击进入.{1,20}(?:>>|»)$|"
            r"在看[】\]]?(?:试试|吧|支持一下)?[！!。~～]*$|^(?:请)?长按(?:识别)?(?:下方|图中|上方)?二维码|^(?:请)?点击(?:上方|下方)?蓝字|"
            r"^戳(?:左下角)?[“\"]?阅读原文"
        ),
        max_len=30,
    ),
    LineRule(
        "wechat-chrome",
        "WeChat's reader chrome, carried into 澎湃号 and farm copies of WeChat posts: swipe prompts (继续滑动看下一个), "
        "轻触阅读原文, 扫一扫/扫描下方二维码 calls, 回复【关键词】查看… and 点击菜单栏【…】 menus, the 赞/分享/在看/写留言 bar; "
        "a court telling parties how to file (当事人可扫描…) speaks of them and stays",
        re.compile(
            r"^(?:继续|向上|向下|上下|左右)?滑动(?:查看|看)下一(?:个|篇)$|^轻触(?:阅读)?原文$|^(?:微信)?扫一扫(?:关注该公众号|可打开此内容.*|"
            r"在手机上打开)$|^(?:请)?(?:扫描|扫码|扫一扫|长按|识别)(?:下方|上方|图中|文末|底部)?(?:的)?(?:二维码|小程序码|图片).{0,20}$|"
            r"^(?:\d{1,2}\s*[.、．]\s*)?回复\s*[【\[“\"「『]?[^】\]”\"」』\s]{1,12}[】\]”\"」』]?\s*(?:即可)?(?:查看|获取|了解|领取|收看|看|下载).{0,20}$|"
            r"^点击(?:公众号)?(?:菜单栏|底部菜单|下方菜单|菜单)\s*[【\[“\"「].{1,12}[】\]”\"」].{0,20}$|"
            r"^(?:预览时标签不可点|知道了|取消\s*允许|喜欢此内容的人还喜欢|写留言|人划线|微信扫一扫|使用小程序|"
            r"(?:视频\s*)?小程序\s*赞.{0,30}|(?:分享|留言|收藏|听过|赞|推荐|在看)(?:\s*[，,]?\s*(?:分享|留言|收藏|听过|赞|推荐|在看|写留言))+)$|"
            r"^(?:点击|点)(?:上方|下方|文末)?\s*(?:蓝字|[“\"「].{1,16}[”\"」])?\s*(?:一键)?关注(?:我们|公众号)?.{0,12}$|"
            r"^(?:觉得|如果觉得).{0,10}(?:不错|有用|好看).{0,6}(?:点个|点)(?:赞|在看|分享)"
        ),
        max_len=40,
        unless=re.compile(r"当事人|申请人|群众|市民|被告|原告"),
    ),
    LineRule(
        "credit-line",
        "credit lines of WeChat-origin posts (编辑|张三 责编|李四 校对|王五 来源|某法院, 文：… 图：…) are metadata: "
        "the editor and source are read from them; the whole line must be label-and-name pairs",
        CREDIT_LINE,
        max_len=80,
    ),
    LineRule(
        "bare-timestamp",
        "a line that is only a date and time is a display stamp (or spam's), never a sentence of the article",
        re.compile(rf"^(?:{_DATE})\s*(?:{_TIME})?$|^{_TIME}$"),
        max_len=30,
    ),
    LineRule(
        "print-share-chrome",
        "print/close/font-size/share/QR/prev-next widgets and breadcrumbs (当前位置：, 您所在的位置：, 首页 >) rendered as text",
        re.compile(
            r"^[【\[]?(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏本页|保存本页|加入收藏|纠错|我要纠错|详细|更多)[】\]]?(?:\s*[【\[]?(?:打印本页|打印|关闭窗口|关闭|返回顶部|纠错)[】\]]?)*$|"
            r"字号\s*[:：]?\s*[【\[]?\s*大\s*[|｜\s]?\s*中\s*[|｜\s]?\s*小|字体\s*[:：]\s*[【\[]?\s*大\s*中\s*小|"
            r"^分享到\s*[:：]?|扫一扫在手机(?:上)?打开|"
            r"^(?:上一篇|下一篇|上一条|下一条)\s*[:：]|^相关(?:链接|新闻|阅读)\s*[:：]?$|^(?:当前位置|(?:您|你)(?:现在)?(?:所在|当前)?的?位置|所在位置)\s*[:：]|^(?:首页|主页|网站首页)\s*[>＞»›]|^[^\s，。；]{1,10}\s*[>＞»›]$|是否打开信息无障碍浏览|"
            r"^[【\[]?(?:发表评论|我要评论|网友评论|查看评论|评论|广告|订阅|立即订阅)[】\]]?$|^(?:标签|Tags?)\s*[:：]"
        ),
        max_len=120,
    ),
    LineRule(
        "view-counter",
        "visit counters (浏览次数：123, 已有56人阅读, 阅读数 1.2万, 人气：88, 1,024 views), alone or with the "
        "comment count and font-size chrome beside them, and any line of the same shape (counter words beside "
        "numbers and nothing else: 共有123位读者阅读, 阅读 123 点赞 4 分享, counters.py) change on every visit: "
        "kept, each revisit would archive a new version of an unchanged article",
        re.compile(rf"{COUNTER_LINE.pattern}|{COUNTER_SHAPE.pattern}"),
        max_len=80,
    ),
    LineRule(
        "reprint-notice",
        "site copyright and reprint statements (未经许可不得转载, 转载请注明出处, 本网站 … 著作权/稿酬) are "
        "the site's terms, not the article; they always speak of the site itself",
        re.compile(
            r"未经.{0,8}(?:许可|授权|同意).{0,12}(?:不得|禁止|严禁)(?:转载|复制|转贴|摘编|使用)|转载请注明|"
            r"(?:本网|本站|本网站|本平台)[^。]{0,40}(?:转载|著作权|版权|稿酬)|(?:转载|著作权|稿酬)[^。]{0,40}(?:本网|本站|本网站|本平台)|"
            r"^\S{0,12}(?:内容|版权|免责|法律)\s*声\s*明$|^(?:郑\s*重\s*)?声\s*明$"
        ),
        max_len=300,
    ),
    LineRule(
        "icon-glyphs",
        "a line of private-use characters (icon-font glyphs for share, comment, like) with at most a count beside "
        "them is a widget; private-use characters inside a sentence are kept, as old GBK pages use them for rare "
        "characters",
        re.compile(r"^[\ue000-\uf8ff][\ue000-\uf8ff\d\s]*$"),
        max_len=12,
    ),
    LineRule(
        "pager",
        "page navigation such as '第1页/共1页', '<< 上一页 | 下一页 >>' or a lone 上一页/下一页/首页/尾页",
        re.compile(
            r"^第\s*\d+\s*页\s*[/／]?\s*共\s*\d+\s*页$|^(?:<<|«)?\s*上一页\s*[|｜\s]\s*下一页\s*(?:>>|»)?$|"
            r"^[<«‹]*\s*(?:上一页|下一页|首页|尾页|末页|上页|下页)\s*[>»›]*$"
        ),
        max_len=40,
    ),
    LineRule(
        "site-footer",
        "site footers: 版权所有, 主办/承办单位, 技术支持, ICP备案, 公网安备, 网站标识码, 违法和不良信息举报电话/邮箱",
        re.compile(
            r"版权所有|主办单位|承办单位|技术支持\s*[:：]|ICP备\s*\d+|违法和不良信息举报|举报(?:电话|邮箱)\s*[:：]|公网安备\s*\d+|网站标识码|beian\.miit\.gov\.cn|Copyright\s*©?",
            re.I,
        ),
        max_len=160,
    ),
)

METADATA_RULES = {
    "bare-timestamp",
    "summary-line",
    "credit-line",
}  # lines dropped from the body that still carry metadata


def filter_lines(lines: list[str], rules: Iterable[LineRule] = LINE_RULES) -> tuple[list[str], list[Removed]]:
    """Drop junk lines: each line rule on its own line, then credential dumps judged as blocks (spam_blocks)."""
    rules = tuple(rules)
    verdicts: list[str | None] = []
    for line in lines:
        compact = line.strip()
        verdict = None
        for rule in rules:
            if (
                len(compact) <= rule.max_len
                and rule.pattern.search(compact)
                and not (rule.unless and rule.unless.search(compact))
            ):
                verdict = rule.name
                break
        verdicts.append(verdict)
    # credential dumps: judged as blocks with their neighbours, since one line like 'GB2312' proves nothing
    verdicts = judge_dumps(lines, verdicts)
    # a bare timestamp is only junk; keep it out of the body wherever it stands
    kept = [line for line, verdict in zip(lines, verdicts, strict=True) if verdict is None]
    removed = [Removed(v, line.strip()) for line, v in zip(lines, verdicts, strict=True) if v is not None]
    return kept, removed


RELATED_HEADING = re.compile(
    r"^[【\[]?(?:相关(?:报道|新闻|阅读|链接|文章|推荐)|延伸阅读|推荐阅读|热点推荐|往期回顾|往期推荐|往期精选|精彩推荐|"
    r"近期推荐|热文推荐|更多推荐|猜你喜欢|热门文章|相关搜索|热门搜索|大家都在搜)[】\]]?\s*[:：]?$"
)
HEADLINE_LINE = 60  # an item of a related-articles list is a headline, not a paragraph


def _is_headline(line: str) -> bool:
    """A list item: short, and not a sentence (headlines do not end with 。)."""
    return len(line) <= HEADLINE_LINE and not line.rstrip().endswith(("。", "；"))


# a date as list items print it: '（2024-01-02）', '2024年1月2日', '[01-02]'
_ITEM_DATE = re.compile(
    r"[(（\[【]?\s*(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{2}-\d{2})\s*[)）\]】]?"
)
DATED_LIST = 3  # dated headlines in a row that make a list of other articles
MIN_TITLE = 6  # characters of a headline besides its date
LIST_HEADING = 12  # a short unpunctuated line just above a dated list is its heading ('更多新闻')


def _dated_headline(line: str) -> bool:
    stripped = line.strip()
    date = _ITEM_DATE.search(stripped)
    return (
        bool(date)
        and _is_headline(stripped)
        and len(_ITEM_DATE.sub("", stripped).strip(" ·•-—|")) >= MIN_TITLE
    )


def _related(lines: list[str], start: int, end: int) -> tuple[list[str], list[Removed]]:
    return lines[:start] + lines[end:], [
        Removed("related-links", " / ".join(lines[start:end])[:AUDIT_EXCERPT])
    ]


def cut_related(lines: list[str]) -> tuple[list[str], list[Removed]]:
    """Drop a list of other articles, recognised by its heading or by its structure:
    - a 相关报道/延伸阅读 heading followed only by headline-length lines (the list closing the page);
    - such a heading followed by two or more headlines before the article goes on (a list inside the body);
    - three or more headlines that each carry a date, closing the body (with a short heading above them).
    A heading followed by real paragraphs (a court article quoting 相关链接), or dated sentences of a
    timeline, stay: sentences end in 。 and are no headlines."""
    headlines_from = len(lines)  # every line from here to the end is headline-length (one pass: linear)
    while headlines_from > 0 and _is_headline(lines[headlines_from - 1]):
        headlines_from -= 1
    for index in range(max(0, headlines_from - 1), len(lines)):
        if RELATED_HEADING.match(lines[index].strip()):
            return _related(lines, index, len(lines))
    for index, line in enumerate(lines):
        if RELATED_HEADING.match(line.strip()):
            end = index + 1
            while (
                end < len(lines)
                and _is_headline(lines[end])
                and not RELATED_HEADING.match(lines[end].strip())
            ):
                end += 1
            if end - index - 1 >= 2:
                return _related(lines, index, end)
    dated_from = len(lines)
    while dated_from > 0 and _dated_headline(lines[dated_from - 1]):
        dated_from -= 1
    if len(lines) - dated_from >= DATED_LIST and dated_from > 0:
        above = lines[dated_from - 1].strip()
        heading = len(above) <= LIST_HEADING and _is_heading_like(above)
        return _related(lines, dated_from - 1 if heading else dated_from, len(lines))
    return lines, []


def _is_heading_like(line: str) -> bool:
    return bool(line) and not re.search(r"[，。；！？,.;!?]", line)


def cut_page_numbers(lines: list[str]) -> tuple[list[str], list[Removed]]:
    """Drop the page numbers of a multi-page article's pager ('1', '2', '3' closing the body, once the
    上一页/下一页 words are gone): two or more bare numbers counting up from 1 are never article text."""
    end = len(lines)
    while end > 0 and re.fullmatch(r"\d{1,3}", lines[end - 1].strip()):
        end -= 1
    numbers = [int(line) for line in lines[end:]]
    if len(numbers) >= 2 and numbers == list(range(1, len(numbers) + 1)):
        return lines[:end], [Removed("pager", " ".join(lines[end:]))]
    return lines, []


# A counter set apart at either edge of a line that has other text: after a space, a separator or a sentence's end,
# or in brackets, closing the line ('法院审结一起案件 阅读：123', '……服从。点击数：88', '标题（浏览123次）'); or opening it
# before a space or a separator ('阅读123次 人民法院……'). Run into a sentence ('点击量居全省首位', '累计访问量：120万')
# it stays: there it is what the article says.
_OPEN, _CLOSE = r"[（(\[【]", r"[)）\]】]"
_TRAILING_COUNTER = re.compile(
    rf"(?:\s*[|｜/·•]\s*|\s+|(?<=[。！？!?])|\s*{_OPEN})(?:{COUNTER.pattern})\s*{_CLOSE}?\s*$"
)
_LEADING_COUNTER = re.compile(rf"^\s*{_OPEN}?(?:{COUNTER.pattern})\s*{_CLOSE}?(?:\s*[|｜/·•]\s*|\s+)(?=\S)")


def cut_edge_counters(lines: list[str]) -> tuple[list[str], list[Removed]]:
    """Cut visit counters standing at the edge of a line with other text: the count changes on every visit, so
    kept it would make each revisit a new version of an unchanged article. A line of counters and their
    companions alone is the view-counter rule's (filter_lines)."""
    kept: list[str] = []
    removed: list[Removed] = []
    for line in lines:
        if COUNTER_LINE.match(line) or counter_shaped(line):  # counters alone ('浏览量：12 | 评论：3')
            kept.append(line)
            continue
        cut = _LEADING_COUNTER.sub("", _TRAILING_COUNTER.sub("", line))
        if cut == line and (tail := trailing_counter(line)) is not None:  # a wording of the same shape
            cut = line[:tail]
        if cut != line:  # the separator that stood before the counter goes with it
            cut = cut.strip().strip("|｜/·•")
        if cut != line and cut.strip():
            removed.append(Removed("view-counter", line))
            line = cut.strip()
        kept.append(line)
    return kept, removed
