"""Credential dumps judged as blocks of lines, not line by line.

Content farms paste accounts and passwords in endless shapes: mixed tokens, letters only, digits only,
e-mail addresses, licence keys, phone numbers; separated by spaces, tabs, '----', '|', ':', '/', or labelled
'账号：… 密码：…'. No single-line pattern can follow them, and a single line of Latin tokens proves nothing (a
case number, a URL, a table row, an English name). What gives a dump away is its company:

- a *token line* is short and, once numbering and credential labels are cut, holds nothing but ASCII tokens
  and separators; URLs, case numbers such as (2023)甘1027民初123号, statute references (CJK remains) and
  English phrases of three or more words are not token lines;
- a run of token lines next to a spam anchor (a giveaway, a credential header, a pop-up leftover, a contact
  ad, a takedown notice), across bare timestamps and at most one short header, is a dump whatever its token
  shape; next to a platform or stance disclaimer, which closes every repost on its platform and so says
  nothing of the lines before it, only when most of its lines show credential evidence (below);
- a run of two or more token lines that closes the article (nothing but junk after it) is a dump when most of
  its lines show credential evidence: a token mixing letters and digits, an e-mail, a key, a separator other
  than a space between tokens, or a credential label;
- two or more lines of random mixed tokens are a dump anywhere (the seed's shape).
A table of figures in the middle of an article, or figures with no spam beside them, stays.
"""

from __future__ import annotations

import re

ANCHORS = frozenset(
    {
        "giveaway-offer",
        "credential-header",
        "popup-leftover",
        "contact-ad",
        "platform-disclaimer",
        "stance-disclaimer",
        "takedown-notice",
    }
)
# anchors that end every repost of a platform: beside them a run needs credential evidence to be a dump
CLOSING_ANCHORS = frozenset({"platform-disclaimer", "stance-disclaimer"})
TRANSPARENT = frozenset({"bare-timestamp", "credential-lines"})  # looked across when seeking an anchor
TOKEN_LINE_MAX = 100  # characters: a dump line holds one account, not a paragraph
MAX_TOKENS = 6  # account, password, date and a few more: longer lines are phrases or tables
HEADER_BRIDGE = 30  # a short unrecognised line between an anchor and a dump ('今日更新：') is its header

CREDENTIAL_LABELS = re.compile(
    r"账号|帐号|帳號|賬號|账户|帳戶|密码|密碼|用户名|用戶名|卡密|卡号|激活码|兑换码|邮箱|郵箱|到期时间|到期|有效期|机器码|序号|"
    r"(?i:\b(?:user(?:name)?|pass(?:word)?|account|e-?mail|key|pwd)\b)"
)
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]{3}")
_HAN = re.compile(r"[\u3400-\u9fff]")
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.、)）]|[（(]\d{1,3}[)）]|[①-⑳]|#\d{1,3})\s*")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|cn|net|org|gov|html?)/\S*", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9@._+#$%&*!~=\-]+")
_SEPARATORS_ONLY = re.compile(r"[\s|｜:：/\\,，;；\-—_=>→]*")
_MIXED = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.]+$")
_KEY = re.compile(r"^[A-Z0-9]{4,}(?:-[A-Z0-9]{4,}){2,}$")
_RANDOM_MIXED = re.compile(r"^(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{3,}$")


def _tokens(line: str) -> tuple[list[str], str] | None:
    """The ASCII tokens of a line and what separates them, or None when anything else is left over."""
    if len(line) > TOKEN_LINE_MAX or not _ASCII_ALNUM.search(line):
        return None
    if _HAN.search(line) and not CREDENTIAL_LABELS.search(line):
        return None  # Chinese text without a credential label: a sentence, a case number, a heading
    rest = CREDENTIAL_LABELS.sub(" ", _NUMBERING.sub("", line))
    if _URL.search(rest):
        return None
    tokens = _TOKEN.findall(rest)
    separators = _TOKEN.sub(" ", rest)
    if not tokens or len(tokens) > MAX_TOKENS or not _SEPARATORS_ONLY.fullmatch(separators):
        return None
    return tokens, separators


