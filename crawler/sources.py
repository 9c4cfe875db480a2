"""Load and validate the sources file: which courts to crawl, how, and how often.

Errors name the file, the source and the field, and say what to write instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

FAMILIES = ("courtgov", "chinacourt", "thepaper", "govcms")
ALLOWED_SCHEMES = ("http", "https")
DEFAULT_SOURCES = Path(__file__).resolve().parent.parent / "sources.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
_INTERVAL = re.compile(r"^(\d+)\s*([smhd])$")

SOURCE_KEYS = {
    "slug",
    "court",
    "family",
    "start_urls",
    "allowed_hosts",
    "max_list_pages",
    "max_articles",
    "schedule",
    "article_pattern",
    "selectors",
    "pph_id",
    "api_url",
    "download_delay",
    "notes",
}
SELECTOR_KEYS = {"items", "next_page", "article_links"}


DAEMON_KEYS = {
    "timezone",
    "max_concurrent",
    "crawl_timeout",
    "misfire_grace",
    "jitter",
    "revisit_every",
    "revisit_offsets",
    "revisit_batch",
    "grace_period",
    "fail_after",
    "catch_up_delay",
}


class SourcesError(ValueError):
    """The sources file is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class Schedule:
    """Either an interval ('6h', '30m', '45s') or a five-field cron expression ('0 */6 * * *')."""

    text: str
    interval_seconds: int | None = None
    cron: str | None = None


@dataclass(frozen=True)
class Source:
    slug: str
    court: str
    family: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    max_list_pages: int = 3
    max_articles: int = 200
    schedule: Schedule = Schedule("6h", interval_seconds=6 * 3600)
    article_pattern: str | None = None  # regex an article URL must match
    selectors: dict[str, str] = field(default_factory=dict)  # govcms list selectors
    pph_id: str | None = None  # 澎湃号 account id
    api_url: str | None = None  # 澎湃号 list API (overridable for tests)
    download_delay: float | None = None

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ALLOWED_SCHEMES and (parts.hostname or "") in self.allowed_hosts


def parse_duration(text: str, where: str) -> int:
    """'45s', '30m', '6h', '1d' -> seconds."""
    match = _INTERVAL.match(str(text).strip())
    if not match or int(match.group(1)) <= 0:
        raise SourcesError(f"{where}: {text!r} is not a duration such as '45s', '30m', '6h' or '1d'")
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@dataclass(frozen=True)
class DaemonConfig:
    """How the scheduled service runs; the [daemon] table of the sources file, every key optional."""

    timezone: str = "Asia/Shanghai"
    max_concurrent: int = 2  # crawls at once, all sources together
    crawl_timeout: int = 3 * 3600  # seconds before a crawl process is stopped
    misfire_grace: int = 3600  # a run late by up to this much still runs (once: coalesced)
    jitter: int = 120  # seconds of random delay so sources do not start in lockstep
    revisit_every: int = 600  # how often the revisit job looks for due articles
    revisit_offsets: tuple[int, ...] = (3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)
    revisit_batch: int = 200  # at most this many articles per source per revisit run
    grace_period: int = 60  # seconds running crawls get to finish after SIGTERM
    fail_after: int = 3  # `courtnews status` fails when a source's last N runs all failed
    catch_up_delay: int = 30  # after a restart, overdue sources start within this many seconds


def parse_daemon(raw: dict, path: Path) -> DaemonConfig:
    where = f"{path}: [daemon]"
    unknown = set(raw) - DAEMON_KEYS
    if unknown:
        raise SourcesError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(DAEMON_KEYS)}"
        )
    values: dict = {}
    for key in (
        "crawl_timeout",
        "misfire_grace",
        "jitter",
        "revisit_every",
        "grace_period",
        "catch_up_delay",
    ):
        if key in raw:
            values[key] = (
                raw[key]
                if isinstance(raw[key], int) and raw[key] >= 0
                else parse_duration(raw[key], f"{where} {key}")
            )
    for key in ("max_concurrent", "revisit_batch", "fail_after"):
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 1:
                raise SourcesError(f"{where}: {key} must be a positive whole number (got {raw[key]!r})")
            values[key] = raw[key]
    if "revisit_offsets" in raw:
        offsets = raw["revisit_offsets"]
        if not isinstance(offsets, list) or not offsets:
            raise SourcesError(
                f"{where}: revisit_offsets must be a list such as ['1h', '6h', '1d', '3d', '7d', '30d']"
            )
        values["revisit_offsets"] = tuple(
            sorted(parse_duration(o, f"{where} revisit_offsets") for o in offsets)
        )
    if "timezone" in raw:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(raw["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise SourcesError(
                f"{where}: timezone {raw['timezone']!r} is unknown; use a name such as 'Asia/Shanghai'"
            ) from None
        values["timezone"] = str(raw["timezone"])
    return DaemonConfig(**values)


def load_daemon_config(path: str | os.PathLike[str] | None = None) -> DaemonConfig:
    path = resolve_sources_path(path)
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return parse_daemon(data.get("daemon", {}), path)


def parse_schedule(text: str, where: str) -> Schedule:
    text = str(text).strip()
    if _INTERVAL.match(text):
        return Schedule(text, interval_seconds=parse_duration(text, where))
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text)
        except ValueError as exc:
            raise SourcesError(f"{where}: schedule {text!r} is not a valid cron expression ({exc})") from exc
        return Schedule(text, cron=text)
    raise SourcesError(
        f"{where}: schedule {text!r} is neither an interval like '6h', '30m', '1d' nor a cron expression "
        "like '0 */6 * * *'"
    )


