"""Damaged and mixed bytes (issue 24): a page with a handful of undecodable bytes is kept with a note naming
their count and offsets, whatever its length, and a tiny page of mostly bad bytes is refused; a GBK page
holding a paragraph in UTF-8 has that paragraph read as UTF-8, never stored as mojibake (鍒ゅ喅)."""

from __future__ import annotations

import pytest

from crawler.extract import decode_html, extract_bytes
from crawler.extract.decode import HANDFUL, HANDFUL_EVIDENCE, _utf8_regions

SENTENCE = "人民法院依法审理了这起合同纠纷案件，判决被告支付货款及利息。"  # 30 non-ASCII characters
LENGTHS = {"tiny": 1, "short": 3, "long": 300}


def page(text: str, charset: str = "") -> str:
    head = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{head}<title>Court</title></head><body><p>{text}</p></body></html>"


def spoiled(raw: bytes, bad: bytes, count: int = 1, inside: bool = False) -> tuple[bytes, list[int]]:
    """raw with `count` bad bytes put in its body, between characters (or inside one): the bytes and where
    each stands."""
    start, end = raw.index(b"<p>") + 3, raw.index(b"</p>")
    width = len("法".encode(_encoding(raw)))
    step = (end - start) // (count + 1) // width * width
    assert step > width, "bad bytes side by side would be one sequence"
    out, offsets, at = b"", [], 0
    for i in range(count):
        cut = start + step * (i + 1) + (1 if inside else 0)
        out += raw[at:cut]
        offsets.append(len(out))
        out += bad
        at = cut
    return out + raw[at:], offsets


