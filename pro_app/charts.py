"""Trend charts as inline SVG: the same markup on screen, in print and in the PDF (no JavaScript, no CSS).

Pure: takes values, returns an escaped SVG string. Presentation attributes (`stroke`, `fill`) rather than
`style` keep it inside the strict Content-Security-Policy. Each chart carries a <title> and a <desc> with
every value, so screen readers and `pdftotext` read the numbers, not just the shape.
"""
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

INK, MUTED, GRID, BRAND, BAND, BASE = "#0b0c0c", "#505a5f", "#d8dadb", "#1d4f7a", "#d2e2f1", "#b35c00"


@dataclass(frozen=True)
class Point:
    when: date
    value: float | None
    label: str = ""


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def trend_chart(title: str, points: list[Point], y_min: float, y_max: float, *, unit: str = "",
                decimals: int = 1, mcid: float | None = None, baseline: date | None = None,
                width: int = 460, height: int = 170, chart_id: str = "chart",
                ticks: tuple[float, ...] | None = None, max_labels: int | None = None,
                dates: bool = True) -> Markup:
    """A line chart of `points` over time, with an MCID band around the baseline value when `mcid` is given.

    Missing values break the line (they are not interpolated) and are listed as "not recorded".
    `ticks`: the y values of the grid lines (default: five, at quarters of the range). `max_labels`: at most
    this many x labels, evenly spread, first and last always (for many visits in a small chart); the <desc>
    still lists every value. `dates=False` leaves out the first and last dates under the axis.
    """
    left, right, top, bottom = 44, 12, 10, (34 if dates else 20)
    plot_w, plot_h = width - left - right, height - top - bottom
    dated = sorted(points, key=lambda p: p.when)
    known = [p for p in dated if p.value is not None]
    first = dated[0].when if dated else date.today()
    last = dated[-1].when if dated else first
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return left + plot_w * ((day - first).days / span if dated and len(dated) > 1 else 0.5)

    def y(value: float) -> float:
        value = min(max(value, y_min), y_max)
        return top + plot_h * (1 - (value - y_min) / ((y_max - y_min) or 1))

    parts = []
    description = "; ".join(
        f"{p.label or p.when.isoformat()}: {_fmt(p.value, decimals) + (' ' + unit if unit else '') if p.value is not None else 'not recorded'}"
        for p in dated) or "no values recorded"
    parts.append(f'<title id="{chart_id}-title">{escape(title)}</title>')
    parts.append(f'<desc id="{chart_id}-desc">{escape(description)}</desc>')

    baseline_point = next((p for p in known if baseline and p.when == baseline), None)
    if mcid and baseline_point is not None:
        low, high = y(baseline_point.value + mcid), y(baseline_point.value - mcid)
        parts.append(f'<rect x="{left}" y="{low:.1f}" width="{plot_w}" height="{max(high - low, 1):.1f}" '
                     f'fill="{BAND}"/>')

    grid = ticks if ticks is not None else [y_min + (y_max - y_min) * i / 4 for i in range(5)]
    for value in grid:  # horizontal grid with labels
        gy = y(value)
        label = f"{value:g}" if ticks is not None else _fmt(value, decimals if (y_max - y_min) < 10 else 0)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{GRID}" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="11" fill="{MUTED}">'
                     f'{escape(label)}</text>')

    if baseline is not None and dated and first <= baseline <= last:
        bx = x(baseline)
        parts.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{BASE}" '
                     f'stroke-width="1.5" stroke-dasharray="4 3"/>')

    segment: list[str] = []
    segments = []
    for point in dated:
        if point.value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{x(point.when):.1f},{y(point.value):.1f}")
    if segment:
        segments.append(segment)
    for run in segments:
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{BRAND}" stroke-width="2.5"/>')

    labelled = set(range(len(dated)))
    if max_labels and len(dated) > max_labels >= 2:
        labelled = {round(i * (len(dated) - 1) / (max_labels - 1)) for i in range(max_labels)}
    for index, point in enumerate(dated):
        px = x(point.when)
        if point.value is not None:
            parts.append(f'<circle cx="{px:.1f}" cy="{y(point.value):.1f}" r="4" fill="{BRAND}"/>')
        if index not in labelled:
            continue
        parts.append(f'<text x="{px:.1f}" y="{height - (18 if dates else 5)}" text-anchor="middle" font-size="11" '
                     f'fill="{INK}">'
                     f'{escape(point.label or point.when.strftime("%b %y"))}</text>')
    if dated and dates:
        parts.append(f'<text x="{left}" y="{height - 3}" font-size="10" fill="{MUTED}">'
                     f'{escape(first.strftime("%d %b %Y"))}</text>')
        if len(dated) > 1:
            parts.append(f'<text x="{left + plot_w}" y="{height - 3}" text-anchor="end" font-size="10" '
                         f'fill="{MUTED}">{escape(last.strftime("%d %b %Y"))}</text>')

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
           f'font-family="DejaVu Sans, Arial, sans-serif">{"".join(parts)}</svg>')
    return Markup(svg)  # nosec B704: numbers are formatted here and every text went through escape()
