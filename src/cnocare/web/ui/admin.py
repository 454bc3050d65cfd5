"""Administration pages: the audit trail (view, filter, export as FHIR) and accounts (tokens: ``tokens.py``).

Administrators manage accounts and read the trail; they have no clinical access (least privilege), so
family accounts are linked to patients by id, never by browsing patient names here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User as Account
from cnocare.records.accounts.service import create_user, get_user, to_read, update_user
from cnocare.records.audit.fhir import to_fhir_bundle
from cnocare.records.audit.models import AuditEvent
from cnocare.records.audit.schemas import AuditAction, AuditFilter
from cnocare.records.audit.service import iter_events, list_events, record_event
from cnocare.records.centres.service import list_centres
from cnocare.records.errors import RecordValidationError
from cnocare.records.patients.models import PatientRecord
from cnocare.security import policy
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.sessions import client_origin
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

pages = APIRouter(include_in_schema=False)
AUDIT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # beyond any real trail; keeps OFFSET within a 64-bit integer
AUDIT_ACTIONS: tuple[str, ...] = get_args(AuditAction)
FILTER_KEYS = ("user", "patient", "action", "record_type", "since", "until")


# --- audit trail ----------------------------------------------------------------------------------

def audit_filter(params: dict[str, str], page_number: int = 1,
                 page_size: int = AUDIT_PAGE_SIZE) -> tuple[AuditFilter, dict[str, str]]:
    """The filter the viewer's query asks for, and a message per parameter it could not read."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"page": min(max(1, page_number), MAX_PAGE), "page_size": page_size}
    if params.get("user"):
        values["username"] = params["user"][:64]
    if params.get("patient"):
        values["patient_id"] = params["patient"][:64]
    if params.get("action"):
        if params["action"] in AUDIT_ACTIONS:
            values["action"] = params["action"]
        else:
            errors["action"] = f"{params['action'][:40]!r} is not an action; accepted: {', '.join(AUDIT_ACTIONS)}"
    if params.get("record_type"):
        values["record_type"] = params["record_type"][:64]
    for key, bound in (("since", "since"), ("until", "until")):
        if params.get(key):
            try:
                day = dt.date.fromisoformat(params[key])
            except ValueError:
                errors[key] = f"{params[key][:40]!r} is not a date; accepted: YYYY-MM-DD"
                continue
            # "until" includes the whole day it names.
            values[bound] = dt.datetime.combine(day + dt.timedelta(days=1 if key == "until" else 0), dt.time())
    return AuditFilter(**values), errors


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in FILTER_KEYS}


def _record_types(db: Session) -> list[str]:
    return sorted(t for t in db.scalars(select(distinct(AuditEvent.record_type))) if t)


@pages.get("/admin/audit", response_class=HTMLResponse)
def audit_viewer(request: Request, user: User, db: Db, page_number: int = 1) -> HTMLResponse:
    me = user.principal
    policy.require(me, "audit:read")
    params = _params(request)
    filters, errors = audit_filter(params, page_number)
    result = list_events(db_session=db, filters=filters, principal=me)
    query = {k: v for k, v in params.items() if v}
    from cnocare.web.api.admin import _audit_the_audit_read

    _audit_the_audit_read(request, db, me, f"viewer page {result.page}, {len(result.items)} events", filters)

    def page_url(n: int) -> str:
        return "/admin/audit?" + urlencode({**query, "page_number": n})

    return page(request, "admin/audit.html", {
        "events": result.items, "numbers": _hospital_numbers(db, result.items),
        "total": result.total, "page_number": result.page, "pages": result.pages,
        "state": FormState(values=params, errors=errors), "actions": AUDIT_ACTIONS,
        "record_types": _record_types(db), "export_url": "/admin/audit/export.json?" + urlencode(query),
        "prev_url": page_url(result.page - 1) if result.page > 1 else None,
        "next_url": page_url(result.page + 1) if result.page < result.pages else None},
        status_code=422 if errors else 200)


def _hospital_numbers(db: Session, events: list[Any]) -> dict[str, str]:
    """Patient id -> "CENTRE · hospital number", which an auditor can act on (a UUID is not): the
    identifier only, never a name or clinical content (administrators have no clinical access)."""
    from cnocare.records.centres.models import Centre

    ids = {e.patient_id for e in events if e.patient_id}
    if not ids:
        return {}
    rows = db.execute(select(PatientRecord.id, PatientRecord.hospital_number, Centre.code)
                      .join(Centre, Centre.id == PatientRecord.centre_id).where(PatientRecord.id.in_(ids)))
    return {pid: f"{code} · {number}" for pid, number, code in rows}


