from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import Episode
from cnocare.records import versioned
from cnocare.records.episodes.models import EpisodeRecord
from cnocare.records.episodes.schemas import EpisodeCreate, EpisodeRead, EpisodeUpdate


def _case(d: dict[str, Any]) -> Episode:
    return Episode(id="episode", kind=d["kind"], start=d["start"], end=d["end"])


CONCEPT: versioned.Concept[EpisodeRecord, EpisodeRead] = versioned.Concept(
    label="episode", model=EpisodeRecord, fields=EpisodeCreate, read=EpisodeRead, to_case=_case)



def add_episode(
        *, db_session: Session, patient_id: str, data: EpisodeCreate | Mapping[str, Any], actor: str,
) -> EpisodeRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_episode(
        *, db_session: Session, record_id: str, changes: EpisodeUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> EpisodeRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_episode(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> EpisodeRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_episode(*, db_session: Session, record_id: str) -> EpisodeRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_episodes(*, db_session: Session, patient_id: str, include_voided: bool = False) -> list[EpisodeRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def episode_history(*, db_session: Session, record_id: str) -> list[EpisodeRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
