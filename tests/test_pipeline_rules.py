"""The archive pipeline's own rules, apart from the crawls that exercise it (tests/test_crawl_trouble.py,
test_faults_disk.py, test_extraction_pool.py)."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.pipeline.items import Hop
from crawler.pipeline.pipelines import ArchivePipeline, RunFacts, run_verdict
from crawler.pipeline.pool import default_workers
from tests.test_classification import OTHER_URL, fetch


@pytest.mark.parametrize(
    ("setting", "workers"),
    [("0", 0), ("1", 1), ("3", 3), ("-1", default_workers()), ("-5", default_workers())],
)
def test_extract_workers_zero_classifies_inline_and_a_negative_count_means_one_per_cpu(
    tmp_path, setting, workers
):
    crawler = get_crawler(settings_dict={"EXTRACT_WORKERS": setting, "ARCHIVE_DB": str(tmp_path / "a.db")})
    assert ArchivePipeline.from_crawler(crawler).workers == workers


def test_without_the_setting_there_is_one_worker_per_cpu(tmp_path):
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db")})
    assert "EXTRACT_WORKERS" not in crawler.settings
    assert ArchivePipeline.from_crawler(crawler).workers == default_workers()


def test_an_archived_page_keeps_no_bytes_in_memory_nor_do_its_redirect_hops():
    page = fetch(body=b"<html>page</html>")
    page.hops = [
        Hop(url=OTHER_URL, status=301, location=page.url, body=b"moved"),
        Hop(url=OTHER_URL + "?old", status=302, location=page.url, body=b"moved too"),
    ]
    forgotten = ArchivePipeline._forget(page)
    assert forgotten is page and page.body is None and [hop.body for hop in page.hops] == [b"", b""]


def test_a_crawl_that_says_nothing_of_its_list_read_none():
    """RunFacts' defaults are those of a crawl that fetched no list page and found no link."""
    counts = {"captures": 1, "failures": 0}
    assert run_verdict(RunFacts(kind="crawl", close_reason="finished", counts=counts)) == (
        "failed",
        "no list page could be fetched",
    )
    status, reason = run_verdict(
        RunFacts(kind="crawl", close_reason="finished", counts=counts, list_pages_ok=2)
    )
    assert (
        status == "failed"
        and reason is not None
        and reason.startswith("the list (2 pages read) had no article links")
    )