@pages.get("/admin/audit/export.json")
def audit_export(request: Request, user: User, db: Db) -> Response:
    """The filtered trail as a FHIR R4 Bundle of AuditEvent, as a file download; the export is audited."""
    me = user.principal
    policy.require(me, "audit:read")
    params = _params(request)
    filters, errors = audit_filter(params)
    if errors:
        return Response(json.dumps({"detail": [{"field": k, "value": params[k], "message": m}
                                               for k, m in errors.items()]}),
                        status_code=422, media_type="application/json")
    bundle = to_fhir_bundle(iter_events(db_session=db, filters=filters))
    ip, agent = client_origin(request)
    shown = ", ".join(f"{k}={v}" for k, v in params.items() if v) or "none"
    record_event(db_session=db, action="export", principal=me, record_type="audit_events", ip=ip,
                 user_agent=agent, detail=f"FHIR AuditEvent bundle, {len(bundle['entry'])} events; filters: {shown}")
    db.commit()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(json.dumps(bundle, indent=1), media_type="application/fhir+json", headers={
        "Content-Disposition": f'attachment; filename="cnocare-audit-{stamp}.json"'})


# --- accounts -------------------------------------------------------------------------------------

def _users_page(request: Request, db: Session, state: FormState, *, created: Any = None,
                one_time_password: str | None = None, status_code: int = 200) -> HTMLResponse:
    users = [to_read(db_session=db, user=u) for u in db.scalars(select(Account).order_by(Account.username))]
    return page(request, "admin/users.html", {
        "users": users, "state": state, "roles": policy.ROLES, "centres": list_centres(db_session=db),
        "created": created, "one_time_password": one_time_password}, status_code=status_code)


@pages.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, user: User, db: Db) -> HTMLResponse:
    policy.require(user.principal, "user:manage")
    return _users_page(request, db, FormState(values={"role": "clinician"}))


def _linked_patients(db: Session, text: str, state: FormState) -> list[str]:
    ids = [p for p in re.split(r"[\s,;]+", text) if p]
    known = set(db.scalars(select(PatientRecord.id).where(PatientRecord.id.in_(ids)))) if ids else set()
    unknown = [p for p in ids if p not in known]
    if unknown:
        state.errors["patient_ids"] = (f"no patient with id {', '.join(u[:40] for u in unknown[:5])}; accepted: "
                                       "patient ids (as in the address of the patient's page), one per line")
    return ids


@pages.post("/admin/users", response_class=HTMLResponse)
def create_account(request: Request, user: User, db: Db, form: CheckedForm) -> HTMLResponse:
    me = user.principal
    policy.require(me, "user:manage")
    state = FormState(values={n: form_text(form, n) for n in ("username", "email", "display_name", "role",
                                                               "patient_ids")})
    centre_ids = [str(v) for v in form.getlist("centre_ids")]
    state.values["centre_ids"] = centre_ids
    known_centres = {str(c.id): c.id for c in list_centres(db_session=db)}
    if any(c not in known_centres for c in centre_ids):
        state.errors["centre_ids"] = "choose centres from the list"
    patient_ids = _linked_patients(db, state.values["patient_ids"], state)
    if state.ok:
        try:
            created, one_time = create_user(db_session=db, by=me, data={
                "username": state.values["username"], "email": state.values["email"],
                "display_name": state.values["display_name"], "role": state.values["role"],
                "centre_ids": [known_centres[c] for c in centre_ids], "patient_ids": patient_ids})
        except RecordValidationError as exc:
            db.rollback()
            for problem in exc.errors:
                state.errors.setdefault(str(problem["field"]).split(".")[0] or "username", str(problem["message"]))
        else:
            # The one-time password is shown on this response only: it is never stored in clear.
            return _users_page(request, db, FormState(values={"role": "clinician"}), created=created,
                               one_time_password=one_time)
    return _users_page(request, db, state, status_code=422)


def _set_active(request: Request, user: Any, db: Session, user_id: int, active: bool) -> Response:
    me = user.principal
    policy.require(me, "user:manage")
    try:
        account = get_user(db_session=db, user_id=user_id)
        update_user(db_session=db, user_id=user_id, data={"is_active": active}, by=me)
    except RecordValidationError as exc:
        db.rollback()
        return redirect(request, "/admin/users", flash="Not changed: " + "; ".join(e["message"] for e in exc.errors))
    verb = "reactivated" if active else "deactivated (signed out everywhere)"
    return redirect(request, "/admin/users", flash=f"Account {account.username} {verb}.")


@pages.post("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(request: Request, user_id: int, user: User, db: Db, form: CheckedForm) -> Response:
    return _set_active(request, user, db, user_id, False)


@pages.post("/admin/users/{user_id}/activate", response_class=HTMLResponse)
def activate(request: Request, user_id: int, user: User, db: Db, form: CheckedForm) -> Response:
    return _set_active(request, user, db, user_id, True)
