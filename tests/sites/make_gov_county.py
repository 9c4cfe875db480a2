"""Writes the county-court fixture as GBK bytes, as such sites serve them. Run it after editing the pages."""

import pathlib

root = pathlib.Path(__file__).parent / "gov-county"


def page(title, date, source, author, paras, extra=""):
    body = "\n".join(f'<p style="text-indent:2em">{p}</p>' for p in paras)
    return f'''<html><head><title>{title}-某某县人民法院</title>
<meta name="SiteName" content="某某县人民法院"><meta name="ColumnName" content="法院新闻">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{date}">
<meta name="ContentSource" content="{source}"><meta name="Author" content="{author}"></head>
<body><table width="100%"><tr><td class="bt">{title}</td></tr>
<tr><td class="xx">发布日期：{date[:10]} 来源：{source} 【字体：大 中 小】 【打印本页】</td></tr>
<tr><td><div class="TRS_Editor">{body}{extra}</div></td></tr></table>
<div class="ewm">扫一扫在手机打开当前页</div>
<div class="foot">主办单位：某某县人民法院 网站标识码：1234567890 <a href="https://beian.miit.gov.cn">陇ICP备12345号</a></div>
</body></html>'''


pages = {
    "xwzx/t20230704_101.html": page(
        "县法院召开执行工作推进会",
        "2023-07-04 17:22:47",
        "某某县人民法院",
        "赵敏",
        [
            "7月4日，某某县人民法院召开执行工作推进会，总结上半年执行工作。",
            "会议指出，要持续加大执行力度，努力实现“切实解决执行难”目标。",
            "会议要求，各执行团队要倒排工期，确保各项指标稳步提升。",
        ],
        extra='<p class="views">本文已被浏览 57 次</p>',  # a counter inside the body container
    ),
    "xwzx/t20230710_102.html": page(
        "县法院开展“法律进乡村”活动",
        "2023-07-10 09:00:00",
        "某某县人民法院",
        "孙磊",
        [
            "为增强群众法治意识，县法院干警走进乡村开展普法宣传。",
            "活动中，干警向群众发放宣传资料二百余份，现场解答法律咨询三十余人次。",
        ],
        extra='<div style="position:absolute;left:-9999px;top:-9999px"><a href="http://bet.example.org/">威尼斯人娱乐城</a> <a href="http://bet.example.org/a">百家乐投注</a> <a href="http://bet.example.org/b">时时彩</a></div>',
    ),
}
for path, html in pages.items():
    (root / path).write_bytes(html.encode("gbk"))
lst = """<html><head><title>法院新闻-某某县人民法院</title></head><body>
<ul class="list"><li><a href="./t20230704_101.html">县法院召开执行工作推进会</a><span>2023-07-04</span></li>
<li><a href="./t20230710_102.html">县法院开展“法律进乡村”活动</a><span>2023-07-10</span></li>
<li><a href="./t20230712_103.html">县法院审结一起赡养纠纷案</a><span>2023-07-12</span></li></ul>
<div class="page">共1页 <a href="index_1.html">下一页</a></div></body></html>"""
(root / "xwzx/index.html").write_bytes(lst.encode("gbk"))
(root / "xwzx/index_1.html").write_bytes(
    '<html><head><title>法院新闻</title></head><body><ul class="list"></ul></body></html>'.encode("gbk")
)
# declares gb2312 but is really UTF-8: the decoder must notice
wrong = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>县法院审结一起赡养纠纷案</title>
<meta name="PubDate" content="2023-07-12 11:00:00"></head><body><div class="TRS_Editor">
<p>近日，县法院审结一起赡养纠纷案，判决三名子女每月各支付赡养费五百元。</p>
<p>承办法官表示，赡养老人是子女应尽的法定义务，也是中华民族的传统美德。</p></div></body></html>"""
(root / "xwzx/t20230712_103.html").write_bytes(wrong.encode("utf-8"))
