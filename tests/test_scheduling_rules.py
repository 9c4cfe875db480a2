"""The daemon's scheduling rules at their edges (crawler/service/scheduling.py): the configured jitter spreads
scheduled starts but never the announced next run, a source is overdue only once more than its cadence has
passed, and a lowered max_concurrent (a SIGHUP reload while crawls run) holds new crawls back until enough
of the running ones end."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from crawler.config.sources import DaemonConfig, Schedule, Source
from crawler.service.scheduling import CrawlQueue, Job, cadence, is_overdue, next_run, source_trigger

T0 = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)


def source(schedule: str) -> Source:
    return Source(
        slug="a",
        court="甲法院",
        family="courtgov",
        start_urls=("https://a.example.gov.cn/list.html",),
        allowed_hosts=("a.example.gov.cn",),
        schedule=Schedule(schedule, cron=schedule) if " " in schedule else Schedule(schedule, 6 * 3600),
    )


@pytest.mark.parametrize("schedule", ["6h", "15 */3 * * *"])
def test_the_configured_jitter_spreads_scheduled_starts_but_not_the_announced_next_run(schedule):
    config = DaemonConfig(jitter=120)
    assert source_trigger(source(schedule), config).jitter == 120
    assert source_trigger(source(schedule), replace(config, jitter=0)).jitter is None
    assert source_trigger(source(schedule), config, jitter=False).jitter is None
    # the next run the operator is told is the slot itself, not a jittered moment around it
    cron = source("15 */3 * * *")
    assert {next_run(cron, T0, config).isoformat() for _ in range(20)} == {"2024-01-01T09:15:00+08:00"}


@pytest.mark.parametrize(
    ("schedule", "every"), [("6h", timedelta(hours=6)), ("15 */3 * * *", timedelta(hours=3))]
)
def test_a_source_is_overdue_only_past_its_cadence(schedule, every):
    config = DaemonConfig(jitter=0)
    assert cadence(source(schedule), T0, config) == every
    assert is_overdue(None, source(schedule), T0, config)  # never succeeded
    assert not is_overdue(T0 - every, source(schedule), T0, config)  # exactly one cadence ago: on time
    assert is_overdue(T0 - every - timedelta(seconds=1), source(schedule), T0, config)


def test_a_lowered_cap_holds_new_crawls_until_enough_running_ones_end():
    queue = CrawlQueue(max_concurrent=3)
    running = [Job(slug, "crawl", "schedule") for slug in ("a", "b", "c")]
    for job in running:
        queue.add(job)
        assert queue.next_ready() == job
    queue.max_concurrent = 1  # a reload while three crawls run
    queue.add(Job("d", "crawl", "schedule"))
    queue.done(running[0])
    assert queue.next_ready() is None  # two still run: over the new cap
    queue.done(running[1])
    assert queue.next_ready() is None  # one runs: at the cap
    queue.done(running[2])
    assert queue.next_ready() == Job("d", "crawl", "schedule")
