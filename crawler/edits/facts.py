"""Where a sentence states a fact: dates, numbers and people's names, found by pattern (no model).

All patterns run over comparison keys (``crawler.edits.text.key``: no whitespace, half-width punctuation).

- Dates: 2024年3月5日 (and 3月5日, 2024年3月, 2024年), 2024-03-05 / 2024.3.5 / 2024/3/5, 二〇二四年三月五日,
  三月五日, and the day after 本月/同月/当月/次月/上月/下月 (本月5日); a day count alone (5日内) is a number. A time of day (9时30分) is a number, not a date.
- Numbers: Arabic numerals (1,234.5) and Chinese ones (三, 二十二, 壹万) with the words that make them an amount,
  count or term: 第三, 22余万元, 三年六个月, 百分之三十. A Chinese numeral on its own (统一, 一些) is not a number:
  it needs 第 before it or a unit after it, and 一 needs a strong unit (一年, 一万元; not 一个).
- Names: a masked name anywhere (张某, 张某某, 张×, 张**); an unmasked name (a common surname and one or two
  characters) where court news names people: after 被告人, 原告, 被告, 申请人, 被申请人, 当事人, 上诉人, 被上诉人,
  法官, 审判长, 书记员, 律师, 记者 … or any title ending in 长, 员, 官, 师, 记, 任, 者 … (optionally a colon), or
  before 法官, 审判长, 律师, 表示, 说 …; and every other occurrence in the article of a name so confirmed once
  (``person_named``: the article is searched only for the name a change touches). Not caught: names with no such context anywhere in
  the article, rare surnames outside the list, foreign names, and organisations (company names are not
  people).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SURNAMES_2 = [
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "宇文",
    "长孙",
    "夏侯",
    "轩辕",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "百里",
    "呼延",
    "司徒",
    "申屠",
    "澹台",
    "太史",
    "钟离",
    "闻人",
    "赫连",
    "万俟",
    "东郭",
    "仲孙",
    "濮阳",
    "淳于",
    "单于",
]
SURNAMES_1 = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
    "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲"
    "翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫"
    "米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_SURNAME = "(?:" + "|".join(SURNAMES_2) + f"|[{SURNAMES_1}])"
# characters that end a given name: function words, verbs of the sentence, punctuation
_GIVEN = r"[\u4e00-\u9fff](?<![的了在是因与和及等于对将被把向从为以其所并也都就这那此该某等系])"
_MASK = r"(?:某某|某|[×xX*＊○〇]{1,3})"
BEFORE_NAME = [
    "再审申请人",
    "被申请人",
    "申请执行人",
    "被执行人",
    "被上诉人",
    "上诉人",
    "被告人",
    "原告人",
    "申请人",
    "当事人",
    "第三人",
    "犯罪嫌疑人",
    "嫌疑人",
    "被害人",
    "受害人",
    "证人",
    "原告",
    "被告",
    "人民陪审员",
    "陪审员",
    "审判长",
    "审判员",
    "书记员",
    "法官助理",
    "法官",
    "执行员",
    "检察官",
    "公诉人",
    "辩护人",
    "代理人",
    "律师",
    "庭长",
    "院长",
    "记者",
    "通讯员",
    "主任",
    "局长",
    "村民",
    "男子",
    "女子",
    "老人",
    "罪犯",
    "犯人",
    "选手",
    "同志",
    "先生",
    "女士",
    "法警",
    "干警",
    "民警",
    "警官",
    "乘客",
    "司机",
    "员工",
]
AFTER_NAME = [
    "法官",
    "审判长",
    "审判员",
    "书记员",
    "法官助理",
    "律师",
    "同志",
    "先生",
    "女士",
    "庭长",
    "院长",
    "检察官",
    "表示",
    "介绍",
    "指出",
    "认为",
    "说",
    "称",
    "告诉",
    "坦言",
    "回忆",
    "等人",
]

_CN = "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟"
_ARABIC = r"\d+(?:[.,]\d+)*"
_UNITS = [
    "个多月",
    "个月",
    "小时",
    "分钟",
    "平方米",
    "平方公里",
    "公里",
    "公斤",
    "公顷",
    "余万元",
    "万余元",
    "多万元",
    "万元",
    "亿元",
    "千元",
    "百元",
    "美元",
    "元",
    "年",
    "月",
    "日",
    "天",
    "周年",
    "周岁",
    "周",
    "岁",
    "人次",
    "人",
    "名",
    "位",
    "户",
    "家",
    "次",
    "件",
    "起",
    "宗",
    "项",
    "条",
    "份",
    "本",
    "篇",
    "部",
    "台",
    "辆",
    "套",
    "栋",
    "间",
    "股",
    "吨",
    "克",
    "斤",
    "亩",
    "米",
    "倍",
    "期",
    "届",
    "批",
    "类",
    "种",
    "个",
    "元钱",
    "万",
    "亿",
    "千",
    "百",
    "%",
    "‰",
]
_UNIT = "(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"  # the longest unit wins
_STRONG_FOR_ONE = (
    "(?:"
    + "|".join(
        u
        for u in _UNITS
        if u not in ("个", "位", "名", "种", "类", "条", "份", "本", "部", "次", "件", "批", "家", "间", "起")
    )
    + ")"
)

DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|(?:\d{2,4}年)?\d{1,2}月(?:\d{1,2}[日号])?|\d{4}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?"
    r"|(?:[〇零一二三四五六七八九]{2,4}年)?[一二三四五六七八九十]{1,3}月(?:[一二三四五六七八九十]{1,3}[日号])?"
    r"|[〇零一二三四五六七八九]{4}年"
    r"|(?<=[本同当次上下]月)(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"  # 本月5日: a day of a named month
)
NUMBER = re.compile(
    rf"百分之[{_CN}]+(?:点[{_CN}]+)?"
    rf"|第?{_ARABIC}(?:[余多]?[十百千万亿]*[余多]?{_UNIT}?)"
    rf"|第[{_CN}]+{_UNIT}?"
    rf"|一[余多]?{_STRONG_FOR_ONE}|[{_CN}]*[零〇二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟][{_CN}]*[余多]?{_UNIT}"
)
MASKED = re.compile(_SURNAME + _MASK)
# a second given character is not the first of a verb of saying (审判长刘洋表示: 刘洋)
_GIVEN_2 = "(?:(?!" + "|".join(AFTER_NAME) + ")" + _GIVEN + ")?"
_CONTEXT_NAME = re.compile("(?:" + "|".join(BEFORE_NAME) + r")[:]?(" + _SURNAME + _GIVEN + _GIVEN_2 + ")")
_BEFORE_WORDS = tuple(BEFORE_NAME)
_AFTER_WORDS = tuple(AFTER_NAME)
ROLE_ENDINGS = set(
    "长员官师记任者哥姐士授理席表"
)  # 院长, 审判员, 法官, 律师, 书记, 主任, 记者, 小哥, 大姐, 博士, 教授, 经理, 主席, 代表
LOOKS_LIKE_NAME = re.compile(_SURNAME + _GIVEN + "(?:" + _GIVEN + ")?")  # with a compound surname too
_NAME_CONTEXT = re.compile("(" + _SURNAME + _GIVEN + "(?:" + _GIVEN + ")?)(?=" + "|".join(AFTER_NAME) + ")")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    masked: bool = False


def date_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), m.group(0)) for m in DATE.finditer(text)]


def number_spans(text: str) -> list[Span]:
    """Numbers, amounts, counts and terms, except those inside a date."""
    dates = date_spans(text)
    return [
        Span(m.start(), m.end(), m.group(0))
        for m in NUMBER.finditer(text)
        if not any(d.start < m.end() and m.start() < d.end for d in dates)
    ]


def name_spans(text: str) -> list[Span]:
    """Masked names, and names in a person context, of one text."""
    spans = [Span(m.start(), m.end(), m.group(0), masked=True) for m in MASKED.finditer(text)]
    for pattern in (_CONTEXT_NAME, _NAME_CONTEXT):
        for match in pattern.finditer(text):
            start, end = match.span(1)
            if "某" not in match.group(1) and not any(s.start < end and start < s.end for s in spans):
                spans.append(Span(start, end, match.group(1)))
    return sorted(spans, key=lambda s: s.start)


def _in_context(doc: str, start: int, end: int) -> bool:
    before = doc[max(0, start - 6) : start].rstrip(":：")
    after = doc[end : end + 3]
    return (
        before.endswith(_BEFORE_WORDS)
        or (before[-1:] in ROLE_ENDINGS and before[-1:] != "")
        or after.startswith(_AFTER_WORDS)
    )


def person_named(name: str, doc: str) -> bool:
    """Whether name is written somewhere in doc (both versions of the article) where people are named: after
    a title or role (被告人, 法官, 记者, or any word ending in 长, 员, 官, 师, 记, 任, 者, 哥, 姐, 士 …), or before a
    role or a verb of saying (法官, 表示, 说 …). A name so confirmed once counts everywhere in the article."""
    if not LOOKS_LIKE_NAME.fullmatch(name):
        return False
    at = doc.find(name)
    while at >= 0:
        if _in_context(doc, at, at + len(name)):
            return True
        at = doc.find(name, at + 1)
    return False


def person_at(text: str, start: int, end: int, doc: str) -> Span | None:
    """The shortest name confirmed by person_named whose span in text covers text[start:end] (for an insertion,
    touches position start), or None."""
    for length in (2, 3, 4):
        for first in range(max(0, end - length), min(start, len(text) - length) + 1):
            last = first + length
            if first <= start and end <= last and (start < end or first < start < last):
                candidate = text[first:last]
                if person_named(candidate, doc):
                    return Span(first, last, candidate)
    return None


def touching(spans: list[Span], start: int, end: int) -> list[Span]:
    """The spans a change of text[start:end] falls in; an insertion (start == end) at a span's edge counts."""
    if start == end:
        return [s for s in spans if s.start <= start <= s.end]
    return [s for s in spans if s.start < end and start < s.end]
