"""`scrapy crawl SLUG` with an exit code that tells the run's outcome, for the daemon, cron and shells.

Scrapy's own crawl command exits 0 whatever happened once the spider started; a monitoring script could not
tell a crawl that lost its list page from one that archived everything. Exit codes:
0 the run finished; 1 it failed (the reason is in the runs table and the log's last line), or Scrapy could
not start it; 3 it was stopped by a signal before the end.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from archive.db import ArchiveError, open_archive

EXIT_CODES = {"finished": 0, "failed": 1, "stopped": 3}


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider (a source's slug)")
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
