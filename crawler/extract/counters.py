"""Visit counters judged by their shape, not by a list of wordings, and the comparison of two bodies that differ
only in such counters.

A counter line is a short line made only of counter words beside numbers: an action a reader takes (阅读,
浏览, 点击, 访问, 点赞, 分享, 在看, 评论 …), the units and fillers counters print around it (次, 人次, 位, 量,
数, 读者, 已被, 共有, 本文 …), numbers as sites print them (123, 1,024, 1.2万, 10万+), brackets, colons and
separators. Any mix of those is a counter ('共有123位读者阅读', '阅读 123 点赞 4 分享', '【阅读次数：123】'),
whichever order the site prints them in. Exceptions, kept as text:
- a line with any other word: '判处有期徒刑3年', '共有3名被告人', '旁听群众达200人次';
- a line with sentence punctuation (，。；！？): a sentence that reports a figure;
- a line without a number, or without an action word ('共有3人', '2381');
- a line with a date: a date line is metadata, left to the byline rules.
Every check is one pass of a regular expression without backtracking (atomic groups), linear in the line.
"""

from __future__ import annotations

import re

# what a reader does, that a counter counts; a line of counter words needs one of these
ACTION_WORDS = (
    "阅读",
    "浏览",
    "点击",
    "访问",
    "查看",
    "阅览",
    "围观",
    "观看",
    "播放",
    "点赞",
    "赞",
    "分享",
    "转发",
    "收藏",
    "评论",
    "回复",
    "留言",
    "在看",
    "喜欢",
    "推荐",
    "人气",
    "热度",
    "下载",
    "访客",
)
_ENGLISH_ACTIONS = r"(?i:page\s*views?|views?|reads?|hits?|likes?|comments?|shares?|visits?|visitors?)\b"
# the words printed around the action and its number; none of them alone makes a counter
FILLER_WORDS = (
    "次数",
    "人次",
    "次",
    "人",
    "位",
    "个",
    "条",
    "量",
    "数",
    "率",
    "读者",
    "阅读者",
    "访问者",
    "浏览者",
    "阅览者",
    "网友",
    "用户",
    "已经",
    "已被",
    "已有",
    "共有",
    "共计",
    "累计",
    "总计",
    "已",
    "有",
    "共",
    "总",
    "被",
    "了",
    "过",
    "本文",
    "本页",
    "本帖",
    "本篇",
    "本站",
    "本网",
    "该文",
    "此文",
    "文章",
    "您是",
    "你是",
    "第",
    "今日",
    "今天",
    "打印本页",
    "打印",
    "关闭窗口",
    "关闭",
)
_FONT_SWITCH = r"(?:字体|字号)\s*[:：]?\s*[【\[]?\s*大\s*[|｜]?\s*中\s*[|｜]?\s*小\s*[】\]]?"
# a count as sites print it: 123, 1,024, 1.2万, 10万+, 3k; \d takes full-width digits too
NUMBER = r"\d[\d,.]*(?:\s*(?:万|千|亿|[kKwW]))?\+?"
_PUNCTUATION = r"[\s:：|｜/／·•\-—_()（）\[\]【】<>《》「」『』〔〕+*~～、]"
_ACTION = "|".join(sorted(ACTION_WORDS, key=len, reverse=True))
_WORDS = "|".join(sorted({*ACTION_WORDS, *FILLER_WORDS}, key=len, reverse=True))
_DATE = r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}[:：]\d{2}"
COUNTER_SHAPE_LEN = 80  # characters: a counter bar with its companions; a longer line says more
COUNTER_SHAPE = re.compile(
    rf"^(?=.*\d)(?=.*(?:{_ACTION}|{_ENGLISH_ACTIONS}))(?!.*(?:{_DATE}))"
    rf"(?:(?>{_FONT_SWITCH})|(?>{_WORDS})|(?>{_ENGLISH_ACTIONS})|(?>{NUMBER})|{_PUNCTUATION})++$"
)
_NUMBER = re.compile(NUMBER)


