"""Pages written for courtnews, one a pattern of platform end-matter, related-article blocks and split bodies
(crawler/extract/rules/end_matter.py, related_links.py, whole_body.py), modelled on the layouts described in
../shared/notes/court-sites.md and real-sites.md: 澎湃号 posts reposted from WeChat, 头条号/百家号/网易号 reposts,
portal and court pages with lists of other articles, and bodies split by images or into two containers.

Each page has its truth (the article's paragraphs), phrases that must survive, phrases that must be gone, and
traps: pages whose article text only looks like the junk and must stay whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlatformPage:
    name: str
    html: str
    paragraphs: list[str]  # the article, in order; its last one must survive
    must_not: list[str] = field(default_factory=list)
    must: list[str] = field(default_factory=list)  # besides the paragraphs (attachments' names)
    family: str | None = None
    expect: dict[str, str] = field(default_factory=dict)  # metadata: editor, source_name, published

    @property
    def truth(self) -> str:
        return "\n".join(self.paragraphs)


PARAS = [
    "近日，某县人民法院审结一起民间借贷纠纷案件，判决被告于判决生效之日起十日内归还原告借款本金五万元及利息。",
    "原告诉称，被告因经营需要向其借款，约定一年内归还，到期后经多次催要，被告以资金紧张为由拒不还款。",
    "法院审理认为，原、被告之间的借贷关系有借条及银行转账记录为证，事实清楚，合法有效，应受法律保护。",
    "被告未按约定期限归还借款，构成违约，应当承担归还借款本金并支付逾期利息的民事责任。",
    "承办法官提醒，民间借贷应当签订书面借款合同，通过银行转账交付款项，并妥善保存相关凭证，以免发生纠纷时举证困难。",
]
CLOSING = "法官同时提示，借款到期后出借人应及时主张权利，避免超过诉讼时效期间而丧失胜诉权。"


def _shell(title: str, inner: str, head: str = "", after: str = "") -> str:
    """A portal page: header menu, the article block, then what follows it on the page, then a footer."""
    menu = "".join(f'<li><a href="/col/{i}/">栏目{i}</a></li>' for i in range(1, 9))
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
        f"<div class='top'><ul>{menu}</ul></div>"
        f"<div class='main'><div class='article'><h1>{title}</h1>"
        f"<div class='info'>发布时间：2024-05-06 09:30 来源：某县人民法院</div>{inner}</div>{after}</div>"
        "<div class='bottom'>某县人民法院 版权所有 ICP备12345678号</div></body></html>"
    )


def _ps(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _next_data(title: str, content: str) -> str:
    data = {
        "props": {
            "pageProps": {
                "detailData": {
                    "contentDetail": {
                        "name": title,
                        "content": content,
                        "pubTime": "2024-05-06 09:30",
                        "nodeInfo": {"name": "某县人民法院"},
                    }
                }
            }
        }
    }
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_澎湃号·政务_澎湃新闻</title></head><body>"
        f"<div id='__next'><h1>{title}</h1></div>"
        f"<script id='__NEXT_DATA__' type='application/json'>{json.dumps(data, ensure_ascii=False)}</script>"
        "</body></html>"
    )


WECHAT_CLOSING = [
    "预览时标签不可点",
    "微信扫一扫关注该公众号",
    "继续滑动看下一个",
    "轻触阅读原文",
    "某县法院微讯",
    "向上滑动看下一个",
    "知道了",
    "微信扫一扫使用小程序",
    "取消 允许",
    "视频 小程序 赞，轻点两下取消赞 在看，轻点两下取消在看",
    "分享 留言 收藏",
]


def pengpai_wechat_repost() -> PlatformPage:
    """A 澎湃号 post reposted from WeChat: 原标题 on top, the credit chain, WeChat's whole closing block with the
    account's name inside it, then 澎湃号's own disclaimer."""
    title = "借钱不还被起诉 法院判决归还本息"
    content = (
        "<p>原标题：《借了五万元一拖再拖，法院：还！》</p>"
        + _ps([*PARAS, CLOSING])
        + "<p>责任编辑：张晓明 校对：李华</p>"
        + "".join(f"<p>{line}</p>" for line in WECHAT_CLOSING)
        + "<p>本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场，"
        "澎湃新闻仅提供信息发布平台。申请澎湃号请用电脑访问http://renzheng.thepaper.cn。</p>"
        "<p>打开澎湃新闻APP，阅读体验更佳</p>"
    )
    return PlatformPage(
        "pengpai-wechat-repost",
        _next_data(title, content),
        [*PARAS, CLOSING],
        must_not=[
            "原标题",
            "继续滑动看下一个",
            "轻触阅读原文",
            "某县法院微讯",
            "向上滑动看下一个",
            "轻点两下",
            "分享留言收藏",
            "责任编辑",
            "申请澎湃号",
            "阅读体验更佳",
        ],
        expect={"editor": "张晓明"},
    )


def wechat_closing_in_page() -> PlatformPage:
    """The same WeChat closing block copied into a portal page's article container (a farm or portal copy)."""
    inner = "<div class='content'>" + _ps([*PARAS, CLOSING]) + _ps(WECHAT_CLOSING) + "</div>"
    return PlatformPage(
        "wechat-closing-in-page",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["继续滑动看下一个", "轻触阅读原文", "某县法院微讯", "微信扫一扫", "轻点两下"],
    )


