"""Distributed mode: crawl workers on many hosts share scrapy-redis's frontier in Redis and push what they
fetched to a Redis stream; one archive writer records it through the same archive code.

    daemon (or `courtnews enqueue`) --run row--> archive
            \\--probes--> Redis queue <--> workers (`courtnews worker`, `scrapy crawl SLUG`)
                                                |  fetch, classify, to_records
                          Redis item stream <---/
                                  \\--> `courtnews writer` --record_fetch(fetch_id)--> archive

What is guaranteed (each tested in tests/test_distributed*.py with real processes):
- a worker killed at any moment loses nothing: what it had taken and not pushed is put back in the queue by
  the writer once its heartbeat is gone (about 20 s) and fetched by another worker; a page is pushed and
  its request released in one atomic step, so nothing pushed is fetched again. A fetch is repeated (two
  captures, two capture ids) only when a worker that was alive is taken for dead (no heartbeat for 10 s
  while the writer could see Redis);
- a writer killed at any moment loses nothing and records nothing twice: entries are acknowledged after
  their transaction commits, and those committed but not acknowledged come back and are recognised by
  their capture id;
- Redis going away stalls workers (up to REDIS_RETRY_SECONDS, then they stop and their requests are put
  back) and the writer (until it returns); with every write synced (appendfsync always, as in
  deploy/compose.yaml) nothing is lost. A Redis that lost its data (no persistence) loses what was queued
  or pushed and not recorded: the daemon and `courtnews status` say so and the run fails with that reason;
- a run fetches what a local run of its source would: a list crawl skips the articles the archive held when
  it was queued (their page keys are in Redis), ``max_articles`` bounds the run across all workers, and a
  site's delay and concurrency hold across all workers (``politeness``: a per-host gate in Redis);
- fetches the archive cannot take now (locked, full disk) wait in Redis; unreadable entries are kept in
  ``courtnews:items:dead`` and fail their run. Nothing is dropped silently.

The modules: ``redis_link`` (URL, keys, outages), ``frontier`` (scrapy-redis with leases), ``spiders`` (the
source spiders as workers), ``politeness`` (the per-host gate), ``pipeline`` and ``records`` (fetches into the stream), ``writer``, ``enqueue``
(runs and the daemon's hook), ``status``, ``cli``. ``archive/`` knows nothing of Redis or Scrapy.
"""
