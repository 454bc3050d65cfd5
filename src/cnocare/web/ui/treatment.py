"""Treatment and follow-up for one patient: step-up options with their checks, doses from the site
formulary, activity (visit measures, CHAQ), flare signals to confirm or dismiss, the follow-up schedule,
the chart and the letters; and the clinic-wide worklist.

Everything clinical comes from the core over the patient's Case; these handlers only read, render and
write through ``records.writes``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from cnocare.clinical import flares, followup, stepup
from cnocare.clinical.activity import chaq, diary_period, visit_measures
from cnocare.clinical.assess import assess_case
from cnocare.clinical.case import Case
from cnocare.clinical.dosing import DoseLine, calculate
from cnocare.clinical.imaging_scores import pedcno_response, rai_cromris
from cnocare.knowledge.activity import chaq_definition
from cnocare.records import writes
from cnocare.records.casebuilder import build_case
from cnocare.records.chart import load_chart
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.models import PatientRecord
from cnocare.records.reminders.service import clinic_summary
from cnocare.reports.activity_chart import render_activity_chart
from cnocare.reports.letters import LetterData, Letterhead, PatientIdentity, render_pdf
from cnocare.security import policy
from cnocare.web.context import Db, web_context
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


def _today() -> dt.date:
    return dt.date.today()


def _case(db: Any, patient_id: str) -> Case:
    return build_case(db_session=db, patient_id=patient_id, assessed_on=_today())


def _reviewed(db: Any, patient_id: str) -> set[tuple[str, dt.date]]:
    rows = load_chart(db_session=db, patient_id=patient_id)["flare-reviews"]
    return {(r.signal_kind, r.signal_date) for r in rows}


def _open_signals(db: Any, patient_id: str, report: flares.FlareReport) -> list[flares.FlareSignal]:
    done = _reviewed(db, patient_id)
    return [s for s in report.signals if (s.kind, s.date) not in done]


def _doses(request: Request, case: Case, drug: str) -> list[DoseLine]:
    formulary = web_context(request).formulary
    if formulary is None or not drug:
        return []
    return [calculate(line, formulary, case, _today()) for line in formulary.lines_for(drug)]


@router.get("/patients/{patient_id}/treatment", response_class=HTMLResponse)
def treatment_page(request: Request, patient_id: str, user: User, db: Db, drug: str = "") -> HTMLResponse:
    # A page for the care team (step-up options, doses, staff flags); families get their own pages.
    patient = visible_patient(db, user, patient_id, "record:write")
    case = _case(db, patient_id)
    today = _today()
    visits = sorted(case.activity, key=lambda v: v.date)
    questionnaires = sorted(case.chaq, key=lambda c: c.date)
    confirmed = tuple((e.start, "confirmed flare") for e in case.episodes if e.kind == "flare")
    report = flares.detect(case, diary_rule=web_context(request).diary_flare_rule)
    formulary = web_context(request).formulary
    return page(request, "patients/treatment.html", {
        "patient": patient, "today": today, "step_up": stepup.assess(case, on=today),
        "visit": visit_measures(visits[-1], case) if visits else None,
        "chaq": chaq(questionnaires[-1]) if questionnaires else None,
        "schedule": followup.schedule(case, today), "signals": _open_signals(db, patient_id, report),
        "flare_notes": report.notes, "formulary": formulary, "drug": drug,
        "doses": _doses(request, case, drug),
        "chart": Markup(render_activity_chart(case, flares=confirmed)), "growth": growth(case),
        "rai": _rai(request, case), "pedcno": _pedcno(request, case, visits, questionnaires),
        "diary": _diary_since_last_visit(case, visits, today),
    })


def _diary_since_last_visit(case: Case, visits: list[Any], today: dt.date) -> Any:
    """What the family's diary says since the day after the last visit (the whole diary before any visit),
    shown beside the flare signals: a summary, not a signal (docs/decisions/006)."""
    if not case.diary:
        return None
    first = visits[-1].date + dt.timedelta(days=1) if visits else min(d.day for d in case.diary)
    last = max(today, *(d.day for d in case.diary))
    return diary_period(case, first, last) if first <= last else None


def _rai(request: Request, case: Case) -> Any:
    """RAI-CROMRIS of the latest whole-body MRI (parameters shown; summed only with the site grading)."""
    studies = sorted((s for s in case.imaging if s.covers_whole_body and s.lesions), key=lambda s: s.date)
    return rai_cromris(studies[-1], web_context(request).rai_grading) if studies else None


def _pedcno(request: Request, case: Case, visits: list[Any], questionnaires: list[Any]) -> Any:
    """PedCNO from the first to the latest visit, only with the site's (unverified) definition."""
    definition = web_context(request).pedcno
    if definition is None or len(visits) < 2:
        return pedcno_response({}, {}, definition) if definition is None else None

    def values(visit: Any) -> dict[str, float | None]:
        esr = [r for r in case.labs if r.test == "esr" and r.date <= visit.date and r.canonical_value is not None]
        done = [q for q in questionnaires if q.date <= visit.date]
        index = chaq(done[-1]).score if done else None
        measures = {i.id: i.value for i in visit_measures(visit, case).items}
        return {"esr": max(esr, key=lambda r: r.date).canonical_value if esr else None,
                "radiological_lesion_count": measures.get("radiological_lesion_count"),
                "physician_global": visit.physician_global_0_10, "patient_global": visit.patient_global_0_10,
                "chaq": float(index) if index is not None else None}

    return pedcno_response(values(visits[0]), values(visits[-1]), definition)