def toutiao_repost() -> PlatformPage:
    """A 头条号 repost: （原标题：…） under the title, the account's self-promotion and app call after the body."""
    inner = (
        "<div class='article-content'><p>（原标题：借款五万拖欠三年 法院判了）</p>"
        + _ps([*PARAS, CLOSING])
        + "<p>本文由法治小课堂原创，欢迎关注，带你一起长知识！</p>"
        "<p>打开今日头条APP，查看更多</p><p>（责编：王五、赵六）</p></div>"
    )
    return PlatformPage(
        "toutiao-repost",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["原标题", "欢迎关注", "今日头条APP", "责编"],
    )


def baijiahao_repost() -> PlatformPage:
    """A 百家号 repost: a follow call, 作者最新文章 and a list of the author's other headlines, all links."""
    others = "".join(
        f"<li><a href='https://baijiahao.baidu.com/s?id=17{n}'>{t}</a></li>"
        for n, t in enumerate(
            ["离婚时彩礼要不要返还法院这样判", "邻居漏水损坏装修谁来赔偿", "网购遇到假货如何维权"]
        )
    )
    inner = (
        "<div class='article-content'>"
        + _ps([*PARAS, CLOSING])
        + "<p>关注我，每天分享身边的法律知识</p><p>作者最新文章</p>"
        + f"<ul>{others}</ul></div>"
    )
    return PlatformPage(
        "baijiahao-repost",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["关注我", "作者最新文章", "彩礼要不要返还", "网购遇到假货"],
    )


def netease_follow_call() -> PlatformPage:
    """A portal's follow call and account card after the body (网易/新浪 style) and an empty 责任编辑 label."""
    inner = (
        "<div class='post_body'>"
        + _ps([*PARAS, CLOSING])
        + "<p>我要反馈</p><p>某某新闻公众号</p><p>更多猛料！欢迎扫描左方二维码关注某某新闻官方微信（mouxinwen）</p>"
        "<p>责任编辑：</p></div>"
    )
    return PlatformPage(
        "netease-follow-call",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["我要反馈", "某某新闻公众号", "更多猛料", "责任编辑"],
    )


def _dated_links(headlines: list[str]) -> str:
    return "".join(
        f"<li><a href='/news/2024/0{n + 1}/{n}.html'>{h}</a><span>2024-0{n + 1}-1{n}</span></li>"
        for n, h in enumerate(headlines)
    )


