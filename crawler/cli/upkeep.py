"""`courtnews verify`, `migrate`, `prune`, `compact`: the archive's integrity, schema and size."""

from __future__ import annotations

import itertools
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from archive import open_archive, resolve_db_path
from crawler.cli.group import (
    DB_OPTION,
    _progress,
    _reader,
    _working,
    main,
)
from crawler.config.sources import (
    parse_duration,
)


@main.command()
@DB_OPTION
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A checkpoint exported earlier (courtnews checkpoint --output): the log must still extend it.",
)
def verify(db_path: str | None, against: str | None) -> None:
    """Check the archive is whole: SQLite integrity, every raw page present and hashing to its digest,
    versions numbered without gaps, search indexes in step, the evidence log re-hashed and matching every
    capture and version, every checkpoint's signature and timestamp. Exit 1 if anything is wrong.

    Example: courtnews verify --db /var/lib/courtnews/archive.db --against published/checkpoint
    """
    from archive.upkeep.verify import CHECKS, against_checkpoint

    db = _reader(db_path)
    report: dict[str, list[str]] = {}
    with _working("verify") as progress:
        if against is not None:
            progress.step(f"the evidence log against {against}")
            report.update(against_checkpoint(db, against))
        for number, (name, check) in enumerate(CHECKS.items(), 1):
            progress.step(f"check {number}/{len(CHECKS)}: {name}")
            report[name] = list(itertools.islice(check(db), 20))  # at most 20 problems each, as verify()
    for name, problems in report.items():
        click.echo(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for problem in problems:
            click.echo(f"     {problem}")
    if any(report.values()):
        sys.exit(1)


@main.command()
@DB_OPTION
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False), help="The copy.")
@click.option("--force", is_flag=True, help="Replace an existing file of that name.")
def backup(db_path: str | None, output: str, force: bool) -> None:
    """Copy the archive to FILE while crawls and the daemon go on writing (SQLite's VACUUM INTO: what was
    committed when the copy began), then check the copy (integrity_check and `courtnews verify`) before
    giving it its name. Never overwrites a file unless --force. Progress on standard error.

    Example: courtnews backup --db /var/lib/courtnews/archive.db --output /srv/backup/archive-2024-06-01.db
    """
    from archive.upkeep.backup import backup as copy

    done = copy(db_path, output, force=force, progress=lambda line: click.echo(line, err=True))
    click.echo(
        f"{done.path}: {done.bytes / 2**20:.1f} MiB, {done.versions} versions, {done.captures} captures, "
        f"checked ({done.seconds:.1f} s)"
    )


# ---------------------------------------------------------------- maintenance (writes)
@main.command()
@DB_OPTION
def migrate(db_path: str | None) -> None:
    """Bring an existing archive's schema up to date (crawls and the daemon do this on their own).

    Example: courtnews migrate --db /var/lib/courtnews/archive.db
    """
    from archive.db import refuse_directory, schema_steps_due

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    before = schema_steps_due(path)
    # a step that rewrites a large structure (m014's search index) says how far it is, on standard error;
    # off a terminal, a heartbeat line every few seconds between its lines (_working)
    progress = logging.StreamHandler(sys.stderr)
    progress.setFormatter(logging.Formatter("%(message)s"))
    steps_log = logging.getLogger("courtnews.migrate")
    steps_log.addHandler(progress)
    steps_log.setLevel(logging.INFO)
    try:
        with _working("migrate") as working:
            if before:
                working.step(f"applying {len(before)} schema steps ({', '.join(before)})")
            open_archive(path).close()
            classified = _classify_unclassified(path, working)
    finally:
        steps_log.removeHandler(progress)
    click.echo(f"{path}: {len(before)} schema steps applied" + (f" ({', '.join(before)})" if before else ""))
    if classified:
        click.echo(f"{path}: {classified} changed or restored versions classified by kind of edit")


def _classify_unclassified(path: Path, working: Any) -> int:
    """Change forensics for versions written before it existed (or by a process without the classifier):
    classified in batches, each its own transaction, so crawls wait for one batch at most."""
    from archive.db import write_transaction
    from archive.edits import backfill_edits
    from crawler.pipeline.forensics import classify_fields

    db = open_archive(path)
    try:

        def progress(done: int, total: int) -> None:
            working.step(f"classifying edits: {done} of {total} versions")

        return backfill_edits(db, classify_fields, progress, transaction=lambda: write_transaction(db))
    finally:
        db.close()


@main.command()
@DB_OPTION
@click.option(
    "--older-than",
    default="90d",
    show_default=True,
    help="Captures younger than this are all kept (a duration: 90d, 12h).",
)
@click.option(
    "--vacuum", is_flag=True, help="Then checkpoint the WAL and VACUUM (the daemon does both weekly)."
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
def prune(db_path: str | None, older_than: str, vacuum: bool, dry_run: bool) -> None:
    """Thin old captures that made no version to one per page and month, and drop unreferenced raw bytes.
    Every version and the capture (with its redirect hops) that made it are kept.

    Example: courtnews prune --db /var/lib/courtnews/archive.db --older-than 90d --vacuum
    """
    from archive.upkeep.maintenance import prune as run_prune
    from archive.upkeep.maintenance import vacuum as run_vacuum

    keep = timedelta(seconds=parse_duration(older_than, "--older-than"))
    from archive.db import refuse_directory

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    with _working("prune") as progress:
        progress.step("opening the archive")
        db = open_archive(path)
        result = run_prune(db, keep, dry_run=dry_run, progress=progress.step)
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{path}: {verb} {result.captures_deleted} captures and {result.blobs_deleted} raw pages; "
        f"{result.captures_kept} captures kept"
    )
    if vacuum and not dry_run:
        with _working("vacuum") as progress:
            progress.step("checkpointing the WAL and rewriting the file (VACUUM)")
            before, after = run_vacuum(db, path)
        click.echo(f"{path}: vacuum {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")


@main.command()
@DB_OPTION
@click.option(
    "--vacuum/--no-vacuum", default=True, show_default=True, help="VACUUM afterwards to free the space."
)
def compact(db_path: str | None, vacuum: bool) -> None:
    """Re-encode raw pages stored by older courtnews (zlib) as zstd: a dictionary per source, recaptures as
    differences from the page's previous bytes. Every page still decodes to its exact bytes (checked).

    Example: courtnews compact --db /var/lib/courtnews/archive.db
    """
    from archive.db import refuse_directory
    from archive.upkeep.maintenance import compact as run_compact
    from archive.upkeep.maintenance import stored_captures
    from archive.upkeep.maintenance import vacuum as run_vacuum

    path = resolve_db_path(db_path)
    refuse_directory(path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    db = open_archive(path)
    total = stored_captures(db)
    with _progress(total, "compacting") as bar:
        result = run_compact(db, progress=bar.update)
    click.echo(
        f"{path}: {result.reencoded} raw pages re-encoded, {result.dictionaries} dictionaries trained; "
        f"stored bytes {result.bytes_before / 1e6:.1f} MB -> {result.bytes_after / 1e6:.1f} MB"
    )
    if vacuum:
        before, after = run_vacuum(db, path)
        click.echo(f"{path}: vacuum {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
