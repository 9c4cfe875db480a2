"""Load and validate the sources file: which courts to crawl, how, and how often; and how the daemon runs.

Every key and its default is declared once, on the ``Source`` and ``DaemonConfig`` dataclasses below; the
``[defaults]`` table of the file overrides a source default for all sources. Every value is checked for its
type and meaning when the file is read (a CSS selector that does not parse, a regular expression that does
not compile, ``crawl_timeout = true``), and each mistake is one line naming the file, the source and the
key, and saying what to write instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.config.families import FAMILIES, FAMILY_NAMES

ALLOWED_SCHEMES = ("http", "https")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{1,62}")
_HOST = re.compile(r"[^\s/:\[\]@?#]+")  # a name or IPv4 address: no scheme, port, path or IPv6 brackets
_INTERVAL = re.compile(r"^(\d+)\s*([smhd])$")
SELECTOR_KEYS = ("items", "next_page", "article_links")


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
    """One [[source]] of the sources file. Keys without a default are required."""

    slug: str  # names the source, its fixture and its tests
    court: str
    family: str  # one of crawler.config.families.FAMILIES
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]  # only these hosts, over http/https, are ever fetched
    max_list_pages: int = 3  # pagination depth (a list also stops at an empty page)
    max_articles: int = 200  # articles fetched per run
    schedule: Schedule = Schedule("6h", interval_seconds=6 * 3600)
    article_pattern: str | None = None  # regex an article URL must match (each family has a default)
    selectors: dict[str, str] = field(default_factory=dict)  # govcms list selectors (CSS)
    pph_id: str | None = None  # 澎湃号 account id
    api_url: str | None = None  # 澎湃号 list API (overridable for tests)
    download_delay: float | None = None  # seconds between requests to the site
    notes: str | None = None  # free text for the people who maintain the file
    # who publishes here, for choosing the original among copies (crawler/cli/copies.py): court (a court's
    # own site), portal (court.gov.cn, chinacourt), platform (澎湃号, WeChat), other; default by family
    publisher_tier: str | None = None

    def allows(self, url: str) -> bool:
        """http/https on an allowed host; a URL that does not parse (``http://[::1/``, a port over 65535),
        as a hostile page may link, is never allowed."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            return False
        return parts.scheme in ALLOWED_SCHEMES and (parts.hostname or "") in self.allowed_hosts


SOURCE_KEYS = tuple(f.name for f in fields(Source))
REQUIRED_KEYS = tuple(f.name for f in fields(Source) if f.default is MISSING and f.default_factory is MISSING)


@dataclass(frozen=True)
class DaemonConfig:
    """How the scheduled service runs: the [daemon] table of the sources file, every key optional."""

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
    # after a restart, overdue sources start within this many seconds, spread evenly over it
    catch_up_delay: int = 30
    # no interval schedule nor revisit_every may be shorter (lower it on purpose, as the tests do)
    min_cadence: int = 60
    maintenance: str = "30 4 * * 0"  # when prune and vacuum run (cron, Asia/Shanghai): Sundays 04:30
    retention: int = 90 * 86400  # captures younger than this are all kept (see `courtnews prune`)
    keep_logs: int = 50  # per-run crawl logs kept per source
    log_max_bytes: int = 20 * 1024 * 1024  # a crawl's log stops growing here (one line says so)


DAEMON_KEYS = tuple(f.name for f in fields(DaemonConfig))


# ---------------------------------------------------------------- value checks
def parse_duration(value: object, where: str) -> int:
    """'45s', '30m', '6h', '1d' or a whole number of seconds -> seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _INTERVAL.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match.group(1)) <= 0:
        raise SourcesError(
            f"{where} must be a duration such as '45s', '30m', '6h' or '1d', or whole seconds (got {value!r})"
        )
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def parse_schedule(value: object, where: str) -> Schedule:
    if not isinstance(value, str):
        raise SourcesError(f"{where} must be a text such as '6h' or '0 */6 * * *' (got {value!r})")
    text = value.strip()
    if _INTERVAL.match(text):
        return Schedule(text, interval_seconds=parse_duration(text, where))
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text)
        except ValueError as exc:
            raise SourcesError(f"{where}: schedule {text!r} is not a valid cron expression ({exc})") from None
        return Schedule(text, cron=text)
    raise SourcesError(
        f"{where}: schedule {text!r} is neither an interval like '6h', '30m', '1d' nor a cron expression "
        "like '0 */6 * * *'"
    )


def _positive_int(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SourcesError(f"{where} must be a positive whole number (got {value!r})")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SourcesError(f"{where} must be a non-empty text in quotes (got {value!r})")
    return value.strip()


def _regex(value: object, where: str) -> str:
    text = _text(value, where)
    try:
        re.compile(text)
    except re.error as exc:
        raise SourcesError(f"{where}: {text!r} is not a valid regular expression ({exc})") from None
    return text


def _css(value: object, where: str) -> str:
    from cssselect import GenericTranslator, SelectorError

    text = _text(value, where)
    try:
        GenericTranslator().css_to_xpath(text)
    except SelectorError as exc:
        raise SourcesError(f"{where}: {text!r} is not a valid CSS selector ({exc})") from None
    return text


def _selectors(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SourcesError(f'{where} must be a table such as {{ article_links = "ul.list li a" }}')
    unknown = sorted(set(value) - set(SELECTOR_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {unknown}; selectors may have {list(SELECTOR_KEYS)}")
    return {key: _css(css, f"{where}.{key}") for key, css in value.items()}


def _hosts(value: object, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(h, str) and h.strip() == h and _HOST.fullmatch(h) for h in value)
    ):
        raise SourcesError(
            f"{where} must be a list of host names such as ['www.court.gov.cn'] (got {value!r})"
        )
    return tuple(h.lower() for h in value)


def _url(value: object, where: str, hosts: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise SourcesError(f"{where}: expected a URL in quotes, got {value!r}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:  # a broken IPv6 literal ('http://[::1/'), a port over 65535
        raise SourcesError(
            f"{where}: {value!r} is not a valid URL ({exc}); write it as http(s)://host[:port]/path"
        ) from None
    if any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise SourcesError(f"{where}: {value!r} contains a space or a control character; remove it")
    if parts.scheme not in ALLOWED_SCHEMES:
        raise SourcesError(
            f"{where}: {value!r} uses scheme {parts.scheme or '(none)'!r}; only http and https are fetched. "
            "Write the site's http(s) address."
        )
    if (parts.hostname or "") not in hosts:
        raise SourcesError(
            f"{where}: host {parts.hostname!r} of {value!r} is not in allowed_hosts {list(hosts)}; add it there."
        )
    return value


def _urls(value: object, where: str, hosts: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise SourcesError(
            f"{where} must be a list of URLs such as ['https://www.court.gov.cn/…'] (got {value!r})"
        )
    return tuple(_url(u, f"{where}[{i}]", hosts) for i, u in enumerate(value))


def _delay(value: object, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise SourcesError(f"{where} must be a number of seconds >= 0 (got {value!r})")
    return float(value)


PUBLISHER_TIERS = ("court", "portal", "platform", "other")


def _publisher_tier(value: object, where: str) -> str:
    if value not in PUBLISHER_TIERS:
        raise SourcesError(f"{where} must be one of {', '.join(PUBLISHER_TIERS)} (got {value!r})")
    return str(value)


def _account(value: object, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise SourcesError(f"{where} must be the account id as text or a number (got {value!r})")
    return str(value).strip()


# ---------------------------------------------------------------- sources
def _source(raw: object, index: int, defaults: dict[str, Any], path: Path) -> Source:
    if not isinstance(raw, dict):
        raise SourcesError(f"{path}: source #{index + 1} must be a table under [[source]] (got {raw!r})")
    slug = raw.get("slug")
    where = f"{path}: source #{index + 1}" + (f" ({slug!r})" if isinstance(slug, str) else "")
    unknown = sorted(set(raw) - set(SOURCE_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {unknown}; allowed keys are {list(SOURCE_KEYS)}")
    merged = {**defaults, **raw}
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):  # fullmatch: "$" would accept a final "\n"
        raise SourcesError(f"{where}: slug must be 2-63 lowercase letters, digits, '-' or '_' (got {slug!r})")
    for key in REQUIRED_KEYS:
        if key not in merged:
            raise SourcesError(f"{where}: missing required key {key!r}")

    def at(name: str) -> str:
        return f"{where}: {name}"

    family = _text(merged["family"], at("family"))
    if family not in FAMILIES:
        raise SourcesError(f"{where}: family {family!r} is unknown; use one of {', '.join(FAMILY_NAMES)}")
    hosts = _hosts(merged["allowed_hosts"], at("allowed_hosts"))
    values: dict[str, Any] = {
        "slug": slug,
        "court": _text(merged["court"], at("court")),
        "family": family,
        "allowed_hosts": hosts,
        "start_urls": _urls(merged["start_urls"], at("start_urls"), hosts),
    }
    checks: dict[str, Callable[[object, str], object]] = {
        "max_list_pages": _positive_int,
        "max_articles": _positive_int,
        "schedule": parse_schedule,
        "article_pattern": _regex,
        "selectors": _selectors,
        "pph_id": _account,
        "api_url": lambda value, where: _url(value, where, hosts),
        "download_delay": _delay,
        "notes": _text,
        "publisher_tier": _publisher_tier,
    }
    for name, check in checks.items():
        if name in merged:
            values[name] = check(merged[name], at(name))
    for requirement in FAMILIES[family].required:
        table, _, inner = requirement.partition(".")
        present = values.get(table) if not inner else (values.get(table) or {}).get(inner)
        if not present:
            raise SourcesError(
                f"{where}: a {family} source needs {requirement} ({FAMILIES[family].description})"
            )
    return Source(**values)


def _table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SourcesError(
            f"{path}: {name} must be a table, written [{name}] on a line of its own (got {value!r})"
        )
    return value


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourcesError(
            f"{path}: sources file not found; set COURTNEWS_SOURCES or pass --sources PATH"
        ) from None
    except OSError as exc:
        raise SourcesError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SourcesError(
            f"{path}: not UTF-8 text (a binary file, or saved as UTF-16/GBK?); save it as UTF-8 TOML"
        ) from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML ({exc})") from None


def default_sources_path() -> Path:
    """The sources file shipped with courtnews (package data: present in every install)."""
    return Path(str(resources.files("crawler.config") / "sources.toml"))


def resolve_sources_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """An explicit path, else $COURTNEWS_SOURCES, else the shipped sources file."""
    return Path(explicit or os.environ.get("COURTNEWS_SOURCES") or default_sources_path())


def load_sources(path: str | os.PathLike[str] | None = None) -> dict[str, Source]:
    """Read the sources file into Source objects keyed by slug; raise SourcesError on any mistake."""
    path = resolve_sources_path(path)
    data = _read(path)
    unknown = sorted(
        set(data) - {"defaults", "source", "daemon", "backup"}
    )  # backup: crawler/service/backups.py
    if unknown:
        raise SourcesError(
            f"{path}: unknown top-level key(s) {unknown}; use [defaults], [[source]], [daemon] and [backup]"
        )
    config = parse_daemon(_table(data, "daemon", path), path)
    defaults = _table(data, "defaults", path)
    unknown = sorted(set(defaults) - set(SOURCE_KEYS) | (set(defaults) & {"slug"}))
    if unknown:
        raise SourcesError(f"{path}: [defaults] has key(s) {unknown} that cannot be defaults")
    entries = data.get("source", [])
    if isinstance(entries, dict):
        raise SourcesError(f"{path}: write each source under [[source]] (double brackets), not [source]")
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: source must be a list of [[source]] tables (got {entries!r})")
    sources: dict[str, Source] = {}
    for index, raw in enumerate(entries):
        source = _source(raw, index, defaults, path)
        if source.slug in sources:
            raise SourcesError(f"{path}: slug {source.slug!r} appears twice; slugs must be unique")
        sources[source.slug] = source
    if not sources:
        raise SourcesError(f"{path}: no [[source]] entries")
    check_cadences(sources, config, path)
    return sources


# ---------------------------------------------------------------- the daemon
def _offsets(value: object, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise SourcesError(
            f"{where} must be a list such as ['1h', '6h', '1d', '3d', '7d', '30d'] (got {value!r})"
        )
    return tuple(sorted(parse_duration(v, f"{where}[{i}]") for i, v in enumerate(value)))


def _timezone(value: object, where: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = _text(value, where)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourcesError(f"{where}: {text!r} is unknown; use a name such as 'Asia/Shanghai'") from None
    return text


def _cron(value: object, where: str) -> str:
    schedule = parse_schedule(value, where)
    if not schedule.cron:
        raise SourcesError(f"{where} must be a cron expression such as '30 4 * * 0' (got {value!r})")
    return schedule.cron


DAEMON_CHECKS: dict[str, Callable[[object, str], object]] = {
    "timezone": _timezone,
    "max_concurrent": _positive_int,
    "crawl_timeout": parse_duration,
    "misfire_grace": parse_duration,
    "jitter": parse_duration,
    "revisit_every": parse_duration,
    "revisit_offsets": _offsets,
    "revisit_batch": _positive_int,
    "grace_period": parse_duration,
    "fail_after": _positive_int,
    "catch_up_delay": parse_duration,
    "min_cadence": parse_duration,
    "maintenance": _cron,
    "retention": parse_duration,
    "keep_logs": _positive_int,
    "log_max_bytes": _positive_int,
}
assert set(DAEMON_CHECKS) == set(DAEMON_KEYS), "every [daemon] key has a check"


def parse_daemon(raw: dict[str, Any], path: Path) -> DaemonConfig:
    where = f"{path}: [daemon]"
    unknown = sorted(set(raw) - set(DAEMON_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {unknown}; allowed keys are {list(DAEMON_KEYS)}")
    values: dict[str, Any] = {
        name: DAEMON_CHECKS[name](value, f"{where} {name}") for name, value in raw.items()
    }
    for name in ("crawl_timeout", "revisit_every", "grace_period", "min_cadence"):
        if name in values and values[name] == 0:
            raise SourcesError(f"{where} {name} must be longer than 0 seconds")
    config = DaemonConfig(**values)
    if config.revisit_every < config.min_cadence:
        raise SourcesError(
            f"{where} revisit_every is {config.revisit_every} s, below min_cadence ({config.min_cadence} s): "
            "use a longer one, or lower min_cadence if you mean it"
        )
    return config


def check_cadences(sources: dict[str, Source], config: DaemonConfig, path: Path) -> None:
    """No interval schedule below ``min_cadence`` (60 s unless lowered): a '1s' typed for '1h' would crawl a
    court every second. Cron schedules fire at most once a minute and pass."""
    for slug, source in sources.items():
        seconds = source.schedule.interval_seconds
        if seconds is not None and seconds < config.min_cadence:
            raise SourcesError(
                f"{path}: source {slug!r}: schedule {source.schedule.text!r} is shorter than min_cadence "
                f"({config.min_cadence} s); use a longer one, or lower [daemon] min_cadence if you mean it"
            )


def load_daemon_config(path: str | os.PathLike[str] | None = None) -> DaemonConfig:
    path = resolve_sources_path(path)
    return parse_daemon(_table(_read(path), "daemon", path), path)
