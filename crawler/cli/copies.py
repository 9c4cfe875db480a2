"""`courtnews copies`: each article's copies on other sites, the original among them and what each changed
(archive/copies). The sources file says who publishes where (``publisher_tier``, else by family)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

import click

from archive.copies.groups import (
    Group,
    Publisher,
    find_groups,
    group_json,
    has_copies_index,
    page_of,
    save_groups,
)
from archive.db import open_reader, resolve_db_path, write_transaction
from archive.model import utc_now
from crawler.config.sources import Source, SourcesError, load_sources

TIER_NUMBERS = {"court": 1, "portal": 2, "platform": 3, "other": 4}
FAMILY_TIERS = {"courtgov": "portal", "thepaper": "platform", "govcms": "court"}


def tier_of(source: Source) -> str:
    """The declared publisher_tier; else by family: a chinacourt site on a court's own host (*.gov.cn, as
    the provincial high courts' *.chinacourt.gov.cn) is the court's, chinacourt.org is the portal;
    court.gov.cn is the portal of every court it republishes; 澎湃号 accounts are platforms; county courts'
    government CMSs are the courts' own sites."""
    if source.publisher_tier:
        return source.publisher_tier
    if source.family == "chinacourt":
        return "court" if all(host.endswith(".gov.cn") for host in source.allowed_hosts) else "portal"
    return FAMILY_TIERS.get(source.family, "other")


def publishers(sources: Mapping[str, Source]) -> dict[str, Publisher]:
    """slug -> its tier and the names a credit line (来源) may give it: its court and its hosts."""
    return {
        slug: Publisher(TIER_NUMBERS[tier_of(source)], (source.court, *source.allowed_hosts))
        for slug, source in sources.items()
    }


def _describe(group: Group) -> str:
    o = group.original
    lines = [f"original  {o.url}  [{o.source}] published {o.published or '-'}, first seen {o.first_seen}",
             f"          why: {group.why}"]  # fmt: skip
    for c in group.copies:
        m = c.member
        lines.append(
            f"  copy    {m.url}  [{m.source}] published {m.published or '-'}, first seen {m.first_seen}"
        )
        lines.append(
            f"          {c.in_a_word}; containment {c.containment:.2f}, similarity {c.similarity:.2f}"
        )
        lines += [f"          - {text[:60]}" for text in c.missing]
        lines += [f"          + {text[:60]}" for text in c.added]
        lines += [f"          (extraction removed) {text[:60]}" for text in c.removed]
    return "\n".join(lines)


def _progress(stage: str, done: int, total: int) -> None:
    click.echo(f"copies: {stage} {done}/{total} versions", err=True)


@click.command()
@click.option("--url", default=None, help="Only the group of the article at this URL.")
@click.option("--source", "source_slug", default=None, help="Only groups with a member from this source.")
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object: {"groups": [...]}.')
@click.option("--rebuild", is_flag=True, help="Recompute the copies index for the whole archive first (progress on stderr), and save the groups to the copy_groups table.")  # fmt: skip
@click.option("--save", is_flag=True, help="Save every group found to the copy_groups table (what the reader shows), without recomputing the index.")  # fmt: skip
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Archive file (default: $COURTNEWS_DB or data/archive.db).")  # fmt: skip
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False), default=None,
              help="Sources file, for publisher tiers (default: $COURTNEWS_SOURCES or the shipped one).")  # fmt: skip
def copies(
    url: str | None,
    source_slug: str | None,
    as_json: bool,
    rebuild: bool,
    save: bool,
    db_path: str | None,
    sources_path: str | None,
) -> None:
    """Articles published on several sites: each group's original (and why), and for every copy the
    paragraphs it cut and the text it added.

    Example: courtnews copies --url https://www.chinacourt.org/article/detail/2024/03/id/1.shtml --json
    """
    try:
        known = publishers(load_sources(sources_path))
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    if save and (url or source_slug):
        raise click.ClickException("--save stores every group: leave out --url and --source")
    path = resolve_db_path(db_path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    if rebuild:
        from archive import open_archive
        from archive.copies.index import rebuild_copies

        db = open_archive(path)  # migrates: the copies tables are made by m017_copies
        with write_transaction(db):
            pairs = rebuild_copies(db, _progress)
            groups = find_groups(db, known)
            save_groups(db, groups, utc_now())
        click.echo(f"copies: {pairs} pairs of copies, {len(groups)} groups, saved to copy_groups", err=True)
    elif save:
        from archive import open_archive

        db = open_archive(path)
        with write_transaction(db):
            save_groups(db, find_groups(db, known), utc_now())
    else:
        db = open_reader(path)
        if not has_copies_index(db):
            raise click.ClickException(
                f"{path}: this archive has no copies index yet; run `courtnews copies --rebuild --db {path}`"
            )
    page_id = None
    if url is not None:
        page_id = page_of(db, url)
        if page_id is None:
            raise click.ClickException(f"{url}: not in the archive {path}; give an archived article's URL")
    if source_slug is not None and source_slug not in known:
        click.echo(
            f"warning: {source_slug!r} is not in the sources file; looking for it in the archive", err=True
        )
    groups = find_groups(db, known, page_id, source_slug)
    if as_json:
        json.dump({"groups": [group_json(g) for g in groups]}, sys.stdout, ensure_ascii=False, indent=2)
        click.echo()
        return
    if not groups:
        click.echo("no copies found" + (f" of {url}" if url else ""))
    for group in groups:
        click.echo(_describe(group))
        click.echo()


COMMANDS = (copies,)
