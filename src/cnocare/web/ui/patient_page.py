"""The patient page: summary header, red flags, skeleton map, trends, timeline and assessment panel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from cnocare.records.assessments.service import latest_snapshot, snapshot_as_of
from cnocare.records.casebuilder import build_case
from cnocare.records.centres.service import get_centre
from cnocare.records.chart import PatientChart, load_chart
from cnocare.records.patients.schemas import PatientRead
from cnocare.reports.activity_chart import render_activity_chart
from cnocare.reports.charts import crp_series, esr_series, pain_series, render_trend
from cnocare.reports.skeleton import render_skeleton
from cnocare.web.auth import caller, csrf_token
from cnocare.web.context import Db
from cnocare.web.kinds import available_kinds
from cnocare.web.page_cache import PageParts, TimelineRow, data_version, page_cache_of, with_data_version
from cnocare.web.services import principal, visible_patient, visible_patient_with
from cnocare.web.timeline import TimelineDay, TimelineEntry, timeline, voided_records
from cnocare.web.ui.alerts import patient_alerts
from cnocare.web.ui.deps import User
from cnocare.web.ui.flash import read_flash
from cnocare.web.ui.navigation import counted_with, nav_counts, remember
from cnocare.web.ui.render import page

router = APIRouter(include_in_schema=False)

# Quick entries: the tests and forms the clinic uses most, then a form for every record kind.
SHORTCUTS = (("CRP", "labs/new?test=crp"), ("ESR", "labs/new?test=esr"), ("Blood count", "labs/blood-count"),
             ("Lesion", "lesions/new"))
QUICK_ADD = (*SHORTCUTS, *((kind.label, f"{kind.slug}/new") for kind in available_kinds().values()))


def _parse_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def age_text(patient: PatientRead, today: dt.date) -> str | None:
    dob = patient.date_of_birth
    if dob is not None and today < dob:  # an "as of" date before birth
        return "not yet born on this date"
    return age_on(dob, today)


def age_on(dob: dt.date | None, today: dt.date) -> str | None:
    """Age as the clinic says it: months under two, years after; nothing before birth or without a date."""
    if dob is None or today < dob:
        return None
    years = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    if years < 2:
        months = (today.year - dob.year) * 12 + today.month - dob.month - (today.day < dob.day)
        return f"{months} months"
    return f"{years} years"


def stored_as_of(db: Any, patient_id: str, as_of: dt.date | None) -> Any:
    """``?as_of=DAY`` means one thing, on this page and in the API: the assessment as stored at the end of
    that day (UTC), i.e. the record as it stood then, judged by the instrument versions of then. None
    when nothing had been stored by then; never re-assessed with today's instruments."""
    if as_of is None:
        return None
    return snapshot_as_of(db_session=db, patient_id=patient_id, when=dt.datetime.combine(as_of, dt.time.max))


def assessment_for(chart: PatientChart, as_of: dt.date | None, snapshot: Any) -> dict[str, Any] | None:
    """Current: the snapshot every write refreshed. As of a date: the snapshot stored by then."""
    if as_of is None:
        return chart.latest_snapshot.assessment if chart.latest_snapshot else None
    return snapshot.assessment if snapshot is not None else None


def pain_points(case: Any, chart: PatientChart, as_of: dt.date | None) -> list[tuple[dt.date, float]]:
    """Bone-pain severities of the Case plus the pain score recorded at each visit."""
    visits = [(v.date, v.pain_0_10) for v in chart["visits"]
              if v.pain_0_10 is not None and (as_of is None or v.date <= as_of)]
    return sorted([*pain_series(case), *visits])


ACTIVITY_TITLE = "Activity, inflammation, the family's diary and treatment"


def charts(case: Any, chart: PatientChart, as_of: dt.date | None) -> list[Markup]:
    """First the one chart on a shared time axis (clinical measures, the diary band, treatment, confirmed
    flares), then a trend chart per measure with its own axis."""
    confirmed = tuple((e.start, "confirmed flare") for e in case.episodes if e.kind == "flare")
    out = [Markup(render_activity_chart(case, flares=confirmed, title=ACTIVITY_TITLE))]
    for title, unit, series, prefix in (("C-reactive protein (CRP)", "mg/L", crp_series(case), "crp"),
                                        ("Erythrocyte sedimentation rate (ESR)", "mm/h", esr_series(case), "esr"),
                                        ("Pain (0–10)", "0–10", pain_points(case, chart, as_of), "pain")):
        out.append(Markup(render_trend(series, title=title, unit=unit, id_prefix=f"trend-{prefix}")))
    return out


def page_parts(db: Any, patient_id: str, as_of: dt.date | None, snapshot: Any = None) -> PageParts:
    """Everything a write can change on the page, drawn from the records: the skeleton maps, the trend
    charts and the timeline (voided entries struck through) from the records cut to ``as_of``, the
    assessment from the stored snapshot (``as_of``: the one stored by the end of that day)."""
    chart = load_chart(db_session=db, patient_id=patient_id)
    case = build_case(db_session=db, patient_id=patient_id, as_of=as_of)
    kinds = available_kinds()
    days = timeline(chart, kinds, voided=voided_records(db, patient_id, kinds), as_of=as_of)
    return PageParts(
        assessment=assessment_for(chart, as_of, snapshot),
        skeleton_front=render_skeleton(case, view="front", as_of=as_of, id_prefix="sk"),
        skeleton_back=render_skeleton(case, view="back", as_of=as_of, id_prefix="sk"),
        charts=tuple(str(svg) for svg in charts(case, chart, as_of)),
        timeline=tuple((day.date, tuple(TimelineRow(e.kind.slug, e.record_id, e.version, e.summary, e.detail,
                                                    e.voided) for e in day.entries)) for day in days),
        imaging_dates=tuple(sorted({d for d in (case.reference_date,) if d} | {s.date for s in case.imaging},
                                   reverse=True)))


