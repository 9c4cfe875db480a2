"""How the archive's codes and times read to a person: Chinese labels (English beside them where a reader may
need the code), and times in Beijing time. Pure functions, no Datasette: the feed and the CLI use them too."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

# versions' kinds and captures' outcomes, as the timeline shows them
KINDS = {
    "first": "新文章",
    "changed": "修改",
    "restored": "恢复",
    "removed": "删除",
    "moved": "迁移",
    "unchanged": "未变",
    "version": "新版本",
    "gone": "不存在",
    "redirect": "跳转",
    "not-article": "非文章",
    "failed": "抓取失败",
    "challenge": "被拦截",
}
STATES = {
    "live": "在线",
    "removed": "已删除",
    "moved": "已迁移",
    "failed": "抓取失败",
    "not-article": "非文章",
    "redirect": "跳转",
    "gone": "不存在",
    "new": "新",
}
FIELDS = {
    "title": "标题",
    "body": "正文",
    "published": "发布时间",
    "published_precision": "时间精度",
    "source_name": "来源",
    "author": "作者",
    "editor": "责任编辑",
    "court": "法院",
    "comments": "评论",
}


def kind_label(kind: str | None) -> str:
    return KINDS.get(kind or "", kind or "")


def field_labels(changed_fields: str | list[str] | None) -> list[str]:
    """A changed_fields value (JSON text or list) as Chinese field names; text that is not a JSON list is kept."""
    if not changed_fields:
        return []
    if isinstance(changed_fields, str):
        try:
            names = json.loads(changed_fields)
        except ValueError:
            return [changed_fields]
        if not isinstance(names, list):
            return [changed_fields]
    else:
        names = changed_fields
    return [FIELDS.get(str(name), str(name)) for name in names]


def parse_time(value: str | None) -> datetime | None:
    """An ISO time from the archive ('…Z' in UTC, or with an offset); None for anything else (dates alone too)."""
    if not value or len(value) < 16 or "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def beijing(value: str | None, seconds: bool = False) -> str:
    """A stored UTC time as Beijing time, '2024-01-02 17:00' (value unchanged when it is not a time)."""
    moment = parse_time(value)
    if moment is None:
        return value or ""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def published_label(value: str | None, precision: str | None) -> str:
    """An article's date at its precision, in Beijing time: 2024年1月2日 09:30, 2024年1月2日, 2024年1月."""
    if not value:
        return ""
    moment = parse_time(value)
    if moment is not None:
        local = moment.astimezone(BEIJING)
        day = f"{local.year}年{local.month}月{local.day}日"
        if precision == "day":
            return day
        if precision == "month":
            return f"{local.year}年{local.month}月"
        return day + local.strftime(" %H:%M:%S" if precision == "second" else " %H:%M")
    parts = value[:10].split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{int(parts[0])}年{int(parts[1])}月{int(parts[2])}日"
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return f"{int(parts[0])}年{int(parts[1])}月"
    return value


PRECISIONS = {"second": "精确到秒", "minute": "精确到分钟", "day": "精确到日", "month": "精确到月"}