def _check_url(url: object, where: str, hosts: tuple[str, ...]) -> str:
    if not isinstance(url, str):
        raise SourcesError(f"{where}: expected a URL string, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise SourcesError(
            f"{where}: {url!r} uses scheme {parts.scheme or '(none)'!r}; only http and https are fetched. "
            "Write the site's http(s) address."
        )
    if (parts.hostname or "") not in hosts:
        raise SourcesError(
            f"{where}: host {parts.hostname!r} of {url!r} is not in allowed_hosts {list(hosts)}; add it there."
        )
    return url


def _source(raw: dict, index: int, defaults: dict, path: Path) -> Source:
    slug = raw.get("slug")
    where = f"{path}: source #{index + 1}" + (f" ({slug!r})" if slug else "")
    unknown = set(raw) - SOURCE_KEYS
    if unknown:
        raise SourcesError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(SOURCE_KEYS)}"
        )
    merged = {**defaults, **raw}
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise SourcesError(f"{where}: slug must be 2-63 lowercase letters, digits, '-' or '_' (got {slug!r})")
    for key in ("court", "family", "start_urls", "allowed_hosts"):
        if not merged.get(key):
            raise SourcesError(f"{where}: missing required key {key!r}")
    family = merged["family"]
    if family not in FAMILIES:
        raise SourcesError(f"{where}: family {family!r} is unknown; use one of {', '.join(FAMILIES)}")
    hosts = merged["allowed_hosts"]
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h and "/" not in h for h in hosts):
        raise SourcesError(
            f"{where}: allowed_hosts must be a list of host names such as ['www.court.gov.cn']"
        )
    hosts_t = tuple(h.lower() for h in hosts)
    urls = merged["start_urls"]
    if not isinstance(urls, list):
        raise SourcesError(f"{where}: start_urls must be a list of URLs")
    start_urls = tuple(_check_url(u, f"{where}: start_urls[{i}]", hosts_t) for i, u in enumerate(urls))
    for key in ("max_list_pages", "max_articles"):
        value = merged.get(key, 3 if key == "max_list_pages" else 200)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SourcesError(f"{where}: {key} must be a positive whole number (got {value!r})")
    pattern = merged.get("article_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourcesError(
                f"{where}: article_pattern {pattern!r} is not a valid regular expression ({exc})"
            ) from exc
    selectors = merged.get("selectors") or {}
    if not isinstance(selectors, dict) or set(selectors) - SELECTOR_KEYS:
        raise SourcesError(f"{where}: selectors may only have the keys {sorted(SELECTOR_KEYS)}")
    if family == "govcms" and "article_links" not in selectors:
        raise SourcesError(
            f"{where}: a govcms source needs selectors.article_links (a CSS selector of article <a> tags)"
        )
    if family == "thepaper" and not merged.get("pph_id"):
        raise SourcesError(f"{where}: a thepaper source needs pph_id, the 澎湃号 account id")
    api_url = merged.get("api_url")
    if api_url is not None:
        _check_url(api_url, f"{where}: api_url", hosts_t)
    delay = merged.get("download_delay")
    if delay is not None and (not isinstance(delay, int | float) or delay < 0):
        raise SourcesError(f"{where}: download_delay must be a number of seconds >= 0")
    return Source(
        slug=slug,
        court=str(merged["court"]),
        family=family,
        start_urls=start_urls,
        allowed_hosts=hosts_t,
        max_list_pages=merged.get("max_list_pages", 3),
        max_articles=merged.get("max_articles", 200),
        schedule=parse_schedule(merged.get("schedule", "6h"), where),
        article_pattern=pattern,
        selectors=dict(selectors),
        pph_id=str(merged["pph_id"]) if merged.get("pph_id") else None,
        api_url=api_url,
        download_delay=float(delay) if delay is not None else None,
    )


def resolve_sources_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return Path(explicit or os.environ.get("COURTNEWS_SOURCES") or DEFAULT_SOURCES)


def load_sources(path: str | os.PathLike[str] | None = None) -> dict[str, Source]:
    """Read the sources file into Source objects keyed by slug; raise SourcesError on any mistake."""
    path = resolve_sources_path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SourcesError(
            f"{path}: sources file not found; set COURTNEWS_SOURCES or pass the path"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML ({exc})") from exc
    unknown = set(data) - {"defaults", "source", "daemon"}
    if unknown:
        raise SourcesError(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; use [defaults], [[source]] and [daemon]"
        )
    parse_daemon(data.get("daemon", {}), path)
    defaults = data.get("defaults", {})
    if set(defaults) - SOURCE_KEYS:
        raise SourcesError(f"{path}: [defaults] has unknown key(s) {sorted(set(defaults) - SOURCE_KEYS)}")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(data.get("source", [])):
        source = _source(raw, index, defaults, path)
        if source.slug in sources:
            raise SourcesError(f"{path}: slug {source.slug!r} appears twice; slugs must be unique")
        sources[source.slug] = source
    if not sources:
        raise SourcesError(f"{path}: no [[source]] entries")
    return sources
