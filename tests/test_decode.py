"""Decoding: every charset a Chinese court page arrives in, wrong and missing declarations, a stray byte or a
cut last character, and mojibake that must be refused rather than stored as text."""

from __future__ import annotations

import pytest

from crawler.extract import ExtractionError, decode_html, extract_decoded
from crawler.extract.decode import plausibility

ARTICLE = "人民法院依法审理了这起合同纠纷案件，判决被告支付货款及利息，并承担本案诉讼费用。" * 8
TRADITIONAL = "法院依法審理了這起合同糾紛案件，判決被告支付貨款及利息，並承擔本案訴訟費用。" * 8
ENGLISH = "The court heard the contract dispute and ordered the defendant to pay. " * 8


def page(text: str, declaration: str = "", title: str = "法院") -> str:
    head = f'<meta charset="{declaration}">' if declaration else ""
    return f"<html><head>{head}<title>{title}</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("raw", "content_type", "encoding", "text"),
    [
        (page(ARTICLE).encode("utf-8"), None, "utf-8", ARTICLE),
        (page(ARTICLE, "gbk").encode("gbk"), None, "gb18030", ARTICLE),
        (page(ARTICLE).encode("gbk"), None, "gb18030", ARTICLE),  # undeclared GBK
        (page(ARTICLE + "𠀀㐀").encode("gb18030"), "text/html; charset=gb18030", "gb18030", ARTICLE),
        (page(TRADITIONAL, "big5").encode("big5"), None, "big5hkscs", TRADITIONAL),
        (page(TRADITIONAL).encode("big5"), None, "big5hkscs", TRADITIONAL),  # undeclared Big5
        (
            page(ARTICLE).encode("utf-8"),
            "text/html; charset=ISO-8859-1",
            "utf-8",
            ARTICLE,
        ),  # Tomcat's default
        (page(ARTICLE, "windows-1252").encode("gbk"), None, "gb18030", ARTICLE),
        (page(ARTICLE, "us-ascii").encode("utf-8"), None, "utf-8", ARTICLE),
        (page(ARTICLE, "utf-16").encode("utf-8"), None, "utf-8", ARTICLE),  # utf-16 declared, no BOM
        (page(ARTICLE).encode("utf-16-le"), "text/html; charset=utf-16", "utf-16-le", ARTICLE),
        (page(ENGLISH, "iso-8859-1", "Court").encode("latin-1"), None, "iso8859-1", ENGLISH),  # ASCII bytes
        (
            page("Le tribunal a jugé l'affaire. Café, élève, déjà vu. " * 5, "iso-8859-1", "Tribunal").encode(
                "latin-1"
            ),
            None,
            "cp1252",
            "Le tribunal a jugé l'affaire.",
        ),
    ],
)
def test_each_charset_decodes_to_the_text(raw, content_type, encoding, text):
    decoded = decode_html(raw, content_type)
    assert decoded.refused is None
    assert decoded.encoding == encoding
    assert text in decoded.text


def test_a_single_byte_declaration_over_utf8_is_noted():
    decoded = decode_html(page(ARTICLE).encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert decoded.note and "ISO-8859-1" in decoded.note


def test_one_stray_byte_keeps_a_utf8_page_utf8():
    raw = page(ARTICLE).encode("utf-8")
    at = raw.index("合同".encode()) + 1
    broken = raw[:at] + b"\xff" + raw[at:]
    decoded = decode_html(broken)
    assert decoded.encoding == "utf-8" and "\ufffd" in decoded.text
    assert "判决被告支付货款" in decoded.text and decoded.refused is None
    assert "1 invalid UTF-8" in (decoded.note or "")


def test_a_cut_last_character_keeps_a_utf8_page_utf8():
    raw = page(ARTICLE).encode("utf-8").replace(b"</p></body></html>", "判".encode()[:2])
    decoded = decode_html(raw, "text/html; charset=utf-8")
    assert decoded.encoding == "utf-8" and "判决被告支付货款" in decoded.text


def test_english_and_ascii_pages_are_plausible():
    assert decode_html(page(ENGLISH, title="Court").encode("ascii")).refused is None
    assert plausibility(page(ENGLISH)) is None
    assert plausibility("<html><body>2024-01-02</body></html>") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (ARTICLE.encode("utf-8").decode("gbk", "ignore"), "rare"),  # UTF-8 read as GBK
        ("锟斤拷" * 30 + ARTICLE, "锟斤拷"),
        (ARTICLE.encode("utf-8").decode("cp1252", "ignore"), "Latin"),  # UTF-8 read as Latin-1
        (ARTICLE.encode("gbk").decode("cp1252", "replace"), "Latin"),
        ("\ue000\ue001\ue002" * 20 + ARTICLE[:40], "private-use"),
        ("\ufffd法" * 40 + ARTICLE, "U+FFFD"),
    ],
)
def test_mojibake_is_not_plausible(text, reason):
    found = plausibility(page(text))
    assert found and (reason in found), found


def test_text_that_is_mojibake_in_every_reading_is_refused_and_never_extracted():
    double_encoded = ARTICLE.encode("utf-8").decode("gbk", "ignore").encode("utf-8")  # stored mojibake
    decoded = decode_html(page("").encode() + double_encoded)
    assert decoded.refused and "mojibake" in decoded.refused
    with pytest.raises(ExtractionError, match="refused decoding: mojibake"):
        extract_decoded(decoded, "https://a.invalid/1.html")


def test_random_bytes_are_refused():
    import random

    rng = random.Random(7)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))
    assert decode_html(b"<html><body><p>" + noise + b"</p></body></html>").refused


def test_replacement_characters_already_in_a_page_do_not_hide_a_stray_byte_beside_them():
    """A page's own U+FFFD (text a site once mangled) are text, not errors; a stray byte right after them is
    still one invalid sequence, noted whether the page declares UTF-8 or not."""
    raw = page(ARTICLE.replace("合同", "合同\ufffd\ufffd", 1)).encode("utf-8")
    at = raw.index("\ufffd\ufffd".encode()) + len("\ufffd\ufffd".encode())
    broken = raw[:at] + b"\xff" + raw[at:]
    for content_type in (None, "text/html; charset=utf-8"):
        decoded = decode_html(broken, content_type)
        assert decoded.encoding == "utf-8" and decoded.refused is None
        assert (decoded.note or "").startswith("1 invalid UTF-8 sequences replaced"), (
            content_type,
            decoded.note,
        )
