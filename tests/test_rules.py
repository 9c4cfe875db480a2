"""Each pruning rule removes its pattern, and keeps body text that only looks like it."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from crawler.extract.rules.line_rules import filter_lines
from crawler.extract.rules.node_rules import prune
from crawler.extract.text import element_lines

BODY = "<p>法院依法审理此案，判决被告人有期徒刑三年。</p>"


def pruned_text(body_html: str, head: str = "") -> tuple[str, list]:
    doc = lxml_html.document_fromstring(
        f"<html><head>{head}</head><body><div id='main'>{BODY}{body_html}</div></body></html>"
    )
    removed = prune(doc, "https://court.example.gov.cn/a.html")
    return "\n".join(element_lines(doc.body)), removed


@pytest.mark.parametrize(
    ("junk", "head"),
    [
        ('<div style="display:none">百家乐投注</div>', ""),
        ('<div style="visibility: hidden">百家乐投注</div>', ""),
        ('<div style="position:absolute;left:-9999px">百家乐投注</div>', ""),
        ('<p style="text-indent:-10000px">百家乐投注</p>', ""),
        ('<span style="font-size:0px">百家乐投注</span>', ""),
        ('<span style="font-size:0">百家乐投注</span>', ""),
        ('<div style="opacity:0">百家乐投注</div>', ""),
        ('<div style="height:0;overflow:hidden">百家乐投注</div>', ""),
        ('<div aria-hidden="true">百家乐投注</div>', ""),
        ("<div hidden>百家乐投注</div>", ""),
        ('<marquee height="1">百家乐投注</marquee>', ""),
        ('<div class="lnk">百家乐投注</div>', "<style>.lnk{display:none}</style>"),
        ('<div class="a b">百家乐投注</div>', "<style>p.x, .b { position:absolute; left:-3000px }</style>"),
        ('<div id="seo">百家乐投注</div>', "<style>#seo{visibility:hidden}</style>"),
    ],
)
def test_hidden_nodes_go(junk, head):
    text, removed = pruned_text(junk, head)
    assert "百家乐投注" not in text
    assert "判决被告人有期徒刑三年" in text
    assert any(r.rule == "hidden-node" for r in removed)


def test_a_hidden_container_holding_most_of_the_page_is_the_article_a_script_reveals():
    article = "".join(
        f"<p>第{n}段：法院依法审理了这起合同纠纷案件，判决被告支付货款及利息。</p>" for n in range(8)
    )
    spam = '<div style="display:none"><a href="http://bet.example.org/">百家乐投注</a></div>'
    text, removed = pruned_text(f'<div id="js_content" style="visibility: hidden;">{article}{spam}</div>')
    assert "第7段" in text and "百家乐投注" not in text
    assert [r.rule for r in removed] == ["hidden-node"]


def test_a_hidden_copy_of_the_visible_article_goes():
    article = "".join(
        f"<p>第{n}段：法院依法审理了这起合同纠纷案件，判决被告支付货款及利息。</p>" for n in range(8)
    )
    footer = "<p>适老版 主办单位：某某县人民政府办公室 地址：某某县人民路1号 联系电话：0000-1234567</p>" * 4
    copy = f'<div id="slb_content" style="display: none;">{article}{footer}</div>'
    text, removed = pruned_text(article + copy)
    assert text.count("第7段") == 1 and "适老版" not in text
    assert [r.rule for r in removed] == ["hidden-node"]


def test_visible_text_with_a_harmless_style_stays():
    text, _ = pruned_text(
        '<p style="font-size:16px;text-indent:2em">本院认为，被告人的行为构成开设赌场罪。</p>'
    )
    assert "构成开设赌场罪" in text


def test_gambling_link_blocks_go_but_gambling_cases_stay():
    links = "".join(
        f'<a href="http://spam{i}.example.com/">澳门新葡京{i} 百家乐 真人娱乐</a>' for i in range(4)
    )
    case = "<p>被告人在境外网站开设百家乐赌博游戏，招募会员参赌，其行为构成开设赌场罪。</p>"
    text, removed = pruned_text(f"<div class='friend'>{links}</div>{case}")
    assert "澳门新葡京" not in text
    assert "百家乐赌博游戏" in text and "开设赌场罪" in text
    assert any(r.rule == "gambling-links" for r in removed)


def test_trackers_and_chrome_go():
    junk = (
        '<script src="https://hm.baidu.com/hm.js?x"></script><script>var _hmt=[];</script>'
        '<div class="bdsharebuttonbox"><a>分享到微信</a></div><div id="qr_container">扫一扫在手机打开当前页</div>'
        '<div class="print-box">【打印本页】【关闭窗口】</div><div class="prev-next">上一篇：某文章</div>'
        '<span id="_ideConac">党政机关</span><div class="footer">版权所有 京ICP备05023036号</div>'
    )
    text, removed = pruned_text(junk)
    for gone in ("分享到微信", "扫一扫", "打印本页", "上一篇", "党政机关", "京ICP备"):
        assert gone not in text
    assert "判决被告人有期徒刑三年" in text
    assert {r.rule for r in removed} == {"page-chrome"}


def test_a_big_article_inside_a_chrome_named_wrapper_survives():
    long_body = "<p>" + "人民法院依法公正审理案件，切实维护当事人合法权益。" * 20 + "</p>"
    text, _ = pruned_text(f'<div class="main-nav-wrap">{long_body}</div>')
    assert "切实维护当事人合法权益" in text


# ---------------------------------------------------------------- line rules
KEEP = [
    "2023年4月，执行干警以迅雷不及掩耳之势强力执结11案，53.05万元执行款进入执行账户。",
    "被告人以每个5元的价格向他人出售游戏账号密码，非法获利八万余元，其行为构成侵犯公民个人信息罪。",
    "当事人可登录人民法院在线服务平台，使用账号密码完成身份认证后办理网上立案。",
    "法院经审理查明，被告人开设赌场，组织他人参与百家乐赌博，情节严重。",
    "该院于2023年7月4日公开开庭审理了此案。",
    "原告请求判令被告支付会员服务费25天共计4.5万元。",
    "本院认为，涉案作品的著作权人依法享有信息网络传播权。",
    "该案庭审直播累计观看人次达12万，点击量居全省法院首位。",
    "阅读1000次不如亲历一次庭审。",
    "该院的做法获得网友纷纷点赞。",
    # a court's report of a platform or copyright case argues with the words of a disclaimer
    "被告某网络公司辩称，其仅提供信息存储空间服务，涉案视频系用户上传并发布，平台已尽到合理注意义务。",
    "法院认为，涉案文章虽由用户上传并发布，但被告作为自媒体平台，对明显侵权内容负有审查义务。",
    "原告诉称，被告在其百家号上发布的文章未经许可转载其作品，仅代表作者观点的声明不能免责。",
    "案件审理中，被告以图片来源于网络为由抗辩，法院未予采纳。",
    "网络不是法外之地，侵权必究。",
    "被告人让被害人添加QQ：12345678后实施诈骗。",
    "法院提醒，不要轻信陌生人添加微信abc12345的请求。",
    "诉讼服务热线：12368",
    "关键词：正当防卫 防卫过当 刑事责任",  # a guiding case's own section
    "1",
    # WeChat chrome and credit look-alikes
    "当事人可扫描下方二维码进入诉讼服务平台网上立案。",
    "当事人可扫描下方二维码网上立案",
    "回复被告的质证意见，法院认为证据充分。",
    "编辑部主任张三介绍，该院今年审结案件三千余件。",
    "记者：你们是通过什么渠道获取这些信息的？",
    "来源于网络的信息应当核实后使用。",
    "法官提醒：收到“点击链接领取补贴”的短信，切勿点击。",
]
JUNK = {
    "giveaway-offer": [
        "迅雷会员25天/4.5元,独享1天0.7元,请点本站上边链接购买",
        "爱奇艺视频会员30天/9.9元，请点本站上边链接购买",
        "百度网盘会员7天/2元 独享1天0.5元",
    ],
    "contact-ad": ["加微信 vip8866 领取", "QQ群：12345678", "客服微信：abc12345"],
    "credential-header": ["随机账号密码机器码:", "账号密码如下："],
    "popup-leftover": ["会员登录关闭", "注册会员关闭", "用户登录 注册"],
    "platform-disclaimer": [
        "本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场，澎湃新闻仅提供信息发布平台。申请澎湃号请用电脑访问。",
        "特别声明：以上内容(如有图片或视频亦包括在内)为自媒体平台“网易号”用户上传并发布，本平台仅提供信息存储服务。",
        "声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。",
        "本文由百家号作者上传并发布，百家号仅提供信息发布平台。文章仅代表作者个人观点，不代表百度立场。",
        "本文来自头条号作者，仅代表作者观点，不代表今日头条立场。",
        "本文由大鱼号作者发布，仅代表作者观点，不代表UC立场。",
        "本文来自新浪号作者，不代表新浪网的观点和立场。",
        "Notice: The content above (including the pictures and videos if any) is uploaded and posted by a user of "
        "NetEase Hao, which is a social media platform and only provides information storage services.",
    ],
    "stance-disclaimer": [
        "【免责声明】本文仅代表作者本人观点，与本网无关。",
        "本文仅代表作者个人观点，不代表本院立场。",
        "版权声明：本文内容由互联网用户自发贡献，该文观点仅代表作者本人。",
    ],
    "takedown-notice": [
        "本文转载自微信公众号“某某法律”，版权归原作者所有，如有侵权请联系删除。",
        "声明：本文来源于网络，仅供学习交流，如有侵权请联系删除。",
        "如有侵权，请联系删除。",
        "图片均来自网络",
    ],
    "icon-glyphs": ["\ue60e4", "\ue602"],
    "bare-timestamp": ["2023年07月04日 17:22:47", "2024-01-02 03:04"],
    "summary-line": ["摘要: 在庆祝中国成立102周年之际,一条喜讯传来", "【导读】法院发布典型案例"],
    "print-share-chrome": [
        "【打印本页】 【关闭窗口】",
        "字号：大 | 中 | 小",
        "【字体：大 中 小】",
        "分享到：",
        "扫一扫在手机打开当前页",
        "上一篇：法院召开会议",
        "当前位置：首页 > 法院新闻",
        "您所在的位置：",
        "标签：法院 执行 典型案例",
        "首页 >",
    ],
    "view-counter": [
        "浏览次数：1024",
        "您是本文第 154 个阅览者",
        "你是第 344522 位访问者",
        "本文已被阅读 56 次",
        "阅读量 2381",
    ],
    "site-footer": [
        "版权所有：最高人民法院",
        "京ICP备05023036号",
        "京公网安备11010102000001号",
        "网站标识码：1234567890",
        "违法和不良信息举报电话：010-12345678",
    ],
    "reprint-notice": ["未经本网书面授权，不得转载、摘编或以其他方式使用。", "转载请注明出处", "免责声明"],
    "pager": ["第1页/共3页", "<< 上一页 | 下一页 >>", "上一页", "下一页 >>"],
    "wechat-chrome": [
        "继续滑动看下一个",
        "向上滑动看下一个",
        "轻触阅读原文",
        "微信扫一扫关注该公众号",
        "扫描下方二维码关注我们",
        "微信扫一扫可打开此内容，使用完整服务",
        "1. 回复【立案】查看网上立案指南",
        "回复“诉讼费”即可查看收费标准",
        "点击菜单栏【诉讼服务】了解更多",
        "预览时标签不可点",
        "分享 收藏 在看 写留言",
        "点击上方“某某法院”关注我们",
        "喜欢此内容的人还喜欢",
    ],
    "credit-line": [
        "编辑|林小溪 责编|周大川 校对|吴一凡 来源|某某区人民法院",
        "文：张三 图：李四",
        "来源：某某区人民法院",
        "责编｜周大川",
        "编辑：林小溪 审核：王五",
    ],
    "platform-chrome": [
        "举报/反馈",
        "返回搜狐，查看更多",
        "打开网易新闻 查看精彩图片",
        "阅读原文",
        "展开全文",
        "看都看完了，点【在看】试试",
        "长按识别二维码",
        "点击上方蓝字关注",
    ],
}


@pytest.mark.parametrize("line", KEEP)
def test_body_that_looks_like_junk_stays(line):
    kept, removed = filter_lines([line])
    assert kept == [line], removed


@pytest.mark.parametrize(("rule", "line"), [(rule, line) for rule, lines in JUNK.items() for line in lines])
def test_junk_lines_go_with_their_rule(rule, line):
    kept, removed = filter_lines(["法院依法审理此案。", line])
    assert kept == ["法院依法审理此案。"]
    assert [r.rule for r in removed] == [rule]


def test_credential_lines_need_company():
    body = ["法院依法审理此案。", "GB2312", "判决如下。"]
    assert filter_lines(body)[0] == body  # one token line alone proves nothing
    spam = ["随机账号密码机器码:", "64DZ605leV5 YM81gy780Bphi", "12H ZW33vb3"]
    kept, removed = filter_lines(["判决如下。", *spam])
    assert kept == ["判决如下。"] and [r.rule for r in removed] == [
        "credential-header",
        "credential-lines",
        "credential-lines",
    ]
    run = ["判决如下。", "38CD338cbY0 WI70co662Hq", "42OS GL95yi436"]
    assert filter_lines(run)[0] == ["判决如下。"]


def test_a_trailing_related_list_goes_but_a_mid_body_heading_stays():
    from crawler.extract.rules.line_rules import cut_related

    body = ["法院依法审理此案。", "判决如下。"]
    related = ["相关报道：", "·法院审结一起借款纠纷案（2024-01-02）", "·法院召开党组会议（2024-01-03）"]
    kept, removed = cut_related(body + related)
    assert kept == body and [r.rule for r in removed] == ["related-links"]
    mid = [
        "相关链接：",
        "本案中，原告主张被告应当承担违约责任，并提交了大量证据材料证明其主张，法院经审理后对上述证据予以采纳。",
    ]
    assert cut_related(body + mid)[0] == body + mid
    seo = ["相关搜索", "网上百家乐", "澳门赌场官网", "法院新闻"]  # keyword stuffing under a search heading
    assert cut_related(body + seo)[0] == body


def test_related_lists_are_recognised_by_structure():
    from crawler.extract.rules.line_rules import cut_related

    body = ["法院依法审理此案，判决被告支付货款。", "判决已生效。"]
    dated = [
        "某法院召开党组会议（2024-01-02）",
        "某法院开展普法宣传活动 2024-01-03",
        "某法院审结一起借款纠纷案[01-05]",
    ]
    assert cut_related([*body, "更多新闻", *dated])[0] == body  # no related heading: three dated headlines
    assert cut_related([*body, *dated])[0] == body
    inside = [body[0], "延伸阅读", "某法院召开党组会议", "某法院开展普法宣传活动", body[1]]
    assert cut_related(inside)[0] == body  # a headed list inside the body
    timeline = ["2021年3月5日 立案受理", "2021年6月7日 公开开庭", "2021年9月1日 宣判"]
    assert cut_related([*body, *timeline])[0] == [
        *body,
        *timeline,
    ]  # a case's timeline is no list of articles
    sentences = ["2021年3月5日，法院立案受理。", "2021年6月7日，公开开庭审理。", "2021年9月1日，依法宣判。"]
    assert cut_related([*body, *sentences])[0] == [*body, *sentences]
    assert cut_related([*body, *dated[:2]])[0] == [*body, *dated[:2]]  # two dated lines are not yet a list


def test_credit_lines_give_editor_and_source():
    from crawler.extract import metadata as meta

    line = "编辑|林小溪 责编|周大川 校对|吴一凡 来源|某某区人民法院"
    assert meta.find_editor(line) == "周大川"  # the responsible editor, before a plain 编辑
    assert meta.find_source(line) == "某某区人民法院"
    assert meta.find_editor("编辑：林小溪") == "林小溪"


def test_the_page_numbers_of_a_pager_close_no_body():
    from crawler.extract.rules.line_rules import cut_page_numbers

    body = ["法院依法审理此案，判决被告人有期徒刑三年。"]
    assert cut_page_numbers([*body, "1", "2", "3"])[0] == body
    assert cut_page_numbers([*body, "2019"])[0] == [*body, "2019"]  # a lone number may be text
    assert cut_page_numbers([*body, "3", "1"])[0] == [*body, "3", "1"]  # not counting up from 1


# every counter wording of the rule table, as sites print it (alone, or with its companions on the line)
COUNTER_EXAMPLES = {
    "您是第N个访问者": ["您是本文第 154 个阅览者", "你是第 344522 位访问者"],
    "已被阅读N次": ["本文已被阅读 56 次", "已浏览 1,024 次"],
    "已有N人阅读": ["已有1234人阅读", "已有 3.2万 人浏览"],
    "阅读/浏览/点击/访问(次数/量/数)：N": [
        "阅读 2381",
        "阅读：56",
        "浏览量：123 | 评论：4",
        "阅读数 1.2万",
        "点击数：88",
        "访问量：12",
        "浏览次数：1024",
        "阅读(1024)",
        "【字体：大 中 小】 浏览次数：123 【打印】",
    ],
    "浏览次数：(empty, filled by a script)": ["浏览次数：", "点击量："],
    "N 阅读": ["10万+ 阅读", "2381 浏览"],
    "人气/热度：N": ["人气：88", "热度 999"],
    "N views": ["1,024 views", "37 reads"],
}
COUNTER_LOOK_ALIKES = [
    "本案阅卷笔录共计300余页，合议庭逐页审查。",
    "旁听群众达200人次。",
    "旁听群众达200人次",
    "阅读理解",
    "浏览",
    "点击量居全省法院首位",
    "该案庭审直播累计观看人次达12万，点击量居全省法院首位。",
    "2381",
]


def test_every_counter_wording_has_examples():
    from crawler.extract.rules.line_rules import VIEW_COUNTER_WORDINGS

    assert set(COUNTER_EXAMPLES) == {name for name, _ in VIEW_COUNTER_WORDINGS}


@pytest.mark.parametrize("line", [line for lines in COUNTER_EXAMPLES.values() for line in lines])
def test_counter_lines_go(line):
    kept, removed = filter_lines(["法院依法审理此案。", line])
    assert kept == ["法院依法审理此案。"]
    assert [r.rule for r in removed] in (["view-counter"], ["print-share-chrome"])


@pytest.mark.parametrize("line", COUNTER_LOOK_ALIKES)
def test_counter_look_alikes_stay(line):
    assert filter_lines([line])[0] == [line]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("法院审结一起案件 阅读：123", "法院审结一起案件"),
        ("法院审结一起案件（浏览123次）", "法院审结一起案件"),
        ("当事人对判决结果表示服从。点击数：88", "当事人对判决结果表示服从。"),
        ("来源：某某法院 | 浏览量：1,024", "来源：某某法院"),
        ("阅读123次 人民法院依法审理了这起案件。", "人民法院依法审理了这起案件。"),
        ("【阅读 10万+】 人民法院依法审理了这起案件。", "人民法院依法审理了这起案件。"),
    ],
)
def test_a_counter_at_the_edge_of_a_line_is_cut_and_the_rest_kept(line, kept):
    from crawler.extract.rules.line_rules import cut_edge_counters

    lines, removed = cut_edge_counters(["法院依法审理此案。", line])
    assert lines == ["法院依法审理此案。", kept]
    assert [(r.rule, r.text) for r in removed] == [("view-counter", line)]


@pytest.mark.parametrize(
    "line",
    [
        *COUNTER_LOOK_ALIKES,
        "截至目前，平台累计访问量：120万",  # run into the sentence: what the article says
        "该视频在网上被浏览10万次，引发热议。",
        "浏览次数：1024",  # a whole counter line is the view-counter rule's
        "浏览量：12 | 评论：3",  # and so is one with its companions
    ],
)
def test_a_counter_inside_a_sentence_or_alone_is_left_to_the_other_rules(line):
    from crawler.extract.rules.line_rules import cut_edge_counters

    assert cut_edge_counters([line]) == ([line], [])


def test_the_lines_after_a_whole_counter_line_are_still_cut_at_their_edges():
    from crawler.extract.rules.line_rules import cut_edge_counters

    lines, removed = cut_edge_counters(
        ["浏览量：12 | 评论：3", "法院审结一起案件 阅读：123", "法院依法审理此案。"]
    )
    assert lines == ["浏览量：12 | 评论：3", "法院审结一起案件", "法院依法审理此案。"]
    assert [r.text for r in removed] == ["法院审结一起案件 阅读：123"]
