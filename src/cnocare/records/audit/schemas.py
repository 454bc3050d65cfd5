"""Audit schemas: what callers pass in (AuditFilter) and what viewers read (AuditEventRead, AuditPage)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cnocare.records.clock import UtcDateTime

AuditAction = Literal["read", "create", "update", "void", "login", "logout", "export", "failed-login"]
AuditOutcome = Literal["success", "failure", "denied"]


class AuditFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int | None = None
    username: str | None = None
    patient_id: str | None = None
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    record_type: str | None = None
    since: dt.datetime | None = None  # inclusive, UTC
    until: dt.datetime | None = None  # exclusive, UTC
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: UtcDateTime
    user_id: int | None
    username: str | None
    role: str | None
    via_token: bool
    token_id: int | None = None
    action: AuditAction
    outcome: AuditOutcome
    record_type: str | None
    record_id: str | None
    patient_id: str | None
    fields: list[str] | None
    ip: str | None
    user_agent: str | None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
