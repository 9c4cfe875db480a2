"""The edges of decode.py's rules: the byte ranges that make a hanzi common, the code-point blocks that make a
character rare, each plausibility threshold on both sides (built from the constant, so a test follows a change
of its value), and the bytes that make a body binary. A rule off by one here stores mojibake as text, or
refuses a real page, only for the pages at its edge: these tests are those pages."""

from __future__ import annotations

import codecs
import math

import pytest

from crawler.extract.decode import (
    HANDFUL,
    MAX_LATIN_SHARE,
    MAX_RARE_SHARE,
    MAX_REPLACED_SHARE,
    MAX_SIGNS,
    MIN_JUDGED,
    NEAR_UTF8_SHARE,
    PLAUSIBILITY_SAMPLE,
    decode_html,
    looks_binary,
    plausibility,
)

SENTENCE = "人民法院依法审理了这起合同纠纷案件，判决被告支付货款及利息，并承担本案诉讼费用。"
PRIVATE_USE = "\ue000"  # rare whatever the character sets: an icon-font glyph, never text


def page(text: str, charset: str = "") -> str:
    head = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{head}<title>Court</title></head><body><p>{text}</p></body></html>"


def judged(chars: str) -> str:
    """The characters repeated to at least MIN_JUDGED, so that plausibility judges them."""
    return chars * math.ceil(MIN_JUDGED / len(chars))


def ideographs(encoding: str, leads: range | list[int], trails: range | list[int], other: str) -> str:
    """The CJK ideographs `encoding` gives for these lead and trail bytes that `other` cannot encode: a
    character the other encoding has may be common through the other set, so only these prove this set's
    edges."""
    found = []
    for lead in leads:
        for trail in trails:
            try:
                ch = bytes((lead, trail)).decode(encoding)
            except UnicodeDecodeError:
                continue  # unassigned in this set (row 0xD7 of GB2312 ends at 0xF9)
            if not 0x4E00 <= ord(ch) <= 0x9FFF:
                continue
            try:
                ch.encode(other)
            except UnicodeEncodeError:
                found.append(ch)
    return "".join(found)


# ---------------------------------------------------------------- the common hanzi
# GB2312 level 1 is rows 0xB0–0xD7 with trail bytes 0xA1–0xFE; Big5's frequent hanzi are rows 0xA4–0xC6 with
# trail bytes 0x40–0x7E and 0xA1–0xFE. A range one short at either end makes a whole row (or a whole column of
# trail bytes) of everyday hanzi rare: a page using them would be refused as mojibake.
EDGES = {
    "gb2312 first row 0xB0": ("gb2312", [0xB0], range(0xA1, 0xFF)),
    "gb2312 last row 0xD7": ("gb2312", [0xD7], range(0xA1, 0xFF)),
    "gb2312 first trail 0xA1": ("gb2312", range(0xB0, 0xD8), [0xA1]),
    "gb2312 last trail 0xFE": ("gb2312", range(0xB0, 0xD8), [0xFE]),
    "big5 first row 0xA4": ("big5", [0xA4], range(0x40, 0xFF)),
    "big5 last row 0xC6": ("big5", [0xC6], range(0x40, 0x7F)),  # the frequent set ends at 0xC67E
    "big5 first trail 0x40": ("big5", range(0xA4, 0xC7), [0x40]),
    "big5 last trail 0xFE": ("big5", range(0xA4, 0xC7), [0xFE]),
}


@pytest.mark.parametrize("edge", EDGES, ids=list(EDGES))
def test_the_hanzi_at_each_edge_of_the_common_sets_are_plausible(edge):
    encoding, leads, trails = EDGES[edge]
    chars = ideographs(encoding, leads, trails, "big5" if encoding == "gb2312" else "gb2312")
    assert chars, "the edge has hanzi of its own set only"
    text = judged(chars)
    assert plausibility(text) is None
    decoded = decode_html(page(text, encoding).encode(encoding))
    assert decoded.refused is None and text in decoded.text


