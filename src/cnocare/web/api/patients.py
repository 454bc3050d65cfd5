"""Patients and centres over JSON."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query

from cnocare.records.centres.schemas import CentreRead
from cnocare.records.centres.service import list_centres
from cnocare.records.patients import service as patients
from cnocare.records.patients.schemas import PatientCreate, PatientRead, PatientSearchResult, PatientUpdate
from cnocare.security import policy
from cnocare.web.api.schemas import ERROR_RESPONSES, WRITE_RESPONSES, UpdateRequest, VoidRequest, write_answer
from cnocare.web.audit import note_listed
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.services import principal, visible_patient

router = APIRouter(tags=["patients"])


@router.get("/centres", response_model=list[CentreRead], responses=ERROR_RESPONSES)
def centres(user: ApiUser, db: Db) -> list[CentreRead]:
    me = principal(user)
    policy.require(me, "patient:read")
    return [c for c in list_centres(db_session=db) if not me.is_staff or policy.allowed(
        me, "patient:read", centre_id=c.id)]


@router.get("/patients", response_model=PatientSearchResult, responses=ERROR_RESPONSES)
def search(user: ApiUser, db: Db, q: str | None = Query(None, description="Name or hospital number"),
           centre_id: int | None = None, red_flags: bool = False, overdue: bool = False,
           today: dt.date | None = Query(None, description="For 'overdue'; default: the server's date"),
           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=2**31 - 1)) -> PatientSearchResult:
    me = principal(user)
    policy.require(me, "patient:read")
    if centre_id is not None and me.is_staff:
        policy.require(me, "patient:read", centre_id=centre_id)
    result = patients.search_patients(db_session=db, text=q, centre_id=centre_id, red_flags_only=red_flags,
                                      overdue_only=overdue, today=today or dt.date.today(), limit=limit,
                                      offset=offset, **policy.search_scope(me))
    visible = [p for p in result.items if policy.can_see_patient(me, p)]  # defence in depth: scope is in the query
    note_listed(p.id for p in visible)  # which patients the list showed, one audited read each
    return PatientSearchResult(total=result.total - (len(result.items) - len(visible)), items=visible)


@router.post("/patients", response_model=PatientRead, status_code=201, responses=WRITE_RESPONSES)
def create(data: PatientCreate, user: ApiUser, db: Db) -> PatientRead:
    me = principal(user)
    policy.require(me, "patient:write", **({"centre_id": data.centre_id} if me.is_staff else {}))
    created = patients.create_patient(db_session=db, data=data, actor=me.actor)
    db.commit()
    return write_answer(me, "patient:read", created, status_code=201)  # type: ignore[no-any-return]


@router.get("/patients/{patient_id}", response_model=PatientRead, responses=ERROR_RESPONSES)
def read(patient_id: str, user: ApiUser, db: Db) -> PatientRead:
    return visible_patient(db, user, patient_id, "patient:read")


@router.patch("/patients/{patient_id}", response_model=PatientRead, responses=WRITE_RESPONSES)
def update(patient_id: str, body: UpdateRequest[PatientUpdate], user: ApiUser, db: Db) -> PatientRead:
    me = principal(user)
    visible_patient(db, user, patient_id, "patient:write")
    if body.changes.centre_id is not None and me.is_staff:
        policy.require(me, "patient:write", centre_id=body.changes.centre_id)
    saved = patients.update_patient(db_session=db, patient_id=patient_id, changes=body.changes,
                                    expected_version=body.expected_version, actor=me.actor, reason=body.reason)
    db.commit()
    return write_answer(me, "patient:read", saved)  # type: ignore[no-any-return]


@router.post("/patients/{patient_id}/void", response_model=PatientRead, responses=WRITE_RESPONSES)
def void(patient_id: str, body: VoidRequest, user: ApiUser, db: Db) -> PatientRead:
    visible_patient(db, user, patient_id, "patient:write")
    saved = patients.void_patient(db_session=db, patient_id=patient_id, expected_version=body.expected_version,
                                  reason=body.reason, actor=principal(user).actor)
    db.commit()
    return write_answer(principal(user), "patient:read", saved)  # type: ignore[no-any-return]
