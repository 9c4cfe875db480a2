"""Chinese dates, sources and bylines. Dates keep their precision and the +08:00 offset of Chinese courts.

A date is read from meta tags, labelled meta lines or the URL, never guessed from body sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from crawler.extract.rules.line_rules import without_counters

CHINA_OFFSET = "+08:00"

_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(?P<H>\d{1,2})\s*(?:[:：]|时)\s*(?P<M>\d{1,2})(?:\s*(?:[:：]|分)\s*(?P<S>\d{1,2}))?)?"
)
_URL_DATE_RES = (
    re.compile(r"/(?P<y>20\d{2})[-/]?(?P<m>[01]\d)[-/]?(?P<d>[0-3]\d)/"),  # /2023/07/04/ or /20230704/
    re.compile(r"[/_]t(?P<y>20\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)_"),  # TRS t20230704_123.html
    re.compile(r"/art/(?P<y>20\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),  # Hanweb
    re.compile(r"/(?P<y>20\d{2})/(?P<m>[01]\d)/id/"),  # chinacourt: year and month only
)
DATE_LABELS = (
    r"发布时间|发布日期|发表时间|发文日期|更新时间|时间|日期|发布于|发表于|修订于|更新于|发布|由\S{1,12}于"
)
META_DATE_NAMES = (
    "pubdate",
    "publishdate",
    "publish_date",
    "article:published_time",
    "og:release_date",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "date",
    "firstpublishedtime",
    "publishtime",
    "pubtime",
)


@dataclass(frozen=True)
class ParsedDate:
    value: str  # ISO 8601 with +08:00 when a time is known; YYYY-MM-DD or YYYY-MM otherwise
    precision: str  # second | minute | day | month


def _valid(y: int, m: int, d: int) -> bool:
    return 1990 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31


_US_DATE_RE = re.compile(
    r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<p>[AaPp][Mm])?)?"
)


def _us_date(text: str) -> ParsedDate | None:
    """'9/17/2004 5:54:13 AM', as ASP/.NET pages print dates: month first unless the first number can't be one."""
    match = _US_DATE_RE.search(text)
    if not match:
        return None
    a, b, y = int(match["a"]), int(match["b"]), int(match["y"])
    m, d = (b, a) if a > 12 else (a, b)
    if not _valid(y, m, d):
        return None
    if match["H"] is None:
        return ParsedDate(f"{y:04d}-{m:02d}-{d:02d}", "day")
    hour = (
        int(match["H"]) % 12 + (12 if (match["p"] or "").lower() == "pm" else 0)
        if match["p"]
        else int(match["H"])
    )
    second = int(match["S"] or 0)
    value = f"{y:04d}-{m:02d}-{d:02d}T{hour:02d}:{int(match['M']):02d}:{second:02d}{CHINA_OFFSET}"
    return ParsedDate(value, "second" if match["S"] else "minute")


def parse_date(text: str) -> ParsedDate | None:
    """The first full Chinese or ISO date in text (or a month-first one), with its precision."""
    found = _parse_ymd(text)
    return found or (_us_date(text) if text and "/" in text else None)


def _parse_ymd(text: str) -> ParsedDate | None:
    for match in _DATE_RE.finditer(text or ""):
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        if not _valid(y, m, d):
            continue
        if match["H"] is not None and int(match["H"]) < 24 and int(match["M"]) < 60:
            if match["S"] is not None and int(match["S"]) < 60:
                value = f"{y:04d}-{m:02d}-{d:02d}T{int(match['H']):02d}:{int(match['M']):02d}:{int(match['S']):02d}"
                return ParsedDate(value + CHINA_OFFSET, "second")
            value = f"{y:04d}-{m:02d}-{d:02d}T{int(match['H']):02d}:{int(match['M']):02d}:00"
            return ParsedDate(value + CHINA_OFFSET, "minute")
        return ParsedDate(f"{y:04d}-{m:02d}-{d:02d}", "day")
    return None


def date_from_url(url: str) -> ParsedDate | None:
    for pattern in _URL_DATE_RES:
        match = pattern.search(url)
        if not match:
            continue
        y, m = int(match["y"]), int(match["m"])
        if "d" in match.groupdict() and match["d"]:
            if _valid(y, m, int(match["d"])):
                return ParsedDate(f"{y:04d}-{m:02d}-{int(match['d']):02d}", "day")
        elif 1 <= m <= 12:
            return ParsedDate(f"{y:04d}-{m:02d}", "month")
    return None


EPOCH_MS_RANGE = (631_152_000_000, 4_102_444_800_000)  # 1990-01-01 to 2100-01-01, as _valid() allows


