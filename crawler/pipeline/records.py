"""What a fetch becomes in the archive: each response of it (redirect hops, then the final response) gets an
outcome and a reason, and an article its extracted fields.

Rules, in order, for the final response:
- a fetch that failed (timeout, refused host, redirect loop) or was cut short is ``failed`` with the reason;
- a 304 answer to a conditional revisit is ``not-modified`` (an unchanged capture without a body);
- 404/410 is ``gone`` (unless the page is an anti-bot challenge that answers 404);
- a challenge or block page is ``challenge`` (a firewall's block notice is judged by the extracted body,
  whatever chrome surrounds it); the site's own maintenance notice as the body is ``failed``; another 4xx/5xx, a non-HTML type, undecodable or implausible
  text is ``failed``;
- only a complete 200 (or 203) response is an article: 206 Partial Content, 300 Multiple Choices, a 3xx
  without Location or any other status with a page in it is ``failed``;
- a page into which the server printed a fatal error of its own software (PHP, ASP, .NET, Java, Python) was
  cut short where the program died: ``failed``, never a version that deletes paragraphs;
- a page that extraction says is not an article, or whose main text is the site's own not-found page's, is
  ``gone`` when it stands at an article's address (a soft 404, a list page served instead) and ``failed``
  otherwise (a PDF, a truncated or oversized page). Pages are compared on their main text: a short item in
  heavy site chrome is no more a soft 404 than its menus are;
- anything else is an ``article``; one whose HTML stops before ``</body>``/``</html>`` carries that as
  ``suspect``, and the archive does not take it as an edit that cuts the text's end (archive.store).
For every response: while the site does not otherwise work in this run (crawler/pipeline/site_state.py: its list
page is down, or answers like a made-up address), nothing it answers is a removal: a ``gone`` verdict is
``failed`` with the reason "site unavailable".
For the URL that was asked for, when the fetch was redirected to another page:
- a redirect to the site's home, a list page, a login page, or wherever the site sends unknown addresses,
  or to a page that is not an article, is ``gone`` (a dated removal);
- a redirect to another article is ``moved`` (naming the target), never a version with the target's text;
- a redirect to the same page under another spelling (http to https) is just a hop.
Any exception while classifying becomes a ``failed`` outcome with its one-line reason: a fetch is never lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from archive.model import ArticleFields, Capture, Outcome, Recorded
from archive.urls import page_key
from crawler.extract import (
    EXTRACTOR_VERSION,
    RULES_HASH,
    Article,
    ExtractionError,
    NotAnArticle,
    decode_html,
    detect_challenge,
    extract_decoded,
)
from crawler.extract.decode import looks_binary
from crawler.extract.rules.refusals import BlockNotice, SiteNotice
from crawler.extract.rules.server_errors import server_error
from crawler.pipeline.items import FetchedPage, Hop, NotFoundSample
from crawler.pipeline.site_state import SAME_PAGE_SIMILARITY, similarity, visible_text

GONE_STATUSES = {404, 410}
MIN_ARTICLE_CHARS = 20
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml")
SOFT_404_SIMILARITY = SAME_PAGE_SIMILARITY  # share of 4-grams a page shares with the not-found page
ARTICLE_STATUSES = {200, 203}  # complete responses; 206 is a part, 3xx a pointer, 201/202/204 no page
_CLOSED = re.compile(rb"</(?:body|html)\s*>", re.I)
# where sites send readers of a page that no longer exists: the home page, an index, a login
HOME_PATH = re.compile(r"^/?(?:[^/]+/)*(?:(?:index|default|home|main)\.[a-z]{2,5})?$", re.I)
LOGIN_PATH = re.compile(r"login|logon|signin|sign_in|passport|/sso\b|/auth\b|/cas/", re.I)
_CANONICAL = re.compile(r"<link\b[^>]*\brel\s*=\s*[\"']?canonical[\"']?[^>]*>", re.I)
_HREF = re.compile(r"\bhref\s*=\s*[\"']?([^\"'\s>]+)", re.I)


@dataclass
class Verdict:
    """The outcome of one response of a fetch (computed in an extraction worker: no raw bytes inside)."""

    url: str
    outcome: Outcome
    reason: str | None = None
    encoding: str | None = None
    article: ArticleFields | None = None
    page_url: str | None = None  # rel=canonical, when honoured
    location: str | None = None
    not_article: bool = False  # the page itself says it is no article (a soft 404, a list page)
    suspect: str | None = None  # why the article may be incomplete (its HTML stops before </body>)


def one_line(text: object, limit: int = 300) -> str:
    """A reason fit for a log line and a table cell: one line, bounded, never a page."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def article_fields(article: Article) -> ArticleFields:
    return ArticleFields(
        title=article.title,
        body=article.body,
        published=article.published,
        published_precision=article.published_precision,
        source_name=article.source_name,
        author=article.author,
        editor=article.editor,
        court=article.court,
        removed_blocks=[{"rule": r.rule, "text": r.text} for r in article.removed_blocks],
        comments=[{"author": c.author, "published": c.published, "text": c.text} for c in article.comments],
        extractor_version=EXTRACTOR_VERSION,
        rules_hash=RULES_HASH,
    )


