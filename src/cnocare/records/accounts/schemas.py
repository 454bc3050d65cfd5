"""Account schemas, one per purpose (Create / Update / Read), validated with messages a form can show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from cnocare.records.clock import UtcDateTime
from cnocare.security.passwords import normalise_email, normalise_username
from cnocare.security.policy import FAMILY_ROLES, SCOPES, STAFF_ROLES, Role

Id = int | str  # centres.id / patients.id keep whatever type the records layer gives them


def _check_links(role: str | None, centre_ids: list[Id] | None, patient_ids: list[Id] | None) -> None:
    if role is None:
        return
    if centre_ids and role not in STAFF_ROLES:
        raise ValueError(f"centre_ids: only staff roles ({', '.join(sorted(STAFF_ROLES))}) belong to centres; "
                         f"role {role!r} does not")
    if patient_ids and role not in FAMILY_ROLES:
        raise ValueError(f"patient_ids: only patient and parent accounts link to patients; role {role!r} does not")
    if role == "patient" and patient_ids and len(patient_ids) > 1:
        raise ValueError(f"patient_ids: a patient account links to exactly one patient, got {len(patient_ids)}")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str
    email: str
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    centre_ids: list[Id] = Field(default_factory=list)
    patient_ids: list[Id] = Field(default_factory=list)
    password: SecretStr | None = None  # None: a one-time password is generated and must be changed

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        return normalise_username(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)

    @model_validator(mode="after")
    def _links(self) -> UserCreate:
        _check_links(self.role, self.centre_ids, self.patient_ids)
        return self


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str | None = None
    display_name: str | None = Field(None, min_length=1, max_length=120)
    role: Role | None = None
    is_active: bool | None = None
    centre_ids: list[Id] | None = None
    patient_ids: list[Id] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalise_email(value)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str
    display_name: str
    role: Role
    is_active: bool
    must_change_password: bool
    totp_enabled: bool
    locked_until: UtcDateTime | None
    last_login_at: UtcDateTime | None
    created_at: UtcDateTime
    centre_ids: list[Any] = Field(default_factory=list)
    patient_ids: list[Any] = Field(default_factory=list)


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(min_length=1)
    expires_at: dt.datetime | None = None

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        unknown = [s for s in value if s not in SCOPES]
        if unknown:
            raise ValueError(f"scopes {unknown} not accepted; use any of {', '.join(SCOPES)}")
        return sorted(set(value))

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: dt.datetime | None) -> dt.datetime | None:
        from cnocare.records.clock import as_naive_utc, utcnow

        if value is not None and as_naive_utc(value) <= utcnow():
            raise ValueError(f"{value.isoformat()} is not in the future; accepted: a time after now (UTC), "
                             "or no expiry")
        return value


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    token_prefix: str
    scopes: str
    created_at: UtcDateTime
    expires_at: UtcDateTime | None
    revoked_at: UtcDateTime | None
    last_used_at: UtcDateTime | None