def counter_shaped(line: str) -> bool:
    """A line of counter words beside numbers and nothing else (see the module's rules and exceptions)."""
    compact = line.strip()
    return len(compact) <= COUNTER_SHAPE_LEN and COUNTER_SHAPE.match(compact) is not None


# A counter set apart at the end of a line of text: after a space, a separator or a sentence's end. Only the
# last COUNTER_SHAPE_LEN characters are tried, so a long line costs no more than a short one.
_TAIL_START = re.compile(r"(?<=[\s|｜/·•。！？!?])\S")


def trailing_counter(line: str) -> int | None:
    """Where a counter-shaped tail of the line starts ('……判决。共有123位读者阅读' → the index of 共), when
    text stands before it; else None. The longest such tail wins."""
    floor = max(1, len(line) - COUNTER_SHAPE_LEN)
    text_before = bool(line[:floor].strip(" |｜/·•"))  # one copy of a long line, not one per boundary
    for match in _TAIL_START.finditer(line, floor):
        start = match.start()
        if (text_before or line[floor:start].strip(" |｜/·•")) and counter_shaped(line[start:]):
            return start
    return None


def _masked(line: str) -> str:
    return _NUMBER.sub("#", line)


# Between two captures a counter is also known by its numbers ticking beside an action word, in a short line
# without sentence punctuation, even amid words the shape does not know ('欢迎光临 本页访问 123 次 谢谢支持').
# The second capture is the evidence the shape alone lacks; a number beside any other word is the text's.
COUNTER_TICK_LEN = 120
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_BEFORE_COUNT = re.compile(
    rf"(?:{_ACTION}|{_ENGLISH_ACTIONS})(?:次数|人次|量|数|率)?\s*[:：]?\s*[(（\[【]?\s*(?:第\s*)?$"
)
_AFTER_COUNT = re.compile(
    rf"^\s*[)）\]】]?\s*(?:次|人次|人|位|个)?\s*(?:读者|网友|用户)?\s*(?:{_ACTION}|{_ENGLISH_ACTIONS})"
)


def _beside_action(line: str, start: int, end: int) -> bool:
    return bool(
        _BEFORE_COUNT.search(line[max(0, start - 16) : start]) or _AFTER_COUNT.match(line[end : end + 16])
    )


def _numbers_ticked(old: str, new: str) -> bool:
    """The same short line without sentence punctuation, every number that changed beside an action word."""
    if len(new) > COUNTER_TICK_LEN or _SENTENCE.search(new):
        return False
    old_numbers, new_numbers = list(_NUMBER.finditer(old)), list(_NUMBER.finditer(new))
    return all(
        a[0] == b[0] or _beside_action(new, b.start(), b.end())
        for a, b in zip(old_numbers, new_numbers, strict=True)
    )


def _counter_tick(old: str, new: str) -> bool:
    """Two lines that differ only in the numbers of a counter: the whole line counter-shaped in both, the
    same text before a counter-shaped tail in both, or every number that moved standing beside an action."""
    if _masked(old) != _masked(new):
        return False
    if counter_shaped(old) and counter_shaped(new):
        return True
    old_tail, new_tail = trailing_counter(old), trailing_counter(new)
    if old_tail is not None and new_tail is not None and old[:old_tail] == new[:new_tail]:
        return True  # the numbers that moved are in the counter, not in the text before it
    return _numbers_ticked(old, new)


def differ_only_in_counters(old: str, new: str) -> bool:
    """Whether two body texts differ, and only in the numbers of counters: the same lines in the same order,
    every differing pair a counter that ticked (a counter-shaped line, a counter-shaped tail after the same
    text, or numbers beside an action word in a short line that is no sentence). Identical texts do not
    differ (False). A number that moved anywhere else (a sentence, a heading, a date) is an edit; so is a
    counter line that appeared or went away. For deciding whether a new capture is a new version: True means
    it is not."""
    if old == new:
        return False
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if len(old_lines) != len(new_lines):
        return False
    return all(a == b or _counter_tick(a, b) for a, b in zip(old_lines, new_lines, strict=True))
