"""De-identified cohort for researchers: the JSON ``/api/v1/research/cohort`` and the ``/research`` page.

Each patient appears under a keyed pseudonym (stable, not reversible without the site key) with birth
year, sex, centre code, onset month and a summary of the latest stored assessment: instrument ids with
their classification and score, subtype labels and red-flag ids. Names, hospital numbers, exact dates,
free-text notes, explanations and evidence texts are never read into the response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.assessments.models import AssessmentSnapshot
from cnocare.records.audit.service import record_event
from cnocare.records.centres.models import Centre
from cnocare.records.patients.models import PatientRecord, PatientSummary
from cnocare.security import policy
from cnocare.security.http import client_origin
from cnocare.security.tokens import keyed_digest
from cnocare.web.api.schemas import ERROR_RESPONSES
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.ui.deps import User
from cnocare.web.ui.render import page

router = APIRouter(tags=["research"])
pages = APIRouter(include_in_schema=False)
MAX_COHORT = 5000


class CohortInstrument(BaseModel):
    id: str
    status: str | None
    classification: str | None
    score: float | None


class CohortMember(BaseModel):
    pseudonym: str
    birth_year: int | None
    sex: str
    centre: str
    onset_month: str | None  # YYYY-MM
    instruments: list[CohortInstrument]
    subtype_labels: list[str]
    red_flags: list[str]


class Cohort(BaseModel):
    generated_at: dt.datetime
    total: int
    offset: int
    members: list[CohortMember]


def pseudonym_key() -> bytes:
    # A key of its own, derived from the site secret: pseudonyms cannot be matched to CSRF tokens or links.
    return keyed_digest("research-pseudonym", "v1").encode()


def assessment_summary(assessment: dict[str, Any] | None) -> dict[str, Any]:
    """Only coded results from the assessment JSON: no explanation, evidence or any other free text."""
    assessment = assessment or {}
    instruments = [CohortInstrument(id=str(i.get("instrument")), status=i.get("status"),
                                    classification=i.get("classification"), score=i.get("score"))
                   for i in assessment.get("instruments") or [] if isinstance(i, dict)]
    subtype = assessment.get("subtype") or {}
    workup = assessment.get("workup") or {}
    return {"instruments": instruments,
            "subtype_labels": [str(label) for label in subtype.get("labels") or []],
            "red_flags": [str(f.get("id")) for f in workup.get("red_flags") or [] if isinstance(f, dict)]}


def cohort(db: Session, me: policy.Principal, action: str, *, limit: int = MAX_COHORT, offset: int = 0) -> Cohort:
    """The de-identified rows of every patient at the centres ``me`` may export from."""
    policy.require(me, action)
    centre_ids = sorted((c for c in me.centre_ids if policy.allowed(me, action, centre_id=c)), key=str)
    # Only these columns are selected: identifiers never leave the database for this view.
    stmt = (select(PatientRecord.id, PatientRecord.date_of_birth, PatientRecord.sex, PatientRecord.onset_date,
                   Centre.code, AssessmentSnapshot.assessment)
            .join(Centre, Centre.id == PatientRecord.centre_id)
            .outerjoin(PatientSummary, PatientSummary.patient_id == PatientRecord.id)
            .outerjoin(AssessmentSnapshot, AssessmentSnapshot.id == PatientSummary.latest_snapshot_id)
            .where(PatientRecord.centre_id.in_(centre_ids), PatientRecord.voided_at.is_(None)))
    rows = db.execute(stmt.order_by(PatientRecord.created_at, PatientRecord.id)).all()
    key = pseudonym_key()
    members = [CohortMember(pseudonym=policy.pseudonym(pid, key), birth_year=dob.year if dob else None, sex=sex,
                            centre=code, onset_month=onset.strftime("%Y-%m") if onset else None,
                            **assessment_summary(assessment))
               for pid, dob, sex, onset, code, assessment in rows[offset:offset + limit]]
    return Cohort(generated_at=dt.datetime.now(dt.UTC), total=len(rows), offset=offset, members=members)


def _audit(db: Session, request: Request, me: policy.Principal, action: str, result: Cohort) -> None:
    ip, agent = client_origin(request)
    record_event(db_session=db, action=action, principal=me, record_type="research_cohort", ip=ip,
                 user_agent=agent, detail=f"de-identified cohort, {len(result.members)} of {result.total} "
                 f"patients, offset {result.offset}")
    db.commit()


@router.get("/research/cohort", response_model=Cohort, responses=ERROR_RESPONSES,
            summary="De-identified cohort (pseudonyms, birth year, onset month, coded assessment results)")
def research_cohort(request: Request, user: ApiUser, db: Db, limit: int = Query(MAX_COHORT, ge=1, le=MAX_COHORT),
                    offset: int = Query(0, ge=0, le=10_000_000)) -> Cohort:
    result = cohort(db, user.principal, "export:deidentified", limit=limit, offset=offset)
    _audit(db, request, user.principal, "export", result)
    return result


@pages.get("/research", response_class=HTMLResponse)
def research_page(request: Request, user: User, db: Db) -> HTMLResponse:
    result = cohort(db, user.principal, "cohort:read")
    _audit(db, request, user.principal, "read", result)
    return page(request, "account/research.html", {"cohort": result})
