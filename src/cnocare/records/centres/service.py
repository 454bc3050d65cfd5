from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.centres.models import Centre
from cnocare.records.centres.schemas import CentreCreate, CentreRead
from cnocare.records.clock import utcnow
from cnocare.records.errors import RecordNotFoundError, RecordValidationError


def create_centre(*, db_session: Session, data: CentreCreate | Mapping[str, Any], actor: str) -> CentreRead:
    try:
        fields = data if isinstance(data, CentreCreate) else CentreCreate.model_validate(dict(data))
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc) from None
    if db_session.scalar(select(Centre.id).where(Centre.code == fields.code)) is not None:
        raise RecordValidationError.single("code", fields.code, "a centre with this code exists; choose another")
    centre = Centre(code=fields.code, name=fields.name, emergency_number=fields.emergency_number,
                    created_at=utcnow(), created_by=actor)
    db_session.add(centre)
    db_session.flush()
    return CentreRead.model_validate(centre)


def get_centre(*, db_session: Session, centre_id: int) -> CentreRead:
    centre = db_session.get(Centre, centre_id)
    if centre is None:
        raise RecordNotFoundError("centre", centre_id)
    return CentreRead.model_validate(centre)


def list_centres(*, db_session: Session) -> list[CentreRead]:
    return [CentreRead.model_validate(c) for c in db_session.scalars(select(Centre).order_by(Centre.name))]


def set_emergency_number(*, db_session: Session, centre_id: int, number: str | None) -> CentreRead:
    """Set (or, with None or blank, clear) the emergency number the centre's families are shown."""
    centre = db_session.get(Centre, centre_id)
    if centre is None:
        raise RecordNotFoundError("centre", centre_id)
    text = (number or "").strip() or None
    try:
        checked = CentreCreate.model_validate({"code": centre.code, "name": centre.name, "emergency_number": text})
    except ValidationError as exc:
        raise RecordValidationError.single(
            "emergency_number", text, "accepted: a telephone number of 2 to 32 digits, spaces, + ( ) and -, "
            "e.g. 112 or 999") from exc
    centre.emergency_number = checked.emergency_number
    db_session.flush()
    return CentreRead.model_validate(centre)


def get_centre_by_code(*, db_session: Session, code: str) -> CentreRead:
    centre = db_session.scalar(select(Centre).where(Centre.code == code))
    if centre is None:
        raise RecordNotFoundError("centre", code)
    return CentreRead.model_validate(centre)
