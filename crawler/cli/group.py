"""The `courtnews` click group and what its commands share: the --db, --sources and --output options,
the --since type, whole-or-nothing output files, one-line errors (exit status 1).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
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


def _progress_every() -> float:
    """Seconds between progress lines off a terminal ($COURTNEWS_PROGRESS_EVERY, default 5); 0: say every
    step at once (and no heartbeat)."""
    try:
        return max(float(os.environ.get("COURTNEWS_PROGRESS_EVERY") or 5), 0.0)
    except ValueError:
        return 5.0


def _progress(total: int, label: str) -> Any:
    """A bar on a terminal; on a pipe or in a log (cron, systemd), lines every few seconds instead, so a
    long command is never silent until it ends."""
    if sys.stderr.isatty():
        return click.progressbar(length=total, label=label, file=sys.stderr)
    return _Lines(label, total)


class _Lines:
    """Progress as lines on stderr, for a command that has run a few seconds (one that ends sooner, or fails
    at once, prints only its result or its one-line error): every few seconds, from a heartbeat thread, the
    step it is at, the items done (of how many, when known) and the time spent, so that one long SQL
    statement (a VACUUM, an integrity check) still shows the command is alive; then each new step as it
    starts, and a last line when it ends."""

    def __init__(self, label: str, total: int | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.doing = "starting"
        self.every = _progress_every()
        self.spoke = False
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> _Lines:
        self._thread.start()
        return self

    def __exit__(self, kind: object, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.spoke:
            self._say(f"{'stopped' if kind else 'done'} after {time.monotonic() - self.started:.0f} s")

    def update(self, n: int) -> None:
        self.done += n

    def step(self, doing: str) -> None:
        self.doing = doing
        if self.every == 0 or time.monotonic() - self.started >= self.every:
            self._say(doing)

    def _beat(self) -> None:
        while self.every and not self._stop.wait(self.every):
            count = f"{self.done}/{self.total}" if self.total else (f"{self.done}" if self.done else "")
            self._say(
                f"{self.doing}{', ' + count if count else ''} ({time.monotonic() - self.started:.0f} s)"
            )

    def _say(self, text: str) -> None:
        self.spoke = True
        click.echo(f"{self.label}: {text}", err=True)


def _working(label: str) -> Any:
    """Step lines and a heartbeat for a command without a bar (verify, prune, vacuum, export, migrate): on a
    terminal its summary is enough, so nothing; off one, _Lines."""
    return contextlib.nullcontext(_Quiet()) if sys.stderr.isatty() else _Lines(label)


class _Quiet:
    def update(self, n: int) -> None:
        pass

    def step(self, doing: str) -> None:
        pass


class _Counted:
    """An output stream that counts what is written through it, for export's progress lines."""

    def __init__(self, stream: IO[Any], progress: Any) -> None:
        self._stream, self._progress = stream, progress

    def write(self, data: Any) -> int:
        self._progress.update(1)
        return self._stream.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
    from crawler.pipeline.forensics import use_in_archive

    use_in_archive()  # a command that writes versions (reextract, writer) records their kinds of edit
