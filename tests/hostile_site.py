"""A court.gov.cn-style site that misbehaves the way real sites and content farms do, built for the archive's
promises: what a redirect, a meta refresh, a soft 404, a cut-short body or a URL spelled three ways must
(and must not) become. Pages are generated (courtnews's synthetic articles), never copied from anywhere.

Phase 1 serves every article normally; phase 2 (``apply_phase2``) turns each case on, and a revisit crawl
must record the outcome named in ``PHASE2``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from crawler.demo.sitegen import DemoArticle, article_path, render_article, synthetic_articles, write_site

FIRST_ID = 2001
SOFT_404 = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面提示 - 某某法院网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/zixun/gengduo/24.html">法院新闻</a></div>
<div class="tip"><h2>抱歉，您要查看的页面暂时无法访问</h2><p>可能的原因：地址有误，或者该信息已调整。</p>
<p><a href="/">返回首页</a></p></div><div class="footer">版权所有：某某市中级人民法院</div></body></html>"""

# phase 2: article id → (what the site now does, the outcome its capture must record, a reason fragment)
PHASE2: dict[int, tuple[dict, str, str]] = {
    2001: ({"status": 301, "redirect": f"/{article_path(2002)}"}, "moved", "moved to"),
    2003: ({"redirect": "/"}, "removed", "where the site sends pages that are gone"),
    2004: ({"file": "refresh-home.html"}, "removed", "where the site sends pages that are gone"),
    2005: ({"redirect": "/login.jsp?return=/zixun"}, "removed", "where the site sends pages that are gone"),
    2006: ({"status": 200, "file": "soft404.html"}, "removed", "this site's own not-found page"),
    2007: ({"short": 400}, "failed", "truncated"),
    2008: (
        {"body": '{"code": 0, "data": []}', "content_type": "application/json"},
        "failed",
        "not an HTML page",
    ),
    # the same page under another spelling (%32 is "2"): a hop, then the unchanged article
    2009: ({"redirect": "/zixun/xiangqing/%32009.html"}, "redirect", "redirect to"),
    2013: ({"status": 200, "file": "waf.html"}, "challenge", "block page"),
    2014: ({"status": 200, "file": "deleted.html"}, "removed", "soft 404"),
    2015: ({"truncate": 1500}, "failed", "truncated"),
    2016: (
        {"body": "%PDF-1.4\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\n", "content_type": "text/html"},
        "failed",
        "PDF",
    ),
}
WAF = """<html><head><meta charset="utf-8"><title>网站防火墙</title></head><body><div class="box">
<h1>网站防火墙</h1><p>您的请求带有不合法参数，已被网站管理员设置拦截！</p><p>可能原因：您提交的内容包含危险的攻击请求</p>
</div></body></html>"""
DELETED = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>提示信息</title></head><body>
<div class="header"><a href="/">首页</a></div><div class="msg"><h3>您访问的页面不存在或已被删除</h3>
<p><a href="/">返回首页</a></p></div></body></html>"""


def articles() -> list[DemoArticle]:
    made = synthetic_articles(18, seed=11)
    return [replace(a, id=FIRST_ID + i) for i, a in enumerate(made)]


def build(root: Path) -> list[DemoArticle]:
    """Phase 1: every article served normally; the list links article 2011 three ways and 2012 under a
    share link whose page names its canonical address."""
    written = write_site(root, articles())
    (root / "soft404.html").write_text(SOFT_404, "utf-8")
    (root / "waf.html").write_text(WAF, "utf-8")
    (root / "deleted.html").write_text(DELETED, "utf-8")
    # text pasted from Word carries control characters; one stray byte breaks strict UTF-8
    page = root / article_path(2017)
    page.write_text(
        page.read_text("utf-8")
        .replace("。", "。\x0b", 2)
        .replace("，", "，\x01\x1b", 1)
        .replace("<p>", "<p>&#0;", 1),
        "utf-8",
    )
    page = root / article_path(2018)
    raw = page.read_bytes()
    at = raw.index(b"</p>")
    page.write_bytes(raw[:at] + b"\xff" + raw[at:])
    (root / "refresh-home.html").write_text(
        '<html><head><meta http-equiv="refresh" content="0;url=/index.html"></head><body>跳转中</body></html>',
        "utf-8",
    )
    (root / "index.html").write_text(
        "<html><head><meta charset='utf-8'><title>某某法院网</title></head><body>"
        + "".join(f"<li><a href='/{article_path(a.id)}'>{a.title}</a></li>" for a in written)
        + "</body></html>",
        "utf-8",
    )
    listing = root / "zixun/gengduo/24.html"
    extra = (
        f'<li><a href="/{article_path(2011)}#comment">评论</a></li>'
        f'<li><a href="/{article_path(2011)}?utm_source=wechat&amp;from=timeline">分享</a></li>'
        f'<li><a href="/{article_path(2012)}?utm_source=weibo">分享</a></li>'
    )
    listing.write_text(listing.read_text("utf-8").replace("</ul></div>", extra + "</ul></div>"), "utf-8")
    page = root / article_path(2012)
    page.write_text(
        page.read_text("utf-8").replace(
            "<head>", f'<head><link rel="canonical" href="/{article_path(2012)}">'
        ),
        "utf-8",
    )
    # unknown addresses get a 200 "page unavailable" page: the site's soft 404
    (root / "_routes.json").write_text(json.dumps({"*": {"status": 200, "file": "soft404.html"}}), "utf-8")
    return written


def apply_phase2(root: Path, written: list[DemoArticle]) -> None:
    routes = {"*": {"status": 200, "file": "soft404.html"}}
    routes.update({f"/{article_path(i)}": route for i, (route, _, _) in PHASE2.items()})
    (root / "_routes.json").write_text(json.dumps(routes), "utf-8")
    # a view counter ticks and the editor adds a space after a full stop: layout, not a new version
    by_id = {a.id: a for a in written}
    edited = replace(by_id[2010], paragraphs=[p.replace("。", "。 ") for p in by_id[2010].paragraphs])
    (root / article_path(2010)).write_text(render_article(edited, views=98765), "utf-8")
