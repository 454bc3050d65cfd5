"""The family's "my data": their child's diary over a chosen period as a CSV file, as FHIR R4, and as a
printable summary for a doctor. Only the family's own entries and the medicines the diary asked about;
never the care team's notes. Every download and summary is an audited export.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from cnocare.clinical.activity import diary_period
from cnocare.clinical.case import Case, Patient
from cnocare.clinical.diary_snapshot import DiaryDay
from cnocare.knowledge.catalogue import bone_sites
from cnocare.records import versioned
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import get_patient
from cnocare.reports.activity_chart import render_diary_chart
from cnocare.reports.diary_export import SCHOOL, DiaryExport, diary_csv, file_stem, one_per_day
from cnocare.reports.diary_fhir import diary_bundle
from cnocare.web.auth import WebUser
from cnocare.web.context import STATIC_DIR, Db
from cnocare.web.services import principal
from cnocare.web.sessions import client_origin
from cnocare.web.ui.deps import User
from cnocare.web.ui.family import Child, family_child
from cnocare.web.ui.render import page

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 28  # the form's starting period: the last four weeks (the family can choose any other)
FIELD_LABELS = {"start": "From", "end": "To"}


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date


def _family_today() -> dt.date:
    """The latest "today" anywhere: families ahead of UTC (up to UTC+14) may already be on tomorrow."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=14)).date()


def parse_period(start: str, end: str, today: dt.date) -> tuple[Period | None, dict[str, str]]:
    """The chosen period, or a message per field naming the value and what is accepted. Empty: the last
    four weeks up to today."""
    errors: dict[str, str] = {}
    days: dict[str, dt.date] = {}
    for name, text in (("start", start.strip()), ("end", end.strip())):
        if not text:
            continue
        try:
            days[name] = dt.date.fromisoformat(text)
        except ValueError:
            errors[name] = (f"{FIELD_LABELS[name]}: {text[:40]!r} is not a date; accepted: a day written "
                            "year-month-day, e.g. 2026-11-01")
    for name, day in days.items():
        if day > today:
            errors[name] = (f"{FIELD_LABELS[name]}: {day.isoformat()} is in the future; accepted: today or an "
                            "earlier day")
    if errors:
        return None, errors
    last = days.get("end", min(today, dt.date.today()))
    first = days.get("start", last - dt.timedelta(days=DEFAULT_DAYS - 1))
    if last < first:
        return None, {"end": f"To: {last.isoformat()} is before From ({first.isoformat()}); accepted: the same "
                             "day as From or a later one"}
    return Period(first, last), {}


def load_export(db: Session, child: Child, period: Period) -> DiaryExport:
    """The child's current diary entries in the period (one a day) and the medicine courses by id."""
    patient = get_patient(db_session=db, patient_id=child.id)
    entries = versioned.list_for_patient(KINDS["diary"].concept, db_session=db, patient_id=child.id)
    courses = versioned.list_for_patient(KINDS["medicines"].concept, db_session=db, patient_id=child.id)
    courses.sort(key=lambda c: c.start or dt.date.min)
    return DiaryExport(child_id=child.id, child_name=child.name, date_of_birth=patient.date_of_birth,
                       first=period.first, last=period.last, entries=one_per_day(entries, period.first, period.last),
                       medicines={c.record_id: c.drug for c in courses}, exported_at=utcnow())


def _audit_export(request: Request, db: Session, user: WebUser, export: DiaryExport, what: str) -> None:
    ip, agent = client_origin(request)
    record_event(db_session=db, action="export", principal=principal(user), record_type="diary",
                 patient_id=export.child_id, ip=ip, user_agent=agent,
                 detail=f"{what}, {export.first.isoformat()} to {export.last.isoformat()}, "
                        f"{len(export.entries)} diary day(s)")
    db.commit()


def _form(request: Request, child: Child, start: str, end: str, period: Period | None,
          errors: dict[str, str]) -> HTMLResponse:
    values = {"start": start or (period.first.isoformat() if period else ""),
              "end": end or (period.last.isoformat() if period else "")}
    query = f"?start={period.first.isoformat()}&end={period.last.isoformat()}" if period else ""
    return page(request, "family/my_data.html", {"child": child, "section": "my-data", "values": values,
                                                 "errors": errors, "query": query, "period": period},
                status_code=422 if errors else 200)


def _checked(request: Request, db: Session, user: WebUser, patient_id: str, start: str,
             end: str) -> tuple[Child, Period | None, HTMLResponse | None]:
    child = family_child(db, user, patient_id, part="diary")
    period, errors = parse_period(start, end, _family_today())
    return child, period, (_form(request, child, start, end, period, errors) if errors else None)


@router.get("/family/{patient_id}/my-data", response_class=HTMLResponse)
def my_data(request: Request, user: User, db: Db, patient_id: str, start: str = "", end: str = "") -> Response:
    child, period, refused = _checked(request, db, user, patient_id, start, end)
    return refused or _form(request, child, start, end, period, {})


