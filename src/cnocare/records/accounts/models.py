"""Account tables. Secrets are stored only as hashes (argon2id for passwords, SHA-256 for random tokens)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.security.policy import ROLES

_ROLE_LIST = ", ".join(f"'{r}'" for r in ROLES)

# Link tables are plain Core tables; the id columns take their type from centres.id / patients.id.
user_centres = Table(
    "user_centres", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("centre_id", ForeignKey("centres.id"), primary_key=True),
)

user_patients = Table(
    "user_patients", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("patient_id", ForeignKey("patients.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # legacy clear secrets, sealed on next use
    totp_secret_sealed: Mapped[str | None] = mapped_column(Text)  # Fernet, key outside the database
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime())  # None: enrolment not confirmed
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # replay guard for TOTP codes
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None and (self.totp_secret_sealed or self.totp_secret) is not None

    @property
    def has_totp_secret(self) -> bool:
        return (self.totp_secret_sealed or self.totp_secret) is not None


class UserSession(Base):
    """A signed-in browser. ``id_hash`` is SHA-256 of the cookie value; the cookie value is never stored."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so a token can be recognised
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, as in OAuth
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_by: Mapped[int | None] = mapped_column(Integer)  # the account that created it (its owner)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class PasswordReset(Base):
    """One issued reset link. The link carries the nonce; only its SHA-256 is stored, and ``used_at``
    makes the link single-use."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime())


# --- family access: invitations, links, who keeps the diary ------------------------------------------
FAMILY_RELATIONSHIPS = ("young_person", "parent")  # the young person themself / a parent or guardian
DIARY_KEEPERS = ("parent", "young_person")
ROLE_OF_RELATIONSHIP = {"young_person": "patient", "parent": "parent"}


class FamilyInvitation(Base):
    """One invitation to the family pages of a patient, e-mailed as a link. The link carries a random nonce;
    only its SHA-256 is stored. It works once (``used_at``), until ``expires_at``, unless revoked."""

    __tablename__ = "family_invitations"
    __table_args__ = (CheckConstraint("relationship IN ('young_person', 'parent')", name="relationship"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    relationship: Mapped[str] = mapped_column(String(16))
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))


class FamilyLink(Base):
    """The story of one account's access to one patient: who let it in and when, and (once the clinic
    removes it) who ended it, when and why. Access itself is the ``user_patients`` row, removed at once."""

    __tablename__ = "family_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("family_invitations.id"))
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    end_reason: Mapped[str | None] = mapped_column(Text)


class FamilyDiarySettings(Base):
    """Who keeps a patient's diary and, when the young person keeps their own, whether parents see it.
    No row: a parent keeps it (the clinic changes that for a young person who keeps their own)."""

    __tablename__ = "family_diary_settings"
    __table_args__ = (CheckConstraint("keeper IN ('parent', 'young_person')", name="keeper"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    keeper: Mapped[str] = mapped_column(String(16))
    parents_see_diary: Mapped[bool] = mapped_column(Boolean)
    # Only read when the site's policy is "per_patient": the clinician lets this young person decide.
    young_person_decides: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
