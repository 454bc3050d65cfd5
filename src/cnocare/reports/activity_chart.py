"""One chart a clinician reads at a glance: activity and inflammation over time on one shared time axis.

Rows share the x axis: physician global, patient global and pain (0–10, axes from zero), CRP and ESR
(values as the laboratory reports them, ESR in whole numbers) with the normal band shaded, then the
family's diary (daily pain, number of painful sites, school missed, medicines taken of those asked about),
then medicine courses as bars, infusions as ticks and flares as markers. A diary day or question left
unanswered is a gap in its line, never a zero. One title per chart; a table alternative with every value
follows the SVG for screen readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from cnocare.clinical.case import Case
from cnocare.clinical.diary_snapshot import DiaryDay
from cnocare.knowledge.catalogue import label

WIDTH, LEFT, RIGHT = 760.0, 150.0, 20.0
ROW, GAP, TOP = 54.0, 10.0, 30.0
COLOURS = {"physician_global": "#1f4e8c", "patient_global": "#6a3d9a", "pain": "#b15928", "crp": "#1b7837",
           "esr": "#8c510a", "diary_pain": "#b15928", "diary_sites": "#6a3d9a", "diary_adherence": "#1f4e8c"}
# A table sized to its content ignores width: 1px, so the hidden container clips it instead (a long table would
# otherwise widen a phone page).
HIDDEN_OPEN = '<div class="visually-hidden"><table class="visually-hidden-table">'
HIDDEN_CLOSE = "</tbody></table></div>"
MARKERS_UP_TO = 62  # diary points drawn one by one (with their values) only for about two months of days


@dataclass(frozen=True)
class Series:
    key: str
    title: str
    unit: str
    points: tuple[tuple[dt.date, float], ...]
    top: float
    band: tuple[float, float] | None = None
    decimals: int = 1


def series_of(case: Case, flares: tuple[tuple[dt.date, str], ...] = ()) -> tuple[list[Series], Case]:
    visits = sorted(case.activity, key=lambda v: v.date)
    out = [Series("physician_global", "Physician global (0–10)", "/10",
                  tuple((v.date, v.physician_global_0_10) for v in visits if v.physician_global_0_10 is not None), 10),
           Series("patient_global", "Patient/parent global (0–10)", "/10",
                  tuple((v.date, v.patient_global_0_10) for v in visits if v.patient_global_0_10 is not None), 10),
           Series("pain", "Pain (0–10)", "/10",
                  tuple((v.date, v.pain_0_10) for v in visits if v.pain_0_10 is not None), 10)]
    for test, title, unit, decimals in (("crp", "CRP (mg/L)", "mg/L", 1), ("esr", "ESR (mm/h)", "mm/h", 0)):
        results = sorted((r for r in case.labs if r.test == test and r.canonical_value is not None),
                         key=lambda r: r.date)
        pts = tuple((r.date, float(r.canonical_value or 0)) for r in results)
        bands = [(r.canonical_reference_low or 0.0, r.canonical_reference_high) for r in results
                 if r.canonical_reference_high is not None]
        band = (bands[-1][0], float(bands[-1][1] or 0)) if bands else None
        top = max([p[1] for p in pts] + [band[1] if band else 0.0, 1.0]) * 1.1
        out.append(Series(test, title, unit, pts, top, band, decimals))
    return out, case


def render_diary_chart(case: Case, first: dt.date, last: dt.date, *, title: str) -> str:
    """The diary band alone over a chosen period (the family's summary), on the same drawing rules."""
    if not any(first <= d.day <= last for d in case.diary):
        return '<p class="muted">No diary day was filled in during this period.</p>'
    days = tuple(d for d in case.diary if first <= d.day <= last)
    only = case.model_copy(update={"diary": days, "medicines": (), "infusions": ()})
    return render_activity_chart(only, title=title, period=(first, last), clinical=False)


def diary_series(days: tuple[DiaryDay, ...]) -> list[Series]:
    """Daily diary lines; a day or question not answered has no point, so the line breaks there."""
    diary = sorted(days, key=lambda d: d.day)
    sites = tuple((d.day, float(n)) for d in diary if (n := d.painful_site_count) is not None)
    adherence = tuple((d.day, 100.0 * a[0] / a[1]) for d in diary if (a := d.adherence) is not None)
    return [Series("diary_pain", "Diary pain (0–10)", "/10",
                   tuple((d.day, d.pain_0_10) for d in diary if d.pain_0_10 is not None), 10),
            Series("diary_sites", "Diary painful sites", "sites", sites,
                   max([n for _, n in sites] + [1.0]), decimals=0),
            Series("diary_adherence", "Diary medicines taken (%)", "%", adherence, 100, decimals=0)]


def _runs(points: tuple[tuple[dt.date, float], ...]) -> list[list[tuple[dt.date, float]]]:
    """Points split where a calendar day is missing, so an unanswered day is drawn as a gap."""
    runs: list[list[tuple[dt.date, float]]] = []
    for day, value in sorted(points):
        if runs and (day - runs[-1][-1][0]).days == 1:
            runs[-1].append((day, value))
        else:
            runs.append([(day, value)])
    return runs


def render_activity_chart(case: Case, *, flares: tuple[tuple[dt.date, str], ...] = (),
                          title: str = "Disease activity, inflammation and treatment",
                          period: tuple[dt.date, dt.date] | None = None, clinical: bool = True) -> str:
    """``period``: the axis runs over these days (a chosen period) instead of the recorded ones;
    ``clinical=False``: the diary band alone."""
    measures = series_of(case)[0] if clinical else []
    diary = diary_series(case.diary) if case.diary else []
    rows = measures + diary
    missed = [(d.day, str(d.school_missed)) for d in case.diary if d.school_missed in ("whole", "part")]
    days = [d.day for d in case.diary] + [d for s in measures for d, _ in s.points] + \
        [m.start for m in case.medicines if m.start] + [i.date for i in case.infusions] + [d for d, _ in flares]
    if not days:
        return '<p class="muted">No activity measures, CRP, ESR, diary days or treatment recorded yet.</p>'
    first, last = period or (min(days), max(days + [m.stop for m in case.medicines if m.stop]))
    span = max((last - first).days, 1)
    plot_w = WIDTH - LEFT - RIGHT

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - first).days / span

    courses = [m for m in case.medicines if m.start]
    school_row = ROW / 2 + GAP if case.diary else 0.0
    height = TOP + len(rows) * (ROW + GAP) + school_row + 22 * max(1, len(courses)) + 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="activity-chart" viewBox="0 0 {WIDTH:g} '
             f'{height:g}" aria-labelledby="activity-chart-title"><title id="activity-chart-title">{escape(title)}'
             '</title>']
    y0 = TOP
    for s in rows:
        parts.append(f'<text x="6" y="{y0 + ROW / 2:.1f}" font-size="11">{escape(s.title)}</text>')
        parts.append(f'<line x1="{LEFT}" y1="{y0 + ROW:.1f}" x2="{WIDTH - RIGHT}" y2="{y0 + ROW:.1f}" '
                     'stroke="#999"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y0 + ROW:.1f}" font-size="9" text-anchor="end">0</text>')
        parts.append(f'<text x="{LEFT - 4}" y="{y0 + 8:.1f}" font-size="9" text-anchor="end">{s.top:.0f}</text>')
        if s.band:
            lo, hi = (y0 + ROW - ROW * min(b, s.top) / s.top for b in s.band)
            parts.append(f'<rect x="{LEFT}" y="{hi:.1f}" width="{plot_w:.1f}" height="{max(lo - hi, 1):.1f}" '
                         'fill="#e3f1e3"><title>laboratory normal range</title></rect>')
        def y_of(v: float, top: float = s.top, base: float = y0) -> float:
            return base + ROW - ROW * min(v, top) / top

        daily = s.key.startswith("diary_")
        lines = _runs(s.points) if daily else [list(s.points)]
        for run in lines:
            if len(run) > 1:
                path = " ".join(f"{x(d):.1f},{y_of(v):.1f}" for d, v in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[s.key]}" stroke-width="1.6"/>')
        # Every clinical value gets a marker; a long diary only its isolated days (a line needs two).
        marked = s.points if not daily or len(s.points) <= MARKERS_UP_TO else \
            tuple(run[0] for run in lines if len(run) == 1)
        for d, v in marked:
            parts.append(f'<circle cx="{x(d):.1f}" cy="{y_of(v):.1f}" r="{2 if daily else 3}" fill="{COLOURS[s.key]}">'
                         f'<title>{escape(s.title)} {v:.{s.decimals}f} on {d.isoformat()}</title></circle>')
        y0 += ROW + GAP
    if case.diary:
        parts.append(f'<text x="6" y="{y0 + ROW / 4 + 4:.1f}" font-size="11">Diary school missed</text>')
        for day, how in missed:
            tall = ROW / 2 if how == "whole" else ROW / 4
            parts.append(f'<rect x="{x(day) - 2:.1f}" y="{y0 + ROW / 2 - tall:.1f}" width="4" height="{tall:.1f}" '
                         f'fill="#555"><title>school {"missed" if how == "whole" else "partly missed"} on '
                         f'{day.isoformat()}</title></rect>')
        y0 += school_row
    for n, m in enumerate(courses):
        assert m.start is not None
        y = y0 + 22 * n
        end = x(m.stop or last)
        parts.append(f'<rect x="{x(m.start):.1f}" y="{y:.1f}" width="{max(end - x(m.start), 2):.1f}" height="14" '
                     f'fill="#cfd8e8"><title>{escape(m.drug)} from {m.start.isoformat()}'
                     f'{" to " + m.stop.isoformat() if m.stop else ""}</title></rect>')
        parts.append(f'<text x="6" y="{y + 11:.1f}" font-size="11">{escape(m.drug)} '
                     f'({escape(label("drug_classes", m.drug_class))})</text>')
    y_ticks = y0 + 22 * max(1, len(courses)) + 6
    for i in case.infusions:
        parts.append(f'<line x1="{x(i.date):.1f}" y1="{y_ticks:.1f}" x2="{x(i.date):.1f}" y2="{y_ticks + 12:.1f}" '
                     f'stroke="#333" stroke-width="2"><title>infusion {escape(i.drug)} {i.date.isoformat()}'
                     '</title></line>')
    for d, what in flares:
        parts.append(f'<path d="M{x(d):.1f},{y_ticks + 16:.1f} l5,9 h-10 z" fill="#c0392b"><title>flare '
                     f'{d.isoformat()}: {escape(what)}</title></path>')
    parts.append(f'<text x="{LEFT}" y="{height - 6:.1f}" font-size="10">{first.isoformat()}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{height - 6:.1f}" font-size="10" text-anchor="end">'
                 f'{last.isoformat()}</text>')
    parts.append("</svg>")
    return "".join(parts) + _table(measures, case, flares) + _diary_table(case.diary)


