"""Records → ``Case``: the current (non-voided) rows of one patient as the immutable clinical snapshot.

With ``as_of`` the snapshot shows the course as it stood on that date: entries dated later are left
out, and courses or episodes that ended later are shown as still running.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cnocare.clinical.case import (
    AlternativeDiagnosis,
    Biopsy,
    Case,
    CoexistingCondition,
    Episode,
    FamilyHistory,
    GeneticFinding,
    ImagingStudy,
    MedicineCourse,
    Patient,
    Symptom,
)
from cnocare.records import versioned
from cnocare.records.alternatives.service import CONCEPT as ALTERNATIVES
from cnocare.records.biopsies.service import CONCEPT as BIOPSIES
from cnocare.records.conditions.service import CONCEPT as CONDITIONS
from cnocare.records.episodes.service import CONCEPT as EPISODES
from cnocare.records.errors import RecordValidationError
from cnocare.records.family_history.service import CONCEPT as FAMILY_HISTORY
from cnocare.records.genetics.service import CONCEPT as GENETICS
from cnocare.records.imaging.service import CONCEPT as IMAGING
from cnocare.records.labs.service import CONCEPT as LABS
from cnocare.records.labs.service import to_case_lab
from cnocare.records.medicines.service import CONCEPT as MEDICINES
from cnocare.records.patients.service import get_patient
from cnocare.records.symptoms.service import CONCEPT as SYMPTOMS


def build_case(*, db_session: Session, patient_id: str, as_of: dt.date | None = None) -> Case:
    patient = get_patient(db_session=db_session, patient_id=patient_id)

    def rows(concept: versioned.Concept[Any, Any], date_field: str | None) -> list[dict[str, Any]]:
        out = []
        for row in versioned.current_rows(concept, db_session, patient_id):
            fields = concept.row_fields(row)
            fields["_record_id"] = row.record_id
            when = fields.get(date_field) if date_field else None
            if as_of is not None and when is not None and when > as_of:
                continue
            out.append(fields)
        return sorted(out, key=lambda f: (str(f.get(date_field) or "") if date_field else "", f["_record_id"]))

    def clean(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fields.items() if k != "_record_id"}

    def ended_later(end: dt.date | None) -> bool:
        return as_of is not None and end is not None and end > as_of

    episodes = [Episode(id=f["_record_id"], kind=f["kind"], start=f["start"],
                        end=None if ended_later(f["end"]) else f["end"]) for f in rows(EPISODES, "start")]
    medicines = []
    for f in rows(MEDICINES, "start"):
        if ended_later(f["stop"]):
            f = {**f, "stop": None, "stop_reason": None}
        medicines.append(MedicineCourse(**clean(f)))
    onset = patient.onset_date
    try:
        return Case(
            case_id=patient.id,
            as_of=as_of,
            patient=Patient(sex=patient.sex, date_of_birth=patient.date_of_birth,
                            onset_date=None if ended_later(onset) else onset),
            episodes=tuple(episodes),
            symptoms=tuple(Symptom(**clean(f)) for f in rows(SYMPTOMS, "date")),
            imaging=tuple(ImagingStudy(id=f["_record_id"], **clean(f)) for f in rows(IMAGING, "date")),
            labs=tuple(to_case_lab(clean(f)) for f in rows(LABS, "date")),
            biopsies=tuple(Biopsy(**clean(f)) for f in rows(BIOPSIES, "date")),
            conditions=tuple(CoexistingCondition(**clean(f)) for f in rows(CONDITIONS, "onset")),
            alternative_diagnoses=tuple(AlternativeDiagnosis(**clean(f)) for f in rows(ALTERNATIVES, "date")),
            family_history=tuple(FamilyHistory(**clean(f)) for f in rows(FAMILY_HISTORY, None)),
            genetics=tuple(GeneticFinding(**clean(f)) for f in rows(GENETICS, None)),
            medicines=tuple(medicines),
        )
    except ValidationError as exc:
        # E.g. a lab dated before the date of birth: refused here so the write that caused it rolls back.
        raise RecordValidationError.from_pydantic(exc, prefix="case.") from None