OTHER_HEADLINES = [
    "某县法院召开2024年党风廉政建设工作会议",
    "某县法院开展“法律进乡村”普法宣传活动",
    "某县法院审结一起涉农民工工资纠纷案件",
    "某县法院执行局开展集中执行专项行动",
]


def unlabelled_link_list() -> PlatformPage:
    """A list of other articles inside the body whose heading is no related-list word (法院动态) and whose items
    carry no date: removed by its shape (headline-length links holding the block's text), not by a heading."""
    links = "".join(f"<li><a href='/news/{n}.html'>{h}</a></li>" for n, h in enumerate(OTHER_HEADLINES))
    inner = (  # inside the recipe's container (div.article-content), where no density choice leaves it out
        "<div class='article-content'>"
        + _ps(PARAS[:3])
        + f"<div><strong>法院动态</strong><ul>{links}</ul></div>"
        + _ps([*PARAS[3:], CLOSING])
        + "</div>"
    )
    return PlatformPage(
        "unlabelled-link-list",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=OTHER_HEADLINES,
    )


def related_inside_body() -> PlatformPage:
    """延伸阅读 links in the middle of the body, the article going on after them."""
    links = "".join(f"<p><a href='/a/{n}.html'>{h}</a></p>" for n, h in enumerate(OTHER_HEADLINES[:3]))
    inner = (
        "<div class='article-content'>"
        + _ps(PARAS[:3])
        + "<p>延伸阅读</p>"
        + links
        + _ps([*PARAS[3:], CLOSING])
        + "</div>"
    )
    return PlatformPage(
        "related-inside-body",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["延伸阅读", *OTHER_HEADLINES[:3]],
    )


def dated_headlines_as_text() -> PlatformPage:
    """A list of other articles printed as plain lines (no links, as a WeChat post copies it) in the middle of
    the body: headlines with a date at their edge, three in a row, no sentence among them."""
    listed = [f"{h} 2024-0{n + 1}-1{n}" for n, h in enumerate(OTHER_HEADLINES[:3])]
    inner = (
        "<div class='article-content'>" + _ps(PARAS[:3]) + _ps(listed) + _ps([*PARAS[3:], CLOSING]) + "</div>"
    )
    return PlatformPage(
        "dated-headlines-as-text",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=OTHER_HEADLINES[:3],
    )


def recommendation_cards() -> PlatformPage:
    """为你推荐 cards closing the body: a headline link and a one-sentence teaser under each."""
    cards = "".join(
        f"<div><a href='/a/{n}.html'>{h}</a><p>{t}</p></div>"
        for n, (h, t) in enumerate(
            [
                (OTHER_HEADLINES[0], "会议总结了过去一年的工作，部署了今年的重点任务。"),
                (OTHER_HEADLINES[1], "干警们走进田间地头，为村民讲解土地承包相关法律。"),
                (OTHER_HEADLINES[2], "法院依法判决用工单位支付拖欠的工资。"),
            ]
        )
    )
    inner = "<div class='content'>" + _ps([*PARAS, CLOSING]) + f"<p>为你推荐</p>{cards}</div>"
    return PlatformPage(
        "recommendation-cards",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        must_not=["为你推荐", *OTHER_HEADLINES[:3], "干警们走进田间地头"],
    )


def split_by_image() -> PlatformPage:
    """The article in two blocks with a photo and its caption between them: the density choice takes the first,
    which holds more than four fifths of the text; the closing paragraphs are in the second."""
    first = "<div class='part'>" + _ps(PARAS * 2) + "</div>"
    picture = "<div class='pic'><img src='/img/1.jpg'><p>图为庭审现场</p></div>"
    second = "<div class='part'>" + _ps([CLOSING]) + "</div>"
    inner = f"<div class='content'>{first}{picture}{second}</div>"
    after = "<div class='more'><h3>热点推荐</h3><ul>" + _dated_links(OTHER_HEADLINES) + "</ul></div>"
    return PlatformPage(
        "split-by-image",
        _shell("借钱不还被起诉 法院判决归还本息", inner + after),
        [*PARAS, *PARAS, CLOSING],
        must_not=["图为庭审现场", *OTHER_HEADLINES],
    )


