"""Errors the record services raise; the web layer turns them into form messages or HTTP 409/422."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from pydantic import ValidationError


class FieldProblem(TypedDict):
    field: str
    value: Any
    message: str


class RecordValidationError(ValueError):
    """Bad input: each problem names the field, the value given and what is accepted."""

    def __init__(self, errors: list[FieldProblem]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}={e['value']!r}: {e['message']}" for e in errors))

    @classmethod
    def single(cls, field: str, value: Any, message: str) -> RecordValidationError:
        return cls([{"field": field, "value": value, "message": message}])

    @classmethod
    def from_pydantic(cls, exc: ValidationError, data: dict[str, Any] | None = None,
                      prefix: str = "") -> RecordValidationError:
        problems: list[FieldProblem] = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            field = loc or _field_named_in(message, data or {})
            value = err.get("input") if loc else (data or {}).get(field)
            problems.append({"field": prefix + field, "value": value, "message": message})
        return cls(problems)


def _field_named_in(message: str, data: dict[str, Any]) -> str:
    """Whole-record rules (the Case model validators) begin their message with the field they refuse."""
    first = message.split(" ", 1)[0].strip(":'\"")
    return first if first in data else "record"


class StaleRecordError(RuntimeError):
    """The record changed since the form was opened; nothing was written."""

    def __init__(self, what: str, record_id: str, expected_version: int, current_version: int | None,
                 changed_by: str | None, changed_at: dt.datetime | None, voided: bool = False) -> None:
        self.record_id = record_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        when = changed_at.strftime("%Y-%m-%d %H:%M UTC") if changed_at else "an unknown time"
        self.voided = voided
        if voided:
            now = "was voided"
        elif current_version is None:
            now = "was changed in another session"
        else:
            now = f"is now at version {current_version}"
        super().__init__(
            f"{what} {record_id} {now} (changed by {changed_by or 'unknown'} at {when}); you edited "
            f"version {expected_version}. Nothing was saved: reload to see the change, then edit again."
        )


class RecordNotFoundError(LookupError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} was not found")
