"""`make demo`: serve the demo court site on 127.0.0.1, crawl it, edit and remove articles, crawl again."""

from __future__ import annotations

import html
import shutil
from importlib import resources
from pathlib import Path

import click

from archive import open_archive
from archive.query import format_summary, summary
from crawler.crawling.process import crawl_process, run_crawl
from crawler.demo.server import serve
from crawler.demo.sitegen import DemoArticle, article_path, load_articles, write_site

SEED_FILE = Path(str(resources.files("crawler.demo") / "seed_article.txt"))  # package data
SLUG = "demo-court"
LOCAL_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOGSTATS_INTERVAL": "0"}


def seed_repost() -> DemoArticle:
    """The user's example: a court article reposted by a content farm, spam as sibling paragraphs."""
    lines = SEED_FILE.read_text("utf-8").splitlines()
    summary_line, body, disclaimer, spam = lines[0], lines[1:27], lines[27], lines[28:39]
    junk = "\n".join(f"<p>{html.escape(line)}</p>" for line in [disclaimer, *spam])
    return DemoArticle(
        id=1006,
        title="镇原县人民法院被评为“全省优秀法院”",
        published="2023-07-04 17:22:47",
        source="澎湃新闻·澎湃号·政务",
        author="镇原县人民法院",
        paragraphs=[summary_line, *body],
        after_body=junk,
    )


def sources_text(base_url: str) -> str:
    return f"""[[source]]
slug = "{SLUG}"
court = "某某市中级人民法院"
family = "courtgov"
start_urls = ["{base_url}/zixun/gengduo/24.html"]
allowed_hosts = ["127.0.0.1"]
schedule = "1h"
"""


def run_demo(data_dir: Path) -> Path:
    db_path = data_dir / "demo.db"
    site_root = data_dir / "demo-site"
    logs = data_dir / "demo-logs"
    for stale in (site_root, logs):
        shutil.rmtree(stale, ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    articles = write_site(site_root, [*load_articles(), seed_repost()])
    server = serve(site_root)
    try:
        sources = data_dir / "demo-sources.toml"
        sources.write_text(sources_text(server.base_url), "utf-8")
        click.echo(f"[1/4] serving the demo court site ({len(articles)} articles) at {server.base_url}")
        click.echo(f"[2/4] first crawl → {db_path}")
        _crawl(db_path, sources, logs / "crawl-1.log", "none")
        (site_root / article_path(1003)).unlink()
        write_site(site_root, [a for a in articles if a.id != 1003])  # the list no longer links it either
        edited = site_root / article_path(1002)
        edited.write_text(
            edited.read_text("utf-8").replace(
                "旁听了一起买卖合同纠纷案件的庭审", "旁听了一起买卖合同纠纷案件的公开庭审并参与座谈"
            ),
            "utf-8",
        )
        click.echo("[3/4] the court edited article 1002 and removed article 1003 (page and list link)")
        click.echo("[4/4] second crawl, revisiting every archived article")
        _crawl(db_path, sources, logs / "crawl-2.log", "all")
    finally:
        server.stop()
    db = open_archive(db_path)
    click.echo("\nWhat the archive now holds:\n" + format_summary(summary(db)))
    db.close()
    click.echo(
        f"\nCrawl logs: {logs}/\nOpen it:\n"
        f"  .venv/bin/courtnews serve --db {db_path}          # Datasette in the browser\n"
        f"  .venv/bin/datasette {db_path}\n"
        f'  .venv/bin/sqlite-utils {db_path} "select url, version, kind, title from versions join pages on pages.id = versions.page_id" --table\n'
        f"  .venv/bin/courtnews history --db {db_path} <URL>"
    )
    return db_path


def _crawl(db_path: Path, sources: Path, log: Path, revisit: str) -> None:
    process = crawl_process(SLUG, db_path, sources, revisit=revisit, settings=LOCAL_SETTINGS, log_file=log)
    code, _ = run_crawl(process, timeout=300)
    if code != 0:
        raise click.ClickException(f"the demo crawl failed (exit {code}); see {log}")
    summary_line = next(
        (line for line in log.read_text("utf-8", "replace").splitlines() if "courtnews run" in line), ""
    )
    click.echo("      " + summary_line.split("] ", 1)[-1])
