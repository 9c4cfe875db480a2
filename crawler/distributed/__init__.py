"""Distributed mode: crawl workers on many hosts share scrapy-redis's frontier in Redis and push what they
fetched to a Redis stream; one archive writer records it through the same archive code.

    daemon (or `courtnews enqueue`) --run row--> archive
            \\--probes--> Redis queue <--> workers (`courtnews worker`, `scrapy crawl SLUG`)
                                                |  fetch, classify, to_records
                          Redis item stream <---/
                                  \\--> `courtnews writer` --record_fetch(fetch_id)--> archive

The modules: ``redis_link`` (URL, keys, outages), ``frontier`` (scrapy-redis with leases), ``spiders`` (the
source spiders as workers), ``pipeline`` and ``records`` (fetches into the stream), ``writer``, ``enqueue``
(runs and the daemon's hook), ``status``, ``cli``. ``archive/`` knows nothing of Redis or Scrapy.
"""
