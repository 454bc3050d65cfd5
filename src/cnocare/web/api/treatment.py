"""Treatment and follow-up as JSON: step-up options, the follow-up schedule, flare signals, and doses from
the site formulary. Each is the clinical core's own model, computed over the patient's current records."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException, Query, Request

from cnocare.clinical import flares, followup, stepup
from cnocare.clinical.case import Case
from cnocare.clinical.dosing import DoseLine, calculate
from cnocare.records.casebuilder import build_case
from cnocare.web.api.schemas import ERROR_RESPONSES
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db, web_context
from cnocare.web.services import visible_patient

router = APIRouter(tags=["treatment"])


def _case(db: Db, user: ApiUser, patient_id: str) -> Case:
    visible_patient(db, user, patient_id, "assessment:read")
    return build_case(db_session=db, patient_id=patient_id, assessed_on=dt.date.today())


@router.get("/patients/{patient_id}/step-up", response_model=stepup.StepUpOptions, responses=ERROR_RESPONSES)
def step_up(patient_id: str, user: ApiUser, db: Db) -> stepup.StepUpOptions:
    """CARRA plan eligibility with the data behind each item, and the checks outstanding per plan."""
    return stepup.assess(_case(db, user, patient_id), on=dt.date.today())


@router.get("/patients/{patient_id}/schedule", response_model=list[followup.ScheduleItem],
            responses=ERROR_RESPONSES)
def schedule(patient_id: str, user: ApiUser, db: Db) -> list[followup.ScheduleItem]:
    return list(followup.schedule(_case(db, user, patient_id), dt.date.today()))


@router.get("/patients/{patient_id}/flare-signals", response_model=flares.FlareReport, responses=ERROR_RESPONSES)
def flare_signals(request: Request, patient_id: str, user: ApiUser, db: Db) -> flares.FlareReport:
    """Every signal the course shows (reviewed ones included; reviews are the flare-reviews records)."""
    return flares.detect(_case(db, user, patient_id), diary_rule=web_context(request).diary_flare_rule)


@router.get("/patients/{patient_id}/doses", response_model=list[DoseLine],
            responses={**ERROR_RESPONSES, 409: {"description": "No site formulary is configured"}})
def doses(request: Request, patient_id: str, user: ApiUser, db: Db,
          drug: str = Query("", max_length=80, description="A drug of the site formulary"),
          ) -> list[DoseLine]:
    formulary = web_context(request).formulary
    case = _case(db, user, patient_id)  # the patient check comes before any question about the query
    if not drug.strip():
        raise HTTPException(422, "drug: missing; accepted: a drug of the site formulary, e.g. ?drug=methotrexate")
    if formulary is None:
        raise HTTPException(409, "no site formulary is configured (CNOCARE_FORMULARY_PATH): no dose is "
                            "calculated")
    lines = formulary.lines_for(drug)
    if not lines:
        raise HTTPException(404, f"drug {drug!r} is not in the site formulary")
    return [calculate(line, formulary, case, dt.date.today()) for line in lines]
