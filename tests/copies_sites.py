"""Four local sites that publish the same court articles, as court news travels (issue 28), written by the
project: the fixtures of tests/test_copies_crawl.py and of bench/copies_bench.py.

- ``court``: a court's own site (tier court): every original, and unrelated articles of its own that share
  formulaic paragraphs (为深入贯彻落实…, 下一步，该院将…) with the originals and with each other;
- ``portal``: republishes some originals verbatim a day later, with a 来源 line naming the court;
- ``platform``: the court's own platform account, reposting some with an account-giveaway spam paragraph
  appended (it carries the court's name as its own, so its 来源 line names nobody else);
- ``farm``: a content farm that cuts the last third, retitles, adds a line of its own, credits the court.

The bodies are either synthetic (``synthetic_stories``: random court vocabulary in a court-news skeleton) or
given by the caller (the bench reads ../shared/corpus at run time; nothing of it is stored here). The sites
are govcms-family pages (a list ``ul.list li a``, the body in ``div.TRS_Editor``), as county courts serve.
"""

from __future__ import annotations

import html
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

COURT = "青川县人民法院"
SITES = {  # slug -> (the publisher's name, publisher_tier)
    "court": (COURT, "court"),
    "portal": ("法治资讯网", "portal"),
    "platform": (COURT, "platform"),
    "farm": ("每日看点", "other"),
}
FORMULAIC = [
    "为深入贯彻落实习近平法治思想，切实提升司法为民工作水平，进一步推动审判执行工作高质量发展，"
    "该院党组高度重视，认真研究部署，确保各项工作落到实处。",
    "下一步，该院将继续坚持以人民为中心的发展思想，不断提升审判质效，为经济社会高质量发展提供更加"
    "有力的司法服务和保障。",
    "该院将以此为契机，持续深化诉源治理，推动矛盾纠纷实质性化解，努力让人民群众在每一个司法案件中"
    "感受到公平正义。",
]
SPAM = "关注本号，回复“福利”免费领取会员礼包，转发到三个群即可参与抽奖，名额有限先到先得！"
FARM_LINE = "小编说：看完这篇文章你有什么想法？欢迎在评论区留言讨论。"
_WORDS = [
    "原告",
    "被告",
    "借款",
    "合同",
    "租赁",
    "房屋",
    "工程款",
    "执行",
    "拘留",
    "调解",
    "判决",
    "上诉",
    "证据",
    "证人",
    "庭审",
    "合议庭",
    "民事",
    "刑事",
    "行政",
    "村民",
    "公司",
    "老板",
    "工人",
    "工资",
    "拖欠",
    "赔偿",
    "损失",
    "车辆",
    "交通",
    "事故",
    "保险",
    "医疗",
    "费用",
    "土地",
    "承包",
    "经营",
    "婚姻",
    "离婚",
    "抚养",
    "子女",
    "赡养",
    "老人",
    "继承",
    "遗产",
    "遗嘱",
    "邻里",
    "纠纷",
    "宅基地",
    "排水",
    "噪音",
    "物业",
    "小区",
    "业主",
    "电梯",
    "装修",
    "网购",
    "平台",
    "商家",
    "退款",
    "诈骗",
    "盗窃",
    "电动车",
    "手机",
    "银行卡",
    "转账",
    "微信",
    "账户",
    "冻结",
    "查封",
    "拍卖",
    "评估",
    "标的",
    "款项",
    "利息",
    "违约金",
    "担保",
    "抵押",
    "保证人",
    "法官",
    "书记员",
    "干警",
    "调解员",
    "网格员",
    "社区",
    "乡镇",
    "法庭",
    "巡回",
    "审判",
    "现场",
    "勘验",
    "走访",
    "释法",
    "说理",
    "当事人",
    "双方",
    "握手",
    "言和",
    "履行",
    "完毕",
    "申请",
    "强制",
    "失信",
    "名单",
    "限制",
    "消费",
    "高铁",
    "飞机",
    "出行",
    "信用",
    "修复",
    "和解",
    "协议",
    "分期",
    "付款",
]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾"


@dataclass
class Story:
    """One article as its court wrote it."""

    key: str
    title: str
    date: str  # YYYY-MM-DD
    paragraphs: list[str]


@dataclass
class Placement:
    """Where a story appears: site slug -> the article's path there; and what each copy cut."""

    story: Story
    paths: dict[str, str] = field(default_factory=dict)
    cut: dict[str, list[str]] = field(default_factory=dict)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 12))]
    who = rng.choice(_SURNAMES) + rng.choice("某甲乙")
    return f"{who}{''.join(words[:4])}{rng.randint(2, 99)}万元，{''.join(words[4:])}。"


