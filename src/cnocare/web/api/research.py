"""De-identified cohort for researchers: the JSON ``/api/v1/research/cohort`` and the ``/research`` page.

Each patient appears under a pseudonym keyed per research project (stable within a project, unlinkable
across projects, not reversible without the site key) with birth year, sex, centre code, onset month and
subtype labels generalised until the release is k-anonymous (``analytics.kanon``; k = CNOCARE_RESEARCH_K,
5 by default), plus a summary of the latest stored assessment: instrument ids with their classification
and score and red-flag ids. Rows come in pseudonym order, not registration order. Names, hospital
numbers, exact dates, free-text notes, explanations and evidence texts are never read into the response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.analytics.kanon import HIDDEN, k_anonymise
from cnocare.records.assessments.models import AssessmentSnapshot
from cnocare.records.audit.service import record_event
from cnocare.records.centres.models import Centre
from cnocare.records.patients.models import PatientRecord, PatientSummary
from cnocare.security import policy
from cnocare.security.settings import get_settings
from cnocare.security.tokens import keyed_digest
from cnocare.web.api.schemas import ERROR_RESPONSES
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.sessions import client_origin
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
    birth_year: str | None  # "2014", "2010–2014", or "*" as the release generalised it
    sex: str
    centre: str
    onset_month: str | None  # "2025-09", "2025", "2025–2029" or "*"
    instruments: list[CohortInstrument]
    subtype_labels: list[str]  # ["*"] when generalised away
    red_flags: list[str]


class Anonymity(BaseModel):
    k: int = Field(description="Every released row shares its quasi-identifiers with at least k-1 others")
    quasi_identifiers: dict[str, str] = Field(description="How far each was generalised")
    suppressed: int = Field(description="Patients withheld because they would still stand out")
    smallest_group: int | None
    notes: list[str]


class Cohort(BaseModel):
    generated_at: dt.datetime
    project: str
    total: int
    offset: int
    anonymity: Anonymity
    members: list[CohortMember]


PROJECT = Query("default", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                description="Research project: pseudonyms differ between projects, so releases cannot be linked")


def pseudonym_key(project: str = "default") -> bytes:
    # A key of its own, derived from the site secret: pseudonyms cannot be matched to CSRF tokens or links;
    # one per project, so two projects' releases cannot be joined on the pseudonym.
    # The default project keeps the pseudonyms issued before projects existed.
    return keyed_digest("research-pseudonym", "v1" if project == "default" else f"v1:{project}").encode()


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


def cohort(db: Session, me: policy.Principal, action: str, *, limit: int = MAX_COHORT, offset: int = 0,
           project: str = "default") -> Cohort:
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
    key = pseudonym_key(project)
    raw = []
    for pid, dob, sex, onset, code, assessment in db.execute(stmt).all():
        summary = assessment_summary(assessment)
        raw.append({"pseudonym": policy.pseudonym(pid, key), "birth_year": dob.year if dob else None, "sex": sex,
                    "centre": code, "onset": onset.strftime("%Y-%m") if onset else None,
                    "subtype": ",".join(sorted(summary["subtype_labels"])) or None, "summary": summary})
    release = k_anonymise(raw, get_settings().research_k)
    rows = sorted(release.rows, key=lambda r: r["pseudonym"])  # keyed order: not registration order
    members = [CohortMember(pseudonym=r["pseudonym"], birth_year=r["birth_year"], sex=str(r["sex"]),
                            centre=str(r["centre"]), onset_month=r["onset"],
                            **{**r["summary"], "subtype_labels": (r["summary"]["subtype_labels"]
                                                                  if r["subtype"] != HIDDEN else [HIDDEN])})
               for r in rows[offset:offset + limit]]
    anonymity = Anonymity(k=release.k, quasi_identifiers=release.levels, suppressed=release.suppressed,
                          smallest_group=release.smallest_group, notes=release.notes)
    return Cohort(generated_at=dt.datetime.now(dt.UTC), project=project, total=len(rows), offset=offset,
                  anonymity=anonymity, members=members)


def _audit(db: Session, request: Request, me: policy.Principal, action: str, result: Cohort) -> None:
    ip, agent = client_origin(request)
    record_event(db_session=db, action=action, principal=me, record_type="research_cohort", ip=ip,
                 user_agent=agent, detail=f"de-identified cohort, project {result.project}, {len(result.members)} "
                 f"of {result.total} patients, offset {result.offset}; k={result.anonymity.k}, "
                 f"{result.anonymity.suppressed} suppressed")
    db.commit()


@router.get("/research/cohort", response_model=Cohort, responses=ERROR_RESPONSES,
            summary="De-identified cohort (pseudonyms, birth year, onset month, coded assessment results)")
def research_cohort(request: Request, user: ApiUser, db: Db, limit: int = Query(MAX_COHORT, ge=1, le=MAX_COHORT),
                    offset: int = Query(0, ge=0, le=10_000_000), project: str = PROJECT) -> Cohort:
    result = cohort(db, user.principal, "export:deidentified", limit=limit, offset=offset, project=project)
    _audit(db, request, user.principal, "export", result)
    return result


@pages.get("/research", response_class=HTMLResponse)
def research_page(request: Request, user: User, db: Db) -> HTMLResponse:
    result = cohort(db, user.principal, "cohort:read")
    _audit(db, request, user.principal, "read", result)
    return page(request, "account/research.html", {"cohort": result})
