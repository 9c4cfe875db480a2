"""Keep exactly the article: recipes for known families, trafilatura/readability by evidence elsewhere."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from lxml import etree
from lxml import html as lxml_html

from crawler.extract import metadata as meta
from crawler.extract.decode import Decoded, decode_html
from crawler.extract.density import sentence_weights
from crawler.extract.errors import ExtractionError, NotAnArticle
from crawler.extract.general import general_body
from crawler.extract.posts import MIN_DATED, TIMESTAMP, Comment, comment_stream
from crawler.extract.recipes import Names, names_in, recipes_for, select
from crawler.extract.rules.challenge import block_page
from crawler.extract.rules.end_matter import METADATA_RULES as END_METADATA
from crawler.extract.rules.end_matter import cut_end_matter
from crawler.extract.rules.line_rules import (
    METADATA_RULES,
    cut_edge_counters,
    cut_page_numbers,
    cut_related,
    filter_lines,
)
from crawler.extract.rules.node_rules import Removed, hidden_selectors, is_hidden, prune
from crawler.extract.rules.refusals import (
    PageSurvey,
    check_block_notice,
    check_document_type,
    check_list_page,
    check_size,
    check_soft_404,
    check_truncated,
    parse_checked,
)
from crawler.extract.rules.related_links import cut_related_shape, drop_link_lists
from crawler.extract.rules.spam_dom import drop_spam_lines
from crawler.extract.text import element_lines, grams, xml_safe
from crawler.extract.whole_body import continuation

MIN_RECIPE_CHARS = 20
NEAR_TITLE_LINES = 8
HEADER_LINES = 12  # lines before the body searched for date, source and byline
FOOTER_LINES = 8
SHORT_LINE = 80
HEADER_SCAN = 5  # leading body lines examined for a repeated title and byline
SIGNATURE_LINE = 40  # '吉林省人民政府 2022年1月27日': the date a notice is signed


@dataclass
class Article:
    url: str
    title: str = ""
    body: str = ""
    published: str | None = None
    published_precision: str | None = None
    source_name: str | None = None
    author: str | None = None
    editor: str | None = None
    court: str | None = None
    summary: str | None = None
    method: str = ""
    encoding: str | None = None
    encoding_note: str | None = None
    removed_blocks: list[Removed] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)  # replies of a thread, comments under an article

    def as_dict(self) -> dict:
        data = asdict(self)
        data["removed_blocks"] = [{"rule": r.rule, "text": r.text} for r in self.removed_blocks]
        return data


def _meta_tags(doc: lxml_html.HtmlElement) -> dict[str, str]:
    tags: dict[str, str] = {}
    for el in doc.iter("meta"):
        key = (el.get("name") or el.get("property") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value and key not in tags:
            tags[key] = value
    return tags


@dataclass(frozen=True)
class NextData:
    """The 澎湃号 article in Next.js data. Each field is checked for its type: a list or a number where text
    belongs is treated as absent, never passed on."""

    content: str
    name: str | None = None
    author: str | None = None
    pub_time: str | None = None
    publish_time: object = None  # milliseconds, validated by meta.date_from_epoch_ms
    node_name: str | None = None


def _text_field(data: dict, key: str) -> str | None:
    value = data.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _next_data(doc: lxml_html.HtmlElement) -> NextData | None:
    """澎湃号 pages carry the article in Next.js data; prefer it to the DOM."""
    for script in doc.xpath('//script[@id="__NEXT_DATA__"]'):
        try:
            data = json.loads(script.text or "")
            detail = data["props"]["pageProps"]["detailData"]["contentDetail"]
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            continue
        if not isinstance(detail, dict) or not (content := _text_field(detail, "content")):
            continue
        node = detail.get("nodeInfo")
        return NextData(
            content=content,
            name=_text_field(detail, "name"),
            author=_text_field(detail, "author"),
            pub_time=_text_field(detail, "pubTime"),
            publish_time=detail.get("publishTime"),
            node_name=_text_field(node, "name") if isinstance(node, dict) else None,
        )
    return None


def _first_text(doc: lxml_html.HtmlElement, selectors: tuple[str, ...], names: Names | None = None) -> str:
    for selector in selectors:
        for el in select(doc, selector, names):
            text = " ".join(element_lines(el))
            if text:
                return text
    return ""


def _title(
    doc: lxml_html.HtmlElement, tags: dict[str, str], selectors: tuple[str, ...], names: Names | None = None
) -> str:
    title = _first_text(doc, selectors, names)
    if title:
        return title
    for key in ("articletitle", "og:title", "twitter:title"):
        if tags.get(key):
            return tags[key]
    page_title = (doc.findtext(".//title") or "").strip()
    for h in doc.iter("h1", "h2"):
        text = " ".join(element_lines(h))
        if 4 <= len(text) <= 120 and (not page_title or text[:6] in page_title):
            return text
    return re.split(r"\s*[-_|｜—]+\s*", page_title)[0] if page_title else ""


def _choose_body(
    doc: lxml_html.HtmlElement, family: str | None, names: Names | None = None
) -> tuple[list[str], str] | None:
    for recipe in recipes_for(family):
        for selector in recipe.body:
            candidates = select(doc, selector, names)
            if not candidates:
                continue
            best = max(candidates, key=lambda el: len(el.text_content() or ""))
            for strip in recipe.strip:
                for junk in select(best, strip, names):
                    junk.getparent().remove(junk)
            lines = element_lines(best) + continuation(best)  # the article may go on past the node
            if sum(len(line) for line in lines) >= MIN_RECIPE_CHARS:
                return lines, f"recipe:{recipe.family}:{selector}"
            check_block_notice(lines)  # the article's place holds a notice too short to be a body
    return None


def _is_heading(line: str) -> bool:
    """A title-like line: short, no sentence punctuation inside (a closing ？ or ！ is a headline's)."""
    return len(line) <= 60 and not re.search(r"[，。；]", line)


_META_LABELS = re.compile(
    r"来源|作者|发布时间|发布日期|发表时间|时间|日期|浏览|点击|责任编辑|编辑|通讯员|字号|阅读"
)
_LABEL_COLON = re.compile(  # "（责任编辑：X）" and "【编辑：X】" close many bodies inside brackets
    r"^[（(【\[]?\s*(?:来源|作者|发布时间|发布日期|时间|日期|责任编辑|编辑|通讯员|记者|译者?|文|撰稿|撰文|摄影|图片?|审核|"
    r"审校|校对|监制|统筹|排版|美编|责编)\s*[:：]"
)
# the review chain that closes court WeChat posts: "一审：张三 二审：李四 终审：王五". Only with colons, since
# 一审/二审 are also words of body sentences ("二审法院维持原判").
_REVIEW_CHAIN = re.compile(
    r"^(?:(?:一审|二审|三审|终审|初审|复审|审核|审校|校对|监制|编审)\s*[:：]\s*\S{1,12}\s*){1,5}$"
)


_BARE_LABEL = re.compile(r"^[【\[]?(?:责任编辑|编辑|作者|来源|审核|校对|通讯员|记者)\s*[:：]?$")


def _is_meta_line(line: str) -> bool:
    """A date/source/byline line: two labels, a label and a date, a short 'label：value', or a bare date."""
    if len(line) > 120:
        return False
    labels = len(_META_LABELS.findall(line))
    dated = meta.parse_date(line) is not None
    if labels >= 2 or (labels == 1 and dated):
        return True
    if len(line) <= 40 and (_LABEL_COLON.match(line) or _REVIEW_CHAIN.match(line)):
        return True
    if meta.byline_shaped(
        line
    ):  # '通讯员 李四', '文/张三', '（记者 张三 通讯员 李四）': fields without colons
        return True
    return dated and len(re.sub(r"[\d\s年月日时分秒:：/\-.]", "", line)) <= 4


@dataclass
class Windows:
    """Page lines where a page prints its date, source and byline, nearest first."""

    before_body: list[str]  # just before the body, closest first
    after_title: list[str]  # just after the title line
    after_body: list[str]


def _find(page_lines: list[str], needle: str, start: int = 0) -> int | None:
    return next((i for i in range(start, len(page_lines)) if needle and needle in page_lines[i]), None)


def _windows(page_lines: list[str], body: list[str], title: str) -> Windows:
    before: list[str] = []
    after_body: list[str] = []
    anchor = next((line for line in body if len(line) >= 20), body[0] if body else "")
    start = _find(page_lines, anchor[:20])
    if start is not None:
        last = body[-1][:20] if body else ""
        end = next(
            (i for i in range(len(page_lines) - 1, start - 1, -1) if last and last in page_lines[i]), start
        )
        before = [
            line for line in page_lines[max(0, start - HEADER_LINES) : start][::-1] if len(line) <= SHORT_LINE
        ]
        after_body = [
            line for line in page_lines[end + 1 : end + 1 + FOOTER_LINES] if len(line) <= SHORT_LINE
        ]
    after_title: list[str] = []
    key = title[:12]
    if key:  # every place the title is printed (a page may repeat it in a header and above the article)
        for at in (i for i, line in enumerate(page_lines) if key in line and len(line) <= len(title) + 40):
            after_title += [
                line for line in page_lines[at + 1 : at + 1 + NEAR_TITLE_LINES] if len(line) <= SHORT_LINE
            ]
    return Windows(before, after_title, after_body)


def _strip_meta_edges(lines: list[str]) -> tuple[list[str], list[str]]:
    """A container that starts with the page's own header (title-like lines, then date/byline lines) or ends
    with date/byline lines: those lines are metadata, not body."""
    header = 0
    for index, line in enumerate(lines[:HEADER_SCAN]):
        if _is_meta_line(line):
            header = index + 1
        elif not _is_heading(line):
            break
    meta_lines, lines = lines[:header], lines[header:]
    tail: list[str] = []
    while lines:
        if _is_meta_line(lines[-1]) and (meta.parse_date(lines[-1]) or len(lines[-1]) <= 30):
            tail[:0] = [lines.pop()]
        elif (
            len(lines) >= 2
            and _BARE_LABEL.match(lines[-2])
            and _is_heading(lines[-1])
            and len(lines[-1]) <= 12
        ):
            tail[:0] = ["".join([lines.pop(-2), lines.pop()])]  # "责任编辑：" then the name on its own line
        else:
            break
    return lines, meta_lines + tail


# Pages assembled from server-side includes often close </html> after the header fragment. Browsers ignore
# such end tags; libxml2 stops reading there and loses the article. Without them it closes both at the end.
_STRAY_END_TAGS = re.compile(r"</\s*(?:html|body)\s*>", re.I)
# XHTML pages open with <?xml … encoding="…"?>: the text is decoded already, and lxml refuses a str with one
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


IN_BODY = 0.6  # share of a post's 4-grams found in the body: the post is the body (a thread's opening post)


def _comments(doc: lxml_html.HtmlElement, page_lines: list[str]) -> list[Comment]:
    """The page's dated posts as comments (posts.comment_stream), read before pruning; their text is judged by
    the line rules too (a reply is no place for a credential dump), and hidden posts are skipped."""
    body = doc.body
    if body is None or len(TIMESTAMP.findall("\n".join(page_lines))) < MIN_DATED:
        return []
    classes, ids = hidden_selectors(doc)

    def lines_of(member: lxml_html.HtmlElement) -> list[str]:
        if any(is_hidden(el, classes, ids) for el in (member, *member.iterancestors())):
            return []
        return filter_lines(element_lines(member))[0]

    return comment_stream(body, sentence_weights(body), lines_of)


def _in_body(text: str, body_grams: set[str]) -> bool:
    own = grams(text)
    return bool(own) and len(own & body_grams) >= IN_BODY * len(own)


def _parse(html: str) -> tuple[lxml_html.HtmlElement, PageSurvey]:
    """The page refused before parsing when it is no HTML, too large or cut short; else parsed, with
    XML-illegal characters replaced first (xml_safe) and comments gone."""
    check_document_type(html)
    html = check_size(html)
    check_truncated(html)
    if blocked := block_page(html):
        raise NotAnArticle(f"not an article: block page ({blocked})")
    return parse_checked(_STRAY_END_TAGS.sub("", _XML_DECLARATION.sub("", xml_safe(html))))


def extract_html(html: str, url: str, family: str | None = None, court_hint: str | None = None) -> Article:
    if not html or not html.strip():
        raise ExtractionError(f"{url}: empty document, nothing to extract")
    doc, shares = _parse(html)
    article = Article(url=url)
    tags = _meta_tags(doc)
    recipes = recipes_for(family)
    title_selectors = tuple(s for r in recipes for s in r.title)
    names = names_in(doc)  # the page's classes and ids: recipes naming others are not run over it
    meta_text = " ".join(_first_text(doc, (s,), names) for r in recipes for s in r.meta)
    editor_text = " ".join(_first_text(doc, (s,), names) for r in recipes for s in r.editor)
    next_data = _next_data(doc)
    article.title = (next_data.name if next_data else None) or _title(doc, tags, title_selectors, names)
    page_lines = element_lines(doc.body) if doc.body is not None else []
    comments = _comments(doc, page_lines)  # before pruning, which drops small comment-classed blocks
    article.removed_blocks = prune(doc, url)
    spam_removed, spam_lines = drop_spam_lines(doc, page_lines)
    article.removed_blocks += spam_removed
    article.removed_blocks += drop_link_lists(doc)  # lists of other articles, by their shape

    chosen = None
    if next_data:
        content = lxml_html.fragment_fromstring(xml_safe(next_data.content), create_parent="div")
        etree.strip_tags(content, etree.Comment, etree.ProcessingInstruction)
        article.removed_blocks += prune(content, url)
        article.removed_blocks += drop_link_lists(content)
        chosen = (element_lines(content), "next-data")
    chosen = chosen or _choose_body(doc, family, names) or general_body(doc)
    lines, article.method = chosen
    check_block_notice(lines)  # a firewall's notice in the site's chrome: not a removal, not a version
    lines, edge_counters = cut_edge_counters(lines)
    article.removed_blocks += edge_counters
    if lines and article.title and lines[0].replace(" ", "") == article.title.replace(" ", ""):
        lines = lines[1:]
    if lines and re.match(r"^[【\[]?(?:摘要|导读)", lines[0]):
        article.summary = re.sub(r"^[【\[]?(?:摘要|导读)[】\]]?\s*[:：]\s*", "", lines[0])
    lines, edges = _strip_meta_edges(lines)
    # platform chrome as whole blocks (WeChat's closing block with the account card), 原标题 and editor
    # sign-offs: before the line rules, which would take the block's anchors one by one and leave the card
    lines, end_matter = cut_end_matter(lines)
    lines, dropped = filter_lines(lines)
    lines, related = cut_related(lines)
    lines, shaped = cut_related_shape(lines)
    related += end_matter + shaped
    lines, page_numbers = cut_page_numbers(lines)
    lines, more_edges = _strip_meta_edges(lines)  # a byline revealed once a related list is cut
    for line in edges + more_edges:
        article.removed_blocks.append(Removed("meta-line", line))
        meta_text += " " + line
    meta_text += "".join(
        f" {r.text}" for r in dropped + end_matter if r.rule in ("credit-line", "editor-line")
    )
    article.removed_blocks += dropped + related + page_numbers
    article.body = "\n".join(lines)
    if comments:
        body_grams = grams(article.body)
        article.comments = [c for c in comments if not _in_body(c.text, body_grams)]
    check_soft_404(article.title, page_lines, article.body)
    check_list_page(shares, lines)

    # metadata is never read from a line a rule removed as junk ("作者本人观点" in a disclaimer is no byline);
    # dates and summaries are the exception, those rules remove them from the body because they are metadata
    junk = {r.text for r in dropped if r.rule not in METADATA_RULES | END_METADATA} | spam_lines
    around = _windows([line for line in page_lines if line not in junk], lines, article.title)
    body_set = set(lines)
    near_text = " ".join(around.before_body[::-1] + around.after_title)
    # published: meta tags, platform data, recipe meta blocks, the lines just before the body (labelled
    # first, closest first), a labelled date just after it, the URL. Never a date from the body itself.
    candidates = [meta.parse_date(tags[k]) for k in meta.META_DATE_NAMES if k in tags]
    if next_data:
        candidates.append(meta.parse_date(next_data.pub_time or ""))
        candidates.append(meta.date_from_epoch_ms(next_data.publish_time))
    candidates += [meta.labelled_date(meta_text), meta.parse_date(meta_text)]
    for window in (around.before_body, around.after_title):
        candidates += [meta.labelled_date(line) for line in window]
    for window in (around.before_body, around.after_title):
        candidates += [meta.parse_date(line) for line in window]
    candidates += [meta.labelled_date(line) for line in around.after_body]
    candidates += [meta.parse_date(line) for line in around.after_body if len(line) <= SIGNATURE_LINE]
    # last resort before the URL: a labelled date anywhere outside the body, first in page order
    candidates += [
        meta.labelled_date(line) for line in page_lines if len(line) <= SHORT_LINE and line not in body_set
    ]
    # a periodical credit closing the body or just after it ("——《北京之春》1998年3月号") dates a reprint
    candidates += [meta.credit_date(line) for line in lines[-3:] + around.after_body[:3]]
    candidates.append(meta.date_from_url(url))
    found = next((c for c in candidates if c is not None), None)
    if found:
        article.published, article.published_precision = found.value, found.precision

    article.source_name = (
        (next_data.node_name if next_data else None)
        or meta.find_source(meta_text)
        or tags.get("contentsource")
        or meta.find_source(near_text)
    )
    # a meta author with spaces, commas or digits is a site name or an account id, not a person
    meta_author = tags.get("author") if not re.search(r"[\s,\d]", tags.get("author", "0")) else None
    article.author = (
        meta.clean_name(next_data.author if next_data else None)
        or meta.find_authors(meta_text)
        or meta.clean_name(meta_author)
        or meta.find_authors(near_text)
        or next(
            filter(None, (meta.find_authors(line, in_body=True) for line in lines[:2] + lines[-3:])), None
        )
    )
    article.editor = (
        meta.find_editor(editor_text)
        or meta.find_editor(meta_text)
        or meta.find_editor(" ".join(page_lines[-40:]))
    )
    article.court = (
        meta.find_court(article.source_name) or court_hint or meta.find_court(tags.get("sitename"))
    )
    return article


def extract_bytes(
    raw: bytes,
    url: str,
    content_type: str | None = None,
    family: str | None = None,
    court_hint: str | None = None,
) -> Article:
    return extract_decoded(decode_html(raw, content_type), url, family=family, court_hint=court_hint)


def extract_decoded(
    decoded: Decoded, url: str, family: str | None = None, court_hint: str | None = None
) -> Article:
    """Extract from text already decoded (the pipeline decodes once, to check for challenge pages first).
    Text whose decoding was refused as mojibake is never extracted: garbage must not become a version."""
    if decoded.refused:
        raise ExtractionError(f"refused decoding: {decoded.refused}")
    article = extract_html(decoded.text, url, family=family, court_hint=court_hint)
    article.encoding, article.encoding_note = decoded.encoding, decoded.note
    return article
