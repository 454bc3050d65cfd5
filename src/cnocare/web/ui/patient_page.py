"""The patient page: summary header, red flags, skeleton map, trends, timeline and assessment panel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from cnocare.records.assessments.service import snapshot_as_of
from cnocare.records.casebuilder import build_case
from cnocare.records.chart import PatientChart, load_chart
from cnocare.reports.charts import crp_series, esr_series, pain_series, render_trend
from cnocare.reports.skeleton import render_skeleton
from cnocare.web.context import Db
from cnocare.web.kinds import available_kinds
from cnocare.web.services import visible_patient
from cnocare.web.timeline import timeline, voided_records
from cnocare.web.ui.deps import User
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


def age_text(chart: PatientChart, today: dt.date) -> str | None:
    dob = chart.patient.date_of_birth
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


def assessment_for(db: Any, patient_id: str, as_of: dt.date | None, chart: PatientChart,
                   snapshot: Any) -> dict[str, Any] | None:
    """Current: the snapshot every write refreshed. As of a date: the snapshot stored by then."""
    if as_of is None:
        return chart.latest_snapshot.assessment if chart.latest_snapshot else None
    return snapshot.assessment if snapshot is not None else None


def pain_points(case: Any, chart: PatientChart, as_of: dt.date | None) -> list[tuple[dt.date, float]]:
    """Bone-pain severities of the Case plus the pain score recorded at each visit."""
    visits = [(v.date, v.pain_0_10) for v in chart["visits"]
              if v.pain_0_10 is not None and (as_of is None or v.date <= as_of)]
    return sorted([*pain_series(case), *visits])


def charts(case: Any, chart: PatientChart, as_of: dt.date | None) -> list[Markup]:
    out = []
    for title, unit, series, prefix in (("C-reactive protein (CRP)", "mg/L", crp_series(case), "crp"),
                                        ("Erythrocyte sedimentation rate (ESR)", "mm/h", esr_series(case), "esr"),
                                        ("Pain (0–10)", "0–10", pain_points(case, chart, as_of), "pain")):
        out.append(Markup(render_trend(series, title=title, unit=unit, id_prefix=f"trend-{prefix}")))
    return out


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: str, user: User, db: Db, as_of: str | None = None) -> HTMLResponse:
    visible_patient(db, user, patient_id, "record:read")
    chart = load_chart(db_session=db, patient_id=patient_id)
    day = _parse_day(as_of)
    case = build_case(db_session=db, patient_id=patient_id, as_of=day)
    snapshot = stored_as_of(db, patient_id, day)
    assessment = assessment_for(db, patient_id, day, chart, snapshot)
    dates = sorted({d for d in (case.reference_date,) if d} | {s.date for s in case.imaging}, reverse=True)
    return page(request, "patients/page.html", {
        "chart": chart, "patient": chart.patient, "centre": chart.centre, "as_of": day,
        "as_of_text": as_of or "", "imaging_dates": dates, "age": age_text(chart, day or dt.date.today()),
        "assessment": assessment, "as_of_snapshot": snapshot, "timeline": timeline(
            chart, available_kinds(), voided=voided_records(db, patient_id, available_kinds()), as_of=day),
        "skeleton_front": Markup(render_skeleton(case, view="front", as_of=day, id_prefix="sk")),
        "skeleton_back": Markup(render_skeleton(case, view="back", as_of=day, id_prefix="sk")),
        "charts": charts(case, chart, day), "quick_add": QUICK_ADD})


@router.get("/patients/{patient_id}/assessment", response_class=HTMLResponse)
def assessment_fragment(request: Request, patient_id: str, user: User, db: Db,
                        as_of: str | None = None) -> HTMLResponse:
    """The assessment panel alone, for a script that refreshes it after a save."""
    visible_patient(db, user, patient_id, "assessment:read")
    chart = load_chart(db_session=db, patient_id=patient_id)
    day = _parse_day(as_of)
    snapshot = stored_as_of(db, patient_id, day)
    return page(request, "partials/assessment.html", {
        "assessment": assessment_for(db, patient_id, day, chart, snapshot), "as_of": day,
        "as_of_snapshot": snapshot})
