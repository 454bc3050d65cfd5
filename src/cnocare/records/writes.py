"""The one write path for clinical records: pages, the JSON API, the CLI and the demo seed all use it.

Each verb checks that the patient may still be written to, stores the version (``versioned``), then
refreshes the patient's assessment in the same transaction, so a write that makes the Case invalid
rolls back with it. Patient demographics are written by ``patients.service``, which ends the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.assessments.service import request_refresh
from cnocare.records.kinds import RecordKind
from cnocare.records.patients.service import require_active_patient


def add(kind: RecordKind, *, db_session: Session, patient_id: str, data: BaseModel | Mapping[str, Any],
        actor: str) -> Any:
    """A new record (version 1) for a patient who is not voided."""
    require_active_patient(db_session=db_session, patient_id=patient_id)
    saved = versioned.insert(kind.concept, db_session=db_session, patient_id=patient_id, data=data, actor=actor)
    request_refresh(db_session=db_session, patient_id=patient_id, actor=actor)
    return saved


def revise(kind: RecordKind, *, db_session: Session, record_id: str, changes: BaseModel | Mapping[str, Any],
           expected_version: int, actor: str, reason: str = "corrected") -> Any:
    """An edit saved as version ``expected_version + 1``; refused (``StaleRecordError``) if someone
    else saved a newer version first."""
    saved = versioned.supersede(kind.concept, db_session=db_session, record_id=record_id, changes=changes,
                                expected_version=expected_version, actor=actor, reason=reason)
    request_refresh(db_session=db_session, patient_id=saved.patient_id, actor=actor)
    return saved


def void(kind: RecordKind, *, db_session: Session, record_id: str, expected_version: int, reason: str,
         actor: str) -> Any:
    """Withdraw a record with a reason: it stays in the history and leaves the Case."""
    saved = versioned.withdraw(kind.concept, db_session=db_session, record_id=record_id,
                               expected_version=expected_version, reason=reason, actor=actor)
    request_refresh(db_session=db_session, patient_id=saved.patient_id, actor=actor)
    return saved