def is_token_line(line: str) -> bool:
    """A short line of Latin/digit tokens and separators only (credential labels and numbering aside)."""
    found = _tokens(line)
    if found is None:
        return False
    tokens, _ = found
    if not any(len(t) >= 3 for t in tokens):
        return False
    # an English phrase ('Justice delayed is justice denied') is words, not an account and its password
    return not (len(tokens) >= 3 and all(t.isalpha() for t in tokens))


def has_credential_evidence(line: str) -> bool:
    """A token line that looks like an account: mixed letters and digits, an e-mail, a key, a separator
    other than spaces between tokens, or a credential label."""
    found = _tokens(line)
    if found is None:
        return False
    tokens, separators = found
    return (
        bool(CREDENTIAL_LABELS.search(line))
        or any(_MIXED.match(t) or _EMAIL.match(t) or _KEY.match(t) for t in tokens)
        or (len(tokens) >= 2 and bool(separators.strip()))
    )


def is_credential_line(line: str) -> bool:
    """The seed's shape: 1–4 tokens, each mixing letters and digits ('64DZ605leV5 YM81gy780Bphi')."""
    tokens = line.split()
    return 1 <= len(tokens) <= 4 and all(_RANDOM_MIXED.match(t) for t in tokens)


def _anchored(
    verdicts: list[str | None], lines: list[str], start: int, step: int, anchors: frozenset[str]
) -> list[int] | None:
    """Walking from start in one direction across transparent lines and at most one short header: the
    indices crossed (they belong to the spam block) if one of anchors is reached, else None."""
    crossed: list[int] = []
    header_seen = False
    index = start
    while 0 <= index < len(lines):
        verdict = verdicts[index]
        if verdict in anchors:
            return crossed
        bridge = (
            verdict is None
            and not header_seen
            and len(lines[index]) <= HEADER_BRIDGE
            and not is_token_line(lines[index])
        )
        if verdict not in TRANSPARENT and not bridge:
            return None
        header_seen = header_seen or bridge
        crossed.append(index)
        index += step
    return None


def judge_dumps(lines: list[str], verdicts: list[str | None]) -> list[str | None]:
    """The verdicts with every credential dump marked 'credential-lines', the header bridging it to its
    anchor 'credential-header', and the timestamps inside the block 'spam-timestamp' (a farm's stamp dates
    nothing)."""
    verdicts = list(verdicts)
    n = len(lines)
    token = [verdicts[i] is None and is_token_line(lines[i]) for i in range(n)]
    i = 0
    while i < n:
        if not token[i]:
            i += 1
            continue
        end = i
        while end + 1 < n and token[end + 1]:
            end += 1
        run = range(i, end + 1)
        evidence = sum(has_credential_evidence(lines[k]) for k in run)
        anchors = ANCHORS if 2 * evidence > len(run) else ANCHORS - CLOSING_ANCHORS
        before = _anchored(verdicts, lines, i - 1, -1, anchors)
        after = _anchored(verdicts, lines, end + 1, 1, anchors)
        closes = all(v is not None for v in verdicts[end + 1 :])
        seed_shape = len(run) >= 2 and all(is_credential_line(lines[k]) for k in run)
        tail_dump = closes and len(run) >= 2 and 2 * evidence > len(run)
        if before is not None or after is not None or seed_shape or tail_dump:
            for k in run:
                verdicts[k] = "credential-lines"
            for k in (before or []) + (after or []):
                verdicts[k] = (
                    "spam-timestamp"
                    if verdicts[k] == "bare-timestamp"
                    else verdicts[k] or "credential-header"
                )
        i = end + 1
    return _spam_timestamps(verdicts)


def _spam_timestamps(verdicts: list[str | None]) -> list[str | None]:
    """A bare timestamp next to a spam line belongs to the spam block: it is the farm's stamp, no date."""
    spam = ANCHORS | {"credential-lines"}
    for index, verdict in enumerate(verdicts):
        if verdict == "bare-timestamp" and (
            (index > 0 and verdicts[index - 1] in spam)
            or (index + 1 < len(verdicts) and verdicts[index + 1] in spam)
        ):
            verdicts[index] = "spam-timestamp"
    return verdicts
