"""The patient list (search, filters, paging) and the patient's own form (register, edit, void)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.records.centres.service import list_centres
from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.records.patients import service as patients
from cnocare.records.patients.schemas import PatientCreate
from cnocare.records.patients.search import SORTS
from cnocare.security import policy
from cnocare.web.audit import note_listed
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState, fields_from_model, parse_form, values_from_record
from cnocare.web.forms.merge import Merge, merged_message, pending_conflicts, resolve_choices, three_way, who_changed
from cnocare.web.forms.problems import apply_problems
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.patient_page import age_on
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


def clinic_today() -> dt.date:
    return dt.date.today()


# Column headings of the list, each sortable (records.patients.search.SORTS).
COLUMNS = (("name", "Name"), ("hospital_number", "Hospital number"), ("centre", "Centre"), ("age", "Age"),
           ("red_flags", "Red flags"), ("next_review", "Next review"), ("last_visit", "Last visit"))


@router.get("/patients", response_class=HTMLResponse)
def patient_list(request: Request, user: User, db: Db, q: str = "", centre: str = "", red_flags: str = "",
                 overdue: str = "", page_number: int = 1, sort: str = "name", order: str = "asc") -> HTMLResponse:
    me = principal(user)
    policy.require(me, "patient:read")
    centres = [c for c in list_centres(db_session=db) if policy.allowed(me, "patient:read", centre_id=c.id)
               or not me.is_staff]
    centre_id = int(centre) if centre.isdigit() else None
    if centre_id is None and me.is_staff and len(me.centre_ids) == 1:
        centre_id = next(iter(me.centre_ids))  # one centre: filter in the query, so paging counts are right
    sort = sort if sort in SORTS else "name"
    descending = order == "desc"
    today = clinic_today()

    def search(number: int) -> Any:
        return patients.search_patients(
            db_session=db, text=q or None, centre_id=centre_id, red_flags_only=bool(red_flags),
            overdue_only=bool(overdue), today=today, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE,
            sort=sort, descending=descending, **policy.search_scope(me))

    page_number = max(1, page_number)
    result = search(page_number)
    pages = max(1, -(-result.total // PAGE_SIZE))
    if page_number > pages:  # an old link or a typed number past the end: show the last page
        page_number = pages
        result = search(page_number)
    items = [(p, age_on(p.date_of_birth, today)) for p in result.items if policy.can_see_patient(me, p)]
    note_listed(p.id for p, _ in items)  # which patients were shown: one audited read each
    query = {"q": q, "centre": centre, "red_flags": red_flags, "overdue": overdue}
    listed = {**{k: v for k, v in query.items() if v}, "sort": sort, "order": "desc" if descending else "asc"}

    def page_url(n: int) -> str:
        return "/patients?" + urlencode({**listed, "page_number": n})

    def sort_url(column: str) -> str:
        flip = column == sort and not descending
        return "/patients?" + urlencode({**listed, "sort": column, "order": "desc" if flip else "asc"})

    columns = [(label, sort_url(column), ("descending" if descending else "ascending") if column == sort else None)
               for column, label in COLUMNS]
    return page(request, "patients/list.html", {
        "items": items, "total": result.total, "centres": centres, "query": query, "page_number": page_number,
        "pages": pages, "columns": columns, "sort": sort, "order": listed["order"],
        "prev_url": page_url(page_number - 1) if page_number > 1 else None,
        "next_url": page_url(page_number + 1) if page_number < pages else None})


def patient_fields(db: Any, me: policy.Principal) -> tuple[Any, ...]:
    fields = list(fields_from_model(PatientCreate))
    centres = [c for c in list_centres(db_session=db) if not me.is_staff or policy.allowed(
        me, "patient:write", centre_id=c.id)]
    for i, f in enumerate(fields):
        if f.name == "centre_id":
            fields[i] = replace(f, widget="select", label="Centre", choices=tuple(
                (str(c.id), f"{c.code} — {c.name}") for c in centres))
    return tuple(fields)


def _render_form(request: Request, state: FormState, fields: tuple[Any, ...], *, patient: Any = None,
                 conflict: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    return page(request, "patients/form.html", {"fields": fields, "state": state, "patient": patient,
                                                 "conflict": conflict}, status_code=status_code)


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_form(request: Request, user: User, db: Db) -> HTMLResponse:
    policy.require(principal(user), "patient:write")
    return _render_form(request, FormState(), patient_fields(db, principal(user)))


@router.post("/patients/new", response_class=HTMLResponse)
def create_patient(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    me = principal(user)
    policy.require(me, "patient:write")  # before reading the form: a role without the right gets 403, not 422
    fields = patient_fields(db, me)
    data, state = parse_form(fields, form)
    if state.ok:
        try:
            if me.is_staff:
                policy.require(me, "patient:write", centre_id=data.get("centre_id"))
            else:
                policy.require(me, "patient:write")
            created = patients.create_patient(db_session=db, data=data, actor=me.actor)
            db.commit()
            return redirect(request, f"/patients/{created.id}", flash=f"Patient {created.name} registered.")
        except RecordValidationError as exc:
            db.rollback()
            apply_problems(state, exc.errors, fields)
        except policy.NotFound:
            state.errors["centre_id"] = "you may not register patients at this centre"
    return _render_form(request, state, fields, status_code=422)


@router.get("/patients/{patient_id}/edit", response_class=HTMLResponse)
def edit_patient_form(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "patient:write")
    fields = patient_fields(db, principal(user))
    state = FormState(values=values_from_record(fields, patient.model_dump()))
    return _render_form(request, state, fields, patient=patient)


@router.post("/patients/{patient_id}/edit", response_class=HTMLResponse)
def update_patient(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "patient:write")
    fields = patient_fields(db, principal(user))
    resolved, unchosen = resolve_choices(form)
    data, state = parse_form(fields, resolved)
    state.values["version"] = form_text(form, "version")
    state.values["reason"] = reason = form_text(form, "reason")
    if not reason:
        state.errors["reason"] = "say why the record is changed (e.g. typing error, new information)"
    conflict = None
    if unchosen:  # a merge conflict sent back without a choice: ask again
        state.errors.update(unchosen)
        conflict = {"message": "Choose, for each field both of you changed, which value to keep.",
                    "merge": Merge(values={}, conflicts=pending_conflicts(form, fields))}
    elif state.ok:
        try:
            _save_patient(db, patient_id, fields, data, int(state.values["version"] or 0), user, reason)
            return redirect(request, f"/patients/{patient_id}", flash="Patient details saved.")
        except RecordValidationError as exc:
            db.rollback()
            apply_problems(state, exc.errors, fields)
        except StaleRecordError as exc:
            db.rollback()
            patient = patients.get_patient(db_session=db, patient_id=patient_id)
            merge = _merge_stale(db, patient, fields, state, exc)
            if not merge.conflicts:  # nobody's change is lost: save the combination
                clean, _ = parse_form(fields, merge.values)
                try:
                    _save_patient(db, patient_id, fields, clean, patient.row_version, user, reason)
                    return redirect(request, f"/patients/{patient_id}",
                                    flash=merged_message(merge, exc.changed_by or "the colleague"))
                except (RecordValidationError, StaleRecordError):
                    db.rollback()
                    state.form_errors.append("The combined details were not accepted: please check and save.")
            conflict = {"message": who_changed(exc.changed_by, exc.changed_at, voided=exc.voided), "merge": merge}
    return _render_form(request, state, fields, patient=patient, conflict=conflict,
                        status_code=409 if conflict else 422)


def _save_patient(db: Any, patient_id: str, fields: tuple[Any, ...], data: dict[str, Any], version: int,
                  user: Any, reason: str) -> None:
    for f in fields:  # a cleared optional field is sent as None so it really clears
        if PatientCreate.model_fields[f.name].default is None:  # not status: it is never empty
            data.setdefault(f.name, None)
    patients.update_patient(db_session=db, patient_id=patient_id, changes=data, expected_version=version,
                            actor=principal(user).actor, reason=reason)
    db.commit()


def _merge_stale(db: Any, patient: Any, fields: tuple[Any, ...], state: FormState,
                 exc: StaleRecordError) -> Merge:
    """Three-way merge: base = the demographics at the version the user opened (kept as a revision)."""
    base = next((r.data for r in patients.patient_revisions(db_session=db, patient_id=patient.id)
                 if r.row_version == exc.expected_version), None)
    merge = three_way(fields, values_from_record(fields, base) if base is not None else None,
                      values_from_record(fields, patient.model_dump()), state.values)
    state.values.update(merge.values)
    state.values["version"] = str(patient.row_version)
    return merge
