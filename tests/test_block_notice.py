"""A firewall's block notice served inside the site's full chrome (menus, a footer, the article's title) is no
article and no removal: it is recognised by the main text extraction chose (refusals.check_block_notice),
whatever surrounds it, while an article that reports a blocked transfer or a firewall is kept."""

from __future__ import annotations

import time

import pytest
import sqlite_utils

from crawler.extract import detect_challenge, extract_html
from crawler.extract.rules.refusals import BlockNotice, check_block_notice

URL = "http://court.invalid/xwzx/t20230704_101.html"
TITLE = "县法院召开执行工作推进会"
# the chrome of a county court's site: a menu of links, a column list, a footer of plain text. Far more text
# than a bare block page has (challenge.BLOCK_PAGE_TEXT), so only the main text can tell.
MENU = (
    "<div class='nav'>" + "".join(f"<a href='/c/{n}'>法院栏目{n}新闻动态</a>" for n in range(90)) + "</div>"
)
FOOTER = (
    "<div class='foot'><p>主办单位：某某县人民法院 地址：某某县人民路100号 邮编：730000</p>"
    "<p>联系电话：0931-1234567 网站标识码：1234567890 陇ICP备12345号</p>"
    "<p>本网站由某某县人民法院办公室负责维护，建议使用1920×1080分辨率浏览，欢迎社会各界对法院工作提出意见建议。"
    "诉讼服务热线12368为当事人提供案件查询、联系法官、诉讼咨询等服务，节假日照常接听。</p>" * 3 + "</div>"
)
CHROMES = {
    "menus and footer": (MENU, FOOTER),
    "footer only": ("", FOOTER * 2),
    "menus only": (MENU, ""),
}

NOTICES = {
    "您的访问请求已被拦截": "<p>您的访问请求已被拦截！</p><p>可能原因：您提交的内容包含危险的攻击请求</p><p>如有疑问请联系网站管理员</p>",
    "访问被拒绝": "<h2>访问被拒绝</h2><p>您的IP：203.0.113.7</p><p>拦截时间：2024-01-02 10:00:00</p>",
    "WAF": "<p>您的请求已被WAF拦截</p><p>事件ID：8c1f0e2a9b</p>",
    "403 Forbidden": "<h1>403 Forbidden</h1><hr><p>nginx</p>",
    "安全狗": (
        "<p>网站防火墙</p><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>"
        "<p>可能原因：您提交的内容包含危险的攻击请求</p><p>如何解决：</p><p>1）检查提交内容；</p>"
        "<p>2）如网站托管，请联系空间提供商；</p><p>3）普通网站访客，请联系网站管理员；</p><p>安全狗</p>"
    ),
    "云锁": "<p>当前访问疑似黑客攻击，已被网站管理员设置为拦截。</p><p>云锁</p>",
    "知道创宇": "<p>您的访问被阻断</p><p>知道创宇云安全</p><p>返回首页</p>",
    "IP 封禁": "<p>安全提示</p><p>您的IP地址已被限制访问，请稍后再试。</p>",
    "English": "<h1>Access Denied</h1><p>Your request was blocked by the Web Application Firewall.</p>",
}


def court_page(content: str, chrome: tuple[str, str]) -> str:
    menu, footer = chrome
    return (
        f"<html><head><title>{TITLE}-某某县人民法院</title></head><body>{menu}"
        f"<table><tr><td class='bt'>{TITLE}</td></tr><tr><td class='xx'>发布日期：2023-07-04 来源：某某县人民法院</td></tr>"
        f"<tr><td><div class='TRS_Editor'>{content}</div></td></tr></table>{footer}</body></html>"
    )


@pytest.mark.parametrize("family", ["govcms", None])
@pytest.mark.parametrize("chrome", CHROMES)
@pytest.mark.parametrize("notice", NOTICES)
def test_a_block_notice_inside_the_site_chrome_is_no_article(notice, chrome, family):
    html = court_page(NOTICES[notice], CHROMES[chrome])
    if chrome != "menus only":  # the page itself has too much text for the bare block-page check
        assert detect_challenge(200, {}, html) is None
    with pytest.raises(BlockNotice, match=r"not an article: block page \(the body is a block notice"):
        extract_html(html, URL, family=family)


