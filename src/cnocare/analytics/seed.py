"""Write the synthetic cohort through the records write path: validated, versioned and assessed like real entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.analytics.synthetic import CENTRES, COHORT_END, PatientBundle, generate_cohort
from cnocare.records import writes
from cnocare.records.assessments.service import deferred_refresh
from cnocare.records.centres.models import Centre
from cnocare.records.centres.service import create_centre
from cnocare.records.db import transaction
from cnocare.records.kinds import ALL_KINDS
from cnocare.records.patients.models import PatientRecord
from cnocare.records.patients.service import create_patient

Progress = Callable[[int, int], None]


def seed_demo(db_session_factory: sessionmaker[Session], n: int = 60, seed: int = 2026,
              progress: Progress | None = None, actor: str = "demo-seed", cohort_end: dt.date = COHORT_END,
              min_visits: int = 0) -> int:
    """Write the cohort; returns patients added (``min_visits``: see ``generate_cohort``).

    Each patient is one transaction; patients whose hospital number already exists are skipped, so a
    second run with the same seed adds nothing.
    """
    return write_bundles(db_session_factory, generate_cohort(n, seed, cohort_end, min_visits), CENTRES, progress, actor)


def write_bundles(factory: sessionmaker[Session], bundles: Sequence[PatientBundle],
                  centres: Sequence[tuple[str, str]], progress: Progress | None, actor: str) -> int:
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
                    for kind in ALL_KINDS:  # a bundle holds a tuple per kind it generates, named like the kind
                        for data in getattr(bundle, kind.name, ()):
                            writes.add(kind, db_session=s, patient_id=patient.id, data=data, actor=actor)
                added += 1
        if progress is not None:
            progress(done, len(bundles))
    return added