def _diary_table(days: tuple[DiaryDay, ...]) -> str:
    """The diary band's values, one row a day (blank where a question was not answered)."""
    if not days:
        return ""
    school = {"whole": "missed", "part": "partly missed", "none": "not missed"}
    lines = [f'{HIDDEN_OPEN}<caption>The family\'s diary, day by day</caption><thead><tr>'
             '<th scope="col">Date</th><th scope="col">Pain (0–10)</th><th scope="col">Painful sites</th>'
             '<th scope="col">Medicines taken</th><th scope="col">School</th></tr></thead><tbody>']
    for d in sorted(days, key=lambda d: d.day):
        taken = d.adherence
        cells = ("" if d.pain_0_10 is None else f"{d.pain_0_10:g}",
                 "" if d.painful_site_count is None else str(d.painful_site_count),
                 "" if taken is None else f"{taken[0]} of {taken[1]}",
                 "" if d.school_missed is None else school[d.school_missed])
        lines.append(f"<tr><td>{d.day.isoformat()}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append(HIDDEN_CLOSE)
    return "".join(lines)


def _table(rows: list[Series], case: Case, flares: tuple[tuple[dt.date, str], ...]) -> str:
    if not (any(s.points for s in rows) or case.medicines or case.infusions or flares):
        return ""
    lines = [f'{HIDDEN_OPEN}<caption>Values of the chart</caption><thead><tr>'
             '<th scope="col">Date</th><th scope="col">Measure</th><th scope="col">Value</th></tr></thead><tbody>']
    entries = [(d, s.title, f"{v:.{s.decimals}f}") for s in rows for d, v in s.points]
    entries += [(m.start, "Medicine started", m.drug) for m in case.medicines if m.start]
    entries += [(i.date, "Infusion", i.drug) for i in case.infusions]
    entries += [(d, "Flare", what) for d, what in flares]
    for d, what, value in sorted(entries):
        lines.append(f"<tr><td>{d.isoformat()}</td><td>{escape(what)}</td><td>{escape(value)}</td></tr>")
    lines.append(HIDDEN_CLOSE)
    return "".join(lines)
