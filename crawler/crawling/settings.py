"""Scrapy settings: polite by default, overridable per run with -s NAME=VALUE or the environment."""

from __future__ import annotations

import os

BOT_NAME = "courtnews"
SPIDER_MODULES = ["crawler.crawling.spiders"]
SPIDER_LOADER_CLASS = "crawler.crawling.spiderloader.SourceSpiderLoader"
COMMANDS_MODULE = "crawler.crawling.commands"
SOURCES_FILE = os.environ.get("COURTNEWS_SOURCES")  # None: the sources file shipped in the package
ARCHIVE_DB = os.environ.get("COURTNEWS_DB", "data/archive.db")
# a thread's replies and readers' comments are stored with each version; True: a change in them alone
# makes a new version (set it once: switching it makes one new version of every page with comments)
COMMENTS_MAKE_VERSIONS = False
RUN_ID = 0  # set by the daemon: the run row it created for this crawl (0: the crawl creates its own)
CLAIM_TOKEN = ""  # set by the daemon with RUN_ID: the token that makes the run this crawl's to claim

USER_AGENT = "courtnews/0.1 (archive of public court news; contact: set COURTNEWS_CONTACT)"
if os.environ.get("COURTNEWS_CONTACT"):
    USER_AGENT = f"courtnews/0.1 (archive of public court news; contact: {os.environ['COURTNEWS_CONTACT']})"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True
# nothing listens and nothing leaves the allow-list: no telnet console, no remote-control server (it also
# leaves a token file behind on every kill)
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {"crawler.crawling.extensions.ParentWatch": 10, "crawler.crawling.extensions.LogLimit": 0}
PARENT_PID = 0  # set by the daemon: the crawl stops when that process is gone
LOG_MAX_BYTES = 20 * 1024 * 1024  # a crawl's log stops growing here; 0: no limit

CONCURRENT_REQUESTS = 8
# a response yields at most one item (its fetch): Scrapy starts this many tasks for every response's output
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Operators (and the daemon's tests against a local site) may relax politeness from the environment.
DOWNLOAD_DELAY = float(os.environ.get("COURTNEWS_DOWNLOAD_DELAY", "1.0"))
AUTOTHROTTLE_ENABLED = os.environ.get("COURTNEWS_AUTOTHROTTLE", "1") != "0"
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
# retries wait (crawler/crawling/middlewares.py PoliteRetry): 1 s, 2 s, 4 s … (at most RETRY_BACKOFF_MAX), or longer
# when the server's Retry-After asks; a Retry-After over RETRY_AFTER_MAX is not waited for in this run
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 60.0
# after this many consecutive connection failures to a host, the run's other requests to it fail at once
CIRCUIT_BREAKER_FAILURES = 5
# article redirects are followed by the spider (every hop is recorded), list redirects by Scrapy
REDIRECT_MAX_TIMES = 5
# a response cut short reaches the pipeline flagged "dataloss" and is recorded as truncated, with its bytes
DOWNLOAD_FAIL_ON_DATALOSS = False
# extraction processes (-1: one per CPU; 0: extract inside the crawl process)
EXTRACT_WORKERS = int(os.environ.get("COURTNEWS_EXTRACT_WORKERS", "-1"))
# Some government HTTPS servers only offer weak ciphers.
DOWNLOADER_CLIENT_TLS_CIPHERS = "DEFAULT:@SECLEVEL=1"

DOWNLOADER_MIDDLEWARES = {
    "crawler.crawling.middlewares.AllowListMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,  # replaced by PoliteRetry
    "crawler.crawling.middlewares.PoliteRetry": 550,
    # after PoliteRetry for requests (a retry waits, then meets the breaker), before it for failures (each
    # failure is counted before it is retried)
    "crawler.crawling.middlewares.CircuitBreaker": 560,
}
ITEM_PIPELINES = {"crawler.pipeline.pipelines.ArchivePipeline": 300}

LOG_LEVEL = os.environ.get("COURTNEWS_LOG_LEVEL", "INFO")
LOGSTATS_INTERVAL = 30.0
FEED_EXPORT_ENCODING = "utf-8"

# Distributed mode (crawler/distributed/, README "When one machine is not enough"): with a Redis URL in the
# environment, `scrapy crawl SLUG` is a crawl worker fed from Redis; `courtnews writer` records its fetches.
COURTNEWS_REDIS_URL = os.environ.get("COURTNEWS_REDIS_URL", "")
if COURTNEWS_REDIS_URL:
    from crawler.distributed.settings import worker_settings

    globals().update(worker_settings(globals()))