def _encoding(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gbk"
    return "utf-8"


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize(
    "bad", [b"\xff", b"\x80", b"\xc3", b"\xe5\x88"], ids=["ff", "continuation", "lead", "cut"]
)
@pytest.mark.parametrize("declared", ["", "utf-8"])
def test_one_stray_byte_keeps_a_utf8_page_of_any_length_with_a_note_naming_it(length, bad, declared):
    body = SENTENCE * LENGTHS[length]
    raw, [offset] = spoiled(page(body, declared).encode("utf-8"), bad)
    decoded = decode_html(raw)
    assert decoded.refused is None and decoded.encoding == "utf-8"
    assert (
        decoded.note is not None and f"1 invalid UTF-8 sequences replaced (at byte {offset})" in decoded.note
    )
    assert decoded.text.count("\ufffd") == 1 and decoded.text.replace("\ufffd", "") == page(body, declared)


@pytest.mark.parametrize("length", LENGTHS)
def test_a_stray_byte_inside_a_character_spoils_that_character_alone(length):
    body = SENTENCE * LENGTHS[length]
    raw, [offset] = spoiled(page(body).encode("utf-8"), b"\xff", inside=True)
    decoded = decode_html(raw)
    assert decoded.refused is None and f"1 invalid UTF-8 sequences replaced (at byte {offset - 1})" in (
        decoded.note or ""
    )
    assert len(decoded.text) - len(page(body)) in (1, 2, 3)  # the character's bytes, each a U+FFFD


@pytest.mark.parametrize("count", range(1, HANDFUL + 1))
def test_a_handful_of_bad_bytes_is_kept_on_a_short_page_as_on_a_long_one(count):
    """The decision does not depend on the length alone: the same handful on a page of 90 hanzi and one of
    9,000 gives the same outcome, each with the count and the offsets in its note."""
    for repeat in (LENGTHS["short"], LENGTHS["long"]):
        if repeat * len(SENTENCE) < HANDFUL_EVIDENCE * count:
            continue  # the short page has too few characters to outweigh this many (next test)
        raw, offsets = spoiled(page(SENTENCE * repeat).encode("utf-8"), b"\xff", count)
        decoded = decode_html(raw)
        assert decoded.refused is None and decoded.encoding == "utf-8", (repeat, decoded.refused)
        assert f"{count} invalid UTF-8 sequences replaced (at byte {offsets[0]}" in (decoded.note or "")


def test_a_tiny_page_of_mostly_bad_bytes_is_refused_not_stored():
    raw, _ = spoiled(page(SENTENCE).encode("utf-8"), b"\xff", HANDFUL)  # 8 bad among 30 characters
    decoded = decode_html(raw)
    assert decoded.refused and "U+FFFD" in decoded.refused


def test_more_than_a_handful_on_a_long_page_is_kept_only_within_the_share():
    long = page(SENTENCE * 300).encode("utf-8")
    kept, _ = spoiled(long, b"\xff", HANDFUL + 1)
    assert decode_html(kept).refused is None  # 9 among 9,000 characters: a tenth of a percent
    riddled = long.replace("合同".encode(), b"\xff\xff\xff\xff\xff\xff\xfe" + "合同".encode())
    decoded = decode_html(riddled)
    assert (
        decoded.refused or decoded.encoding != "utf-8" or "\ufffd" not in decoded.text
    )  # never stored riddled


@pytest.mark.parametrize("length", LENGTHS)
@pytest.mark.parametrize("charset", ["", "gbk", "gb2312"])
def test_one_stray_byte_keeps_a_gbk_page_of_any_length_with_a_note_naming_it(length, charset):
    body = SENTENCE * LENGTHS[length]
    raw, [offset] = spoiled(page(body, charset).encode("gbk"), b"\xff")
    decoded = decode_html(raw)
    assert decoded.refused is None and decoded.encoding == "gb18030"
    assert f"1 undecodable GB18030 sequences replaced (at byte {offset})" in (decoded.note or "")
    assert decoded.text.replace("\ufffd", "") == page(body, charset)


# ---------------------------------------------------------------- a UTF-8 paragraph inside a GBK page
GBK_PARAGRAPH = "某某县人民法院召开执行工作推进会，总结上半年执行工作，部署下半年重点任务。"
UTF8_PARAGRAPHS = {
    "even bytes": "判决被告于本判决生效之日起十日内支付原告货款。",
    "odd bytes": "判决被告支付原告货款。",
    "with digits and a date": "2024年1月2日，法院判决被告支付货款12万元。",
    "with quotes": "被告辩称“已经还款”，法院不予采信。",
    "short": "审结",
    "with a name": "原告阿不都·热合曼诉称，被告拒不履行还款义务。",
}


def mixed_page(utf8: str, where: str, charset: str) -> tuple[bytes, str]:
    head = f'<meta charset="{charset}">' if charset else ""
    gbk = f"<p>{GBK_PARAGRAPH}</p>"
    parts = {"first": [None, gbk, gbk], "middle": [gbk, None, gbk], "last": [gbk, gbk, None]}[where]
    raw = f"<html><head>{head}<title>法院</title></head><body>".encode("gbk")
    text = raw.decode("gbk")
    for part in parts:
        if part is None:
            raw += f"<p>{utf8}</p>".encode()
            text += f"<p>{utf8}</p>"
        else:
            raw += part.encode("gbk")
            text += part
    return raw + b"</body></html>", text + "</body></html>"


@pytest.mark.parametrize("charset", ["gbk", "gb2312", ""])
@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("paragraph", UTF8_PARAGRAPHS)
def test_a_utf8_paragraph_inside_a_gbk_page_is_read_as_utf8_with_a_note(paragraph, where, charset):
    raw, text = mixed_page(UTF8_PARAGRAPHS[paragraph], where, charset)
    decoded = decode_html(raw)
    assert decoded.refused is None and decoded.encoding == "gb18030"
    if paragraph == "short":  # two hanzi: read as UTF-8 only when the GB18030 reading is pure mojibake
        assert decoded.text == text or decoded.refused
        return
    assert decoded.text == text  # every character right: no 鍒ゅ喅
    assert "runs of UTF-8 inside GB18030 text read as UTF-8" in (decoded.note or "")


def test_the_mixed_page_is_archived_with_its_utf8_paragraph_and_the_note_reaches_the_article():
    raw, _ = mixed_page(UTF8_PARAGRAPHS["with digits and a date"], "middle", "gbk")
    article = extract_bytes(raw, "http://court.invalid/a/1.html")
    assert "2024年1月2日，法院判决被告支付货款12万元。" in article.body
    assert GBK_PARAGRAPH in article.body
    assert "runs of UTF-8" in (article.encoding_note or "")
    assert not set("鍒ゅ喅鍦") & set(article.body)


def test_gbk_text_that_happens_to_form_valid_utf8_is_read_as_gbk():
    """Every GB2312 hanzi, levels 1 and 2, side by side in pseudo-random order: wherever their bytes happen to
    form valid UTF-8, the GB18030 reading is text, so no region is taken for UTF-8."""
    chars = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    text = "".join(chars[(i * 7919) % len(chars)] for i in range(60_000))
    raw = page(text, "gbk").encode("gbk")
    assert _utf8_regions(raw) == ([], [])
    decoded = decode_html(raw)
    assert decoded.text == page(text, "gbk") and decoded.note is None


def test_a_page_declared_gb2312_that_is_utf8_with_a_stray_byte_is_utf8_naming_both():
    raw, [offset] = spoiled(page(SENTENCE * 2, "gb2312").encode("utf-8"), b"\xff")
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-8" and decoded.refused is None
    assert "declares 'gb2312' but the bytes are UTF-8" in (decoded.note or "")
    assert f"1 invalid UTF-8 sequences replaced (at byte {offset})" in (decoded.note or "")


# ---------------------------------------------------------------- crawled
def test_damaged_and_mixed_pages_are_archived_right_and_the_capture_says_how(site_factory, crawl, tmp_path):
    """The GBK fixture site: one article with a UTF-8 paragraph pasted in, a tiny one (mislabelled gb2312,
    really UTF-8) with a stray byte. Both are versions with the right text; each capture's reason names what
    the decoding did, with byte offsets."""
    import sqlite_utils

    site = site_factory("gov-county")
    gbk = site.path("xwzx/t20230704_101.html")
    pasted = "<p>2024年1月2日，法院判决被告支付货款12万元。</p>"
    gbk.write_bytes(gbk.read_bytes().replace("</div></td>".encode("gbk"), pasted.encode() + b"</div></td>"))
    tiny = site.path("xwzx/t20230712_103.html")
    raw = tiny.read_bytes()
    at = raw.index("赡养费".encode()) + len("赡养费".encode())
    tiny.write_bytes(raw[:at] + b"\xff" + raw[at:])
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    rows = {
        row["url"].rsplit("/", 1)[1]: row
        for row in db.query(
            "SELECT p.url, c.outcome, c.reason, v.body FROM captures c JOIN pages p ON p.id = c.page_id "
            "LEFT JOIN versions v ON v.capture_id = c.id"
        )
    }
    mixed = rows["t20230704_101.html"]
    assert mixed["outcome"] == "version" and "法院判决被告支付货款12万元。" in mixed["body"]
    assert "切实解决执行难" in mixed["body"] and "runs of UTF-8 inside GB18030" in mixed["reason"]
    damaged = rows["t20230712_103.html"]
    assert damaged["outcome"] == "version" and "承办法官表示" in damaged["body"]
    assert f"1 invalid UTF-8 sequences replaced (at byte {at})" in damaged["reason"]
