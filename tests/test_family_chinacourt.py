"""The chinacourt CMS family (chinacourt.org and the provincial sites): the fixture site chinacourt-org
crawled over HTTP into the archive."""

from __future__ import annotations

import json

from tests.conftest import versions_by_name


def test_chinacourt_lists_pages_and_metadata(site_factory, crawl, tmp_path):
    crawl(site_factory("chinacourt-org"))
    rows = versions_by_name(tmp_path / "archive.db")
    assert sorted(rows) == ["7001.shtml", "7002.shtml", "7003.shtml"]
    first = rows["7001.shtml"]
    assert first["title"] == "新晃法院开展巡回审判"
    assert first["published"] == "2024-03-01T08:56:04+08:00"
    assert first["source_name"] == "中国法院网新晃频道"
    assert first["author"] == "邱孟洁"
    assert first["editor"] == "刘晓"
    assert "澳门新葡京" not in first["body"] and "皇冠体育" not in first["body"]
    assert rows["7002.shtml"]["author"] == "刘静、齐绍杰"
    assert "六合彩" not in rows["7002.shtml"]["body"]  # hidden by a <style> class
    assert "游戏账号密码" in rows["7002.shtml"]["body"]  # a fraud case mentioning credentials is body
    assert "以迅雷不及掩耳之势" in rows["7003.shtml"]["body"]
    removed = json.loads(first["removed_blocks"])
    assert any(
        block["rule"] in ("hidden-node", "gambling-links") and "新葡京" in block["text"] for block in removed
    )
