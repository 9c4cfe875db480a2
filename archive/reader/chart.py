"""A weekly bar chart drawn on the server as SVG: no script, no library, nothing fetched.

Bars are stacked per week (new, changed, removed, in the colours of the legend); the y axis is scaled to the
busiest week; months are marked under the first week that starts in them. Every text in the SVG is a number or
a fixed label, escaped all the same."""

from __future__ import annotations

from html import escape

SERIES = (
    ("first", "新文章 new", "#3b7dd8"),
    ("changed", "修改 changed", "#e3a21a"),
    ("removed", "删除 removed", "#c0392b"),
)


def weekly_svg(series: list[dict], width: int = 760, height: int = 220) -> str:
    """series: [{week: 'YYYY-MM-DD', first: n, changed: n, removed: n}, …] oldest first."""
    left, right, top, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([sum(w[name] for name, _, _ in SERIES) for w in series] + [1])
    step = plot_w / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="每周新文章、修改与删除 (weekly new, changed and removed)">'
    ]
    x = left
    for _name, label, colour in SERIES:
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="15" font-size="12">{escape(label)}</text>')
        x += 150
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{round(peak * fraction)}</text>'
        )
    month = ""
    for index, week in enumerate(series):
        x0 = left + index * step
        y = top + plot_h
        for name, label, colour in SERIES:
            value = week[name]
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            parts.append(
                f'<rect class="bar-{name}" x="{x0 + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(week["week"])} {escape(label)}: {value}</title></rect>'
            )
        if week["week"][:7] != month:
            month = week["week"][:7]
            parts.append(
                f'<text x="{x0:.1f}" y="{height - bottom + 14}" font-size="10">{escape(month[2:].replace("-", "/"))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
