"""The user's example page (crawler/demo/seed_article.txt, from the user) rendered in the layouts content farms use.

Line 1 is the summary, lines 2-27 the body, line 28 the 澎湃号 disclaimer, lines 29-39 injected spam.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

SEED = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "seed_article.txt"
TITLE = "镇原县人民法院被评为“全省优秀法院”"


def seed_parts() -> tuple[str, list[str], str, list[str]]:
    lines = [line.rstrip("\n") for line in SEED.read_text("utf-8").splitlines()]
    return lines[0], lines[1:27], lines[27], lines[28:39]


def _p(lines: list[str], attrs: str = "") -> str:
    return "\n".join(f"<p{attrs}>{html.escape(line)}</p>" for line in lines)


def own_block() -> str:
    """Article in a 澎湃号-style page; the spam sits in its own block after the article."""
    summary, body, disclaimer, spam = seed_parts()
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}_澎湃号·政务_澎湃新闻-The Paper</title>
<meta name="description" content="{html.escape(summary)}"></head><body>
<div class="news_txt_wrap"><h1 class="news_title">{TITLE}</h1>
<div class="news_about"><p>镇原县人民法院</p><p>2023-07-04 17:22 来源：澎湃新闻·澎湃号·政务</p></div>
<div class="news_txt">{_p(body)}
<p class="disclaimer">{html.escape(disclaimer)}</p></div></div>
<div class="ad-block">{_p(spam)}</div>
</body></html>"""


def sibling_paragraphs() -> str:
    """A content-farm copy: summary, body, disclaimer and spam are sibling paragraphs of one container."""
    summary, body, disclaimer, spam = seed_parts()
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE} - 资讯站</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/login">登录</a></div>
<div class="main"><h1>{TITLE}</h1><div class="info">时间：2023年07月04日 17:22:47 来源：澎湃新闻</div>
<div class="article-body">
{_p([summary])}
{_p(body)}
{_p([disclaimer])}
{_p(spam)}
</div></div>
<div class="footer">Copyright © 资讯站 版权所有</div></body></html>"""


def hidden_popups() -> str:
    """Spam hidden in pop-ups: inline display:none, a class hidden by <style>, and an off-screen login box."""
    summary, body, disclaimer, spam = seed_parts()
    return f"""<!DOCTYPE html><html><head><meta charset="gbk"><title>{TITLE}</title>
<style>.mask {{ display: none; }} .offer, .vip {{ visibility:hidden }}</style></head><body>
<div id="content"><h1>{TITLE}</h1><p class="meta">发布时间：2023-07-04 17:22 来源：镇原县人民法院</p>
<div class="TRS_Editor"><p>{html.escape(summary)}</p>
{_p(body)}
<p>{html.escape(disclaimer)}</p>
<div class="offer">{_p(spam[:1])}</div>
<div style="display:none">{_p(spam[1:3])}</div>
<div class="vip">{_p(spam[3:9])}</div>
</div></div>
<div class="mask" id="login-pop"><p>{html.escape(spam[9])}</p></div>
<div style="position:absolute;left:-9999px"><p>{html.escape(spam[10])}</p></div>
</body></html>"""


def next_data_page(cont_id: int = 5001) -> str:
    """A 澎湃号 Next.js page: the article in __NEXT_DATA__, spam pasted into the DOM around it."""
    summary, body, disclaimer, spam = seed_parts()
    content = "".join(f"<p>{html.escape(line)}</p>" for line in [*body, disclaimer])
    data = {
        "props": {
            "pageProps": {
                "detailData": {
                    "contentDetail": {
                        "contId": cont_id,
                        "name": TITLE,
                        "content": content,
                        "author": "镇原县人民法院",
                        "pubTime": "2023-07-04 17:22",
                        "publishTime": 1688462520000,
                        "nodeInfo": {"name": "镇原县人民法院"},
                        "summary": summary,
                    }
                }
            }
        }
    }
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{TITLE}_澎湃号·政务_澎湃新闻-The Paper</title></head>
<body><div id="__next"><h1>{TITLE}</h1><div class="cententWrap">{content}</div>{_p(spam)}</div>
<script id="__NEXT_DATA__" type="application/json">{json.dumps(data, ensure_ascii=False)}</script></body></html>"""


LAYOUTS = {
    "own-block": own_block,
    "sibling-paragraphs": sibling_paragraphs,
    "hidden-popups": hidden_popups,
    "next-data": next_data_page,
}
