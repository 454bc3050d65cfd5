"""Everything the patient page shows, read in one call (current versions only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.assessments.schemas import SnapshotRead
from cnocare.records.assessments.service import latest_snapshot
from cnocare.records.centres.schemas import CentreRead
from cnocare.records.centres.service import get_centre
from cnocare.records.kinds import ALL_KINDS
from cnocare.records.patients.schemas import PatientRead
from cnocare.records.patients.service import get_patient


@dataclass(frozen=True)
class PatientChart:
    patient: PatientRead
    centre: CentreRead
    records: dict[str, list[Any]]  # kind slug -> current records, oldest first by the kind's date
    latest_snapshot: SnapshotRead | None

    def __getitem__(self, slug: str) -> list[Any]:
        return self.records[slug]


def _date_of(read: Any, *, field: str, undated: dt.date) -> dt.date:
    day: dt.date | None = getattr(read, field)
    return day or undated


def load_chart(*, db_session: Session, patient_id: str) -> PatientChart:
    patient = get_patient(db_session=db_session, patient_id=patient_id)
    undated = patient.created_at.date()

    records: dict[str, list[Any]] = {}
    for kind in ALL_KINDS:
        reads = versioned.list_for_patient(kind.concept, db_session=db_session, patient_id=patient_id)
        if kind.date_field is not None:
            # Stable sort; a record without its date is filed on the day the patient was added.
            reads.sort(key=partial(_date_of, field=kind.date_field, undated=undated))
        records[kind.slug] = reads
    return PatientChart(patient=patient, centre=get_centre(db_session=db_session, centre_id=patient.centre_id),
                        records=records, latest_snapshot=latest_snapshot(db_session=db_session, patient_id=patient_id))
