"""Every write refreshes the stored assessment, so what the criteria said in March can be shown later."""

from __future__ import annotations

import datetime as dt

import time_machine
from records_personas import CLINICIAN, NewPatient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.assessments.models import AssessmentSnapshot
from cnocare.records.assessments.service import deferred_refresh, latest_snapshot, refresh, snapshot_as_of
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

D = dt.date
UTC = dt.UTC

LABS = KINDS["labs"]


def test_a_march_snapshot_still_shows_what_the_assessment_said_in_march(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        patient = new_patient()
        with transaction(db_factory) as s:
            writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                       data={"test": "platelets", "date": D(2026, 3, 2), "value": 280, "unit": "10^9/L"})
    with time_machine.travel(dt.datetime(2026, 4, 20, 9, 0, tzinfo=UTC), tick=False), \
            transaction(db_factory) as s:
        writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "platelets", "date": D(2026, 4, 20), "value": 40, "unit": "10^9/L"})
    with transaction(db_factory) as s:
        march = snapshot_as_of(db_session=s, patient_id=patient.id, when=dt.datetime(2026, 3, 31, tzinfo=UTC))
        now = latest_snapshot(db_session=s, patient_id=patient.id)
        before_any = snapshot_as_of(db_session=s, patient_id=patient.id, when=dt.datetime(2026, 1, 1))
    assert march is not None and now is not None and before_any is None
    assert march.as_of == D(2026, 3, 2) and march.red_flag_count == 0
    assert now.as_of == D(2026, 4, 20) and now.red_flag_count >= 1
    assert "platelets_below_100" in [f["id"] for f in now.assessment["workup"]["red_flags"]]
    assert march.engine == "cnocare.clinical.assess" and "bristol-2016" in march.instrument_versions


def test_an_unchanged_assessment_is_not_stored_twice(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        refresh(db_session=s, patient_id=patient.id, actor=CLINICIAN)
        refresh(db_session=s, patient_id=patient.id, actor=CLINICIAN)
        count = s.scalar(select(func.count()).select_from(AssessmentSnapshot)
                         .where(AssessmentSnapshot.patient_id == patient.id))
    assert count == 1


def test_deferred_refresh_assesses_once_after_a_batch_of_writes(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        before = latest_snapshot(db_session=s, patient_id=patient.id)
        with deferred_refresh(s):
            writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                       data={"test": "platelets", "date": D(2026, 4, 20), "value": 40, "unit": "10^9/L"})
            assert latest_snapshot(db_session=s, patient_id=patient.id) == before
        after = latest_snapshot(db_session=s, patient_id=patient.id)
    assert after is not None and after.red_flag_count >= 1
