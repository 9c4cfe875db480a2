"""Server-side error messages printed into a page: the output stopped there, so the page is cut short.

A PHP fatal error, an ASP/VBScript or OLE DB error, a Java or .NET exception or a Python traceback printed by
the site's own software ends the page where the program died, usually after the first paragraphs of the
article. Such a capture says nothing about the article: it is a failed capture, never a version that deletes
paragraphs.

Each pattern is the engine's own wording of a fatal error (never an ordinary sentence about errors), and it
is looked for only in the page's last part, where a dying program leaves it: an article quoting an error
message in its middle stays an article.
"""

from __future__ import annotations

import re

TAIL_CHARS = 3_000  # of visible text: where a program that died mid-page left its message
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]+>", re.S | re.I)

# (name, pattern): the name says which engine's fatal output it is
SERVER_ERRORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PHP fatal error", re.compile(r"(?:Fatal|Parse|Catchable fatal) error\s*:.{0,400}? on line \d+", re.S)),
    (
        "PHP uncaught exception",
        re.compile(r"Uncaught (?:[A-Za-z\\]+)?(?:Exception|Error)\b.{0,400}?Stack trace:", re.S),
    ),
    ("PHP database error", re.compile(r"Warning: mysqli?_\w+\(\)|SQLSTATE\[[0-9A-Z]{5}\]")),
    (
        "ASP error",
        re.compile(
            r"Microsoft (?:VBScript|JScript) (?:runtime|compilation) error|Microsoft VBScript 运行时错误|Microsoft OLE DB Provider for|ADODB\.\w+ (?:error|错误)|错误 '800a[0-9a-f]{4}'",
            re.I,
        ),
    ),
    (
        ".NET error",
        re.compile(
            r"Server Error in '[^']*' Application|“/”应用程序中的服务器错误|'/'应用程序中的服务器错误"
        ),
    ),
    (
        "Java exception",
        re.compile(
            r"\b(?:java|javax|org\.apache|org\.springframework)\.[\w.]+(?:Exception|Error)\b.{0,200}?\bat [\w.$]+\(",
            re.S,
        ),
    ),
    ("Python traceback", re.compile(r"Traceback \(most recent call last\):")),
)


def server_error(html: str) -> str | None:
    """The name of the fatal server error printed at the end of a page (its visible text), or None."""
    tail = " ".join(_TAGS.sub(" ", html[-8 * TAIL_CHARS :]).split())[-TAIL_CHARS:]
    for name, pattern in SERVER_ERRORS:
        if match := pattern.search(tail):
            return f"{name} printed in the page ({' '.join(match.group(0).split())[:120]})"
    return None
