"""Audit every write of personal data in the same transaction as the write itself.

A Session ``after_flush`` listener turns each created, changed or voided row of a personal-data table
(patients, patient revisions, every versioned clinical table, imaging lesions) into one ``audit_events``
row, inserted on the flush's own connection: if the transaction rolls back, the audit row goes with it,
and a committed write always has its event. Versioned records are voided by an UPDATE statement rather
than through the unit of work, so ``do_orm_execute`` watches those statements too.

Only column *names* are recorded, never values. Who and where come from the ``AuditContext`` the web
middleware (or the CLI, through ``audit_context``) sets for the current request or command; without one
the row's own ``created_by``/``voided_by`` names the writer and the detail says there was no context.
Accounts audit themselves in ``records.accounts``; sessions, summaries and snapshots are derived or
not personal and are skipped.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from cnocare.records.audit import chain
from cnocare.records.audit.models import AuditEvent
from cnocare.records.clock import utcnow
from cnocare.records.imaging.models import ImagingLesionRecord, ImagingStudyRecord
from cnocare.records.patients.models import PatientRecord, PatientRevision
from cnocare.records.versioned import ClinicalRecordMixin
from cnocare.security.policy import Principal

# Bookkeeping columns: they change on every write and say nothing about what the person changed.
BOOKKEEPING = frozenset({
    "id", "record_id", "version", "is_current", "patient_id", "created_at", "created_by", "voided_at",
    "voided_by", "void_reason", "row_version", "updated_at", "updated_by", "search_key", "study_row_id",
    "position",
})
VOID_FIELDS = ["void_reason", "voided_at", "voided_by"]
# versioned.revise voids the edited version with this prefix; the edit is audited as an update of the
# new version, so that void is not reported as a withdrawal.
EDIT_VOID_PREFIX = "edited: "
NO_CONTEXT = "no request context"


@dataclass
class AuditContext:
    """Who is acting and from where, for the current request or command.

    ``principal_source`` lets the web layer resolve the signed-in user lazily (after authentication ran);
    ``reads`` collects patient reads so each patient is recorded once per request.
    """

    actor: str = "web"
    ip: str | None = None
    user_agent: str | None = None
    principal_value: Principal | None = None
    principal_source: Callable[[], Principal | None] | None = None
    route: str | None = None
    reads: dict[str, set[str]] = field(default_factory=dict)
    denied: dict[str, set[str]] = field(default_factory=dict)

    @property
    def principal(self) -> Principal | None:
        if self.principal_value is None and self.principal_source is not None:
            return self.principal_source()
        return self.principal_value


_CURRENT: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("cnocare_audit", default=None)


def current_context() -> AuditContext | None:
    return _CURRENT.get()


@contextmanager
def audit_context(principal: Principal | None = None, actor: str = "cli", ip: str | None = None,
                  user_agent: str | None = None, **kwargs: Any) -> Iterator[AuditContext]:
    """Set who/where for every audited write inside the block (the CLI, imports, scripts)."""
    context = AuditContext(actor=actor, ip=ip, user_agent=user_agent, principal_value=principal, **kwargs)
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def record_type_of(obj: Any) -> str | None:
    """The audit record type of a row, or None when the table is not audited here."""
    if isinstance(obj, PatientRecord):
        return "patient"
    if isinstance(obj, PatientRevision):
        return "patient_revision"
    if isinstance(obj, ClinicalRecordMixin | ImagingLesionRecord):
        return str(obj.__tablename__)  # type: ignore[union-attr]
    return None


def _who(context: AuditContext | None, row_actor: str | None) -> dict[str, Any]:
    principal = context.principal if context is not None else None
    if principal is not None:
        return {"user_id": principal.user_id, "username": principal.username[:64], "role": principal.role,
                "via_token": principal.via_token, "token_id": principal.token_id,
                "ip": _clip(context.ip if context else None, 64),
                "user_agent": _clip(context.user_agent if context else None, 255),
                "detail": context.actor if context and context.actor != "web" else None}
    return {"user_id": None, "username": _clip(row_actor, 64), "role": None, "via_token": False, "token_id": None,
            "ip": _clip(context.ip, 64) if context else None,
            "user_agent": _clip(context.user_agent, 255) if context else None,
            "detail": context.actor if context else NO_CONTEXT}


def _clip(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


def _event(context: AuditContext | None, *, action: str, record_type: str, record_id: Any, patient_id: Any,
           fields: list[str] | None, row_actor: str | None, detail: str | None = None) -> dict[str, Any]:
    row = {"occurred_at": utcnow(), "action": action, "outcome": "success", "record_type": record_type,
           "record_id": _clip(record_id, 64), "patient_id": _clip(patient_id, 64),
           "fields": sorted(set(fields)) if fields is not None else None, **_who(context, row_actor)}
    if detail:
        row["detail"] = f"{row['detail']}; {detail}" if row["detail"] else detail
    return row


def _content_columns(obj: Any) -> list[str]:
    return [a.key for a in inspect(obj).mapper.column_attrs if a.key not in BOOKKEEPING]


def _changed_columns(obj: Any) -> list[str]:
    state = inspect(obj)
    return [a.key for a in state.mapper.column_attrs
            if a.key not in BOOKKEEPING and state.attrs[a.key].history.has_changes()]


def _lesion_content(lesions: Any) -> list[tuple[Any, ...]]:
    return [(le.site, le.side, le.segment, list(le.findings or ()), le.activity, le.note) for le in lesions]


def _revised_columns(session: Session, row: Any) -> list[str]:
    """Names of the fields a new version changed, compared with the version it replaced."""
    model = type(row)
    with session.no_autoflush:
        previous = session.scalars(select(model).where(model.record_id == row.record_id,
                                                       model.version == row.version - 1)).first()
    if previous is None:
        return _content_columns(row)
    changed = [name for name in _content_columns(row) if getattr(row, name) != getattr(previous, name)]
    if isinstance(row, ImagingStudyRecord) and _lesion_content(row.lesions) != _lesion_content(previous.lesions):
        changed.append("lesions")
    return changed


def _set_columns(obj: Any) -> list[str]:
    fields = [name for name in _content_columns(obj) if getattr(obj, name) is not None]
    if isinstance(obj, ImagingStudyRecord) and obj.lesions:
        fields.append("lesions")
    return fields


def _events_for_new(session: Session, context: AuditContext | None, obj: Any,
                    updated_patients: set[str]) -> dict[str, Any] | None:
    if isinstance(obj, PatientRecord):
        return _event(context, action="create", record_type="patient", record_id=obj.id, patient_id=obj.id,
                      fields=_set_columns(obj), row_actor=obj.created_by)
    if isinstance(obj, PatientRevision):
        if obj.patient_id in updated_patients:
            return None  # the previous demographics kept by an edit: part of that edit's update event
        return _event(context, action="create", record_type="patient_revision", record_id=obj.patient_id,
                      patient_id=obj.patient_id, fields=["data"], row_actor=obj.replaced_by)
    if isinstance(obj, ImagingLesionRecord):
        return None  # audited with its study (a new study version carries its lesions)
    if isinstance(obj, ClinicalRecordMixin):
        if obj.version > 1:
            return _event(context, action="update", record_type=str(obj.__tablename__),  # type: ignore[attr-defined]
                          record_id=obj.record_id, patient_id=obj.patient_id,
                          fields=_revised_columns(session, obj), row_actor=obj.created_by,
                          detail=f"version {obj.version}")
        return _event(context, action="create", record_type=str(obj.__tablename__),  # type: ignore[attr-defined]
                      record_id=obj.record_id, patient_id=obj.patient_id, fields=_set_columns(obj),
                      row_actor=obj.created_by)
    return None


def _events_for_dirty(context: AuditContext | None, obj: Any) -> dict[str, Any] | None:
    state = inspect(obj)
    added = state.attrs["voided_at"].history.added if "voided_at" in state.attrs else ()
    if isinstance(obj, PatientRecord | ClinicalRecordMixin) and added and added[0] is not None:
        if (obj.void_reason or "").startswith(EDIT_VOID_PREFIX):
            return None
        return _event(context, action="void", record_type=record_type_of(obj) or "", record_id=_record_id(obj),
                      patient_id=_patient_id(obj), fields=VOID_FIELDS, row_actor=obj.voided_by)
    changed = _changed_columns(obj)
    if not changed:
        return None
    if isinstance(obj, ImagingLesionRecord):
        study = obj.study
        return _event(context, action="update", record_type=str(ImagingStudyRecord.__tablename__),
                      record_id=study.record_id if study else None,
                      patient_id=study.patient_id if study else None,
                      fields=["lesions"], row_actor=study.created_by if study else None,
                      detail="lesion changed in place")
    return _event(context, action="update", record_type=record_type_of(obj) or "", record_id=_record_id(obj),
                  patient_id=_patient_id(obj), fields=changed,
                  row_actor=getattr(obj, "updated_by", None) or getattr(obj, "created_by", None))


def _record_id(obj: Any) -> Any:
    return obj.id if isinstance(obj, PatientRecord) else getattr(obj, "record_id", None)


def _patient_id(obj: Any) -> Any:
    return obj.id if isinstance(obj, PatientRecord) else getattr(obj, "patient_id", None)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        # Core insert on the flush's connection: same transaction, no nested unit of work.
        ids = session.connection().execute(insert(AuditEvent).returning(AuditEvent.id), rows).scalars().all()
        chain.note_pending(session, ids)  # linked into the hash chain at commit


def _after_flush(session: Session, _context: Any) -> None:
    context = _CURRENT.get()
    rows: list[dict[str, Any]] = []
    updated_patients: set[str] = set()
    for obj in session.dirty:
        if record_type_of(obj) is None or not session.is_modified(obj, include_collections=False):
            continue
        found = _events_for_dirty(context, obj)
        if found is not None:
            rows.append(found)
            if isinstance(obj, PatientRecord):
                updated_patients.add(obj.id)
    for obj in session.new:
        if record_type_of(obj) is None:
            continue
        found = _events_for_new(session, context, obj, updated_patients)
        if found is not None:
            rows.append(found)
    for obj in session.deleted:
        if record_type_of(obj) is not None and not isinstance(obj, ImagingLesionRecord):
            rows.append(_event(context, action="void", record_type=record_type_of(obj) or "",
                               record_id=_record_id(obj), patient_id=_patient_id(obj), fields=None,
                               row_actor=None, detail="row deleted"))
    _insert(session, rows)


def _on_execute(state: ORMExecuteState) -> Any:
    """Versioned voids are ``UPDATE ... SET voided_at=...`` statements: audit the rows they void."""
    if not state.is_update or state.bind_mapper is None:
        return None
    model = state.bind_mapper.class_
    if not issubclass(model, ClinicalRecordMixin):
        return None
    where = state.statement.whereclause  # type: ignore[attr-defined]
    if where is None:
        return None
    session = state.session
    with session.no_autoflush:
        before = list(session.execute(select(model.id).where(where, model.voided_at.is_(None))).scalars())
    result = state.invoke_statement()
    if not before:
        return result
    with session.no_autoflush:
        voided = session.execute(select(model.record_id, model.patient_id, model.void_reason, model.voided_by)
                                 .where(model.id.in_(before), model.voided_at.is_not(None))).all()
    context, table = _CURRENT.get(), str(model.__tablename__)  # type: ignore[attr-defined]
    _insert(session, [_event(context, action="void", record_type=table, record_id=record_id,
                             patient_id=patient_id, fields=VOID_FIELDS, row_actor=voided_by)
                      for record_id, patient_id, reason, voided_by in voided
                      if not (reason or "").startswith(EDIT_VOID_PREFIX)])
    return result


_installed = False


def install() -> None:
    """Attach the listeners to every Session (idempotent; call at app start and in the CLI)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    _installed = True


def uninstall() -> None:
    """Detach the listeners (tests that measure the cost, or that need a quiet trail)."""
    global _installed
    if not _installed:
        return
    event.remove(Session, "after_flush", _after_flush)
    event.remove(Session, "do_orm_execute", _on_execute)
    _installed = False


def is_installed() -> bool:
    return _installed
