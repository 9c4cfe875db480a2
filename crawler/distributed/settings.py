"""What makes a crawl process a crawl worker: scrapy-redis's scheduler and duplicate filter (with our lease,
per-run filter and safe serializer), the Redis item pipeline instead of the archive pipeline, the hand-over
middleware, the presence extension, and the download handler that holds each site's delay and concurrency
across all workers (``politeness``). Everything else (robots.txt, the allow-list, timeouts, the extraction
pool, each worker's own Scrapy politeness) is the local crawl's, unchanged.

``crawler/crawling/settings.py`` applies ``worker_settings`` when ``COURTNEWS_REDIS_URL`` is set, so that
``scrapy crawl SLUG`` is a worker too; ``courtnews worker`` applies it itself.
"""

from __future__ import annotations

import os
import secrets
import socket
from typing import Any

from crawler.distributed import redis_link


def new_worker_id() -> str:
    """Unique per process start, so a restarted worker never reuses a dead one's leases: host-pid-random."""
    host = socket.gethostname().replace("|", "-").replace(":", "-") or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(3)}"


def worker_settings(base: dict[str, Any], redis_url: str | None = None) -> dict[str, Any]:
    """The settings to lay over base (a settings module's names) for a crawl worker."""
    url = redis_url or base.get("COURTNEWS_REDIS_URL") or ""
    return {
        "COURTNEWS_REDIS_URL": url,
        "REDIS_URL": url,  # scrapy-redis's name for it
        "COURTNEWS_WORKER_ID": os.environ.get("COURTNEWS_WORKER_ID") or new_worker_id(),
        "SPIDER_LOADER_CLASS": "crawler.distributed.spiders.DistributedSpiderLoader",
        "SCHEDULER": "crawler.distributed.frontier.Frontier",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.frontier.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{redis_link.PREFIX}:%(spider)s:requests",
        "DUPEFILTER_CLASS": "crawler.distributed.frontier.RunDupeFilter",
        "SCHEDULER_SERIALIZER": "crawler.distributed.serializer",
        "SCHEDULER_PERSIST": True,  # the queue is shared: a worker that stops must not empty it
        "ITEM_PIPELINES": {"crawler.distributed.pipeline.RedisItemPipeline": 300},
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.distributed.politeness.SharedPolitenessHandler",
            "https": "crawler.distributed.politeness.SharedPolitenessHandler",
        },
        "SPIDER_MIDDLEWARES": {
            **base.get("SPIDER_MIDDLEWARES", {}),
            "crawler.distributed.spiders.HandOver": 10,
        },
        "EXTENSIONS": {**base.get("EXTENSIONS", {}), "crawler.distributed.spiders.WorkerPresence": 20},
        "REDIS_PARAMS": {"socket_timeout": 30, "socket_connect_timeout": 5, "health_check_interval": 15},
    }
