"""`courtnews extract`, `eval`, `reextract`: extraction on files, against a corpus, over the archive."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from archive import open_archive
from crawler.cli.group import (
    DB_OPTION,
    SOURCES_OPTION,
    _load_sources,
    _progress,
    main,
)
from crawler.config.families import FAMILY_NAMES


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--url", default=None, help="The page's URL (for URL dates and off-site links); default: a file: name."
)
@click.option(
    "--family",
    type=click.Choice(FAMILY_NAMES),
    default=None,
    help="Use this site family's recipe first.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input file.")
def extract(files: tuple[str, ...], url: str | None, family: str | None, as_json: bool) -> None:
    """Extract the article, its metadata and the removed junk from saved HTML files.

    Example: courtnews extract page.html --url https://www.court.gov.cn/zixun/xiangqing/1.html --json
    """
    from crawler.extract import ExtractionError, extract_bytes

    failed = 0
    for name in files:
        page_url = url or f"http://local.invalid/{Path(name).name}"
        try:
            article = extract_bytes(Path(name).read_bytes(), page_url, family=family)
        except ExtractionError as exc:
            failed += 1
            payload = {"file": name, "error": str(exc)}
            click.echo(
                json.dumps(payload, ensure_ascii=False) if as_json else f"{name}: {exc}", err=not as_json
            )
            continue
        data = article.as_dict()
        if as_json:
            click.echo(json.dumps({"file": name, **data}, ensure_ascii=False))
            continue
        click.echo(f"== {name}\ntitle: {article.title}")
        for key in ("published", "source_name", "author", "editor", "court", "summary", "encoding", "method"):
            if data.get(key):
                click.echo(f"{key}: {data[key]}")
        click.echo("\n" + article.body + "\n")
        for comment in article.comments:
            click.echo(
                f"[comment by {comment.author or '?'} at {comment.published or '?'}] {comment.text[:120]}"
            )
        for block in data["removed_blocks"]:
            click.echo(f"[removed by {block['rule']}] {block['text'][:120]}")
    if failed:
        sys.exit(1)


@main.command(name="eval")
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
def evaluate_command(corpus_dir: str, as_json: bool) -> None:
    """Measure extraction on a corpus folder (truth.jsonl + pages/) beside plain trafilatura.

    Example: courtnews eval ../shared/corpus/cwced
    """
    from crawler.extract.quality.evaluate import evaluate, format_report

    folder = Path(corpus_dir)
    try:
        total = sum(1 for line in (folder / "truth.jsonl").read_text("utf-8").splitlines() if line.strip())
    except FileNotFoundError:
        raise click.ClickException(
            f"{folder}: no truth.jsonl; a corpus folder holds truth.jsonl and pages/"
        ) from None
    with _progress(total, "evaluating") as bar:
        data = evaluate(folder, progress=bar.update)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_report(data))


@main.command()
@DB_OPTION
@SOURCES_OPTION
@click.option("--source", default=None, help="Only this source's pages.")
@click.option("--all", "everything", is_flag=True, help="Also versions already made by the current rules.")
def reextract(db_path: str | None, sources_path: str | None, source: str | None, everything: bool) -> None:
    """Re-run extraction over stored raw pages after the extractor changed (no new source versions).

    Example: courtnews reextract --db data/archive.db --source court-gov-cn-news
    """
    from crawler.extract import RULES_HASH
    from crawler.pipeline.reextract import pending
    from crawler.pipeline.reextract import reextract as run

    loaded = _load_sources(sources_path)
    db = open_archive(db_path)
    rows = pending(db, source, everything)
    with _progress(len(rows), "re-extracting") as bar:
        result = run(db, loaded, rows, progress=bar.update)
    click.echo(
        f"re-extracted {result.examined} versions: {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.failed} failed (rules {RULES_HASH})"
    )