def test_level_2_hanzi_past_the_last_row_are_rare():
    # row 0xD8 opens GB2312 level 2: hanzi a mojibake reading draws on, not everyday text
    chars = ideographs("gb2312", [0xD8], range(0xA1, 0xFF), "big5")
    assert chars
    assert "rare" in (plausibility(judged(chars)) or "")


# ---------------------------------------------------------------- rare characters
@pytest.mark.parametrize(
    "ch",
    [
        "\u3400",  # first of CJK extension A
        "\u4dbf",  # last of CJK extension A
        "\u9fff",  # last of the CJK unified ideographs
        "\x80",  # first C1 control
        "\x9f",  # last C1 control
        "\ue000",  # first private-use character
        "\uf8ff",  # last private-use character
    ],
)
def test_the_first_and_last_character_of_each_rare_block_is_rare(ch):
    for encoding in ("gb2312", "big5"):  # so it is in neither common set
        with pytest.raises(UnicodeEncodeError):
            ch.encode(encoding)
    assert "rare" in (plausibility(SENTENCE + ch * len(SENTENCE)) or "")


@pytest.mark.parametrize(
    "ch",
    [
        "\u33ff",  # a CJK compatibility square, just before extension A
        "\u4dc0",  # the first Yijing hexagram, just after extension A
        "\u4dff",  # the last Yijing hexagram, just before the unified ideographs
        "\ua000",  # the first Yi syllable (the script of Sichuan's Liangshan Yi prefecture), just after them
        "\uf900",  # the first CJK compatibility ideograph, just after the private-use area
    ],
)
def test_the_characters_just_outside_the_ideograph_blocks_are_not_rare(ch):
    assert plausibility(SENTENCE + ch * len(SENTENCE)) is None


# ---------------------------------------------------------------- thresholds, on each side
def test_fewer_than_min_judged_non_ascii_characters_are_not_judged():
    assert plausibility("Court " + PRIVATE_USE * (MIN_JUDGED - 1)) is None
    assert "rare" in (plausibility("Court " + PRIVATE_USE * MIN_JUDGED) or "")


def test_the_latin_share_is_judged_from_min_judged_letters():
    # hanzi punctuation is non-ASCII but no letter: the letters alone decide whether the share is judged
    punctuation = "，" * MIN_JUDGED
    assert plausibility(punctuation + "é" * (MIN_JUDGED - 1)) is None
    assert "accented Latin" in (plausibility(punctuation + "é" * MIN_JUDGED) or "")


@pytest.mark.parametrize(
    ("letter", "accented"),
    [
        ("\u00c0", True),  # À, the first accented Latin letter (after ¿, which is no letter)
        ("\u024f", True),  # ɏ, the last letter of Latin Extended-B
        ("\u0250", False),  # ɐ, the first IPA letter, just after it
    ],
)
def test_the_edges_of_the_accented_latin_letters(letter, accented):
    found = plausibility("，" * MIN_JUDGED + letter * MIN_JUDGED)
    assert ("accented Latin" in (found or "")) if accented else found is None


@pytest.mark.parametrize("over", [0, 1])
def test_rare_share_threshold(over):
    total = 200
    rare = math.floor(MAX_RARE_SHARE * total) + over
    found = plausibility(PRIVATE_USE * rare + "法" * (total - rare))
    assert ("rare" in (found or "")) if over else found is None


@pytest.mark.parametrize("over", [0, 1])
def test_replaced_share_threshold(over):
    total = 2000  # a long page: its share allows more than a handful
    runs = math.floor(MAX_REPLACED_SHARE * total) + over
    assert runs > HANDFUL
    found = plausibility("\ufffd法" * runs + "法" * (total - 2 * runs))
    assert ("U+FFFD" in (found or "")) if over else found is None


@pytest.mark.parametrize("over", [0, 1])
def test_mojibake_sign_threshold(over):
    text = (SENTENCE + "锟斤拷") * (MAX_SIGNS + over) + SENTENCE * 10
    found = plausibility(text)
    assert ("锟斤拷" in (found or "")) if over else found is None


