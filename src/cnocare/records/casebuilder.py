"""Records → ``Case``: the current (non-voided) rows of one patient as the immutable clinical snapshot.

With ``as_of`` the snapshot shows the course as it stood on that date: entries dated later are left
out, and courses or episodes that ended later are shown as still running.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cnocare.clinical.case import Case, Patient
from cnocare.records import versioned
from cnocare.records.errors import RecordNotFoundError, RecordValidationError
from cnocare.records.kinds import ALL_KINDS, RecordKind
from cnocare.records.patients.models import PatientRecord


def build_case(*, db_session: Session, patient_id: str, as_of: dt.date | None = None,
               assessed_on: dt.date | None = None, patient: PatientRecord | None = None) -> Case:
    """``assessed_on``: the day of the assessment, so durations (weeks of pain) run to it, not to the last
    record. ``patient``: the patient's row when the caller has just read it (the refresh, under its lock)."""
    patient = patient if patient is not None else db_session.get(PatientRecord, patient_id)
    if patient is None:
        raise RecordNotFoundError("patient", patient_id)

    def ended_later(end: dt.date | None) -> bool:
        return as_of is not None and end is not None and end > as_of

    def snapshot_parts(kind: RecordKind) -> tuple[Any, ...]:
        dated = []
        for row in versioned.current_rows(kind.concept, db_session, patient_id):
            fields = kind.concept.row_fields(row)
            when = fields.get(kind.date_field) if kind.date_field else None
            if as_of is not None and when is not None and when > as_of:
                continue
            if kind.ends and ended_later(fields[kind.ends[0]]):
                fields = {**fields, **dict.fromkeys(kind.ends)}
            if kind.case_hints is not None:
                fields = {**fields, **kind.case_hints(row)}
            dated.append((str(when or ""), row.record_id, fields))
        return tuple(kind.to_case(fields, record_id) for _, record_id, fields in sorted(dated, key=lambda d: d[:2]))

    onset = patient.onset_date
    try:
        return Case(
            case_id=patient.id,
            as_of=as_of,
            patient=Patient(sex=patient.sex, date_of_birth=patient.date_of_birth,
                            onset_date=None if ended_later(onset) else onset,
                            diagnosis_date=None if ended_later(patient.diagnosis_date) else patient.diagnosis_date),
            assessed_on=assessed_on,
            **{kind.case_field: snapshot_parts(kind) for kind in ALL_KINDS if kind.case_field},
        )
    except ValidationError as exc:
        # E.g. a lab dated before the date of birth: refused here so the write that caused it rolls back.
        raise RecordValidationError.from_pydantic(exc, prefix="case.") from None
