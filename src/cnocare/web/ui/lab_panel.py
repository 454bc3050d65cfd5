"""Enter a blood count as one form: several lab results on one date, saved together or not at all."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.knowledge.catalogue import lab_tests
from cnocare.records import writes
from cnocare.records.assessments.service import deferred_refresh
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.web.context import Db
from cnocare.web.forms.fields import Field, FormState, parse_form
from cnocare.web.forms.record_forms import unit_hint
from cnocare.web.forms.warnings import plausibility_warnings
from cnocare.web.forms.wording import clinic_message, locate
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.deps import CheckedForm, User
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)

BLOOD_COUNT = ("wbc", "haemoglobin", "platelets", "neutrophils")
COMMON = (Field("date", "Date", "date", True), Field("reference_source", "Reference intervals from", "text",
                                                     help="The laboratory that gave the intervals."))


def test_fields(test_id: str) -> tuple[Field, ...]:
    test = lab_tests()[test_id]
    units = tuple((u, u) for u in test.units)
    return (Field(f"{test_id}-value", "Value", "number"),
            Field(f"{test_id}-unit", "Unit", "select", choices=units, help=unit_hint(test)),
            Field(f"{test_id}-reference_low", "Reference low", "number"),
            Field(f"{test_id}-reference_high", "Reference high", "number"))


def _render(request: Request, patient: Any, state: FormState, status_code: int = 200) -> HTMLResponse:
    groups = [(lab_tests()[t].label, test_fields(t)) for t in BLOOD_COUNT if t in lab_tests()]
    return page(request, "records/lab_panel.html", {"patient": patient, "common": COMMON, "groups": groups,
                                                     "state": state}, status_code=status_code)


@router.get("/patients/{patient_id}/labs/blood-count", response_class=HTMLResponse)
def blood_count_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "record:write")
    values = {f"{t}-unit": lab_tests()[t].unit or "" for t in BLOOD_COUNT}
    return _render(request, patient, FormState(values=values))


@router.post("/patients/{patient_id}/labs/blood-count", response_class=HTMLResponse)
def save_blood_count(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "record:write")
    common, state = parse_form(COMMON, form)
    results: list[tuple[str, dict[str, Any]]] = []
    for test_id in BLOOD_COUNT:
        data, test_state = parse_form(test_fields(test_id), form)
        state.values.update(test_state.values)
        state.errors.update(test_state.errors)
        if f"{test_id}-value" not in data:
            continue
        results.append((test_id, {"test": test_id, **common,
                                  **{k.removeprefix(f"{test_id}-"): v for k, v in data.items()}}))
    if not results and state.ok:
        state.form_errors.append("enter at least one value")
    if not state.ok:
        return _render(request, patient, state, 422)
    warnings: list[str] = []
    try:
        with deferred_refresh(db):  # one assessment refresh for the whole panel
            for test_id, data in results:
                try:
                    saved = writes.add(KINDS["labs"], db_session=db, patient_id=patient.id, data=data,
                                       actor=principal(user).actor)
                except RecordValidationError as exc:
                    for p in exc.errors:
                        name = f"{test_id}-{p['field']}" if p["field"] in ("value", "unit", "reference_low",
                                                                           "reference_high") else p["field"]
                        state.errors.setdefault(name, str(p["message"]))
                    continue
                warnings += plausibility_warnings(KINDS["labs"], saved.model_dump(), patient.sex)
            if not state.ok:
                raise RecordValidationError([])
        db.commit()
    except RecordValidationError as exc:
        db.rollback()
        for p in exc.errors:  # whole-case problems (e.g. dated before birth)
            state.form_errors.append(clinic_message(None, locate(str(p["field"]), str(p["message"]), {})[1], {}))
        if state.ok:
            state.form_errors.append("nothing was saved")
        return _render(request, patient, state, 422)
    message = f"Blood count saved ({len(results)} results)." + (" Please check: " + " ".join(warnings)
                                                                   if warnings else "")
    return redirect(request, f"/patients/{patient.id}#timeline", flash=message)
