"""The archive pipeline's own rules, apart from the crawls that exercise it (tests/test_crawl_trouble.py,
test_faults_disk.py, test_extraction_pool.py)."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.pipelines import ArchivePipeline
from crawler.pool import default_workers


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
