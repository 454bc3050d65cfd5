"""Voiding a patient entered in error, and merging a duplicate into the patient the clinic keeps.

Only a clinician caring for the patient (the role that may void records) may do either, always with a
reason; every write goes through the records services, so the audit listener
records it. A voided patient leaves the list and searches; a merge moves every record first.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.records.patients import service as patients
from cnocare.records.patients.merge import merge_patients
from cnocare.records.patients.models import PatientRecord
from cnocare.security import policy
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.forms.merge import who_changed
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


def patient_to_withdraw(db: Any, user: Any, patient_id: str) -> Any:
    """The patient, if this user may void or merge them: the role that may void this patient's records
    (a clinician at their centre; nurses may not). Administrators run accounts and have no access to
    patients in the policy (``security.policy``), so they cannot void or merge one either."""
    return visible_patient(db, user, patient_id, "record:void")


def _show(request: Request, template: str, patient: Any, state: FormState, status_code: int = 200) -> HTMLResponse:
    return page(request, template, {"patient": patient, "state": state}, status_code=status_code)


@router.get("/patients/{patient_id}/void", response_class=HTMLResponse)
def void_patient_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = patient_to_withdraw(db, user, patient_id)
    return _show(request, "patients/void.html", patient, FormState(values={"version": str(patient.row_version)}))


@router.post("/patients/{patient_id}/void", response_class=HTMLResponse)
def void_patient(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = patient_to_withdraw(db, user, patient_id)
    state = FormState(values={"version": form_text(form, "version"), "reason": form_text(form, "reason")})
    if not state.values["reason"]:
        state.errors["reason"] = "say why the patient is voided (e.g. registered twice, wrong person)"
        return _show(request, "patients/void.html", patient, state, 422)
    try:
        patients.void_patient(db_session=db, patient_id=patient_id, reason=state.values["reason"],
                              expected_version=_version(state), actor=principal(user).actor)
        db.commit()
    except StaleRecordError as exc:
        db.rollback()
        state.form_errors.append(who_changed(exc.changed_by, exc.changed_at) + " Check the patient, then void again.")
        return _show(request, "patients/void.html", patient, state, 409)
    return redirect(request, "/patients", flash=f"Patient {patient.name} voided: no longer listed.")


@router.get("/patients/{patient_id}/merge", response_class=HTMLResponse)
def merge_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = patient_to_withdraw(db, user, patient_id)
    return _show(request, "patients/merge.html", patient, FormState(values={"version": str(patient.row_version)}))


@router.post("/patients/{patient_id}/merge", response_class=HTMLResponse)
def merge(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    duplicate = patient_to_withdraw(db, user, patient_id)
    state = FormState(values={name: form_text(form, name) for name in ("version", "reason", "keep")})
    if not state.values["reason"]:
        state.errors["reason"] = "say why these are the same person (e.g. same name, date of birth and parents)"
    keep_id = db.scalar(select(PatientRecord.id).where(
        PatientRecord.centre_id == duplicate.centre_id, PatientRecord.hospital_number == state.values["keep"],
        PatientRecord.voided_at.is_(None)))
    if keep_id is None or keep_id == duplicate.id:
        state.errors["keep"] = (f"no other patient at this centre has the hospital number {state.values['keep']!r}"
                                if state.values["keep"] else "give the hospital number of the patient to keep")
    elif not policy.allowed(principal(user), "record:write", patient=patients.get_patient(
            db_session=db, patient_id=keep_id)):
        state.errors["keep"] = f"no other patient at this centre has the hospital number {state.values['keep']!r}"
    if not state.ok or keep_id is None:
        return _show(request, "patients/merge.html", duplicate, state, 422)
    try:
        kept, moved = merge_patients(db_session=db, duplicate_id=duplicate.id, keep_id=keep_id,
                                     expected_version=_version(state), reason=state.values["reason"],
                                     actor=principal(user).actor)
        db.commit()
    except RecordValidationError as exc:
        db.rollback()
        state.form_errors.extend(f"A record could not be moved: {p['message']}" for p in exc.errors)
        return _show(request, "patients/merge.html", duplicate, state, 422)
    except StaleRecordError as exc:
        db.rollback()
        state.form_errors.append(who_changed(exc.changed_by, exc.changed_at) + " Check the patient, then merge again.")
        return _show(request, "patients/merge.html", duplicate, state, 409)
    return redirect(request, f"/patients/{kept.id}", flash=f"{duplicate.name} ({duplicate.hospital_number}) merged "
                    f"into {kept.name}: {moved} record{'' if moved == 1 else 's'} moved; the duplicate is voided.")


def _version(state: FormState) -> int:
    return int(state.values["version"]) if state.values["version"].isdigit() else -1