def date_from_epoch_ms(value: object) -> ParsedDate | None:
    """A publishTime in milliseconds; anything else (a string of text, a list, 10^20) is no date."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        millis = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not EPOCH_MS_RANGE[0] <= millis < EPOCH_MS_RANGE[1]:
        return None
    stamp = millis / 1000
    moment = datetime.fromtimestamp(stamp, timezone(timedelta(hours=8)))
    return ParsedDate(moment.isoformat(timespec="seconds"), "second")


def labelled_date(text: str) -> ParsedDate | None:
    """A date that follows a label such as 发布时间： (so a date quoted in a headline is not taken)."""
    match = re.search(rf"(?:{DATE_LABELS})\s*[:：]?\s*(?=(?:19|20)\d{{2}})", text)
    return parse_date(text[match.end() :][:40]) if match else None


# "——《北京之春》1998年3月号", "（原载《人民法院报》2023年5月10日第8版）": a reprint credits the periodical
# and the issue it first appeared in. The whole line must be that credit, so a sentence citing a paper is
# never read as a date.
_CREDIT_RE = re.compile(
    r"^[\s—\-－~～（(【\[]*(?:原载|原刊|刊于|载于|摘自|选自|转自|来源\s*[:：]?)?\s*《[^》]{1,30}》\s*"
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"
    r"\s*(?:号|刊|第\s*[\d一二三四五六七八九十]{1,3}\s*版)?[\s）)】\]。.]*$"
)


def credit_date(line: str) -> ParsedDate | None:
    """The issue date of a periodical credit line; month precision for a monthly's 'YYYY年M月号'."""
    match = _CREDIT_RE.match(line.strip()) if len(line) <= 60 else None
    if not match:
        return None
    y, m = int(match["y"]), int(match["m"])
    if match["d"] and _valid(y, m, int(match["d"])):
        return ParsedDate(f"{y:04d}-{m:02d}-{int(match['d']):02d}", "day")
    return ParsedDate(f"{y:04d}-{m:02d}", "month") if _valid(y, m, 1) and not match["d"] else None


# ---------------------------------------------------------------- bylines
_LABEL_STOP = r"(?=\s*(?:来源|作者|文|记者|通讯员|责任编辑|责编|编辑|审核|校对|审校|监制|统筹|排版|美编|发布时间|发布日期|时间|日期|浏览|点击|阅读|字号|打印|摄影|图|\||｜|【|】|）|\)|\]|，|。|,|$))"
_NAME = r"[\u4e00-\u9fa5·A-Za-z]{1,12}"
_NAMES = rf"{_NAME}(?:(?:\s+|、|，|,|/)(?!(?:来源|责任编辑|责编|编辑|审核|校对|审校|监制|统筹|排版|美编|发布|时间|日期|记者|通讯员|作者|摄影|图|摄)){_NAME})*"

SOURCE_RE = re.compile(
    r"(?:来源|稿源|信息来源|文章来源|出处)\s*(?:[:：]|[|｜丨](?!\s*(?:作者|编辑|时间)))\s*([^\s|｜丨【】]{2,40})"
)
_UNOPENED_CLOSE = re.compile(
    r"[)）\]】]+$"
)  # '（来源：某某法院）': the bracket closes the line, not the name
AUTHOR_RE = re.compile(
    # 作者 needs a separator: "作者：王文", "作者 王文", but "作者本人观点" is a disclaimer's phrase
    rf"(?:(?:作者|撰稿|撰文)(?=\s*[:：/]|\s)|记者|通讯员|文\s*/|文\s*[:：]|^文\s+)\s*[:：/]?\s*({_NAMES}){_LABEL_STOP}"
)
EDITOR_RE = re.compile(rf"(?:责任编辑|责编)(?:\s*[:：|｜丨]\s*|\s+)({_NAMES}){_LABEL_STOP}")
PLAIN_EDITOR_RE = re.compile(rf"编辑\s*[:：|｜丨]\s*({_NAMES}){_LABEL_STOP}")  # when no 责任编辑 is named
_PREFIX = re.compile(r"^(?:作者|记者|通讯员|责任编辑|来源|文)\s*[:：/]\s*")


def clean_name(value: str | None) -> str | None:
    """Strip label prefixes ('作者：') and separators; join several names with '、'."""
    if not value:
        return None
    value = _PREFIX.sub("", value.strip())
    parts = [p for p in re.split(r"[\s、，,/]+", value) if p]
    return "、".join(parts) or None


def find_source(text: str) -> str | None:
    """The 来源 of a byline line; a visit counter printed on the same line is never part of it."""
    match = SOURCE_RE.search(without_counters(text))
    if not match:
        return None
    value = match.group(1).strip()
    return value if re.search(r"[(（\[【]", value) else _UNOPENED_CLOSE.sub("", value) or None


