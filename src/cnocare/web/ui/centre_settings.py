"""Centre settings for administrators: the emergency number each centre's families are told to call when
a diary entry needs emergency help. Not set, families read "your local emergency number"; the app never
makes a number up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.records.audit.service import record_event
from cnocare.records.centres.service import list_centres, set_emergency_number
from cnocare.records.errors import RecordValidationError
from cnocare.security import policy
from cnocare.web.context import Db
from cnocare.web.services import principal
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
ACTION = "user:manage"  # the site's administrators, who also run the accounts


@router.get("/admin/centres", response_class=HTMLResponse)
def centres_page(request: Request, user: User, db: Db) -> Response:
    policy.require(principal(user), ACTION)
    return page(request, "admin/centres.html", {"centres": list_centres(db_session=db), "errors": {}, "typed": {}})


@router.post("/admin/centres/{centre_id}/emergency-number", response_class=HTMLResponse)
def save_emergency_number(request: Request, user: User, db: Db, centre_id: int, form: CheckedForm) -> Response:
    me = principal(user)
    policy.require(me, ACTION)
    number = form_text(form, "emergency_number")
    try:
        saved = set_emergency_number(db_session=db, centre_id=centre_id, number=number)
    except RecordValidationError as exc:
        db.rollback()
        return page(request, "admin/centres.html", {
            "centres": list_centres(db_session=db), "errors": {centre_id: exc.errors[0]["message"]},
            "typed": {centre_id: number}}, status_code=422)
    record_event(db_session=db, action="update", principal=me, record_type="centre", record_id=str(centre_id),
                 fields=["emergency_number"])
    db.commit()
    shown = saved.emergency_number or "not set: families read “your local emergency number”"
    return redirect(request, "/admin/centres", flash=f"{saved.name}: emergency number {shown}.")
