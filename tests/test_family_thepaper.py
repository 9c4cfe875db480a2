"""澎湃号 accounts: the fixture site pph-court (the JSON list API, then __NEXT_DATA__ pages) crawled over HTTP
into the archive."""

from __future__ import annotations

from tests.conftest import versions_by_name


def test_thepaper_account_api_then_next_data(site_factory, crawl, tmp_path):
    crawl(site_factory("pph-court"))
    rows = versions_by_name(tmp_path / "archive.db")
    assert list(rows) == ["newsDetail_forward_5001"]
    article = rows["newsDetail_forward_5001"]
    assert article["title"] == "镇原县人民法院被评为“全省优秀法院”"
    assert article["source_name"] == "镇原县人民法院"
    assert article["published"] == "2023-07-04T17:22:00+08:00"
    body = article["body"]
    assert "以迅雷不及掩耳之势" in body
    assert "本文为澎湃号作者或机构" not in body
    assert "迅雷会员" not in body and "随机账号密码" not in body
    assert len(body.splitlines()) == 26
