"""Request bodies the API adds around the records layer's own schemas, and the answer to a write."""

from typing import Any, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)


class UpdateRequest(BaseModel, Generic[T]):
    """An edit: the version it was made against, why, and the fields that change."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1, description="The version you read; a newer one makes this a 409")
    reason: str = Field("corrected", min_length=1, max_length=400, description="Kept in the record's history")
    changes: T


class VoidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=400, description="e.g. entered for the wrong patient")


class Problem(BaseModel):
    field: str
    value: object = None
    message: str


class ValidationProblems(BaseModel):
    detail: list[Problem]


class Conflict(BaseModel):
    detail: str
    current_version: int | None
    changed_by: str | None
    changed_at: str | None


class Message(BaseModel):
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": Message, "description": "Not signed in and no API token"},
    403: {"model": Message, "description": "The role or token may not do this"},
    404: {"model": Message, "description": "No such record, or not visible to you"},
    422: {"model": ValidationProblems, "description": "Refused input: field, value and what is accepted"},
}
WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    409: {"model": Conflict, "description": "Changed by someone else since expected_version; nothing saved"},
}


class WriteReceipt(BaseModel):
    """What a write answers to a caller that may write but not read (e.g. a ``records:write`` token):
    which record, which version, nothing of its content."""

    id: str
    version: int


def write_answer(principal: Any, read_action: str, saved: Any, *, status_code: int = 200) -> Any:
    """``saved`` itself if the caller may ``read_action``; otherwise only its id and version, so a
    write-scoped token can never read a patient by writing (or no-op writing) to them."""
    if read_action in principal.permitted_actions():
        return saved
    record_id = getattr(saved, "record_id", None) or saved.id
    version = getattr(saved, "version", None) or saved.row_version
    return JSONResponse(WriteReceipt(id=str(record_id), version=int(version)).model_dump(), status_code=status_code)
