"""The family's own pages (patients and parents): home, and the shell every family page extends (the Today
page and diary are in ``web.ui.diary``).

Families never get the clinician page. Each page finds the child with ``family_child``: the role check
first, then the link between this account and the child (another family's child answers exactly like an
absent one), and every pass is an audited read.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.records.patients.service import get_patient
from cnocare.security import policy
from cnocare.web.audit import note_listed
from cnocare.web.auth import WebUser
from cnocare.web.context import Db
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.deps import User
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Child:
    """What the family's pages show of the child's record: who it is, nothing clinical."""

    id: str
    name: str


def family_child(db: Session, user: WebUser, patient_id: str, action: str = "diary:read",
                 part: str = "family page") -> Child:
    me = principal(user)
    if not me.is_family:
        raise policy.Forbidden("the family's pages are for patients and their parents or guardians")
    patient = visible_patient(db, user, patient_id, action, part=part)
    return Child(id=str(patient.id), name=patient.name)


@router.get("/family", response_class=HTMLResponse)
def family_home(request: Request, user: User, db: Db) -> Response:
    me = principal(user)
    if not me.is_family:
        raise policy.Forbidden("the family's pages are for patients and their parents or guardians")
    children = sorted((Child(id=str(p.id), name=p.name) for p in
                       (get_patient(db_session=db, patient_id=str(pid)) for pid in me.patient_ids)
                       if p.voided_at is None), key=lambda c: c.name)
    note_listed(c.id for c in children)  # the page names them: each is an audited read
    if len(children) == 1:
        return redirect(request, f"/family/{children[0].id}")
    return page(request, "family/home.html", {"children": children, "section": "home"})
