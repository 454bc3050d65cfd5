"""The audit trail over JSON (role admin, or a token with scope ``audit:read``): a page of events, and
the same filter as a FHIR R4 Bundle of AuditEvent for an external audit store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from cnocare.records.audit.fhir import to_fhir_bundle
from cnocare.records.audit.schemas import AuditAction, AuditFilter, AuditOutcome, AuditPage
from cnocare.records.audit.service import iter_events, list_events, record_event
from cnocare.security import policy
from cnocare.web.api.schemas import ERROR_RESPONSES
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.sessions import client_origin

router = APIRouter(tags=["audit"])
MAX_PAGE = 1_000_000  # beyond any real trail; keeps OFFSET within a 64-bit integer


def _filter(username: str | None, patient_id: str | None, action: AuditAction | None,
            outcome: AuditOutcome | None, record_type: str | None, since: dt.datetime | None,
            until: dt.datetime | None, page: int = 1, page_size: int = 50) -> AuditFilter:
    return AuditFilter(username=username, patient_id=patient_id, action=action, outcome=outcome,
                       record_type=record_type, since=since, until=until, page=page, page_size=page_size)


@router.get("/audit", response_model=AuditPage, responses=ERROR_RESPONSES, summary="Audit events, newest first")
def audit_events(request: Request, user: ApiUser, db: Db,
                 username: str | None = Query(None, max_length=64),
                 patient_id: str | None = Query(None, max_length=64),
                 action: AuditAction | None = None, outcome: AuditOutcome | None = None,
                 record_type: str | None = Query(None, max_length=64),
                 since: dt.datetime | None = Query(None, description="Inclusive, UTC"),
                 until: dt.datetime | None = Query(None, description="Exclusive, UTC"),
                 page: int = Query(1, ge=1, le=MAX_PAGE), page_size: int = Query(50, ge=1, le=500)) -> AuditPage:
    filters = _filter(username, patient_id, action, outcome, record_type, since, until, page, page_size)
    result = list_events(db_session=db, filters=filters, principal=user.principal)
    _audit_the_audit_read(request, db, user.principal, f"API page {page}, {len(result.items)} events", filters)
    return result


def _audit_the_audit_read(request: Request, db: Any, me: Any, what: str, filters: AuditFilter) -> None:
    """Reading the trail is itself recorded: who looked at whose accesses is accountable too."""
    shown = ", ".join(f"{k}={v}" for k, v in filters.model_dump(exclude={"page", "page_size"}).items()
                      if v is not None) or "none"
    ip, agent = client_origin(request)
    record_event(db_session=db, action="read", principal=me, record_type="audit_events", ip=ip, user_agent=agent,
                 detail=f"{what}; filters: {shown}"[:2000])
    db.commit()


@router.get("/audit/fhir", responses={**ERROR_RESPONSES, 200: {"content": {"application/fhir+json": {}},
                                                               "description": "FHIR R4 Bundle of AuditEvent"}},
            summary="Audit events as a FHIR R4 Bundle (type collection) of AuditEvent, oldest first")
def audit_fhir(request: Request, user: ApiUser, db: Db,
               username: str | None = Query(None, max_length=64),
               patient_id: str | None = Query(None, max_length=64),
               action: AuditAction | None = None, outcome: AuditOutcome | None = None,
               record_type: str | None = Query(None, max_length=64),
               since: dt.datetime | None = None, until: dt.datetime | None = None) -> Any:
    me = user.principal
    policy.require(me, "audit:read")
    bundle = to_fhir_bundle(iter_events(db_session=db, filters=_filter(
        username, patient_id, action, outcome, record_type, since, until)))
    ip, agent = client_origin(request)
    record_event(db_session=db, action="export", principal=me, record_type="audit_events", ip=ip, user_agent=agent,
                 detail=f"FHIR AuditEvent bundle over the API, {len(bundle['entry'])} events")
    db.commit()
    return JSONResponse(bundle, media_type="application/fhir+json")