@pytest.mark.parametrize("over", [0, 1])
def test_latin_share_threshold(over):
    letters = 100
    accented = math.floor(MAX_LATIN_SHARE * letters) + over
    assert accented >= MIN_JUDGED
    # an accented letter before an ASCII one forms no UTF-8-read-as-Latin-1 sign: only the share can tell
    text = "éa" * accented + "a" * (letters - 2 * accented)
    found = plausibility(text)
    assert ("accented Latin" in (found or "")) if over else found is None


def test_script_and_style_blocks_are_not_judged():
    glyphs = PRIVATE_USE * 100  # icon-font code points: rare, and far over MAX_RARE_SHARE of the text
    for block in (
        f"<style>\n.icon:before {{ content: '{glyphs}'; }}\n</style>",
        f"<SCRIPT>var i='{glyphs}'</SCRIPT>",
    ):
        text = f"<html><head>{block}</head><body><p>{SENTENCE * 2}</p></body></html>"
        assert plausibility(text) is None, block
    assert "rare" in (plausibility(f"<p>{glyphs}</p><p>{SENTENCE * 2}</p>") or "")


def test_mojibake_after_a_long_inline_script_is_judged():
    # the sample is PLAUSIBILITY_SAMPLE characters of visible text, not of markup: a page may open with
    # that much inline script or data before its text
    script = "<script>var data = '" + "x" * PLAUSIBILITY_SAMPLE + "';</script>"
    assert "rare" in (
        plausibility(f"<html><head>{script}</head><body><p>{PRIVATE_USE * 100}</p></body></html>") or ""
    )


# ---------------------------------------------------------------- choosing the reading
def common_gb_hanzi(count: int) -> str:
    """Level-1 hanzi whose GBK bytes all lie in 0xA1–0xBF: read as windows-1252 they are symbols such as
    °±²³ (no accented letters, no UTF-8-read-as-Latin-1 sign), a reading plausibility cannot refuse."""
    chars = [
        bytes((lead, trail)).decode("gb2312") for lead in range(0xB0, 0xC0) for trail in range(0xA1, 0xC0)
    ]
    return "".join(chars[:count])


@pytest.mark.parametrize("count", [MIN_JUDGED - 1, MIN_JUDGED])
def test_a_single_byte_declaration_yields_to_min_judged_common_hanzi(count):
    text = common_gb_hanzi(count)
    raw = page(text).encode("gbk")
    assert plausibility(raw.decode("cp1252")) is None  # the declared reading alone would be taken
    decoded = decode_html(raw, "text/html; charset=ISO-8859-1")
    if count >= MIN_JUDGED:
        assert decoded.encoding == "gb18030" and text in decoded.text
    else:  # too few hanzi to outweigh the declaration (a Latin-1 page's bytes can pair into a few hanzi)
        assert decoded.encoding == "cp1252"


def test_a_short_utf8_page_declared_gb2312_is_utf8_though_gb18030_decodes_it():
    raw = page("法院新闻", "gb2312").encode("utf-8")
    assert plausibility(raw.decode("gb18030")) is None  # too short to judge: only the byte rule can tell
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-8" and "法院新闻" in decoded.text
    assert "gb2312" in (decoded.note or "")


def test_a_short_ascii_page_declared_utf16_without_a_byte_order_mark_is_ascii():
    raw = b"<html><body>Court</body></html>"
    # its UTF-16 reading has too few characters for plausibility to refuse: only the byte rule can tell
    assert plausibility(raw.decode("utf-16-be", "replace")) is None
    decoded = decode_html(raw, "text/html; charset=utf-16")
    assert decoded.text == raw.decode("ascii")
    assert "without a byte-order mark" in (decoded.note or "")


def test_a_declared_utf8_page_notes_replaced_bytes_and_only_then():
    raw = page(SENTENCE * 8, "utf-8").encode("utf-8")
    assert decode_html(raw).note is None
    at = raw.index("合同".encode()) + 1
    decoded = decode_html(raw[:at] + b"\xff" + raw[at:])
    assert decoded.encoding == "utf-8" and decoded.how == "meta"
    assert "1 invalid UTF-8 sequences replaced" in (decoded.note or "")


