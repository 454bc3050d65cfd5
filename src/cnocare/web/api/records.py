"""Every clinical record type over JSON: list, create, read, history, edit (optimistic lock), void.

Routes are made per kind so OpenAPI shows each kind's own schemas. (No ``from __future__ import
annotations`` here: the route functions are built in a loop and FastAPI reads their annotations.)
"""

from enum import Enum
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cnocare.records import versioned, writes
from cnocare.web.api.schemas import ERROR_RESPONSES, WRITE_RESPONSES, UpdateRequest, VoidRequest, write_answer
from cnocare.web.auth import ApiUser
from cnocare.web.context import Db
from cnocare.web.kinds import RecordKind, available_kinds
from cnocare.web.services import principal, record_of_patient, visible_patient

router = APIRouter()


def update_schema(kind: RecordKind) -> type[BaseModel]:
    """The kind's ``XUpdate`` schema (every field optional), derived from its Create schema."""
    return kind.update


def _unchanged(current: Any, changes: dict[str, Any]) -> bool:
    """True when every submitted field already has that value (nested rows count as a change)."""
    return all(getattr(current, name, object()) == value for name, value in changes.items())


def _add_routes(kind: RecordKind) -> None:
    concept = kind.concept
    create_schema: Any = concept.fields
    read_schema: Any = concept.read
    update_body: Any = UpdateRequest[update_schema(kind)]  # type: ignore[misc]
    base = f"/patients/{{patient_id}}/{kind.slug}"
    tag: list[str | Enum] = [kind.plural.lower()]
    name = kind.name

    def list_records(patient_id: str, user: ApiUser, db: Db,
                     include_voided: bool = Query(False, description="Also every voided version")) -> Any:
        visible_patient(db, user, patient_id, "record:read")
        return versioned.list_for_patient(concept, db_session=db, patient_id=patient_id,
                                          include_voided=include_voided)

    def create_record(patient_id: str, data: create_schema, user: ApiUser, db: Db) -> Any:
        visible_patient(db, user, patient_id, "record:write")
        saved = writes.add(kind, db_session=db, patient_id=patient_id, data=data,
                           actor=principal(user).actor)
        db.commit()
        return write_answer(principal(user), "record:read", saved, status_code=201)

    def read_record(patient_id: str, record_id: str, user: ApiUser, db: Db) -> Any:
        return record_of_patient(db, user, kind, patient_id, record_id, "record:read")[1]

    def record_history(patient_id: str, record_id: str, user: ApiUser, db: Db) -> Any:
        record_of_patient(db, user, kind, patient_id, record_id, "record:read")
        return versioned.history(concept, db_session=db, record_id=record_id)

    def update_record(patient_id: str, record_id: str, body: update_body, user: ApiUser, db: Db) -> Any:
        _, current = record_of_patient(db, user, kind, patient_id, record_id, "record:write")
        changes = body.changes.model_dump(exclude_unset=True)
        if current.version == body.expected_version and _unchanged(current, changes):
            return write_answer(principal(user), "record:read", current)  # a no-op edit writes nothing
        saved = writes.revise(kind, db_session=db, record_id=record_id, changes=changes,
                              expected_version=body.expected_version, actor=principal(user).actor,
                              reason=body.reason)
        db.commit()
        return write_answer(principal(user), "record:read", saved)

    def void_record(patient_id: str, record_id: str, body: VoidRequest, user: ApiUser, db: Db) -> Any:
        record_of_patient(db, user, kind, patient_id, record_id, "record:void")
        saved = writes.void(kind, db_session=db, record_id=record_id, expected_version=body.expected_version,
                            reason=body.reason, actor=principal(user).actor)
        db.commit()
        return write_answer(principal(user), "record:read", saved)

    router.add_api_route(base, list_records, methods=["GET"], response_model=list[read_schema], tags=tag,
                         name=f"list_{name}", summary=f"List current {kind.plural.lower()}",
                         responses=ERROR_RESPONSES)
    router.add_api_route(base, create_record, methods=["POST"], response_model=read_schema, status_code=201,
                         tags=tag, name=f"create_{name}", summary=f"Add a {kind.label.lower()}",
                         responses=WRITE_RESPONSES)
    router.add_api_route(base + "/{record_id}", read_record, methods=["GET"], response_model=read_schema,
                         tags=tag, name=f"read_{name}", summary=f"Read a {kind.label.lower()}",
                         responses=ERROR_RESPONSES)
    router.add_api_route(base + "/{record_id}/history", record_history, methods=["GET"],
                         response_model=list[read_schema], tags=tag, name=f"history_{name}",
                         summary="Every version, oldest first", responses=ERROR_RESPONSES)
    router.add_api_route(base + "/{record_id}", update_record, methods=["PATCH"], response_model=read_schema,
                         tags=tag, name=f"update_{name}", summary=f"Edit a {kind.label.lower()} (new version)",
                         responses=WRITE_RESPONSES)
    router.add_api_route(base + "/{record_id}/void", void_record, methods=["POST"], response_model=read_schema,
                         tags=tag, name=f"void_{name}", summary=f"Void a {kind.label.lower()} with a reason",
                         responses=WRITE_RESPONSES)


for _kind in available_kinds().values():
    _add_routes(_kind)
