"""Write synthetic bundles through the record services: validated, versioned and assessed like real entries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.alternatives.service import add_alternative_diagnosis
from cnocare.records.assessments.service import deferred_refresh
from cnocare.records.biopsies.service import add_biopsy
from cnocare.records.centres.models import Centre
from cnocare.records.centres.service import create_centre
from cnocare.records.conditions.service import add_condition
from cnocare.records.db import transaction
from cnocare.records.episodes.service import add_episode
from cnocare.records.family_history.service import add_family_history
from cnocare.records.imaging.service import add_imaging_study
from cnocare.records.labs.service import add_lab_result
from cnocare.records.medicines.service import add_medicine_course
from cnocare.records.notes.service import add_note
from cnocare.records.patients.models import PatientRecord
from cnocare.records.patients.service import create_patient
from cnocare.records.symptoms.service import add_symptom
from cnocare.records.visits.service import add_visit

if TYPE_CHECKING:
    from cnocare.analytics.synthetic import PatientBundle

WRITERS = (("visits", add_visit), ("episodes", add_episode), ("symptoms", add_symptom),
           ("imaging", add_imaging_study), ("labs", add_lab_result), ("biopsies", add_biopsy),
           ("medicines", add_medicine_course), ("conditions", add_condition),
           ("alternatives", add_alternative_diagnosis), ("family_history", add_family_history), ("notes", add_note))


def write_bundles(factory: sessionmaker[Session], bundles: Sequence[PatientBundle],
                  centres: Sequence[tuple[str, str]], progress: Callable[[int, int], None] | None,
                  actor: str) -> int:
    with transaction(factory) as s:
        ids = {}
        for code, name in centres:
            existing = s.scalar(select(Centre.id).where(Centre.code == code))
            ids[code] = existing if existing is not None else create_centre(
                db_session=s, data={"code": code, "name": name}, actor=actor).id
    added = 0
    for done, bundle in enumerate(bundles, start=1):
        with transaction(factory) as s:
            centre_id = ids[bundle.centre_code]
            exists = s.scalar(select(PatientRecord.id).where(PatientRecord.centre_id == centre_id,
                                                             PatientRecord.hospital_number == bundle.hospital_number))
            if exists is None:
                with deferred_refresh(s):
                    patient = create_patient(db_session=s, actor=actor, data={
                        "centre_id": centre_id, "name": bundle.name, "hospital_number": bundle.hospital_number,
                        "sex": bundle.sex, "date_of_birth": bundle.date_of_birth, "onset_date": bundle.onset_date})
                    for field, write in WRITERS:
                        for data in getattr(bundle, field):
                            write(db_session=s, patient_id=patient.id, data=data, actor=actor)
                added += 1
        if progress is not None:
            progress(done, len(bundles))
    return added