def with_stray_bytes(raw: bytes, count: int) -> bytes:
    """`count` bytes 0xFF spread over the body, each between two whole characters: one invalid sequence each."""
    start, end = raw.index(b"<p>") + 3, raw.index(b"</p>")
    step = (end - start) // (count + 1) // 3 * 3  # the body is hanzi: 3 bytes each
    assert step >= 3, "stray bytes side by side would be one invalid sequence"
    bounds = [0, *(start + step * (i + 1) for i in range(count)), len(raw)]
    return b"\xff".join(raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False))


@pytest.mark.parametrize("over", [0, 1])
def test_near_utf8_share_threshold(over):
    body = SENTENCE * 300
    valid = len(body)  # non-ASCII characters, all of them in the body
    allowed = math.floor(NEAR_UTF8_SHARE * valid)
    assert allowed > HANDFUL  # above the handful every page is allowed
    decoded = decode_html(with_stray_bytes(page(body).encode("utf-8"), allowed + over))
    if over:
        assert decoded.how != "utf-8"  # more than the share: not UTF-8 with stray bytes
    else:
        assert (decoded.encoding, decoded.how) == ("utf-8", "utf-8") and body[:100] in decoded.text
        assert f"{allowed} invalid UTF-8 sequences replaced" in (decoded.note or "")


def test_a_literal_replacement_character_is_text_not_an_invalid_sequence():
    # a U+FFFD the page itself holds (left by an earlier bad conversion) is three valid UTF-8 bytes
    raw = with_stray_bytes(page("\ufffd" + SENTENCE * 8).encode("utf-8"), 1)  # the stray byte mid-body
    decoded = decode_html(raw)
    assert (decoded.encoding, decoded.how) == ("utf-8", "utf-8")
    assert "1 invalid UTF-8 sequences replaced" in (decoded.note or "")


def test_an_unknown_charset_is_noted_and_the_bytes_sniffed():
    raw = page(SENTENCE * 4, "utf8mb4").encode("utf-8")  # MySQL's name, unknown to browsers and Python
    decoded = decode_html(raw)
    assert decoded.encoding == "utf-8" and SENTENCE in decoded.text
    assert "unknown meta charset 'utf8mb4'" in (decoded.note or "")


def test_two_gbk_words_among_ascii_are_not_utf8_with_two_stray_bytes():
    # one invalid sequence is a stray byte; two in a page of so few non-ASCII characters are another encoding
    words = ("审理", "案件")
    for word in words:
        assert set(word.encode("gbk").decode("utf-8", "replace")) == {"\ufffd"}
    english = "The court heard the case. " * 4
    raw = page(f"{english}{words[0]}{english}{words[1]}{english}").encode("gbk")
    decoded = decode_html(raw)
    assert decoded.encoding == "gb18030" and all(word in decoded.text for word in words)


# ---------------------------------------------------------------- binary bodies
@pytest.mark.parametrize("control", [*range(1, 9), *range(14, 32)])
def test_a_body_of_control_bytes_is_binary(control):
    assert looks_binary(bytes([control]) * 300 + page("x").encode())


# tab, line feed, vertical tab, form feed, carriage return, space
@pytest.mark.parametrize("whitespace", [*range(9, 14), 32])
def test_whitespace_bytes_are_text(whitespace):
    assert not looks_binary(bytes([whitespace]) * 300 + page("x").encode())


@pytest.mark.parametrize("over", [0, 1])
def test_more_than_a_tenth_of_control_bytes_is_binary(over):
    size = 2000  # all of it examined
    control = size // 10 + over
    assert looks_binary(b"\x01" * control + b"a" * (size - control)) == bool(over)


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_utf16_page_with_a_byte_order_mark_is_not_binary(bom):
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    raw = bom + page(SENTENCE).encode(encoding)
    assert b"\x00" in raw  # every ASCII character has a NUL beside it
    assert not looks_binary(raw)
    assert decode_html(raw).text.endswith(page(SENTENCE))


def test_an_empty_body_is_not_binary():
    assert not looks_binary(b"")
