"""Platform end-matter, related-article blocks and whole bodies (crawler/extract/rules/end_matter.py,
related_links.py, whole_body.py) on pages written for courtnews (tests/extract_fixtures/platform_pages.py).

Every page keeps each paragraph of its article, its last one included, and loses every chrome phrase; the
trap pages (a quoted 相关链接 paragraph, a timeline, attachments, comments after the body) stay whole."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.extract import extract_html
from crawler.extract.quality.evaluate import drops_last_paragraph, f1
from crawler.extract.rules.end_matter import END_PATTERNS, cut_end_matter
from crawler.extract.rules.related_links import cut_related_shape, is_related_heading
from tests.extract_fixtures.platform_pages import CLOSING, PARAS, PLATFORM_PAGES


def _extract(name: str):
    page = PLATFORM_PAGES[name]()
    return page, extract_html(page.html, f"https://example.invalid/{name}.html", family=page.family)


@pytest.mark.parametrize("name", sorted(PLATFORM_PAGES))
def test_pages_keep_the_whole_article_and_lose_the_platforms_matter(name):
    page, article = _extract(name)
    compact = "".join(article.body.split())
    for line in page.paragraphs:
        assert "".join(line.split()) in compact, f"{name}: lost {line[:20]!r}"
    for phrase in page.must_not:
        assert "".join(phrase.split()) not in compact, f"{name}: kept {phrase!r}"
    assert drops_last_paragraph(article.body, page.truth) is False
    assert f1(article.body, page.truth) >= 0.98
    for key, value in page.expect.items():
        assert getattr(article, key) == value, f"{name}: {key}"


def test_every_end_matter_and_related_rule_has_a_fixture_page():
    fired = {r.rule for name in PLATFORM_PAGES for r in _extract(name)[1].removed_blocks}
    for rule in [p.name for p in END_PATTERNS] + ["wechat-closing", "related-links"]:
        assert rule in fired, f"no fixture page shows rule {rule}"


def test_original_title_and_editors_are_kept_as_metadata_not_text():
    _, article = _extract("pengpai-wechat-repost")
    removed = {r.rule: r.text for r in article.removed_blocks}
    assert removed["original-title"] == "原标题：《借了五万元一拖再拖，法院：还！》"
    assert "张晓明" in removed["editor-line"] and article.editor == "张晓明"


@pytest.mark.parametrize(
    "line",
    [
        "责任编辑应当对稿件内容的真实性负责，法院据此认定被告未尽审核义务。",  # a sentence about an editor
        "原标题中的“判了”二字系编者所加，与原告主张无关，法院对此不予采信。",  # speaks of a title, not one
        "关注民生，是人民法院司法为民的应有之义。",  # 关注 in a sentence
        "当事人可扫描下方二维码关注法院公众号查询案件进度。",  # tells parties how to file: the court's text
    ],
)
def test_sentences_that_resemble_end_matter_stay(line):
    kept, removed = cut_end_matter([PARAS[0], line, CLOSING])
    assert line in kept, removed


def test_a_lone_swipe_prompt_mid_body_leaves_the_sentences_around_it():
    lines = [PARAS[0], "继续滑动看下一个", PARAS[1], CLOSING]
    kept, _ = cut_end_matter(lines)
    assert PARAS[1] in kept and CLOSING in kept


@pytest.mark.parametrize(
    ("heading", "verdict"),
    [
        ("延伸 · 推荐", True),
        ("推荐新闻", True),
        ("为你推荐", True),
        ("【相关阅读】", True),
        ("新闻", False),
        ("法院动态", False),
        ("典型案例", False),
    ],
)
def test_related_headings_are_known_by_their_vocabulary(heading, verdict):
    assert is_related_heading(heading) is verdict


@pytest.mark.parametrize(
    "lines",
    [
        # a timeline: dated sentences with commas, never headlines
        ["2023年3月1日，原告提起诉讼", "2023年4月12日，法院开庭审理", "2023年5月20日，法院作出判决", CLOSING],
        # citations with a date inside the line, not at its edge
        [
            "见《人民法院报》2023-05-06 第二版报道",
            "见《法治日报》2023-05-07 第三版报道",
            "见《检察日报》2023-05-08 第四版报道",
            CLOSING,
        ],
        # a heading followed by paragraphs: the article quoting 相关链接
        ["相关链接", PARAS[0], PARAS[1], CLOSING],
    ],
)
def test_dated_sentences_and_quoted_headings_stay(lines):
    kept, removed = cut_related_shape(lines)
    assert kept == lines, removed


def test_eval_reports_pages_that_lose_their_last_paragraph(tmp_path):
    """courtnews eval names the pages whose body lost the truth's last paragraph, apart from must-drops."""
    folder = tmp_path / "corpus"
    (folder / "pages").mkdir(parents=True)
    whole = PLATFORM_PAGES["split-by-image"]()
    (folder / "pages" / "whole.html").write_text(whole.html, "utf-8")
    # the same page whose truth goes on past what the page prints: its last paragraph is missing
    rows = [
        {"id": "whole", "html": "pages/whole.html", "text": whole.truth},
        {
            "id": "cut",
            "html": "pages/whole.html",
            "text": whole.truth + "\n此后，被告主动履行了判决确定的全部还款义务，案件执行完毕。",
        },
    ]
    (folder / "truth.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    report = json.loads(CliRunner().invoke(main, ["eval", str(folder), "--json"]).output)
    assert report["last_paragraph_dropping_pages"] == ["cut"]
    assert report["dropping_pages"] == []  # no must phrase: the end of the body is reported on its own
    text = CliRunner().invoke(main, ["eval", str(folder)]).output
    assert "pages losing the body's last paragraph: 1  cut" in text


@pytest.mark.parametrize(
    ("body", "truth", "verdict"),
    [
        (
            "第一段，内容。\n第二段的内容很长很长，足够长了，法院判决如上。",
            "第一段，内容。\n第二段的内容很长很长，足够长了，法院判决如上。\n记者 张三",
            False,
        ),
        (
            "第一段的内容很长很长，足够长了，法院判决如上。",
            "第一段的内容很长很长，足够长了，法院判决如上。\n第二段的内容也很长，足够长了，被告服判。",
            True,
        ),
        ("任何内容", "记者 张三\n2024年1月2日", None),
    ],
)
def test_the_last_paragraph_is_the_last_sentence_line_of_the_truth(body, truth, verdict):
    assert drops_last_paragraph(body, truth) is verdict


@pytest.mark.parametrize(
    ("lines", "kept"),
    [
        # a lone 阅读原文 inside the body: the subheading after it is the article's
        (
            [PARAS[0], "阅读原文", "二、法官说法", PARAS[1], CLOSING],
            [PARAS[0], "二、法官说法", PARAS[1], CLOSING],
        ),
        # a mid-body 阅读原文 far above the closing block does not stop the block from being found
        (
            [
                PARAS[0],
                "阅读原文",
                PARAS[1],
                CLOSING,
                "继续滑动看下一个",
                "轻触阅读原文",
                "某县法院微讯",
                "向上滑动看下一个",
            ],
            [PARAS[0], PARAS[1], CLOSING],
        ),
        # the article's own short closing line before the block stays
        (
            [
                PARAS[0],
                CLOSING,
                "让法治之光照亮每一个角落",
                "继续滑动看下一个",
                "某县法院微讯",
                "向上滑动看下一个",
            ],
            [PARAS[0], CLOSING, "让法治之光照亮每一个角落"],
        ),
    ],
)
def test_the_wechat_closing_block_takes_the_card_and_nothing_of_the_article(lines, kept):
    assert [line for line in cut_end_matter(lines)[0] if line != "阅读原文"] == kept