def _soft_404(sample: NotFoundSample | None, page_text: str, main_text: str | None) -> float | None:
    """How much the page is the site's not-found page, when it is one: compared on main text when both
    have one, on the whole visible text only when neither yields an article."""
    if not sample or sample.status != 200 or not sample.text:
        return None
    if main_text is not None:
        if sample.main_text is None:
            return None  # the page has an article where the not-found page has none
        score = similarity(main_text, sample.main_text)
    else:
        score = similarity(page_text, sample.text)
    return score if score >= SOFT_404_SIMILARITY else None


def _soft_404_verdict(url: str, score: float, encoding: str | None) -> Verdict:
    return Verdict(
        url,
        "gone",
        f"soft 404: the page is {score:.0%} the same as this site's own not-found page",
        encoding,
        not_article=True,
    )


def canonical_url(html: str, base: str, item: FetchedPage) -> str | None:
    """The page's <link rel=canonical>, honoured only on an allowed host, for an article-shaped address that
    is not a home or list page (a CMS that points every page at its home page must not merge them)."""
    match = _CANONICAL.search(html[:100_000])
    href = _HREF.search(match.group(0)) if match else None
    if not href:
        return None
    url = urljoin(base, href.group(1).strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in item.allowed_hosts:
        return None
    if HOME_PATH.match(parts.path) or page_key(url) in {page_key(u) for u in item.list_urls}:
        return None
    if item.article_pattern and not re.search(item.article_pattern, url):
        return None
    return url if page_key(url) != page_key(base) else None


def _final_verdict(item: FetchedPage, url: str) -> Verdict:
    """What the last response of a fetch is."""
    if item.reason or item.status is None:
        return Verdict(url, "failed", one_line(item.reason or "no response"))
    if item.status == 304:
        if item.conditional:
            return Verdict(url, "not-modified", "HTTP 304: not modified since the last capture")
        return Verdict(url, "failed", "HTTP 304 to a request that asked for no comparison")
    raw = item.body or b""
    if item.truncated:
        return Verdict(
            url, "failed", f"truncated: the connection closed after {len(raw)} bytes, before the end"
        )
    if item.status in GONE_STATUSES:
        # an anti-bot page can answer 404 too (one whose script sends the browser home): not a removal.
        # A short 404 page is normal, so the empty-shell verdict does not apply here.
        challenge = detect_challenge(item.status, item.headers, decode_html(raw).text)
        if challenge and not challenge.startswith("empty shell"):
            return Verdict(url, "challenge", f"HTTP {item.status} {challenge}")
        return Verdict(url, "gone", f"HTTP {item.status}")
    if not raw:
        return Verdict(url, "failed", "empty body (0 bytes)")
    content_type = item.headers.get("Content-Type") or item.headers.get("content-type") or ""
    media = content_type.split(";")[0].strip().lower()
    if media and not media.startswith(HTML_TYPES) and media != "text/plain":
        return Verdict(url, "failed", f"not an HTML page (Content-Type: {one_line(media, 60)})")
    if looks_binary(raw):
        return Verdict(url, "failed", f"binary body served as {one_line(content_type or 'unknown type', 60)}")
    decoded = decode_html(raw, content_type or None)
    if decoded.refused:
        return Verdict(url, "failed", one_line(f"undecodable: {decoded.refused}"), decoded.encoding)
    challenge = detect_challenge(item.status, item.headers, decoded.text)
    # a near-empty page may still say the article is gone (页面不存在): extraction gets to say so first
    if challenge and not challenge.startswith("empty shell"):
        return Verdict(url, "challenge", challenge, decoded.encoding)
    if item.status >= 400:
        return Verdict(url, "failed", f"HTTP {item.status}", decoded.encoding)
    if item.status not in ARTICLE_STATUSES:
        return Verdict(
            url,
            "failed",
            f"HTTP {item.status}: only a complete 200 (or 203) response is an article",
            decoded.encoding,
        )
    page_text = visible_text(decoded.text)
    if died := server_error(decoded.text):
        return Verdict(url, "failed", one_line(f"cut short: {died}"), decoded.encoding)
    sample = item.not_found
    try:
        article = extract_decoded(decoded, url, family=item.family, court_hint=item.court)
    except BlockNotice as exc:  # a firewall's notice in the site's chrome: back off, the article may be there
        return Verdict(url, "challenge", one_line(exc), decoded.encoding)
    except SiteNotice as exc:  # the site's maintenance notice: the site's state, not the article's
        return Verdict(url, "failed", one_line(exc), decoded.encoding)
    except NotAnArticle as exc:  # more specific than "empty shell": a soft 404, a PDF, a list page …
        if score := _soft_404(sample, page_text, None):
            return _soft_404_verdict(url, score, decoded.encoding)
        if exc.removal:  # a soft 404 or a list page in the article's place, not a reading failure
            return Verdict(url, "gone", one_line(exc), decoded.encoding, not_article=True)
        return Verdict(url, "failed", one_line(exc), decoded.encoding)
    except ExtractionError as exc:
        if not challenge and (score := _soft_404(sample, page_text, None)):
            return _soft_404_verdict(url, score, decoded.encoding)
        return Verdict(
            url, "challenge" if challenge else "failed", challenge or one_line(exc), decoded.encoding
        )
    if challenge:
        return Verdict(url, "challenge", challenge, decoded.encoding)
    if score := _soft_404(sample, page_text, article.body):
        return _soft_404_verdict(url, score, decoded.encoding)
    if len(article.body) < MIN_ARTICLE_CHARS:
        return Verdict(
            url,
            "failed",
            f"no article text found ({len(article.body)} characters after extraction)",
            decoded.encoding,
        )
    verdict = Verdict(
        url,
        "article",
        f"decoding: {decoded.note}" if decoded.note else None,
        decoded.encoding,
        article_fields(article),
        canonical_url(decoded.text, url, item),
    )
    if not _CLOSED.search(raw):
        verdict.suspect = "its HTML stops before </body> and </html>"
    return verdict


def _sends_away(item: FetchedPage, target: str) -> bool:
    """A redirect target where sites send readers of a page that is gone."""
    path = urlsplit(target).path
    known = {page_key(u) for u in item.list_urls}
    if item.not_found and item.not_found.location:
        known.add(page_key(item.not_found.location))
    return bool(HOME_PATH.match(path) or LOGIN_PATH.search(target) or page_key(target) in known)


def failed_verdicts(item: FetchedPage, reason: str) -> list[Verdict]:
    """The fetch recorded as it came (hops, then the final response), the last one failed for reason."""
    verdicts = [Verdict(hop.url, "redirect", location=hop.location) for hop in item.hops]
    if item.final_url is not None or not verdicts:
        verdicts.append(Verdict(item.final_url or item.url, "failed"))
    verdicts[-1].outcome, verdicts[-1].reason = "failed", one_line(reason)
    return verdicts


def classify(item: FetchedPage) -> list[Verdict]:
    """Verdicts for every response of the fetch, hops first. Never raises."""
    try:
        verdicts = _classify(item)
    except Exception as exc:  # noqa: BLE001 - the archive records what went wrong instead of losing the fetch
        return failed_verdicts(item, f"classification failed: {type(exc).__name__}: {exc}")
    unavailable = item.not_found.unavailable if item.not_found else None
    if unavailable:
        for verdict in verdicts:
            if verdict.outcome == "gone":
                verdict.outcome = "failed"
                verdict.reason = one_line(
                    f"site unavailable, not a removal: {unavailable} ({verdict.reason})"
                )
    return verdicts


def _classify(item: FetchedPage) -> list[Verdict]:
    verdicts = [
        Verdict(hop.url, "redirect", f"{hop.how} to {hop.location}", location=hop.location)
        for hop in item.hops
    ]
    if verdicts and item.final_url is None:  # a loop, too many hops, a host outside the allow-list
        verdicts[0].outcome, verdicts[0].reason = "failed", one_line(item.reason or "redirect not followed")
        return verdicts
    final_url = item.final_url or item.url
    final = _final_verdict(item, final_url)
    if not item.hops or page_key(final_url) == page_key(item.url):
        return [*verdicts, final]  # not redirected, or to the same page under another spelling
    first = verdicts[0]
    if item.reason and not item.status:
        first.outcome, first.reason = (
            "failed",
            one_line(f"redirected to {final_url}, which failed: {item.reason}"),
        )
    elif _sends_away(item, final_url):
        first.outcome, first.reason = (
            "gone",
            f"redirected to {final_url}, where the site sends pages that are gone",
        )
        if final.outcome == "article":  # a home page is not an article at that address either
            final = Verdict(final_url, "not-article", "a home, list or login page reached by a redirect")
    elif final.outcome == "article":
        first.outcome, first.reason = "moved", f"moved to {final_url}"
        first.location = final.page_url or final_url
    elif final.outcome == "gone":
        first.outcome, first.reason = (
            "gone",
            one_line(f"redirected to {final_url}, which is gone: {final.reason}"),
        )
        if final.not_article:
            final.outcome = "not-article"
    else:
        first.outcome = "failed"
        first.reason = one_line(f"redirected to {final_url}, which could not be read: {final.reason}")
    return [*verdicts, final]


def to_records(item: FetchedPage, verdicts: list[Verdict]) -> list[Recorded]:
    """Join the verdicts with the responses they judge (raw bytes, headers, times) for the archive."""
    responses: list[Hop | None] = [*item.hops, None][: len(verdicts)]
    records = []
    for verdict, hop in zip(verdicts, responses, strict=True):
        if hop is not None:
            capture = Capture(
                url=hop.url,
                source=item.source,
                status=hop.status,
                final_url=hop.url,
                headers=hop.headers,
                raw=hop.body,
                reason=verdict.reason,
                fetched_at=hop.fetched_at,
                location=verdict.location or hop.location,
                request_headers=hop.connection.request_headers,
                peer_ip=hop.connection.peer_ip,
                tls_cert_sha256=hop.connection.tls_cert_sha256,
            )
        else:
            capture = Capture(
                url=verdict.url,
                source=item.source,
                status=item.status,
                final_url=verdict.url,
                headers=item.headers,
                raw=item.body,
                encoding=verdict.encoding,
                reason=verdict.reason,
                fetched_at=item.fetched_at,
                page_url=verdict.page_url,
                suspect=verdict.suspect,
                request_headers=item.connection.request_headers,
                peer_ip=item.connection.peer_ip,
                tls_cert_sha256=item.connection.tls_cert_sha256,
            )
        records.append(Recorded(capture, verdict.outcome, verdict.article))
    return records