def synthetic_stories(count: int, seed: int = 28, formulaic_every: int = 2) -> list[Story]:
    """count distinct court-news articles of 6 to 9 paragraphs; every formulaic_every-th one opens with a
    formulaic paragraph and closes with another (so unrelated articles share them), and every fifth is a
    short notice: one paragraph of its own between two formulaic ones (mostly formulaic text)."""
    rng = random.Random(seed)
    stories = []
    for n in range(count):
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        name = rng.choice(_SURNAMES) + rng.choice(_SURNAMES)
        title = f"{COURT}审结{name}等{rng.choice(_WORDS)}{rng.choice(_WORDS)}纠纷案（{n + 1}）"
        paras = [
            f"{month}月{day}日，{COURT}审结一起{rng.choice(_WORDS)}{rng.choice(_WORDS)}纠纷案件。"
            + "".join(_sentence(rng) for _ in range(2))
        ]
        notice = n % 5 == 4
        if not notice:
            paras += [
                "".join(_sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(5, 8))
            ]
        if notice or n % formulaic_every == 0:
            paras.insert(0, FORMULAIC[(n // 2) % 3])
            paras.append(FORMULAIC[(n // 2 + 1) % 3])
        stories.append(Story(f"s{n + 1:03d}", title, f"2024-{month:02d}-{day:02d}", paras))
    return stories


def _page(site: str, title: str, date: str, credit: str | None, paras: list[str]) -> str:
    name = SITES[site][0]
    body = "\n".join(f'<p style="text-indent:2em">{html.escape(p)}</p>' for p in paras)
    credit_line = f" 来源：{html.escape(credit)}" if credit else ""
    return f"""<html><head><meta charset="utf-8"><title>{html.escape(title)}-{name}</title>
<meta name="SiteName" content="{name}"><meta name="ArticleTitle" content="{html.escape(title)}">
<meta name="PubDate" content="{date} 09:30:00"></head>
<body><table width="100%"><tr><td class="bt">{html.escape(title)}</td></tr>
<tr><td class="xx">发布日期：{date}{credit_line} 【字体：大 中 小】 【打印本页】</td></tr>
<tr><td><div class="TRS_Editor">{body}</div></td></tr></table>
<div class="foot">主办单位：{name} 网站标识码：{zlib.crc32(site.encode()):010d}</div>
</body></html>"""


def _later(date: str, days: int) -> str:
    from datetime import date as day
    from datetime import timedelta

    return (day.fromisoformat(date) + timedelta(days=days)).isoformat()


def build_sites(root: Path, stories: list[Story], copied: int | None = None) -> list[Placement]:
    """Write the four sites under root/<slug>/; the first `copied` stories (default: half) are republished
    by all three others, the rest only on the court's site. Returns where each story went."""
    copied = len(stories) // 2 if copied is None else copied
    listing: dict[str, list[tuple[str, str]]] = {slug: [] for slug in SITES}
    placements = []
    for index, story in enumerate(stories):
        place = Placement(story)
        number = index + 1
        pages = {"court": (story.title, story.date, COURT, story.paragraphs)}
        if index < copied:
            keep = max(1, len(story.paragraphs) - max(1, len(story.paragraphs) // 3))
            pages["portal"] = (story.title, _later(story.date, 1), COURT, story.paragraphs)
            pages["platform"] = (story.title, story.date, COURT, [*story.paragraphs, SPAM])
            farm_title = f"震惊！{story.title[len(COURT) :]}，网友炸锅了"
            pages["farm"] = (farm_title, _later(story.date, 3), COURT, [*story.paragraphs[:keep], FARM_LINE])
            place.cut["farm"] = story.paragraphs[keep:]
        for slug, (title, date, credit, paras) in pages.items():
            path = f"xwzx/t{date.replace('-', '')}_{number:04d}.html"
            (root / slug / "xwzx").mkdir(parents=True, exist_ok=True)
            (root / slug / path).write_text(_page(slug, title, date, credit, paras), "utf-8")
            listing[slug].append((path, title))
            place.paths[slug] = path
        placements.append(place)
    for slug, items in listing.items():
        (root / slug / "xwzx").mkdir(parents=True, exist_ok=True)
        links = "\n".join(f'<li><a href="./{Path(p).name}">{html.escape(t)}</a></li>' for p, t in items)
        (root / slug / "xwzx/index.html").write_text(
            f'<html><head><meta charset="utf-8"><title>新闻</title></head><body><ul class="list">{links}</ul>'
            "</body></html>",
            "utf-8",
        )
    return placements


def source_entry(slug: str, base_url: str, max_articles: int = 200) -> str:
    """The site's [[source]] entry for a sources file (govcms family, its publisher tier declared)."""
    court, tier = SITES[slug]
    return (
        f'[[source]]\nslug = "{slug}"\ncourt = "{court}"\nfamily = "govcms"\n'
        f'start_urls = ["{base_url}/xwzx/index.html"]\nallowed_hosts = ["127.0.0.1"]\n'
        f'selectors = {{ items = "ul.list", article_links = "li a" }}\nschedule = "1h"\n'
        f'max_list_pages = 1\nmax_articles = {max_articles}\npublisher_tier = "{tier}"\n'
    )
