"""Request bodies the API adds around the records layer's own schemas."""

from typing import Generic, TypeVar

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
