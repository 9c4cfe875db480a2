"""`scrapy crawl SLUG` with an exit code that tells the run's outcome, for the daemon, cron and shells.

Scrapy's own crawl command exits 0 whatever happened once the spider started; a monitoring script could not
tell a crawl that lost its list page from one that archived everything. Exit codes:
0 the run finished; 1 it failed (the reason is in the runs table and the log's last line), or Scrapy could
not start it; 3 it was stopped by a signal before the end.

Bad input (a slug the sources file does not have, ``-a revisit=bogus``) is refused before Scrapy starts
logging: one line on stderr naming the input and what to write instead, and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.utils.misc import load_object

from archive.db import ArchiveError, open_archive

EXIT_CODES = {"finished": 0, "failed": 1, "stopped": 3}
BAD_INPUT = 2


def refuse(message: str) -> NoReturn:
    print(f"courtnews: {message}", file=sys.stderr)
    raise SystemExit(BAD_INPUT)


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check the slug and the spider arguments here: Scrapy has not started (nor logged) anything yet."""
        super().process_options(args, opts)
        if len(args) != 1:
            raise UsageError("give exactly one spider (a source's slug)")
        assert self.settings is not None
        loader = load_object(self.settings["SPIDER_LOADER_CLASS"]).from_settings(self.settings.frozencopy())
        known = loader.list()
        if args[0] not in known:
            file = self.settings.get("SOURCES_FILE") or "the shipped sources file"
            refuse(
                f"no source {args[0]!r} in {file}; give one of: {', '.join(known)} (`scrapy list` shows them)"
            )
        spider = loader.load(args[0])
        check = getattr(spider, "argument_error", None)
        if check is not None and (problem := check(opts.spargs)):
            refuse(problem)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process and self.settings is not None
        try:  # a bad archive path or a full disk is one line, before Scrapy starts (a worker has no archive)
            if not self.settings.get("COURTNEWS_REDIS_URL"):
                open_archive(self.settings.get("ARCHIVE_DB")).close()
        except ArchiveError as exc:
            print(f"courtnews: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        status = crawler.stats.get_value("courtnews/run_status") if crawler.stats else None
        # no status: the pipeline never closed its run (Scrapy failed to start, or the archive would not open)
        self.exitcode = 1 if self.crawler_process.bootstrap_failed else EXIT_CODES.get(status or "failed", 1)
