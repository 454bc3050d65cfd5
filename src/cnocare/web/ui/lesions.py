"""Add one lesion, the way the skeleton map offers it: bone and side filled in, study chosen or new.

Lesions live inside imaging studies, so a lesion is saved either as a new study with this lesion, or
as a new version of an existing study with the lesion appended (refused if the study changed since).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.records import writes
from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.web.context import Db
from cnocare.web.forms.fields import Field, FormState, parse_form
from cnocare.web.forms.problems import apply_problems
from cnocare.web.forms.record_forms import lesion_fields
from cnocare.web.kinds import form_fields, kind_for
from cnocare.web.services import principal, records_of_patient, visible_patient
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
NEW_STUDY = "new"


def study_fields(studies: list[Any]) -> tuple[Field, ...]:
    imaging = kind_for("imaging")
    assert imaging is not None
    by_name = {f.name: f for f in form_fields(imaging)}
    existing = tuple(
        (f"{s.record_id}@{s.version}", f"{s.date} {s.modality.replace('_', ' ')} ({len(s.lesions)} lesion(s))")
        for s in sorted(studies, key=lambda s: s.date, reverse=True))
    choices = ((NEW_STUDY, "A new imaging study (give its date and modality)"), *existing)
    return (
        Field("study", "Imaging study", "select", True, choices),
        replace(by_name["date"], name="study_date", label="Study date", required=False,
                help="For a new study only."),
        replace(by_name["modality"], name="study_modality", label="Modality", required=False,
                help="For a new study only."),
        replace(by_name["whole_body"], name="study_whole_body", label="Whole-body study", widget="tristate",
                required=False),
    )


def _render(request: Request, patient: Any, studies: list[Any], state: FormState,
            status_code: int = 200) -> HTMLResponse:
    return page(request, "records/lesion.html", {"patient": patient, "study_fields": study_fields(studies),
                                                  "lesion_fields": lesion_fields(), "state": state},
                status_code=status_code)


@router.get("/patients/{patient_id}/lesions/new", response_class=HTMLResponse)
def new_lesion_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "record:write")
    imaging = kind_for("imaging")
    assert imaging is not None
    studies = records_of_patient(db, imaging, patient_id)
    query = request.query_params
    values = {"site": query.get("site", ""), "side": query.get("side", ""),
              "study_date": query.get("date", ""), "activity": "active"}
    # The latest study is the usual place for a lesion seen on the map; a new one when there is none.
    values["study"] = NEW_STUDY
    if studies:
        latest = max(studies, key=lambda s: s.date)
        values["study"] = f"{latest.record_id}@{latest.version}"
    return _render(request, patient, studies, FormState(values=values))


@router.post("/patients/{patient_id}/lesions/new", response_class=HTMLResponse)
def add_lesion(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "record:write")
    imaging = kind_for("imaging")
    assert imaging is not None
    studies = records_of_patient(db, imaging, patient_id)
    s_fields, l_fields = study_fields(studies), lesion_fields()
    study_data, state = parse_form(s_fields, form)
    lesion, lesion_state = parse_form(l_fields, form)
    state.values.update(lesion_state.values)
    state.errors.update(lesion_state.errors)
    lesion = {k: v for k, v in lesion.items() if v is not None and v != ()}
    choice = form_text(form, "study")
    if choice == NEW_STUDY:
        for name, message in (("study_date", "give the date of the new study"),
                              ("study_modality", "choose how the new study was made")):
            if name not in study_data and name not in state.errors:
                state.errors[name] = message
    if not state.ok:
        return _render(request, patient, studies, state, 422)
    actor = principal(user).actor
    try:
        if choice == NEW_STUDY:
            writes.add(imaging, db_session=db, patient_id=patient.id, actor=actor, data={
                "date": study_data["study_date"], "modality": study_data["study_modality"],
                "whole_body": bool(study_data.get("study_whole_body")), "lesions": [lesion]})
        else:
            record_id, _, version = choice.partition("@")
            study = next((s for s in studies if s.record_id == record_id), None)
            if study is None or not version.isdigit():
                state.errors["study"] = "this study is no longer current; choose again"
                return _render(request, patient, studies, state, 409)
            existing = [les.model_dump() for les in study.lesions]
            writes.revise(imaging, db_session=db, record_id=record_id, expected_version=int(version),
                          changes={"lesions": [*existing, lesion]}, actor=actor,
                          reason=f"lesion added: {lesion.get('site')}")
        db.commit()
    except RecordValidationError as exc:
        db.rollback()
        problems = [{**p, "field": _lesion_field(str(p.get("field")), str(p.get("message")))} for p in exc.errors]
        apply_problems(state, problems, s_fields + l_fields)
        return _render(request, patient, studies, state, 422)
    except StaleRecordError as exc:
        db.rollback()
        state.form_errors.append(str(exc))
        return _render(request, patient, records_of_patient(db, imaging, patient_id), state, 409)
    where = lesion.get("site", "")
    return redirect(request, f"/patients/{patient.id}#skeleton-title", flash=f"Lesion saved ({where}).")


def _lesion_field(field: str, message: str) -> str:
    parts = field.split(".")
    if parts[0] == "lesions" and len(parts) >= 2:
        return parts[2] if len(parts) >= 3 else message.split(" ", 1)[0]
    return {"date": "study_date", "modality": "study_modality"}.get(field, field)
