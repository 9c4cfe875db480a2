"""The `courtnews` click group and what its commands share: the --db, --sources and --output options,
the --since type, whole-or-nothing output files, one-line errors (exit status 1).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import click
import sqlite_utils

from archive.db import ArchiveError, open_reader
from crawler.config.sources import (
    SourcesError,
    load_sources,
    parse_duration,
)

CHINA = ZoneInfo("Asia/Shanghai")


class _Group(click.Group):
    """Turns the library's one-line errors (and file errors) into click's: one line, exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ArchiveError, SourcesError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Archive file (default: $COURTNEWS_DB or data/archive.db).",
)
SOURCES_OPTION = click.option(
    "--sources",
    "sources_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Sources file (default: $COURTNEWS_SOURCES or the one shipped with courtnews).",
)
OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Write to this file (default: standard output); written whole or not at all.",
)


class Since(click.ParamType):
    """A date (2024-01-01, Beijing time), a moment (2024-01-01T08:00+08:00) or a duration back from now
    (7d, 12h, 30m), as the UTC timestamp the archive stores."""

    name = "since"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        moment: datetime | None = None
        if re.fullmatch(r"\d+\s*[smhd]", text):
            moment = datetime.now(UTC) - timedelta(seconds=parse_duration(text, "--since"))
        else:
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=CHINA)
        if moment is None:
            self.fail(
                f"{text!r} is neither a date (2024-01-01), a moment (2024-01-01T08:00+08:00) nor a duration "
                "(7d, 12h, 30m)",
                param,
                ctx,
            )
        return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _progress(total: int, label: str) -> Any:
    """A bar on a terminal; on a pipe or in a log, no bar (the command prints its summary at the end)."""
    quiet: Any = _Null()
    return click.progressbar(length=total, label=label, file=sys.stderr if sys.stderr.isatty() else quiet)


class _Null:
    def write(self, _: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _load_sources(path: str | None) -> dict:
    return load_sources(path)


@contextlib.contextmanager
def output_to(path: str | None, binary: bool = False) -> Iterator[IO[Any]]:
    """Standard output, or a file written whole or not at all: a temporary file beside it, renamed at the
    end, removed on any error (a device such as /dev/null is written directly)."""
    if path in (None, "-"):
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    try:
        if target.exists() and not target.is_file():
            with open(target, "wb" if binary else "w", encoding=None if binary else "utf-8") as device:
                yield device
            return
        part = target.with_name(f".{target.name}.part-{os.getpid()}")
        try:
            with open(part, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
                yield handle
            os.replace(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    except OSError as exc:  # name the file the user gave, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None


def _reader(db_path: str | os.PathLike[str] | None) -> sqlite_utils.Database:
    return open_reader(db_path)


@click.group(cls=_Group)
@click.version_option(package_name="courtnews")
def main() -> None:
    """courtnews: crawl Chinese court news into a versioned SQLite archive."""
