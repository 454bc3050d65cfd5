"""Versioned clinical rows: edits add a version and void the old one; deletes void with a reason.

The OpenMRS ``Obs`` habit: nothing clinical is ever overwritten or removed, so a letter written in
March can be reproduced, and a concurrent edit is refused (``StaleRecordError``) instead of lost.
Each record kind (``records.kinds``) describes itself with a ``Concept``. This module stores versions
and nothing else: it imports no other part of records above the base layer. Writes go through
``records.writes``, which checks the patient first and refreshes the assessment after.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from cnocare.records.clock import UtcDateTime, utcnow
from cnocare.records.dates import refuse_impossible_dates
from cnocare.records.errors import RecordNotFoundError, RecordValidationError, StaleRecordError

ACTOR_MAX = 120


class ClinicalRecordMixin:
    """Columns every clinical row carries. ``id`` names the row; ``record_id`` the record across versions."""

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int]
    is_current: Mapped[bool]
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(ACTOR_MAX))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    voided_by: Mapped[str | None] = mapped_column(String(ACTOR_MAX))
    void_reason: Mapped[str | None] = mapped_column(Text())

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table = cls.__tablename__  # type: ignore[attr-defined]
        # (record_id, version) unique: two racing edits of the same version cannot both land.
        return (UniqueConstraint("record_id", "version", name=f"uq_{table}_record_version"),
                Index(f"ix_{table}_patient_current", "patient_id", "is_current"))


class RecordMeta(BaseModel):
    """Provenance every Read schema carries."""

    model_config = ConfigDict(from_attributes=True)

    record_id: str
    version: int
    is_current: bool
    patient_id: str
    created_at: UtcDateTime
    created_by: str
    voided_at: UtcDateTime | None = None
    voided_by: str | None = None
    void_reason: str | None = None


M = TypeVar("M", bound=ClinicalRecordMixin)
R = TypeVar("R", bound=RecordMeta)


@dataclass(frozen=True)
class Concept(Generic[M, R]):
    """How one kind of clinical record is stored, validated and read back."""

    label: str
    model: type[M]
    fields: type[BaseModel]  # the Create schema: the clinical content of one version
    read: type[R]
    # Builds the matching cnocare.clinical.case model, so validation rules live in one place.
    to_case: Callable[[dict[str, Any]], Any] | None = None
    dump_row: Callable[[Any], dict[str, Any]] | None = None  # row -> field dict (nested concepts)
    load_row: Callable[[Any, dict[str, Any], Any], None] | None = None  # (row, fields, case object)
    past_events: tuple[str, ...] = ()  # date fields of what has already happened: never after today

    def validate(self, data: BaseModel | Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
        try:
            schema = data if isinstance(data, self.fields) else self.fields.model_validate(
                data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data))
        except ValidationError as exc:
            raise RecordValidationError.from_pydantic(exc) from None
        fields = schema.model_dump()
        refuse_impossible_dates(fields, past_events=self.past_events)
        case_object = None
        if self.to_case is not None:
            try:
                case_object = self.to_case(fields)
            except ValidationError as exc:
                raise RecordValidationError.from_pydantic(exc, fields) from None
        return fields, case_object

    def row_fields(self, row: M) -> dict[str, Any]:
        if self.dump_row is not None:
            return self.dump_row(row)
        return {name: getattr(row, name) for name in self.fields.model_fields}

    def apply(self, row: M, fields: dict[str, Any], case_object: Any) -> None:
        if self.load_row is not None:
            self.load_row(row, fields, case_object)
            return
        for name, value in fields.items():
            setattr(row, name, list(value) if isinstance(value, tuple) else value)

    def to_read(self, row: M) -> R:
        meta = RecordMeta.model_validate(row).model_dump()
        content = self.row_fields(row)
        # Read-only extras a Read schema adds (e.g. a lab's canonical value) come straight from the row.
        extras = {name: getattr(row, name, None) for name in self.read.model_fields
                  if name not in meta and name not in content}
        return self.read.model_validate({**meta, **content, **extras})


def insert(concept: Concept[M, R], *, db_session: Session, patient_id: str,
           data: BaseModel | Mapping[str, Any], actor: str) -> R:
    """Store version 1 of a new record."""
    require_actor(actor)
    fields, case_object = concept.validate(data)
    row = _new_row(concept, str(uuid.uuid4()), 1, patient_id, actor, utcnow())
    concept.apply(row, fields, case_object)
    db_session.add(row)
    db_session.flush()
    return concept.to_read(row)


def supersede(concept: Concept[M, R], *, db_session: Session, record_id: str,
              changes: BaseModel | Mapping[str, Any], expected_version: int, actor: str,
              reason: str = "corrected") -> R:
    """Save an edit as version ``expected_version + 1``; the edited version is voided with ``reason``."""
    require_actor(actor)
    current = _current_at(concept, db_session, record_id, expected_version)
    changed = changes.model_dump(exclude_unset=True) if isinstance(changes, BaseModel) else dict(changes)
    unknown = sorted(set(changed) - set(concept.fields.model_fields))
    if unknown:
        raise RecordValidationError([{"field": f, "value": changed[f], "message":
                                      f"not a field of {concept.label}; accepted: "
                                      + ", ".join(concept.fields.model_fields)} for f in unknown])
    fields, case_object = concept.validate({**concept.row_fields(current), **changed})
    now = utcnow()
    _void_row(concept, db_session, current, expected_version, actor, f"edited: {reason}", now)
    row = _new_row(concept, record_id, current.version + 1, current.patient_id, actor, now)
    concept.apply(row, fields, case_object)
    db_session.add(row)
    try:
        db_session.flush()
    except IntegrityError:
        raise _stale(concept, db_session, record_id, expected_version) from None
    return concept.to_read(row)


def withdraw(concept: Concept[M, R], *, db_session: Session, record_id: str, expected_version: int,
             reason: str, actor: str) -> R:
    """Withdraw a record (entered in error, duplicate...): it stays in history, out of the Case."""
    require_actor(actor)
    if not reason or not reason.strip():
        raise RecordValidationError.single("reason", reason, "a reason is required to void a record")
    current = _current_at(concept, db_session, record_id, expected_version)
    _void_row(concept, db_session, current, expected_version, actor, reason.strip(), utcnow())
    db_session.flush()
    return concept.to_read(current)


def get(concept: Concept[M, R], *, db_session: Session, record_id: str) -> R:
    row = _current(concept, db_session, record_id)
    if row is None:
        raise RecordNotFoundError(concept.label, record_id)
    return concept.to_read(row)


def history(concept: Concept[M, R], *, db_session: Session, record_id: str) -> list[R]:
    """Every version of one record, oldest first."""
    rows = db_session.scalars(select(concept.model).where(concept.model.record_id == record_id)
                              .order_by(concept.model.version)).all()
    return [concept.to_read(r) for r in rows]


def current_rows(concept: Concept[M, R], db_session: Session, patient_id: str) -> list[M]:
    model = concept.model
    return list(db_session.scalars(select(model).where(model.patient_id == patient_id,
                                                       model.is_current.is_(True)).order_by(model.id)).all())


def list_for_patient(concept: Concept[M, R], *, db_session: Session, patient_id: str,
                     include_voided: bool = False) -> list[R]:
    if include_voided:
        model = concept.model
        rows = list(db_session.scalars(select(model).where(model.patient_id == patient_id)
                                       .order_by(model.record_id, model.version)).all())
    else:
        rows = current_rows(concept, db_session, patient_id)
    return [concept.to_read(r) for r in rows]


def _new_row(concept: Concept[M, R], record_id: str, version: int, patient_id: str, actor: str,
             now: dt.datetime) -> M:
    row = concept.model()
    row.record_id, row.version, row.is_current = record_id, version, True
    row.patient_id, row.created_at, row.created_by = patient_id, now, actor
    return row


def _current(concept: Concept[M, R], db_session: Session, record_id: str) -> M | None:
    model = concept.model
    return db_session.scalars(select(model).where(model.record_id == record_id,
                                                  model.is_current.is_(True))).first()


def _current_at(concept: Concept[M, R], db_session: Session, record_id: str, expected_version: int) -> M:
    row = _current(concept, db_session, record_id)
    if row is None or row.version != expected_version:
        raise _stale(concept, db_session, record_id, expected_version)
    return row


def _stale(concept: Concept[M, R], db_session: Session, record_id: str,
           expected_version: int) -> Exception:
    model = concept.model
    latest = db_session.scalars(select(model).where(model.record_id == record_id)
                                .order_by(model.version.desc())).first()
    if latest is None:
        return RecordNotFoundError(concept.label, record_id)
    if latest.is_current:
        return StaleRecordError(concept.label, record_id, expected_version, latest.version,
                                latest.created_by, latest.created_at)
    return StaleRecordError(concept.label, record_id, expected_version, None, latest.voided_by,
                            latest.voided_at, voided=True)


def _void_row(concept: Concept[M, R], db_session: Session, row: M, expected_version: int, actor: str,
              reason: str, now: dt.datetime) -> None:
    model = concept.model
    # Conditional on is_current: a concurrent session that voided it first makes this touch 0 rows.
    result = db_session.execute(
        update(model).where(model.id == row.id, model.is_current.is_(True))
        .values(is_current=False, voided_at=now, voided_by=actor, void_reason=reason)
        .execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _stale(concept, db_session, row.record_id, expected_version)


def require_actor(actor: str) -> None:
    if not isinstance(actor, str) or not actor.strip() or len(actor) > ACTOR_MAX:
        raise RecordValidationError.single("actor", actor, f"who is writing: a user name of 1–{ACTOR_MAX} "
                                           "characters")

