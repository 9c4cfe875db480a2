"""Render synthetic court.gov.cn-family sites: the demo court, and the large sites the benchmark crawls."""

from __future__ import annotations

import html
import random
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

ARTICLES_FILE = Path(str(resources.files("crawler.demo") / "articles.toml"))  # package data
PAGE_SIZE = 20


@dataclass
class DemoArticle:
    id: int
    title: str
    published: str
    source: str
    author: str
    paragraphs: list[str]
    after_body: str = ""  # raw HTML placed inside the body container after the paragraphs (spam, disclaimers)


def load_articles(path: Path = ARTICLES_FILE) -> list[DemoArticle]:
    with open(path, "rb") as fh:
        return [DemoArticle(**row) for row in tomllib.load(fh)["article"]]


def article_path(article_id: int) -> str:
    return f"zixun/xiangqing/{article_id}.html"


def _page_chrome(article_id: int) -> str:
    """Navigation, related-article lists and scripts of the size real court pages carry (~20 KB)."""
    nav = "".join(f'<li><a href="/zixun/gengduo/{n}.html">栏目{n}</a></li>' for n in range(20, 40))
    related = "".join(
        f'<li><a href="/zixun/xiangqing/{article_id - n}.html" title="相关新闻{n}">相关新闻标题第{n}条：法院工作动态</a>'
        f'<i class="date">2024-01-{1 + n % 28:02d}</i></li>'
        for n in range(1, 80)
    )
    script = "<script>" + "var cfg={" + ",".join(f"k{n}:'{n}'" for n in range(300)) + "};</script>"
    return f'<ul class="nav">{nav}</ul><div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>{script}'


def render_article(article: DemoArticle, views: int = 100, chrome: bool = False) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(article.title)} - 某某市法院网</title>
<script>var _hmt = _hmt || [];(function(){{var hm=document.createElement("script");hm.src="https://hm.baidu.com/hm.js?demo";}})();</script>
</head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zixun/gengduo/24.html">法院新闻</a></div>
<div class="detail"><div class="title">{html.escape(article.title)}</div>
<ul class="message"><li>来源：{html.escape(article.source)}</li><li>作者：{html.escape(article.author)}</li>
<li>发布时间：{article.published}</li><li>浏览次数：{views}</li></ul>
<div class="txt_txt" id="zoom">
{body}
{article.after_body}
</div>
<div class="share"><span>分享到：</span><a href="#">微信</a> <a href="#">微博</a></div>
<div class="word_size">字号：大 | 中 | 小</div></div>
<div class="footer"><p>版权所有：某某市中级人民法院</p><p>X ICP备00000000号</p></div>
{_page_chrome(article.id) if chrome else ""}
</body></html>
"""


def render_list(items: list[DemoArticle], page: int, has_next: bool) -> str:
    lis = "\n".join(
        f'<li><a href="/{article_path(a.id)}" title="{html.escape(a.title)}">{html.escape(a.title)}</a>'
        f'<i class="date">{a.published[:10]}</i></li>'
        for a in items
    )
    nxt = (
        f'<ul><li class="next"><a href="/zixun/gengduo/24_{page + 1}.html">下一页</a></li></ul>'
        if has_next
        else ""
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>法院新闻 第{page}页</title></head><body>
<div class="sec_list"><ul>
{lis}
</ul></div>
<div class="page">{nxt}</div>
</body></html>
"""


def list_name(page: int) -> str:
    return "zixun/gengduo/24.html" if page == 1 else f"zixun/gengduo/24_{page}.html"


def write_site(root: Path, articles: Iterable[DemoArticle], chrome: bool = False) -> list[DemoArticle]:
    """Write list pages (20 a page, newest first) and article pages under root (chrome: real-sized pages)."""
    articles = sorted(articles, key=lambda a: a.published, reverse=True)
    for article in articles:
        path = root / article_path(article.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_article(article, chrome=chrome), "utf-8")
    pages = [articles[i : i + PAGE_SIZE] for i in range(0, len(articles), PAGE_SIZE)] or [[]]
    for number, items in enumerate(pages, start=1):
        path = root / list_name(number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_list(items, number, number < len(pages)), "utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    return articles


_PHRASES = [
    "人民法院坚持司法为民、公正司法",
    "依法审理各类案件",
    "切实维护当事人合法权益",
    "推进诉源治理",
    "加强审判监督管理",
    "提升审判质效",
    "深化智慧法院建设",
    "开展巡回审判",
    "化解矛盾纠纷",
    "服务保障经济社会发展",
    "加大执行力度",
    "兑现胜诉权益",
    "优化法治化营商环境",
    "强化普法宣传",
    "回应人民群众关切",
]


def synthetic_articles(count: int, seed: int = 7) -> list[DemoArticle]:
    """Deterministic articles of plausible length for benchmarks."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        paragraphs = [
            "，".join(rng.choice(_PHRASES) for _ in range(rng.randint(4, 9))) + "。"
            for _ in range(rng.randint(4, 10))
        ]
        day = 1 + i % 28
        articles.append(
            DemoArticle(
                id=100000 + i,
                title=f"第{i}号新闻：{rng.choice(_PHRASES)}",
                published=f"2024-{1 + i % 12:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}:00",
                source="某某市中级人民法院",
                author=rng.choice(["陈立", "刘敏", "王强", "赵静", "孙悦"]),
                paragraphs=paragraphs,
            )
        )
    return articles