ARTICLES = {
    "法院拦截诈骗资金": (
        "<p>近日，某某县人民法院在执行一起案件中，发现被执行人账户有异常资金转入，执行法官立即联系公安机关，"
        "成功拦截诈骗资金20万元，为受害群众挽回损失。</p>"
        "<p>据了解，该笔资金系被执行人参与电信网络诈骗所得，法院依法予以冻结，并将线索移送公安机关。</p>"
    ),
    "a short brief": "<p>某某县人民法院成功拦截一笔诈骗资金，为群众挽回损失20万元。</p>",
    "a court's firewall in the news": "<p>法院网站部署网站防火墙，全年拦截攻击请求1万余次。</p>",
    "a quoted notice": (
        "<p>被告人在庭审中供述，其多次访问涉案网站时页面显示“您的访问请求已被拦截”，遂改用代理服务器继续攻击，"
        "法院审理认为其行为构成破坏计算机信息系统罪。</p>"
    ),
    "refused access to files": "<p>原告请求查阅卷宗被拒绝后，向法院提起行政诉讼，法院依法判决撤销被诉行为。</p>",
    "an article about 403 errors": (
        "<p>该院诉讼服务网升级后，部分用户访问时出现403错误，技术人员已于当日修复，当事人可正常在线立案。</p>"
    ),
}


@pytest.mark.parametrize("name", ARTICLES)
def test_an_article_that_mentions_blocking_is_kept(name):
    html = court_page(ARTICLES[name], CHROMES["menus and footer"])
    article = extract_html(html, URL, family="govcms")
    assert article.body.splitlines()[0] in ARTICLES[name]


def test_a_notice_line_among_a_body_of_other_text_is_no_notice():
    notice = ["您的访问请求已被拦截！", "可能原因：您提交的内容包含危险的攻击请求"]
    with pytest.raises(BlockNotice):
        check_block_notice(notice)
    check_block_notice([*notice, "执行局召开党组会议，研究部署下半年重点工作任务"])  # another 23 characters
    check_block_notice([*notice, "。" * 300])  # too long for a notice


# ---------------------------------------------------------------- crawled
ARTICLE = "xwzx/t20230704_101.html"


def outcomes(db: sqlite_utils.Database, name: str) -> list[tuple[str, str | None]]:
    query = "SELECT outcome, reason FROM captures WHERE page_id = (SELECT id FROM pages WHERE url LIKE ?) ORDER BY id"
    return [(row["outcome"], row["reason"]) for row in db.query(query, [f"%{name}"])]


@pytest.mark.parametrize("notice", ["您的访问请求已被拦截", "403 Forbidden", "安全狗"])
def test_a_revisit_answered_with_a_block_notice_in_the_site_chrome_makes_no_version(
    site_factory, crawl, tmp_path, notice
):
    """The article is archived; the revisit gets the site's page with a block notice where the article was
    (status 200, the menus and footer around it): a capture with its reason, no changed or removed version."""
    site = site_factory("gov-county")
    crawl(site)
    page = site.path(ARTICLE)
    text = page.read_bytes().decode("gbk")
    start, end = text.index('<div class="TRS_Editor">'), text.index("</div></td></tr></table>")
    blocked = text[:start] + f'<div class="TRS_Editor">{NOTICES[notice]}' + text[end:]
    blocked = blocked.replace("<body>", f"<body>{MENU}").replace("</body>", f"{FOOTER}</body>")
    page.write_bytes(blocked.encode("gbk"))
    time.sleep(1.1)  # captures of one URL in two crawls never share a second
    crawl(site, "revisit=all", expect_exit=0)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    captures = outcomes(db, ARTICLE)
    assert [outcome for outcome, _ in captures][0] == "version"
    assert captures[1][0] in ("failed", "challenge") and "block notice" in (captures[1][1] or "")
    versions = list(
        db.query(
            "SELECT kind, body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE ?)",
            [f"%{ARTICLE}"],
        )
    )
    assert [v["kind"] for v in versions] == ["first"] and "推进会" in versions[0]["body"]
    [state] = db.query("SELECT state FROM pages WHERE url LIKE ?", [f"%{ARTICLE}"])
    assert state["state"] == "live"  # not removed: the article may well still be there
