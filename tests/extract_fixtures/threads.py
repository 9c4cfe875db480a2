"""Pages of posts in several forum and comment families, written for courtnews (modelled on Discuz, phpwind,
百度贴吧, a court's 留言/问政 board and a blog with comments), each with its truth: the opening post is the
body, every reply a comment with author, time and text."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Post:
    author: str
    time: str  # as the page prints it: "2024-06-01 10:12"
    text: list[str]  # paragraphs


@dataclass(frozen=True)
class ThreadPage:
    name: str
    html: str
    opening: Post
    replies: list[Post]

    @property
    def truth(self) -> str:
        """What a reader came for: the opening post and every reply, in page order."""
        return "\n".join(line for post in [self.opening, *self.replies] for line in post.text)


TITLE = "邻居装修噪音扰民，法院判了"
POSTS = [
    Post(
        "清风徐来",
        "2024-06-01 10:12",
        [
            "楼上邻居装修三个月，每天早上七点就开始电钻，我多次沟通无果，最后起诉到法院。",
            "法院审理认为，被告装修时间超出物业规定，构成噪声侵权，判决赔偿精神损害抚慰金两千元并赔礼道歉。",
        ],
    ),
    Post(
        "老陈说法",
        "2024-06-01 11:03",
        ["装修噪音属于相邻关系纠纷，先找物业和居委会调解，留存录音和分贝检测记录很重要。"],
    ),
    Post(
        "路过的法学生",
        "2024-06-01 12:47",
        ["支持楼主维权，这个判决让大家知道装修也要守规矩，不能影响邻居的正常休息。"],
    ),
    Post(
        "夜猫子",
        "2024-06-02 08:30",
        [
            "请问精神损害抚慰金一般判多少？我们这边也有类似情况，邻居半夜还在敲墙。",
            "有没有律师朋友给点建议，需要准备哪些证据材料？",
        ],
    ),
    Post(
        "某律所小王",
        "2024-06-02 09:15",
        ["数额要看侵权持续时间和影响程度，建议先报警留下出警记录，再委托检测机构出具噪声检测报告。"],
    ),
]


def _p(lines: list[str]) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in lines)


def _br(lines: list[str]) -> str:
    return "<br>\n".join(html.escape(line) for line in lines)


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<div class='top'><a href='/'>首页</a> <a href='/login'>登录</a> <a href='/reg'>注册</a></div>{body}"
        "<div class='foot'>Copyright © 2024 某某社区 版权所有 京ICP备00000000号</div></body></html>"
    )


def _forum(family: str, title: str, heading: str, posts: str) -> ThreadPage:
    """A forum thread of POSTS: the opening post, then the replies."""
    return ThreadPage(family, _page(title, heading + posts), POSTS[0], POSTS[1:])


def discuz() -> ThreadPage:
    floors = ["楼主", "沙发", "板凳", "地板", "5#"]
    posts = "".join(
        f"""<table class="plhin" id="pid{n}"><tr>
<td class="pls"><div class="authi"><a href="/space-uid-{n}.html" class="xw1">{p.author}</a></div>
<dl><dt>帖子</dt><dd>{n * 37}</dd><dt>积分</dt><dd>{n * 120}</dd></dl></td>
<td class="plc"><div class="pi"><strong>{floors[n]}</strong><div class="authi"><em>发表于 {p.time}</em>
<a href="#">只看该作者</a></div></div>
<div class="pct"><div class="t_fsz"><table><tr><td class="t_f" id="postmessage_{n}">{_br(p.text)}</td></tr></table></div></div>
<div class="po"><a href="#">回复</a> <a href="#">举报</a></div></td></tr></table>"""
        for n, p in enumerate(POSTS)
    )
    return _forum("discuz", f"{TITLE} - 法律讨论区", f"<h1>{TITLE}</h1>", f"<div id='postlist'>{posts}</div>")


def phpwind() -> ThreadPage:
    posts = "".join(
        f"""<div class="read_t"><table class="floot"><tr>
<td class="floot_left"><div class="readName"><a href="u.php?uid={n}">{p.author}</a></div><div>级别: 新手上路</div></td>
<td class="floot_right"><div class="tipTop"><span class="fr">{n + 1}楼</span><span>发表于: {p.time}</span></div>
<div class="tpc_content"><div class="f14" id="read_{n}">{_p(p.text)}</div></div>
<div class="tipBottom"><a href="#">引用</a> <a href="#">回复</a></div></td></tr></table></div>"""
        for n, p in enumerate(POSTS)
    )
    return _forum("phpwind", f"{TITLE}|法律天地", f"<h1 id='subject_tpc'>{TITLE}</h1>", posts)


def tieba() -> ThreadPage:
    posts = "".join(
        f"""<div class="l_post j_l_post"><div class="d_author"><ul class="p_author"><li class="d_name">
