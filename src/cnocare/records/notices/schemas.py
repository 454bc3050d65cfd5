from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cnocare.records.clock import UtcDateTime

KIND_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class NoticeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
    patient_id: str | None = None
    kind: str = Field(pattern=KIND_PATTERN)  # a word for the kind of notice, e.g. diary_reminder
    text: str = Field(min_length=1, max_length=2000)
    link: str | None = Field(default=None, max_length=500)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the notice says nothing; accepted: a sentence for the reader")
        return value.strip()

    @field_validator("link")
    @classmethod
    def _inside_the_app(cls, value: str | None) -> str | None:
        # A path of our own only: a notice must never send its reader to another site.
        if value is not None and (not value.startswith("/") or value.startswith("//") or "\\" in value):
            raise ValueError(f"link {value!r} leaves the app; accepted: a path inside it, such as /family/diary")
        return value


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    patient_id: str | None
    kind: str
    text: str
    link: str | None
    created_at: UtcDateTime
    read_at: UtcDateTime | None

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

