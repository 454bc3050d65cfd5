"""Add, edit and void any clinical record of a patient, through one form engine.

POST/redirect/GET: a saved form redirects to the patient page, whose assessment panel is computed
fresh. A refused form re-renders with what was typed and a message beside each field; nothing is
written. An edit names the version it started from; if someone saved in between, the edit is refused
and both versions are shown.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.records import versioned, writes
from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState, parse_form, values_from_record
from cnocare.web.forms.merge import Merge, merged_message, pending_conflicts, resolve_choices, three_way, who_changed
from cnocare.web.forms.problems import apply_problems
from cnocare.web.forms.record_forms import (
    kind_fields,
    lesion_fields,
    lesion_problem_field,
    lesion_rows,
    lesion_values,
    parse_lesions,
)
from cnocare.web.forms.warnings import plausibility_warnings
from cnocare.web.kinds import RecordKind, kind_for
from cnocare.web.services import principal, record_of_patient, visible_patient
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


def _kind(slug: str) -> RecordKind:
    kind = kind_for(slug)
    if kind is None:
        raise HTTPException(404, f"no record type {slug!r}")
    return kind


def render_form(request: Request, kind: RecordKind, patient: Any, state: FormState, *, record: Any = None,
                conflict: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    fields = kind_fields(kind, state.values)
    rows = []
    if kind.slug == "imaging":
        count = int(state.values.get("lesion_count") or 1)
        rows = lesion_rows(max(1, count))
    return page(request, "records/form.html", {
        "kind": kind, "patient": patient, "fields": fields, "state": state, "record": record,
        "lesion_rows": rows, "conflict": conflict}, status_code=status_code)


@router.get("/patients/{patient_id}/{slug}/new", response_class=HTMLResponse)
def new_record_form(request: Request, patient_id: str, slug: str, user: User, db: Db) -> HTMLResponse:
    kind = _kind(slug)
    patient = visible_patient(db, user, patient_id, "record:write")
    # Query parameters prefill the form (e.g. ?test=crp from "Add CRP").
    state = FormState(values={k: v for k, v in request.query_params.items()})
    if kind.slug == "imaging":
        state.values.setdefault("lesion_count", "1")
    return render_form(request, kind, patient, state)


@router.post("/patients/{patient_id}/{slug}/new", response_class=HTMLResponse)
def create_record(request: Request, patient_id: str, slug: str, user: User, db: Db,
                  form: CheckedForm) -> Response:
    kind = _kind(slug)
    patient = visible_patient(db, user, patient_id, "record:write")
    return _save(request, kind, patient, form, db, principal(user).actor, record=None)


@router.get("/patients/{patient_id}/{slug}/{record_id}/edit", response_class=HTMLResponse)
def edit_record_form(request: Request, patient_id: str, slug: str, record_id: str, user: User,
                     db: Db) -> HTMLResponse:
    kind = _kind(slug)
    patient, record = record_of_patient(db, user, kind, patient_id, record_id, "record:write")
    stored = record.model_dump()
    values = values_from_record(kind_fields(kind, stored), stored)
    if kind.slug == "imaging":
        values.update(lesion_values([dict(les) for les in stored.get("lesions") or ()]))
    values["version"] = str(record.version)
    return render_form(request, kind, patient, FormState(values=values), record=record)


@router.post("/patients/{patient_id}/{slug}/{record_id}/edit", response_class=HTMLResponse)
def update_record(request: Request, patient_id: str, slug: str, record_id: str, user: User, db: Db,
                  form: CheckedForm) -> Response:
    kind = _kind(slug)
    patient, record = record_of_patient(db, user, kind, patient_id, record_id, "record:write")
    return _save(request, kind, patient, form, db, principal(user).actor, record=record)


def _save(request: Request, kind: RecordKind, patient: Any, form: Any, db: Any, actor: str,
          record: Any) -> Response:
    fields = kind_fields(kind, {"test": form_text(form, "test")})
    sent = form
    form, unchosen = resolve_choices(form)
    data, state = parse_form(fields, form)
    rows: list[int] = []
    if kind.slug == "imaging":
        data["lesions"], rows = parse_lesions(form, state)
    if form.get("_reload"):  # the lab test changed: show its units, save nothing
        return render_form(request, kind, patient, state, record=record)
    if record is not None:
        state.values["version"] = form_text(form, "version")
        state.values["reason"] = reason = form_text(form, "reason")
        if not reason:
            state.errors["reason"] = "say why the record is changed (e.g. typing error, new information)"
    if unchosen:  # a merge conflict sent back without a choice: ask again, save nothing
        state.errors.update(unchosen)
        merge = Merge(values={}, conflicts=pending_conflicts(sent, fields))
        return render_form(request, kind, patient, state, record=record, status_code=409, conflict={
            "message": "Choose, for each field both of you changed, which value to keep.", "merge": merge})
    if not state.ok:
        return render_form(request, kind, patient, state, record=record, status_code=422)
    conflict = None
    try:
        saved = _write(kind, db, patient, record, fields, data, state, actor)
        db.commit()
    except RecordValidationError as exc:
        db.rollback()
        problems = [{**p, "field": lesion_problem_field(str(p.get("field")), rows, str(p.get("message")))}
                    for p in exc.errors]
        all_fields = fields + tuple(f for _, row in lesion_rows(len(rows) and max(rows) + 1) for f in row)
        apply_problems(state, problems, all_fields)
    except StaleRecordError as exc:
        db.rollback()
        outcome = _recover(request, kind, patient, record, fields, data, state, db, actor, exc)
        if isinstance(outcome, Response):
            return outcome
        conflict = outcome
    else:
        return _saved(request, kind, patient, saved, f"{kind.label} saved.")
    return render_form(request, kind, patient, state, record=record, conflict=conflict,
                       status_code=409 if conflict is not None else 422)


def _write(kind: RecordKind, db: Any, patient: Any, record: Any, fields: tuple[Any, ...],
           data: dict[str, Any], state: FormState, actor: str, version: int | None = None) -> Any:
    if record is None:
        return writes.add(kind, db_session=db, patient_id=patient.id, data=data, actor=actor)
    for f in fields:  # a cleared optional field is sent as None so it really clears
        data.setdefault(f.name, None)
    if version is None:
        version = int(state.values["version"]) if state.values["version"].isdigit() else -1
    return writes.revise(kind, db_session=db, record_id=record.record_id, changes=data,
                         expected_version=version, actor=actor, reason=state.values["reason"])


def _saved(request: Request, kind: RecordKind, patient: Any, saved: Any, message: str) -> Response:
    warnings = plausibility_warnings(kind, saved.model_dump(), patient.sex)
    message += "" if not warnings else " Please check: " + " ".join(warnings)
    return redirect(request, f"/patients/{patient.id}#timeline", flash=message)


def _lesion_texts(lesions: Any) -> list[dict[str, Any]]:
    base = lesion_fields()
    return [values_from_record(base, dict(les)) for les in lesions or ()]


def _recover(request: Request, kind: RecordKind, patient: Any, record: Any, fields: tuple[Any, ...],
             data: dict[str, Any], state: FormState, db: Any, actor: str,
             exc: StaleRecordError) -> Response | dict[str, Any] | None:
    """A stale edit: merge it with the version stored now; save a clean merge, else ask (``forms.merge``)."""
    who = who_changed(exc.changed_by, exc.changed_at, voided=exc.current_version is None)
    if exc.current_version is None:  # voided meanwhile: nothing to merge into
        state.form_errors.append(who)
        return None
    current = versioned.get(kind.concept, db_session=db, record_id=record.record_id)
    base = next((v for v in versioned.history(kind.concept, db_session=db, record_id=record.record_id)
                 if v.version == exc.expected_version), None)
    theirs = current.model_dump()
    merge = three_way(fields, values_from_record(fields, base.model_dump()) if base else None,
                      values_from_record(fields, theirs), state.values)
    if kind.slug == "imaging":  # the lesions merge as one part: a study's findings belong together
        mine_l, their_l = _lesion_texts(data.get("lesions")), _lesion_texts(theirs.get("lesions"))
        base_l = _lesion_texts(base.model_dump().get("lesions")) if base else None
        if mine_l != their_l and (base_l is None or mine_l == base_l or their_l != base_l):
            data["lesions"] = theirs.get("lesions") or ()
            state.values.update(lesion_values([dict(les) for les in data["lesions"]]))
            if base_l is not None and mine_l == base_l:
                merge.theirs.append("lesions")
            else:
                merge.notes.append("The lesions were changed by both of you: the form now shows the lesions "
                                   "saved now; add yours again before saving.")
        elif mine_l != their_l:
            merge.mine.append("lesions")
    state.values.update(merge.values)
    state.values["version"] = str(current.version)
    if not merge.conflicts and not merge.notes:
        clean, _ = parse_form(fields, merge.values)
        if kind.slug == "imaging":
            clean["lesions"] = data["lesions"]
        try:
            saved = _write(kind, db, patient, record, fields, clean, state, actor, version=current.version)
            db.commit()
        except (RecordValidationError, StaleRecordError) as again:
            db.rollback()
            state.form_errors.append(
                who_changed(again.changed_by, again.changed_at) + " Please check the form and save again."
                if isinstance(again, StaleRecordError) else "the combined record was not accepted: "
                + "; ".join(str(p.get("message")) for p in again.errors))
        else:
            return _saved(request, kind, patient, saved, merged_message(merge, exc.changed_by or "the colleague"))
    return {"message": who, "merge": merge}


@router.get("/patients/{patient_id}/{slug}/{record_id}/void", response_class=HTMLResponse)
def void_form(request: Request, patient_id: str, slug: str, record_id: str, user: User, db: Db) -> HTMLResponse:
    kind = _kind(slug)
    patient, record = record_of_patient(db, user, kind, patient_id, record_id, "record:void")
    return page(request, "records/void.html", {"kind": kind, "patient": patient, "record": record,
                                                "record_summary": kind.summary(record.model_dump()),
                                                "state": FormState(values={"version": str(record.version)})})


@router.post("/patients/{patient_id}/{slug}/{record_id}/void", response_class=HTMLResponse)
def void_record(request: Request, patient_id: str, slug: str, record_id: str, user: User, db: Db,
                form: CheckedForm) -> Response:
    kind = _kind(slug)
    patient, record = record_of_patient(db, user, kind, patient_id, record_id, "record:void")
    state = FormState(values={"version": form_text(form, "version"), "reason": form_text(form, "reason")})
    if not state.values["reason"]:
        state.errors["reason"] = "say why the record is withdrawn (e.g. entered for the wrong patient)"
    else:
        try:
            version = int(state.values["version"]) if state.values["version"].isdigit() else -1
            writes.void(kind, db_session=db, record_id=record_id, expected_version=version,
                        reason=state.values["reason"], actor=principal(user).actor)
            db.commit()
            return redirect(request, f"/patients/{patient.id}#timeline", flash=f"{kind.label} voided.")
        except RecordValidationError as exc:
            db.rollback()
            apply_problems(state, exc.errors, ())
        except StaleRecordError as exc:
            db.rollback()
            state.form_errors.append(str(exc))
    return page(request, "records/void.html", {"kind": kind, "patient": patient, "record": record,
                                                "record_summary": kind.summary(record.model_dump()), "state": state},
                status_code=422)