<a class="p_author_name j_user_card" href="/home/main?un={n}">{p.author}</a></li><li class="l_badge">吧务</li></ul></div>
<div class="d_post_content_main"><div class="p_content"><div class="d_post_content j_d_post_content">{_br(p.text)}</div></div>
<div class="core_reply"><div class="post-tail-wrap"><span class="tail-info">来自Android客户端</span>
<span class="tail-info">{n + 1}楼</span><span class="tail-info">{p.time}</span><a href="#">回复</a></div></div></div></div>"""
        for n, p in enumerate(POSTS)
    )
    return _forum(
        "tieba",
        f"{TITLE}【法律吧】_百度贴吧",
        f"<h3 class='core_title_txt'>{TITLE}</h3>",
        f"<div class='p_postlist'>{posts}</div>",
    )


BOARD = [
    Post(
        "张先生",
        "2024-05-20 09:30",
        ["我的民间借贷案件已经判决生效半年，对方一直不履行，请问如何申请强制执行？需要提交哪些材料？"],
    ),
    Post(
        "某县人民法院",
        "2024-05-22 15:10",
        [
            "您好，判决生效后对方未履行的，您可以向一审法院申请强制执行，提交执行申请书、生效法律文书和身份证明。",
            "您也可以通过人民法院在线服务平台网上申请，具体可拨打诉讼服务热线咨询。感谢您的留言。",
        ],
    ),
    Post(
        "某县人民法院执行局",
        "2024-05-23 10:00",
        ["补充答复：申请执行的期间为两年，从法律文书规定履行期间的最后一日起计算，请您及时申请。"],
    ),
]


def court_board() -> ThreadPage:
    items = "".join(
        f"""<div class="msg-item"><div class="msg-head"><span class="msg-name">{"留言人" if n == 0 else "回复单位"}：{p.author}</span>
<span class="msg-time">{"留言时间" if n == 0 else "回复时间"}：{p.time}</span></div>
<div class="msg-body">{_p(p.text)}</div></div>"""
        for n, p in enumerate(BOARD)
    )
    page = _page(
        "如何申请强制执行_网上留言_某县人民法院",
        f"<div class='crumb'>当前位置：首页 &gt; 互动交流 &gt; 网上留言</div><h2>如何申请强制执行</h2><div class='msg-list'>{items}</div>",
    )
    return ThreadPage("court-board", page, BOARD[0], BOARD[1:])


def blog_with_comments() -> ThreadPage:
    article = Post(
        "法官手记",
        "2024-07-09 16:20",
        [
            "7月8日，我们把审判庭搬到了村委会的院子里，公开审理了一起土地承包经营权纠纷案件。",
            "两户村民因承包地边界争执多年，庭审中我们结合承包合同和测绘图，逐项核对争议地块。",
            "经过释法析理，双方当庭达成调解协议，重新确认了地界，旁听的村民说比听十次讲座都管用。",
        ],
    )
    comments = [
        Post(
            "江南网友", "2024-07-09 17:02", ["这样的巡回审判应该多搞，老百姓打官司不用跑县城，既省钱又省事。"]
        ),
        Post("北方网友", "2024-07-09 18:15", ["土地纠纷最难调解，法官能当场化解，确实不容易，辛苦了。"]),
        Post("匿名网友", "2024-07-09 20:41", ["我们村也有类似的边界纠纷，请问能不能申请法院来村里开庭？"]),
    ]
    stream = "".join(
        f"""<li class="comment-item"><div class="comment-meta"><span class="comment-author">{c.author}</span>
<span class="comment-date">{c.time}</span></div><div class="comment-content">{_p(c.text)}</div>
<div class="comment-reply"><a href="#">回复</a></div></li>"""
        for c in comments
    )
    body = (
        f"<div class='post'><h1 class='entry-title'>巡回审判进村记</h1><div class='entry-meta'>{article.author} 发表于 "
        f"{article.time}</div><div class='entry-content'>{_p(article.text)}</div></div>"
        f"<div id='comments'><h3>{len(comments)} 条评论</h3><ol class='comment-list'>{stream}</ol></div>"
    )
    return ThreadPage("blog-comments", _page("巡回审判进村记 | 一位法官的博客", body), article, comments)


THREAD_PAGES: dict[str, Callable[[], ThreadPage]] = {
    "discuz": discuz,
    "phpwind": phpwind,
    "tieba": tieba,
    "court-board": court_board,
    "blog-comments": blog_with_comments,
}
