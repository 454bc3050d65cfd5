"""Everything the patient page shows, read in one call (current versions only)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.alternatives.schemas import AlternativeDiagnosisRead
from cnocare.records.alternatives.service import CONCEPT as ALTERNATIVES
from cnocare.records.assessments.schemas import SnapshotRead
from cnocare.records.assessments.service import latest_snapshot
from cnocare.records.biopsies.schemas import BiopsyRead
from cnocare.records.biopsies.service import CONCEPT as BIOPSIES
from cnocare.records.centres.schemas import CentreRead
from cnocare.records.centres.service import get_centre
from cnocare.records.conditions.schemas import CoexistingConditionRead
from cnocare.records.conditions.service import CONCEPT as CONDITIONS
from cnocare.records.episodes.schemas import EpisodeRead
from cnocare.records.episodes.service import CONCEPT as EPISODES
from cnocare.records.family_history.schemas import FamilyHistoryRead
from cnocare.records.family_history.service import CONCEPT as FAMILY_HISTORY
from cnocare.records.genetics.schemas import GeneticFindingRead
from cnocare.records.genetics.service import CONCEPT as GENETICS
from cnocare.records.imaging.schemas import ImagingStudyRead
from cnocare.records.imaging.service import CONCEPT as IMAGING
from cnocare.records.labs.schemas import LabResultRead
from cnocare.records.labs.service import CONCEPT as LABS
from cnocare.records.medicines.schemas import MedicineCourseRead
from cnocare.records.medicines.service import CONCEPT as MEDICINES
from cnocare.records.notes.schemas import ClinicalNoteRead
from cnocare.records.notes.service import CONCEPT as NOTES
from cnocare.records.patients.schemas import PatientRead
from cnocare.records.patients.service import get_patient
from cnocare.records.symptoms.schemas import SymptomRead
from cnocare.records.symptoms.service import CONCEPT as SYMPTOMS
from cnocare.records.visits.schemas import VisitRead
from cnocare.records.visits.service import CONCEPT as VISITS


class PatientChart(BaseModel):
    patient: PatientRead
    centre: CentreRead
    visits: list[VisitRead]
    episodes: list[EpisodeRead]
    symptoms: list[SymptomRead]
    imaging: list[ImagingStudyRead]
    labs: list[LabResultRead]
    biopsies: list[BiopsyRead]
    medicines: list[MedicineCourseRead]
    conditions: list[CoexistingConditionRead]
    alternative_diagnoses: list[AlternativeDiagnosisRead]
    family_history: list[FamilyHistoryRead]
    genetics: list[GeneticFindingRead]
    notes: list[ClinicalNoteRead]
    latest_snapshot: SnapshotRead | None


def load_chart(*, db_session: Session, patient_id: str) -> PatientChart:
    patient = get_patient(db_session=db_session, patient_id=patient_id)

    def current(concept: versioned.Concept, sort_key: str | None = None) -> list:  # type: ignore[type-arg]
        reads = versioned.list_for_patient(concept, db_session=db_session, patient_id=patient_id)
        if sort_key:
            reads.sort(key=lambda r: getattr(r, sort_key) or patient.created_at.date())
        return reads

    return PatientChart(
        patient=patient, centre=get_centre(db_session=db_session, centre_id=patient.centre_id),
        visits=current(VISITS, "date"), episodes=current(EPISODES, "start"), symptoms=current(SYMPTOMS, "date"),
        imaging=current(IMAGING, "date"), labs=current(LABS, "date"), biopsies=current(BIOPSIES, "date"),
        medicines=current(MEDICINES, "start"), conditions=current(CONDITIONS),
        alternative_diagnoses=current(ALTERNATIVES), family_history=current(FAMILY_HISTORY),
        genetics=current(GENETICS), notes=current(NOTES, "date"),
        latest_snapshot=latest_snapshot(db_session=db_session, patient_id=patient_id))
