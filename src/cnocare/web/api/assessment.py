"""The patient's assessment (the CaseAssessment JSON, instrument results per the result contract)
and the list of instruments cnocare ships."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from cnocare.clinical.assess import CaseAssessment
from cnocare.clinical.criteria import registry
from cnocare.records.assessments.service import latest_snapshot, snapshot_as_of
from cnocare.web.api.schemas import ERROR_RESPONSES
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.services import visible_patient

router = APIRouter(tags=["assessment"])


@router.get("/patients/{patient_id}/assessment", response_model=CaseAssessment,
            responses={**ERROR_RESPONSES, 404: {"description": "No such patient, or no assessment stored by "
                                                "that date"}})
def assessment(patient_id: str, user: ApiUser, db: Db,
               as_of: dt.date | None = Query(None, description="The assessment as stored at the end of this "
                                             "day (UTC), from the snapshots kept after every change")) -> Any:
    visible_patient(db, user, patient_id, "assessment:read")
    if as_of is None:
        snapshot = latest_snapshot(db_session=db, patient_id=patient_id)
    else:
        end_of_day = dt.datetime.combine(as_of, dt.time.max)
        snapshot = snapshot_as_of(db_session=db, patient_id=patient_id, when=end_of_day)
    if snapshot is None:
        raise HTTPException(404, "no assessment stored" + (f" on or before {as_of}" if as_of else ""))
    # The stored JSON is CaseAssessment.model_dump(mode="json"): returned as is, byte for byte.
    return JSONResponse(snapshot.assessment, headers={
        "X-Assessment-Snapshot": str(snapshot.id), "X-Assessment-Created": snapshot.created_at.isoformat(),
        "X-Assessment-Engine": snapshot.engine})


@router.get("/instruments", response_model=list[registry.InstrumentInfo], responses=ERROR_RESPONSES)
def instruments(user: ApiUser) -> list[registry.InstrumentInfo]:
    """The core's own catalogue entries, so the API describes an instrument exactly as the core does."""
    return list(registry.catalogue())
