"""Small server-side SVG charts: no script, no third-party host, printable.

Each function returns a :class:`markupsafe.Markup` holding one ``<svg>`` element
that scales to its container (``viewBox``, CSS class ``chart``). Every piece of
text is escaped. Colours and sizes are SVG presentation attributes (``fill``,
``font-size``), never ``style=``: the Content-Security-Policy (``style-src
'self'``) blocks inline style attributes but not presentation attributes.
Each chart is drawn above a table with the same figures, so the chart never has
to carry every number itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from contest.helpers.formatting import format_number, format_percent

WIDTH = 720
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT = "#111"
MUTED = "#555"
GRID = "#d6d9de"
PALETTE = ["#0b4f9c", "#c2410c", "#2e7d32", "#7b1fa2", "#a86b00", "#00838f", "#5d4037"]
LABEL_CHARS = 34


def fmt_int(value: float) -> str:
    return format_number(value)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _svg(height: float, title: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{math.ceil(height)}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT}" font-size="13" fill="{TEXT}">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text part escaped


def _empty(title: str) -> Markup:
    return _svg(60, title, [
        f'<text x="{WIDTH / 2}" y="35" text-anchor="middle" fill="{MUTED}">'
        "Chưa có dữ liệu</text>"
    ])


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    value_label: Callable[[float], str] = fmt_int,
    max_value: float | None = None,
    color: str = PALETTE[0],
) -> Markup:
    """Horizontal bars, one per row, labelled on the left, value at the bar's end.

    Horizontal because unit names ("Tổ dân phố số 7", "Trung tâm Phục vụ hành
    chính công") are long and must stay readable on a phone and on paper.
    """
    if not rows:
        return _empty(title)
    label_w, row_h, top = 250, 26, 8
    plot_w = WIDTH - label_w - 90
    top_value = max_value if max_value is not None else max((v for _l, v in rows), default=0)
    top_value = top_value or 1
    body = []
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = max(0.0, plot_w * (value or 0) / top_value)
        body.append(
            f'<g><title>{escape(label)}: {escape(value_label(value))}</title>'
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{color}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{escape(value_label(value))}</text></g>'
        )
    body.insert(0, f'<line x1="{label_w}" y1="{top}" x2="{label_w}" '
                   f'y2="{top + len(rows) * row_h}" stroke="{MUTED}"/>')
    return _svg(top * 2 + len(rows) * row_h, title, body)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
    value_label: Callable[[float], str] = fmt_int,
) -> Markup:
    """Horizontal bars grouped per category, one colour per series, with a legend."""
    if not categories or not series or not any(v for _n, vals in series for v in vals):
        return _empty(title)
    label_w, bar_h, gap, legend_h = 170, 14, 10, 28
    plot_w = WIDTH - label_w - 70
    top_value = max(v for _n, vals in series for v in vals) or 1
    body = _legend([name for name, _v in series], y=4)
    group_h = bar_h * len(series) + gap
    for i, category in enumerate(categories):
        y0 = legend_h + i * group_h
        body.append(f'<text x="{label_w - 8}" y="{y0 + group_h / 2 + 2:.1f}" '
                    f'text-anchor="end">{escape(_short(category, 24))}</text>')
        for j, (name, values) in enumerate(series):
            value = values[i] if i < len(values) else 0
            y = y0 + j * bar_h
            w = plot_w * (value or 0) / top_value
            body.append(
                f'<g><title>{escape(category)} – {escape(name)}: '
                f'{escape(value_label(value))}</title>'
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" font-size="11">'
                f'{escape(value_label(value))}</text></g>'
            )
    return _svg(legend_h + len(categories) * group_h + 4, title, body)


def _legend(names: Sequence[str], y: float) -> list[str]:
    parts, x = [], 8
    for i, name in enumerate(names):
        parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 20}" y="{y + 12}">{escape(name)}</text>')
        x += 34 + 8 * len(name)
    return parts


def count_ticks(value: float) -> list[int]:
    """Axis ticks for counts: distinct whole numbers from 0 to at least ``value``, at most 5 gaps.

    Steps are 1, 2, 5 × 10ⁿ (and 25 × 10ⁿ), so a day with one participant reads 0, 1
    rather than five fractional ticks rounded to 0, 0, 0, 1, 1.
    """
    wanted = max(value, 1) / 4
    exponent = 10 ** max(0, math.floor(math.log10(wanted))) if wanted >= 1 else 1
    step = next(s * exponent for s in (1, 2, 2.5, 5, 10)
                if s * exponent >= wanted and float(s * exponent).is_integer())
    step = int(step)
    top = step * math.ceil(max(value, 1) / step)
    return list(range(0, top + 1, step))


#: Dash patterns for the second and later lines of a line chart.
LINE_DASHES = ("8 5", "3 4", "12 4 3 4")


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    title: str,
) -> Markup:
    """Lines over time (e.g. per day), a legend, a y axis with round ticks."""
    if not labels or not series:
        return _empty(title)
    left, right, top, bottom, height = 56, 16, 32, 40, 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    ticks = count_ticks(max((v for _n, vals in series for v in vals), default=0))
    top_value = ticks[-1]
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    body = _legend([name for name, _v in series], y=6)
    for value in ticks:
        body.append(f'<line x1="{left}" y1="{y(value):.1f}" x2="{WIDTH - right}" '
                    f'y2="{y(value):.1f}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                    f'font-size="11" fill="{MUTED}">{escape(fmt_int(value))}</text>')
    step = max(1, math.ceil(n / 12))
    for i in range(0, n, step):
        body.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                    f'font-size="11" fill="{MUTED}">{escape(labels[i])}</text>')
    for j, (name, values) in enumerate(series):
        color = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        # Later lines dashed: where two series are equal (every resident took one attempt a
        # day) the one drawn last would otherwise hide the first completely.
        dashes = f' stroke-dasharray="{LINE_DASHES[j % len(LINE_DASHES)]}"' if j else ""
        body.append(f'<polyline points="{points}" fill="none" stroke="{color}" '
                    f'stroke-width="2.5"{dashes}/>')
        if n <= 62:
            for i, v in enumerate(values):
                body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}">'
                            f'<title>{escape(labels[i])} – {escape(name)}: '
                            f'{escape(fmt_int(v))}</title></circle>')
    return _svg(height, title, body)


def funnel_chart(stages: Sequence[tuple[str, float]], *, title: str) -> Markup:
    """Centred bars narrowing stage by stage, with the count and the share of the first stage."""
    if not stages or not any(v for _l, v in stages):
        return _empty(title)
    row_h, top = 54, 8
    first = stages[0][1] or max(v for _l, v in stages) or 1
    widest = max(v for _l, v in stages) or 1
    plot_w = WIDTH - 40
    body = []
    for i, (label, value) in enumerate(stages):
        y = top + i * row_h
        w = max(2.0, plot_w * (value or 0) / widest)
        x = (WIDTH - w) / 2
        share = f" ({format_percent(value / first)})" if i and first else ""
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 22}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{WIDTH / 2}" y="{y + row_h - 8}" text-anchor="middle">'
            f'{escape(label)}: {escape(fmt_int(value))}{escape(share)}</text>'
        )
    return _svg(top * 2 + len(stages) * row_h, title, body)
