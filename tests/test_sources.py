"""The sources file: the shipped one is valid, and every mistake gets a message naming where and what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config.sources import SourcesError, default_sources_path, load_sources, parse_schedule

ROOT = Path(__file__).resolve().parent.parent
GOOD = """
[[source]]
slug = "a-court"
court = "某某法院"
family = "courtgov"
start_urls = ["https://www.court.gov.cn/zixun/gengduo/24.html"]
allowed_hosts = ["www.court.gov.cn"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    return path


def test_shipped_sources_cover_the_required_sites():
    sources = load_sources(default_sources_path())
    hosts = {host for s in sources.values() for host in s.allowed_hosts}
    assert (
        "www.court.gov.cn" in hosts and "www.chinacourt.org" in hosts and "www.chinagscourt.gov.cn" in hosts
    )
    assert any(h.endswith(".chinacourt.gov.cn") for h in hosts)
    assert {s.family for s in sources.values()} >= {"courtgov", "chinacourt", "govcms"}


def test_scrapy_list_shows_every_source():
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == sorted(load_sources(default_sources_path()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('"https://www.court.gov.cn/zixun/gengduo/24.html"', '"file:///etc/passwd"'), "only http and https"),
        (
            ('"https://www.court.gov.cn/zixun/gengduo/24.html"', '"ftp://www.court.gov.cn/x"'),
            "only http and https",
        ),
        (('"https://www.court.gov.cn/zixun', '"https://evil.example.com/zixun'), "not in allowed_hosts"),
        (('family = "courtgov"', 'family = "wordpress"'), "family 'wordpress' is unknown"),
        (('slug = "a-court"', 'slug = "A Court!"'), "slug must be"),
        (('court = "某某法院"\n', ""), "missing required key 'court'"),
        (('family = "courtgov"', 'family = "courtgov"\nschedule = "every tuesday"'), "neither an interval"),
        (('family = "courtgov"', 'family = "courtgov"\nschedule = "61 * * * *"'), "not a valid cron"),
        (('family = "courtgov"', 'family = "courtgov"\nmax_list_pages = 0'), "positive whole number"),
        (('family = "courtgov"', 'family = "courtgov"\ncolour = "red"'), "unknown key(s) ['colour']"),
        (('family = "courtgov"', 'family = "govcms"'), "needs selectors.article_links"),
        (('family = "courtgov"', 'family = "thepaper"'), "needs pph_id"),
        (
            ('family = "courtgov"', 'family = "courtgov"\narticle_pattern = "("'),
            "not a valid regular expression",
        ),
    ],
)
def test_mistakes_are_refused_with_a_clear_message(tmp_path, change, message):
    text = GOOD.replace(*change)
    with pytest.raises(SourcesError) as err:
        load_sources(write(tmp_path, text))
    assert message in str(err.value)
    assert str(tmp_path / "sources.toml") in str(err.value)


def test_duplicate_slugs_and_bad_toml(tmp_path):
    with pytest.raises(SourcesError, match="appears twice"):
        load_sources(write(tmp_path, GOOD + GOOD))
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources(write(tmp_path, "[[source]\nslug = "))
    with pytest.raises(SourcesError, match="not found"):
        load_sources(tmp_path / "missing.toml")


def test_schedules():
    assert parse_schedule("6h", "x").interval_seconds == 21600
    assert parse_schedule("30m", "x").interval_seconds == 1800
    assert parse_schedule("15 */3 * * *", "x").cron == "15 */3 * * *"


def test_scrapy_crawl_with_a_bad_sources_file_says_what_is_wrong(tmp_path):
    bad = write(
        tmp_path, GOOD.replace('"https://www.court.gov.cn/zixun/gengduo/24.html"', '"file:///etc/passwd"')
    )
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "a-court", "-s", f"SOURCES_FILE={bad}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "only http and https are fetched" in out.stderr


def test_sources_command_lists_and_checks(tmp_path):
    from click.testing import CliRunner

    from crawler.cli import main

    good = CliRunner().invoke(main, ["sources", "--sources", str(write(tmp_path, GOOD))])
    assert good.exit_code == 0 and "1 sources, all valid" in good.output and "a-court" in good.output
    bad = CliRunner().invoke(
        main, ["sources", "--sources", str(write(tmp_path, GOOD.replace("courtgov", "nope")))]
    )
    assert bad.exit_code != 0 and "family 'nope' is unknown" in bad.output


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["not UTF-8 text"]),
        (GOOD.encode("utf-16"), ["not UTF-8 text"]),
        (("daemon = 5\n" + GOOD).encode(), ["daemon must be a table"]),
        (("defaults = 3\n" + GOOD).encode(), ["defaults must be a table"]),
        (GOOD.replace("[[source]]", "[source]").encode(), ["[[source]] (double brackets)"]),
        (
            GOOD.replace('family = "courtgov"', 'family = "courtgov"\narticle_pattern = 5').encode(),
            ["'a-court'", "article_pattern", "non-empty text"],
        ),
        (
            GOOD.replace(
                'family = "courtgov"', 'family = "govcms"\nselectors = { article_links = "ul[[[" }'
            ).encode(),
            ["'a-court'", "selectors.article_links", "not a valid CSS selector"],
        ),
        (
            (GOOD + "[daemon]\ncrawl_timeout = true\n").encode(),
            ["[daemon] crawl_timeout", "must be a duration"],
        ),
        (
            (GOOD + '[daemon]\nmax_concurrent = "2"\n').encode(),
            ["[daemon] max_concurrent", "positive whole number"],
        ),
        (
            GOOD.replace(
                'allowed_hosts = ["www.court.gov.cn"]', 'allowed_hosts = "www.court.gov.cn"'
            ).encode(),
            ["'a-court'", "allowed_hosts", "list of host names"],
        ),
        (
            GOOD.replace('family = "courtgov"', 'family = "courtgov"\nmax_articles = true').encode(),
            ["'a-court'", "max_articles", "positive whole number"],
        ),
        (
            GOOD.replace('family = "courtgov"', 'family = "courtgov"\ndownload_delay = "1s"').encode(),
            ["'a-court'", "download_delay", "number of seconds"],
        ),
        (
            GOOD.replace('family = "courtgov"', 'family = "courtgov"\nschedule = 6').encode(),
            ["'a-court'", "schedule", "must be a text"],
        ),
    ],
)
def test_bad_files_and_values_are_one_line_naming_file_source_and_key(tmp_path, content, names):
    """Each of these was a traceback (or silently accepted) before: now one line, and the CLI exits 1."""
    from click.testing import CliRunner

    from crawler.cli import main

    path = tmp_path / "sources.toml"
    path.write_bytes(content)
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path))
    for name in names:
        assert name in message
    result = CliRunner().invoke(main, ["sources", "--sources", str(path)])
    assert result.exit_code == 1 and result.output.strip() == f"Error: {message}"
