"""chinacourt CMS, government CMS (GBK) and 澎湃号 families crawled over HTTP into the archive."""

from __future__ import annotations

import json

import sqlite_utils


def latest(db_path):
    db = sqlite_utils.Database(db_path)
    rows = db.query("SELECT p.url, v.* FROM versions v JOIN pages p ON p.id = v.page_id ORDER BY p.url")
    return {row["url"].rsplit("/", 1)[1]: row for row in rows}


def test_chinacourt_lists_pages_and_metadata(site_factory, crawl, tmp_path):
    crawl(site_factory("chinacourt-org"))
    rows = latest(tmp_path / "archive.db")
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


def test_undeclared_gbk_and_mislabelled_utf8_decode_correctly(site_factory, crawl, tmp_path):
    crawl(site_factory("gov-county"))
    rows = latest(tmp_path / "archive.db")
    assert sorted(rows) == ["t20230704_101.html", "t20230710_102.html", "t20230712_103.html"]
    gbk = rows["t20230704_101.html"]
    assert gbk["title"] == "县法院召开执行工作推进会"
    assert "切实解决执行难" in gbk["body"]
    assert gbk["published"] == "2023-07-04T17:22:47+08:00"
    assert gbk["author"] == "赵敏"
    assert "扫一扫" not in gbk["body"] and "网站标识码" not in gbk["body"] and "字体" not in gbk["body"]
    assert "威尼斯人" not in rows["t20230710_102.html"]["body"]  # off-screen link block
    wrong = rows["t20230712_103.html"]
    assert "赡养费五百元" in wrong["body"]  # declared gb2312, really UTF-8
    db = sqlite_utils.Database(tmp_path / "archive.db")
    encodings = {
        r["url"].rsplit("/", 1)[1]: r["encoding"] for r in db.query("SELECT url, encoding FROM captures")
    }
    assert encodings["t20230704_101.html"] == "gb18030" and encodings["t20230712_103.html"] == "utf-8"


def test_a_view_counter_inside_the_body_never_makes_a_version(site_factory, crawl, tmp_path):
    site = site_factory("gov-county")
    crawl(site)
    page = site.path("xwzx/t20230704_101.html")
    raw = page.read_bytes()
    assert "本文已被浏览 57 次".encode("gbk") in raw
    page.write_bytes(raw.replace(b" 57 ", b" 58 "))
    crawl(site)
    db = sqlite_utils.Database(tmp_path / "archive.db")
    versions = list(
        db.query(
            "SELECT body FROM versions WHERE page_id = (SELECT id FROM pages WHERE url LIKE '%t20230704_101.html')"
        )
    )
    assert len(versions) == 1 and "浏览" not in versions[0]["body"]
    assert "推进会" in versions[0]["body"]


def test_thepaper_account_api_then_next_data(site_factory, crawl, tmp_path):
    crawl(site_factory("pph-court"))
    rows = latest(tmp_path / "archive.db")
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