def _timeline_days(parts: PageParts) -> list[TimelineDay]:
    kinds = available_kinds()
    return [TimelineDay(day, tuple(TimelineEntry(kinds[row.slug], row.record_id, row.version, row.summary,
                                                 row.detail, row.voided) for row in rows if row.slug in kinds))
            for day, rows in parts.timeline]


def page_context(patient: PatientRead, centre: Any, parts: PageParts, day: dt.date | None,
                 as_of: str | None, snapshot: Any = None, open_alerts: Sequence[Any] = ()) -> dict[str, Any]:
    return {"patient": patient, "centre": centre, "as_of": day, "as_of_text": as_of or "", "open_alerts": open_alerts,
            "as_of_snapshot": snapshot,
            "imaging_dates": parts.imaging_dates, "age": age_text(patient, day or dt.date.today()),
            "assessment": parts.assessment, "timeline": _timeline_days(parts),
            "skeleton_front": Markup(parts.skeleton_front), "skeleton_back": Markup(parts.skeleton_back),
            "charts": [Markup(svg) for svg in parts.charts], "quick_add": QUICK_ADD}


# Stands for this response's CSRF token in a cached page (the token differs per session).
CSRF_PLACEHOLDER = "csrf-token-of-this-response-9d41c7"
PAGE = "patients/page.html"


def render_cached_page(request: Request, context: dict[str, Any]) -> str:
    """The whole page as ``render.page`` would render it for this viewer, without a flash and with the CSRF
    token left as a placeholder: what a plain view of this patient shows this viewer today."""
    template = request.app.state.web.templates.get_template(PAGE)
    html: str = template.render({**context, "request": request, "principal": caller(request),
                                 "csrf_token": CSRF_PLACEHOLDER, "flash": None})
    return html


def plain_view(request: Request, db: Any, patient: PatientRead, row: Any) -> HTMLResponse:
    """The page as the last write left it: parts drawn once per data version (shared by all viewers), the
    page rendered once per version and viewer, this request's CSRF token filled in. ``row``: the patient's
    row read ``with_data_version``."""
    version, centre = data_version(row, patient.row_version)
    caches = page_cache_of(request.app.state)

    def context(alerts: Any) -> dict[str, Any]:
        # The parts, built on a miss only and then at most once per data version: a plain view never
        # re-assesses. Unpacked only when the page is rendered (a rendered page found needs none of them).
        parts = caches.parts.get_or_build(patient.id, version, lambda: page_parts(db, patient.id, None))
        return page_context(patient, centre, parts, None, None, open_alerts=alerts)

    alerts = patient_alerts(request, db, patient)
    if read_flash(request) is not None:  # right after a write: the message belongs to this response only
        return page(request, PAGE, context(alerts))
    # The families' alerts and the viewer's notices change without a record write: the navigation's counts
    # and the patient's open alerts are part of what this viewer sees.
    viewer = (version, centre, dt.date.today(), caller(request), nav_counts(request, caller(request)),
              tuple(a.id for a in alerts))
    html = caches.content.get_or_build(patient.id, viewer, lambda: render_cached_page(request, context(alerts)))
    response = HTMLResponse(html.replace(CSRF_PLACEHOLDER, csrf_token(request)))
    response.headers["Cache-Control"] = "no-store"  # as render.page: patient data is never kept by browsers
    return response


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: str, user: User, db: Db, as_of: str | None = None) -> HTMLResponse:
    day = _parse_day(as_of)
    if day is None:
        # The patient, its data version and the navigation's counts in one statement.
        counts, params = counted_with(principal(user))
        patient, row = visible_patient_with(db, user, patient_id, "record:read",
                                            extend=(with_data_version, counts), params=params)
        remember(request, row)
        return plain_view(request, db, patient, row)
    patient = visible_patient(db, user, patient_id, "record:read")
    # "As of" views are rare and each date differs: drawn every time, never cached.
    snapshot = stored_as_of(db, patient.id, day)
    context = page_context(patient, get_centre(db_session=db, centre_id=patient.centre_id),
                           page_parts(db, patient.id, day, snapshot), day, as_of, snapshot,
                           open_alerts=patient_alerts(request, db, patient))
    return page(request, PAGE, context)


@router.get("/patients/{patient_id}/assessment", response_class=HTMLResponse)
def assessment_fragment(request: Request, patient_id: str, user: User, db: Db,
                        as_of: str | None = None) -> HTMLResponse:
    """The assessment panel alone, for a script that refreshes it after a save."""
    patient = visible_patient(db, user, patient_id, "assessment:read")
    day = _parse_day(as_of)
    # The snapshot the last write stored, or the one stored by the end of that day; nothing is rebuilt.
    snapshot = latest_snapshot(db_session=db, patient_id=patient.id) if day is None else \
        stored_as_of(db, patient.id, day)
    return page(request, "partials/assessment.html", {
        "assessment": snapshot.assessment if snapshot else None, "as_of": day,
        "as_of_snapshot": snapshot if day is not None else None})
