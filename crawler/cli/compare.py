"""The change-forensics commands, ``courtnews compare`` and ``courtnews diff``, as click commands the CLI
registers (``main.add_command(compare_command)``, ``main.add_command(diff_command)``).

Both print the classified edits (``crawler.edits``): ``--json`` exactly one object
``{"significant", "kinds", "edits", "chars_deleted", "chars_inserted"}``; otherwise the list of edits in
Chinese first, then each edited paragraph once with its changes marked inline (colour on a terminal,
``[-…-]{+…+}`` otherwise, ``--color/--no-color`` to choose).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import click

from crawler.cli.group import DB_OPTION, OUTPUT_OPTION, output_to
from crawler.edits import EditReport, classify_edits, render_text
from crawler.pipeline.forensics import classify_fields, use_in_archive  # noqa: F401 - use_in_archive: the CLI's too

COMPARED = ("title", "body", "published", "source_name", "author", "editor")
# what any HTML page has near its start; a file with none of these is not a saved page
_HTML_MARK = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|title|div|p|article|table)\b", re.I)


def _colour(choice: bool | None) -> bool:
    """Colour when asked, else on a terminal unless NO_COLOR is set."""
    if choice is not None:
        return choice
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _emit(report: EditReport, old: dict, new: dict, as_json: bool, colour: bool | None) -> None:
    if as_json:
        click.echo(report.to_json())
    else:
        use = _colour(colour)
        click.echo(render_text(report, old, new, colour=use), nl=False, color=use)


def page_fields(path: str, url: str | None, family: str | None) -> dict:
    """The compared fields of a saved page, extracted as ``courtnews extract`` would (the URL chooses the
    recipe). Raises click.ClickException, one line naming the file, for an empty file, a file that is not
    HTML, a page extraction refuses, or a page with no article text."""
    from crawler.extract import ExtractionError, extract_bytes

    raw = Path(path).read_bytes()
    if not raw.strip():
        raise click.ClickException(f"{path}: empty file, nothing to compare; give a saved HTML page")
    if not _HTML_MARK.search(raw[:65536]):
        raise click.ClickException(f"{path}: not an HTML page (no HTML tags); give a page saved as HTML")
    page_url = url or f"http://local.invalid/{Path(path).name}"
    try:
        article = extract_bytes(raw, page_url, family=family)
    except ExtractionError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if not (article.body or "").strip():
        raise click.ClickException(
            f"{path}: empty page (no article text found); give the article's saved page"
        )
    data = article.as_dict()
    return {name: data.get(name) for name in COMPARED}


@click.command(name="compare")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--url", default=None, help="The pages' URL (chooses the extraction recipe, as for extract).")
@click.option("--family", default=None, help="Use this site family's recipe first.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: significant, kinds, edits, sizes."
)
@click.option("--color/--no-color", "colour", default=None, help="Colour the marks (default: on a terminal).")
def compare_command(
    old: str, new: str, url: str | None, family: str | None, as_json: bool, colour: bool | None
) -> None:
    """Classify what changed between two saved pages of one article.

    Example: courtnews compare v1.html v2.html --url https://www.court.gov.cn/zixun/xiangqing/1.html --json
    """
    before, after = page_fields(old, url, family), page_fields(new, url, family)
    _emit(classify_edits(before, after), before, after, as_json, colour)


@click.command(name="diff")
@click.argument("url")
@click.argument("versions", nargs=-1, type=click.IntRange(1, 2**31))
@DB_OPTION
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: significant, kinds, edits, sizes."
)
@click.option("--html", "as_html", is_flag=True, help="Write a side-by-side HTML page instead.")
@click.option("--color/--no-color", "colour", default=None, help="Colour the marks (default: on a terminal).")
@OUTPUT_OPTION
def diff_command(
    url: str,
    versions: tuple[int, ...],
    db_path: str | None,
    as_json: bool,
    as_html: bool,
    colour: bool | None,
    output: str | None,
) -> None:
    """Classify what changed between two archived versions of an article (default: the last two with text):
    the list of edits in Chinese, then each edited paragraph once with its characters marked; --json the
    report as one object; --html a side-by-side page.

    Example: courtnews diff https://www.court.gov.cn/zixun/xiangqing/1.html 1 2 --html -o diff.html
    """
    from archive.db import open_reader
    from archive.query import NotInArchive, diff_pair, html_diff

    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers (A B), or none for the last two")
    try:
        old, new = diff_pair(open_reader(db_path), url, *(versions or (None, None)))
    except NotInArchive as exc:
        raise click.ClickException(str(exc)) from None
    if as_html:
        _write(html_diff(old, new, url), output)
        return
    before, after = ({name: row.get(name) for name in COMPARED} for row in (old, new))
    report = classify_edits(before, after)
    if as_json:
        _write(report.to_json() + "\n", output)
        return
    use = _colour(colour) if output in (None, "-") else bool(colour)
    head = f"{url}  v{old['version']} ({old['created_at']}) → v{new['version']} ({new['created_at']})\n"
    _write(head + render_text(report, before, after, colour=use), output, colour=use)


def _write(text: str, output: str | None, colour: bool = False) -> None:
    """To standard output (click strips the colour off a terminal unless asked), or to the file whole."""
    if output in (None, "-"):
        click.echo(text, nl=False, color=colour)
        return
    with output_to(output) as out:
        out.write(text)