# In body sentences "记者了解到" is not a byline: there a label counts only with a separator after it and
# inside brackets or at the start of a line, as in "（记者 王晓明 通讯员 李华）" or "文/张三".
BODY_BYLINE_RE = re.compile(
    rf"(?:^[\u4e00-\u9fa5]{{0,6}}?|[（(【\[]\s*(?:本报|本台|本网)?)(?:作者|撰稿|记者|通讯员|文)(?:\s+|\s*[:：/]\s*)({_NAMES}){_LABEL_STOP}"
    rf"(?:\s*(?:通讯员|记者)(?:\s+|\s*[:：/]\s*)({_NAMES}){_LABEL_STOP})?"
)


def find_authors(text: str, in_body: bool = False) -> str | None:
    """Names after 作者/记者/通讯员/文 labels, joined with '、'. in_body: only unmistakable bylines."""
    names: list[str] = []
    pattern = BODY_BYLINE_RE if in_body else AUTHOR_RE
    for match in pattern.finditer(without_counters(text)):
        for name in "、".join(clean_name(group) or "" for group in match.groups() if group).split("、"):
            if name and name not in names and not _NOT_A_NAME.search(name):
                names.append(name)
    return "、".join(names) or None


# "山东冠县报道", "北京电": dateline words; "观察者网专栏作者": a role, the name follows it
_NOT_A_NAME = re.compile(r"(?:报道|摄影|摄|讯|报|电|作者|评论员|撰稿人|记者)$")


def find_editor(text: str) -> str | None:
    """The 责任编辑 (or 责编); a plain 编辑 only when no responsible editor is named."""
    text = without_counters(text)
    match = EDITOR_RE.search(text) or PLAIN_EDITOR_RE.search(text)
    return clean_name(match.group(1)) if match else None


_COURT_RE = re.compile(r"[\u4e00-\u9fa5]{2,20}?(?:高级|中级)?人民法院|最高人民法院")


def find_court(*texts: str | None) -> str | None:
    for text in texts:
        if text and (match := _COURT_RE.search(text)):
            return match.group(0)
    return None


# ---------------------------------------------------------------- byline lines
# A line made only of byline fields, each a label with its value: '通讯员 李四', '（记者 张三 通讯员 李四）',
# '文/张三', '本文来源：某某法院', '责任编辑 王五', '供稿：某庭', '发布时间：2024-01-02'. People's labels take
# names after a colon, a slash or a space; source labels take a name after a colon or a bar; date labels a date.
# Exceptions, kept as text: a label run into a sentence ('记者从法院获悉，…', '作者系某法院法官'), and any line
# with a word outside the fields or with sentence punctuation.
_PERSON_LABELS = (
    r"本报记者|本网记者|本台记者|特约记者|见习记者|记者|通讯员|本文作者|作者|责任编辑|值班编辑|编辑|责编|供稿|撰稿|撰文|"
    r"文字|文|摄影|摄像|图片|图|审核|审校|校对|一审|二审|三审|终审|初审|复审|编审|监制|统筹|排版|美编"
)
_SOURCE_LABELS = r"本文来源|文章来源|信息来源|来源|稿源|出处"
_DATE_LABEL = r"发布时间|发布日期|发表时间|更新时间|时间|日期"
_PERSON = rf"(?!(?:{_PERSON_LABELS}|{_SOURCE_LABELS}|{_DATE_LABEL}))[\u4e00-\u9fa5·]{{2,5}}"
_FIELD = (
    rf"(?:(?:{_PERSON_LABELS})(?:\s*[:：/／]\s*|\s+){_PERSON}(?:\s*[、，,\s]\s*{_PERSON})*"
    rf"|(?:{_SOURCE_LABELS})\s*[:：|｜丨]\s*[^\s|｜丨，。；！？:：()（）\[\]【】]{{2,30}}"
    rf"|(?:{_DATE_LABEL})\s*[:：]?\s*(?:19|20)\d{{2}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}\s*日?"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?)"
)
BYLINE_SHAPE = re.compile(rf"^[（(【\[]?\s*{_FIELD}(?:\s*[|｜丨;；]?\s*{_FIELD})*\s*[)）】\]]?$")
BYLINE_SHAPE_LEN = 60  # characters: a byline of several fields; a longer line is a paragraph


def byline_shaped(line: str) -> bool:
    """A short line made only of byline fields (see above): metadata at the body's edge, never body text."""
    compact = line.strip()
    return len(compact) <= BYLINE_SHAPE_LEN and BYLINE_SHAPE.match(compact) is not None