@router.get("/family/{patient_id}/my-data/diary.csv")
def diary_csv_file(request: Request, user: User, db: Db, patient_id: str, start: str = "",
                   end: str = "") -> Response:
    child, period, refused = _checked(request, db, user, patient_id, start, end)
    if refused or period is None:
        return refused or Response(status_code=422)
    export = load_export(db, child, period)
    _audit_export(request, db, user, export, "diary as CSV")
    return Response(diary_csv(export), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{file_stem(export)}.csv"', "Cache-Control": "no-store"})


@router.get("/family/{patient_id}/my-data/diary.fhir.json")
def diary_fhir_file(request: Request, user: User, db: Db, patient_id: str, start: str = "",
                    end: str = "") -> Response:
    child, period, refused = _checked(request, db, user, patient_id, start, end)
    if refused or period is None:
        return refused or Response(status_code=422)
    export = load_export(db, child, period)
    _audit_export(request, db, user, export, "diary as FHIR R4 Bundle")
    return Response(json.dumps(diary_bundle(export), indent=1, ensure_ascii=False),
                    media_type="application/fhir+json", headers={
                        "Content-Disposition": f'attachment; filename="{file_stem(export)}.fhir.json"',
                        "Cache-Control": "no-store"})


def summary_context(export: DiaryExport, sex: Any) -> dict[str, Any]:
    """What the doctor's summary shows, from the same entries as the downloads."""
    kind = KINDS["diary"]
    days = tuple(cast(DiaryDay, kind.to_case({f: getattr(e, f) for f in kind.create.model_fields}, e.record_id))
                 for e in export.entries)
    case = Case(case_id=export.child_id, patient=Patient(sex=sex, date_of_birth=export.date_of_birth), diary=days)
    sites = Counter(s for d in days for s in set(d.painful_sites or ()))
    medicines = []
    for course in export.medicine_ids():
        answers = [e.medicines_taken[course] for e in export.entries if course in (e.medicines_taken or {})]
        medicines.append((export.medicine_name(course), sum(answers), len(answers)))
    return {
        "export": export, "measures": diary_period(case, export.first, export.last),
        "chart": Markup(render_diary_chart(case, export.first, export.last,
                                           title=f"{export.child_name}'s diary, {export.first} to {export.last}")),
        "sites": [(bone_sites()[s].label, n) for s, n in sites.most_common()],
        "school": [(e.day, SCHOOL[e.school]) for e in export.entries if e.school in ("part_missed", "whole_missed")],
        "medicines": medicines,
        "fever": [(e.day, e.temperature_c, e.fever) for e in export.entries
                  if e.fever or e.temperature_c is not None],
        "side_effects": [(e.day, e.side_effects) for e in export.entries if e.side_effects],
        "notes": [(e.day, e.note) for e in export.entries if e.note],
    }


def _summary(request: Request, db: Session, user: WebUser, patient_id: str, start: str, end: str,
             what: str) -> tuple[Child | None, dict[str, Any] | None, HTMLResponse | None]:
    child, period, refused = _checked(request, db, user, patient_id, start, end)
    if refused is not None or period is None:
        return None, None, refused
    export = load_export(db, child, period)
    sex = get_patient(db_session=db, patient_id=child.id).sex
    _audit_export(request, db, user, export, what)
    return child, summary_context(export, sex), None


@router.get("/family/{patient_id}/my-data/summary", response_class=HTMLResponse)
def doctor_summary(request: Request, user: User, db: Db, patient_id: str, start: str = "",
                   end: str = "") -> Response:
    child, context, refused = _summary(request, db, user, patient_id, start, end, "diary summary for a doctor")
    if refused is not None or context is None:
        return refused or Response(status_code=422)
    return page(request, "family/summary.html", {"child": child, "section": "my-data", **context})


PDF_STYLES = ("app.css", "family.css", "family-summary.css")


@router.get("/family/{patient_id}/my-data/summary.pdf")
def doctor_summary_pdf(request: Request, user: User, db: Db, patient_id: str, start: str = "",
                       end: str = "") -> Response:
    """The same summary as a PDF (WeasyPrint, print media, the app's own stylesheets read from disk)."""
    _, context, refused = _summary(request, db, user, patient_id, start, end, "diary summary for a doctor as PDF")
    if refused is not None or context is None:
        return refused or Response(status_code=422)
    from weasyprint import CSS, HTML  # heavy import (pango): only when a PDF is asked for

    html = request.app.state.web.templates.get_template("family/summary_pdf.html").render({**context, "pdf": True})
    pdf = HTML(string=html, base_url=None).write_pdf(
        stylesheets=[CSS(filename=str(STATIC_DIR / name)) for name in PDF_STYLES])
    export: DiaryExport = context["export"]
    return Response(bytes(pdf), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{file_stem(export)}-summary.pdf"', "Cache-Control": "no-store"})
