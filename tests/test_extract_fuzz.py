"""Extraction raises nothing but ExtractionError (and its subclasses) on any input: random bytes, HTML soup
with control characters, deep nesting, huge attributes, broken __NEXT_DATA__. A fetch is never lost to an
unexpected exception; it is an article or a failed capture with a reason."""

from __future__ import annotations

import contextlib
import json

import pytest

hypothesis = pytest.importorskip("hypothesis")  # a dev dependency; until installed these tests skip

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from crawler.extract import (  # noqa: E402
    ExtractionError,
    decode_html,
    detect_challenge,
    extract_bytes,
    extract_decoded,
)

URL = "https://fuzz.example.invalid/a/2024/01/02/1.html"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SENTENCE = "法院依法审理了这起合同纠纷案件，判决被告支付货款及利息。"

CONTROL = st.sampled_from(
    ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\ufffe", "\uffff", "\ud800"]
)
TAGS = st.sampled_from(
    [
        "div",
        "p",
        "span",
        "a",
        "table",
        "td",
        "tr",
        "li",
        "ul",
        "script",
        "style",
        "h1",
        "title",
        "meta",
        "br",
        "font",
        "section",
        "body",
        "html",
        "head",
        "iframe",
        "svg",
    ]
)
REFERENCES = st.sampled_from(
    [
        "&#0;",
        "&#x1b;",
        "&#11;",
        "&#xFFFE;",
        "&#55296;",
        "&#1114112;",
        "&#99999999999;",
        "&nbsp;",
        "&#20013;",
        "&",
        "&#",
    ]
)
ATTRIBUTES = st.sampled_from(
    [
        'class="content"',
        'style="display:none"',
        'id="js_content"',
        'href="http://x.y/"',
        'style="visibility:hidden;left:-9999px"',
        'class="post"',
        "hidden",
        'charset="gbk"',
    ]
)


def _expect_only_extraction_errors(call) -> None:
    with contextlib.suppress(ExtractionError):
        call()


def _extract_text(html: str) -> None:
    decoded = decode_html(html.encode("utf-8", "surrogatepass"))
    detect_challenge(200, {}, decoded.text)
    _expect_only_extraction_errors(lambda: extract_decoded(decoded, URL))


@FUZZ
@given(
    st.binary(max_size=4000),
    st.sampled_from(
        [
            None,
            "text/html",
            "text/html; charset=utf-16",
            "charset=gbk",
            "text/html; charset=latin-1",
            "text/html; charset=bogus",
        ]
    ),
)
def test_random_bytes(raw, content_type):
    decoded = decode_html(raw, content_type)
    assert isinstance(decoded.text, str)
    detect_challenge(200, {"Set-Cookie": "a=b"}, decoded.text)
    _expect_only_extraction_errors(lambda: extract_bytes(raw, URL, content_type=content_type))


@st.composite
def soup(draw) -> str:
    pieces = draw(
        st.lists(
            st.one_of(
                st.builds(lambda t, a: f"<{t} {a}>", TAGS, ATTRIBUTES),
                st.builds(lambda t: f"<{t}>", TAGS),
                st.builds(lambda t: f"</{t}>", TAGS),
                st.just(SENTENCE),
                st.text(max_size=40),
                CONTROL,
                REFERENCES,
                st.just("<!--"),
                st.just("<![CDATA["),
                st.just("<?xml version='1.0'?>"),
                st.just("发布时间：2024-01-02 10:00 来源：某法院 浏览次数：12"),
            ),
            max_size=60,
        )
    )
    return "".join(pieces)


@FUZZ
@given(soup())
def test_html_soup(html):
    _extract_text(html)
    _extract_text(f"<html><body>{html}{SENTENCE * 4}</body></html>")


@FUZZ
@given(st.integers(1, 3000), TAGS, st.integers(0, 200_000))
def test_deep_nesting_and_huge_attributes(depth, tag, attribute_size):
    attribute = "x" * attribute_size
    html = (
        f'<html><body><div title="{attribute}">{f"<{tag}>" * depth}<p>{SENTENCE * 3}</p></div></body></html>'
    )
    _extract_text(html)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.just(10**20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
DETAIL_KEYS = st.sampled_from(["content", "name", "author", "pubTime", "publishTime", "nodeInfo", "contId"])


@FUZZ
@given(st.dictionaries(DETAIL_KEYS, JSON_VALUES | st.just(f"<p>{SENTENCE}</p>"), max_size=7), JSON_VALUES)
def test_weird_next_data(detail, elsewhere):
    for data in (
        {"props": {"pageProps": {"detailData": {"contentDetail": detail}}}},
        {"props": {"pageProps": {"detailData": {"contentDetail": elsewhere}}}},
        elsewhere,
    ):
        script = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        _extract_text(
            f"<html><body><p>{SENTENCE}</p><script id='__NEXT_DATA__'>{script}</script></body></html>"
        )


@pytest.mark.parametrize(
    "script",
    ["[" * 100_000, '{"props": ' * 5000, "1e999999", "9" * 10_000, '{"props": {"pageProps": null}}', "\x00"],
)
def test_next_data_that_breaks_json_parsers(script):
    _extract_text(
        f"<html><body><p>{SENTENCE * 3}</p><script id='__NEXT_DATA__'>{script}</script></body></html>"
    )
