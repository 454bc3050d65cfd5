"""Trend charts: a line with a marker per value, date and value axes, and an optional reference band.

The chart is an ``<svg role="img">`` whose title names the measure and whose desc lists every value
in words, so a screen reader gets the numbers without a table. Input may be unsorted; values must be
finite. Arithmetic on values is done in halves so even values near the float limit cannot overflow.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence

from cnocare.reports.series import crp_series, esr_series, lab_series, lab_unit, pain_series
from cnocare.reports.svg import SVG_NS, attrs, checked_id_prefix, num, text

__all__ = ["crp_series", "esr_series", "lab_series", "lab_unit", "pain_series", "render_trend"]

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56.0, 30.0, 26.0, 30.0
INSET = 8.0  # keeps markers at the extremes clear of the axes
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LINE_COLOUR = "#1f4e8c"  # 8.3:1 on white


def value_text(value: float) -> str:
    return f"{value + 0.0:.4g}"


def _date_text(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _fraction(value: float, low: float, high: float) -> float:
    """Where ``value`` sits between ``low`` and ``high`` (0..1), computed in halves against overflow."""
    span = high / 2 - low / 2
    return 0.5 if span <= 0 else (value / 2 - low / 2) / span


def _nice_step(raw: float) -> float | None:
    if not (math.isfinite(raw) and raw > 0):
        return None
    exponent = math.floor(math.log10(raw))
    if not -300 < exponent < 300:
        return None
    base = 10.0 ** exponent
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * base:
            return factor * base
    return 10.0 * base


def value_ticks(low: float, high: float) -> list[float]:
    """About five round values within [low, high]; the ends themselves when no round step fits."""
    if low == high:
        return [low]
    step = _nice_step((high / 2 - low / 2) / 2)  # span/4, halved twice to stay finite
    if step is not None:
        first = math.ceil(low / step) * step
        ticks = [first + i * step for i in range(12) if first + i * step <= high]
        if 2 <= len(ticks) <= 11 and all(math.isfinite(t) for t in ticks) and len(set(ticks)) == len(ticks):
            return ticks
    return [low, high]


def date_ticks(first: dt.date, last: dt.date) -> list[dt.date]:
    """Month starts for spans over about three months, else up to five evenly spaced days."""
    days = (last - first).days
    if days <= 0:
        return [first]
    if days > 92:
        months = (last.year - first.year) * 12 + last.month - first.month
        step = max(1, math.ceil(months / 5))
        ticks: list[dt.date] = []
        index = first.year * 12 + first.month  # the first month start after `first`
        while True:
            day = dt.date(index // 12, index % 12 + 1, 1)
            if day > last:
                return ticks
            if (index - first.year * 12 - first.month) % step == 0:
                ticks.append(day)
            index += 1
    step_days = max(1, math.ceil(days / 4))
    return [first + dt.timedelta(days=d) for d in range(0, days + 1, step_days)]


def _checked(points: Sequence[tuple[dt.date, float]],
             reference_band: tuple[float, float] | None) -> list[tuple[dt.date, float]]:
    checked = []
    for i, (day, value) in enumerate(points):
        if not isinstance(day, dt.date):
            raise ValueError(f"points[{i}] date {day!r} is not a date")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"points[{i}] value {value!r} on {day} is not a finite number")
        checked.append((day, float(value)))
    if reference_band is not None:
        low, high = reference_band
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise ValueError(f"reference_band {reference_band!r}; accepted: two finite numbers, low <= high")
    return sorted(checked, key=lambda p: p[0])


def _description(points: list[tuple[dt.date, float]], title: str, unit: str,
                 reference_band: tuple[float, float] | None) -> str:
    if not points:
        out = f"{title}: no values recorded."
    else:
        listed = "; ".join(f"{day.isoformat()}: {value_text(v)} {unit}" for day, v in points)
        span = (f"on {points[0][0].isoformat()}" if points[0][0] == points[-1][0]
                else f"from {points[0][0].isoformat()} to {points[-1][0].isoformat()}")
        count = "1 value" if len(points) == 1 else f"{len(points)} values"
        out = f"{title} ({unit}), {count} {span}: {listed}."
    if reference_band is not None:
        out += f" Reference range {value_text(reference_band[0])}–{value_text(reference_band[1])} {unit}."
    return out


def render_trend(points: Sequence[tuple[dt.date, float]], *, title: str, unit: str,
                 reference_band: tuple[float, float] | None = None, width: int = 560, height: int = 180,
                 id_prefix: str | None = None) -> str:
    """SVG line chart of ``points`` (any order); ``id_prefix`` defaults to one derived from title+unit."""
    if not (200 <= width <= 4000 and 120 <= height <= 2000):
        raise ValueError(f"chart size {width}x{height}; accepted: width 200–4000, height 120–2000")
    series = _checked(points, reference_band)
    if id_prefix is None:
        digest = hashlib.sha1(f"{title}\x1f{unit}".encode("utf-8", "replace"), usedforsecurity=False)
        id_prefix = f"trend-{digest.hexdigest()[:10]}"
    base = checked_id_prefix(id_prefix)
    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM

    values = [v for _, v in series] + (list(reference_band) if reference_band else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)

    def y_of(value: float) -> float:
        return bottom - INSET - _fraction(value, low, high) * (bottom - top - 2 * INSET)

    first_day, last_day = (series[0][0], series[-1][0]) if series else (None, None)

    def x_of(day: dt.date) -> float:
        assert first_day is not None and last_day is not None
        days = (last_day - first_day).days
        share = 0.5 if days == 0 else (day - first_day).days / days
        return left + INSET + share * (right - left - 2 * INSET)

    parts: list[str] = [
        f'<text x="{num(left)}" y="16" font-size="13" font-weight="bold" fill="#1a1a1a" aria-hidden="true">'
        f"{text(f'{title} ({unit})')}</text>"
    ]
    if reference_band is not None:
        y_hi, y_lo = y_of(reference_band[1]), y_of(reference_band[0])
        parts.append(f'<rect class="trend-reference" x="{num(left)}" y="{num(y_hi)}"'
                     f' width="{num(right - left)}" height="{num(max(y_lo - y_hi, 1.0))}"'
                     ' fill="#e3f1e3" stroke="#5f8f5f" stroke-dasharray="4 3"/>')
    axes = [f'<line x1="{num(left)}" y1="{num(top)}" x2="{num(left)}" y2="{num(bottom)}"/>',
            f'<line x1="{num(left)}" y1="{num(bottom)}" x2="{num(right)}" y2="{num(bottom)}"/>']
    if series:
        for tick in value_ticks(low, high):
            y = y_of(tick)
            axes.append(f'<line x1="{num(left - 4)}" y1="{num(y)}" x2="{num(left)}" y2="{num(y)}"/>'
                        f'<text x="{num(left - 6)}" y="{num(y + 4)}" text-anchor="end" stroke="none">'
                        f"{text(value_text(tick))}</text>")
        assert first_day is not None and last_day is not None
        for day in date_ticks(first_day, last_day):
            x = x_of(day)
            axes.append(f'<line x1="{num(x)}" y1="{num(bottom)}" x2="{num(x)}" y2="{num(bottom + 4)}"/>'
                        f'<text x="{num(x)}" y="{num(bottom + 16)}" text-anchor="middle" stroke="none">'
                        f"{text(_date_text(day))}</text>")
    parts.append(f'<g class="trend-axes" stroke="#4d4d4d" fill="#1a1a1a" font-size="10" aria-hidden="true">'
                 f'{"".join(axes)}</g>')
    if not series:
        parts.append(f'<text x="{num((left + right) / 2)}" y="{num((top + bottom) / 2)}" text-anchor="middle"'
                     f' font-size="12" fill="#4d4d4d" aria-hidden="true">No values recorded</text>')
    if len(series) > 1:
        line = " ".join(f"{num(x_of(day))},{num(y_of(v))}" for day, v in series)
        parts.append(f'<polyline class="trend-line" points="{line}" fill="none" stroke="{LINE_COLOUR}"'
                     ' stroke-width="2"/>')
    for day, value in series:
        label = f"{day.isoformat()}: {value_text(value)} {unit}"
        parts.append(f'<circle class="trend-marker" cx="{num(x_of(day))}" cy="{num(y_of(value))}" r="4"'
                     f' fill="#ffffff" stroke="{LINE_COLOUR}" stroke-width="2"><title>{text(label)}</title>'
                     "</circle>")
    return (
        f'<svg{attrs(xmlns=SVG_NS, id=base, class_="trend-chart", role="img", width=width, height=height)}'
        f' viewBox="0 0 {width} {height}" aria-labelledby="{base}-title {base}-desc">'
        f'<title id="{base}-title">{text(title)}</title>'
        f'<desc id="{base}-desc">{text(_description(series, title, unit, reference_band))}</desc>'
        + "".join(parts) + "</svg>"
    )