def two_editor_containers() -> PlatformPage:
    """A TRS page whose body sits in two div.TRS_Editor blocks with a video between them."""
    inner = (
        "<div class='TRS_Editor'>"
        + _ps(PARAS)
        + "</div><div class='video'><video src='/v/1.mp4'></video></div>"
        "<div class='TRS_Editor'>" + _ps([CLOSING]) + "</div>"
    )
    return PlatformPage(
        "two-editor-containers",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [*PARAS, CLOSING],
        family="govcms",
    )


# ---------------------------------------------------------------- traps: text that only looks like the junk
TIMELINE = [
    "2023年3月1日，原告向法院提起诉讼，请求判令被告归还借款。",
    "2023年4月12日，法院公开开庭审理此案，被告到庭参加诉讼。",
    "2023年5月20日，法院作出一审判决，被告当庭表示服判息诉。",
]
TRAP_LINKS = (
    "相关链接：根据《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》，出借人请求借款人按照合同约定利率支付利息的，"
    "人民法院应予支持，但是双方约定的利率超过合同成立时一年期贷款市场报价利率四倍的除外。"
)


def trap_quoted_links_and_timeline() -> PlatformPage:
    """A court article that quotes 相关链接 as a paragraph, prints a timeline of dated sentences and ends with a
    short slogan and its attachments: all of it is the article."""
    attachments = (
        "<p>附件：</p><ul><li><a href='/files/1.pdf'>民间借贷纠纷典型案例一览表</a></li>"
        "<li><a href='/files/2.docx'>民间借贷合同示范文本下载</a></li>"
        "<li><a href='/files/3.pdf'>诉讼风险提示书全文下载</a></li></ul>"
    )
    paragraphs = [*PARAS[:2], *TIMELINE, TRAP_LINKS, CLOSING]
    inner = "<div class='content'>" + _ps(paragraphs) + attachments + "</div>"
    return PlatformPage(
        "trap-quoted-links-and-timeline",
        _shell("借钱不还被起诉 法院判决归还本息", inner),
        [
            *paragraphs,
            "附件：",
            "民间借贷纠纷典型案例一览表",
            "民间借贷合同示范文本下载",
            "诉讼风险提示书全文下载",
        ],
    )


def trap_comments_after_body() -> PlatformPage:
    """Comments after the article with relative times: the whole-body look past the choice must not take them."""
    comments = "".join(
        f"<div class='c'><div><a href='/u/{n}'>{u}</a> {t}</div><div>{x}</div></div>"
        for n, (u, t, x) in enumerate(
            [
                (
                    "路过的网友",
                    "5小时前",
                    "借钱一定要打借条，这个案子给大家提了个醒，出借人也要保存好转账记录。",
                ),
                ("法律爱好者", "3小时前", "判得好，欠债还钱天经地义，希望被告早日履行判决确定的义务。"),
            ]
        )
    )
    inner = "<div class='content'>" + _ps([*PARAS, CLOSING]) + "</div>"
    return PlatformPage(
        "trap-comments-after-body",
        _shell("借钱不还被起诉 法院判决归还本息", inner, after=f"<div class='talk'>{comments}</div>"),
        [*PARAS, CLOSING],
        must_not=["借钱一定要打借条", "欠债还钱天经地义"],
    )


PLATFORM_PAGES: dict[str, Callable[[], PlatformPage]] = {
    make().name: make
    for make in (
        pengpai_wechat_repost,
        wechat_closing_in_page,
        toutiao_repost,
        baijiahao_repost,
        netease_follow_call,
        unlabelled_link_list,
        related_inside_body,
        dated_headlines_as_text,
        recommendation_cards,
        split_by_image,
        two_editor_containers,
        trap_quoted_links_and_timeline,
        trap_comments_after_body,
    )
}