def growth(case: Case) -> dict[str, Any]:
    """Latest weight and height with their dates, and the BMI derived from them (kg/m², no cut-offs)."""
    latest = {kind: max((m for m in case.measurements if m.kind == kind), key=lambda m: m.date, default=None)
              for kind in ("weight_kg", "height_cm", "limb_length_difference_cm")}
    weight, height = latest["weight_kg"], latest["height_cm"]
    bmi = round(weight.value / (height.value / 100) ** 2, 1) if weight and height else None
    return {"weight": weight, "height": height, "limb": latest["limb_length_difference_cm"], "bmi": bmi}


@router.post("/patients/{patient_id}/flares", response_class=HTMLResponse)
def review_flare(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    """Confirm (files a flare episode) or dismiss a suggested flare; either way the decision is kept."""
    visible_patient(db, user, patient_id, "record:write")
    actor = principal(user).actor
    decision = form_text(form, "decision")
    data = {"signal_kind": form_text(form, "signal_kind"), "signal_date": form_text(form, "signal_date"),
            "decision": decision, "evidence": form_text(form, "evidence"), "note": form_text(form, "note") or None}
    try:
        writes.add(KINDS["flare-reviews"], db_session=db, patient_id=patient_id, data=data, actor=actor)
        if decision == "confirmed":
            writes.add(KINDS["episodes"], db_session=db, patient_id=patient_id, actor=actor,
                       data={"kind": "flare", "start": data["signal_date"], "note": data["evidence"]})
    except RecordValidationError as exc:
        db.rollback()
        raise HTTPException(422, "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)) from None
    db.commit()
    word = "confirmed and filed as a flare episode" if decision == "confirmed" else "dismissed"
    return redirect(request, f"/patients/{patient_id}/treatment", f"Flare signal {word}.")


@router.get("/patients/{patient_id}/chaq", response_class=HTMLResponse)
def chaq_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "record:write")
    return page(request, "patients/chaq.html", {"patient": patient, "definition": chaq_definition(),
                                                 "values": {"date": _today().isoformat()}, "errors": {}})


@router.post("/patients/{patient_id}/chaq", response_class=HTMLResponse)
def save_chaq(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "record:write")
    definition = chaq_definition()
    values = {k: form_text(form, k) for k in (*definition.item_ids(), "date", "pain_vas_0_100",
                                                "wellbeing_vas_0_100")}
    aids = [str(v) for v in form.getlist("aids_or_help")]
    data: dict[str, Any] = {
        "date": values["date"], "answers": {i: values[i] for i in definition.item_ids() if values[i]},
        "aids_or_help": aids,
        "pain_vas_0_100": values["pain_vas_0_100"] or None,
        "wellbeing_vas_0_100": values["wellbeing_vas_0_100"] or None}
    try:
        writes.add(KINDS["chaq"], db_session=db, patient_id=patient_id, data=data, actor=principal(user).actor)
    except RecordValidationError as exc:
        db.rollback()
        errors = {e["field"].split(".")[0]: e["message"] for e in exc.errors}
        return page(request, "patients/chaq.html", {"patient": patient, "definition": definition,
                                                     "values": {**values, "aids": aids}, "errors": errors},
                    status_code=422)
    db.commit()
    return redirect(request, f"/patients/{patient_id}/treatment", "CHAQ saved.")


@router.get("/patients/{patient_id}/letters/clinic.pdf")
def clinic_letter(request: Request, patient_id: str, user: User, db: Db) -> Response:
    return _letter(request, patient_id, "clinic", user, db)


@router.get("/patients/{patient_id}/letters/school.pdf")
def school_letter(request: Request, patient_id: str, user: User, db: Db) -> Response:
    return _letter(request, patient_id, "school", user, db)


def _letter(request: Request, patient_id: str, kind: str, user: User, db: Db) -> Response:
    patient = visible_patient(db, user, patient_id, "record:write")  # the care team writes the letters
    chart = load_chart(db_session=db, patient_id=patient_id)
    case = _case(db, patient_id)
    today = _today()
    data = LetterData(
        head=Letterhead(centre=chart.centre.name if chart.centre else "cnocare clinic"),
        patient=PatientIdentity(name=patient.name, hospital_number=patient.hospital_number,
                                date_of_birth=patient.date_of_birth),
        written_on=today, author=principal(user).actor, case=case, assessment=assess_case(case),
        step_up=stepup.assess(case, on=today), schedule=followup.schedule(case, today))
    pdf = render_pdf(kind, data)
    name = f"{kind}-letter-{patient.hospital_number}.pdf".replace(" ", "_")
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/worklist", response_class=HTMLResponse)
def worklist(request: Request, user: User, db: Db, centre: str = "", within_days: int = 30,
             kind: str = "") -> HTMLResponse:
    """Follow-up items due within the window or overdue, across the patients this user may see. A staff
    page: it needs the right to write records (clinicians and nurses), not just to read one child's."""
    policy.require(principal(user), "record:write")
    within_days = max(0, min(within_days, 365))
    today = _today()
    horizon = today + dt.timedelta(days=within_days)
    rows, seen = [], {}
    # Only active patients: a discharged, transferred or deceased patient is never due for follow-up.
    active = db.query(PatientRecord).filter(PatientRecord.voided_at.is_(None), PatientRecord.status == "active")
    for record in active.order_by(PatientRecord.name):
        if centre and str(record.centre_id) != centre:
            continue
        try:
            visible_patient(db, user, record.id, "record:read")
        except (policy.Forbidden, policy.NotFound):  # not this user's patient: left out, never shown
            continue
        seen[record.id] = record
        for item in followup.schedule(_case(db, record.id), today):
            if kind and item.kind != kind:
                continue
            if item.status == "overdue" or (item.due_from is not None and item.due_from <= horizon):
                rows.append((record, item))
    rows.sort(key=lambda r: (r[1].status != "overdue", r[1].due_by or dt.date.max))
    # The families' diary reminders that went unanswered lately: counts only, the diary stays on its pages.
    diaries = sorted(((seen[s.patient_id], s) for s in clinic_summary(db_session=db, patient_ids=list(seen))
                      if s.needs_attention), key=lambda r: r[0].name)
    return page(request, "worklist.html", {"rows": rows, "centre": centre, "within_days": within_days,
                                           "kind": kind, "today": today, "diaries": diaries})
