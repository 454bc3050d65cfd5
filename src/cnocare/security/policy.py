"""Who may do what to whose data: roles, a permission matrix kept as data, and patient scoping.

Two refusals, on purpose different:
- ``Forbidden``: the role may never do this action. Says nothing about any record, so it leaks nothing.
- ``NotFound``: the role may do the action, but not on this patient (another centre, not a linked child).
  Answering "forbidden" there would confirm the patient exists, so it is reported as not found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

Role = Literal["admin", "clinician", "nurse", "researcher", "patient", "parent"]
ROLES: tuple[Role, ...] = ("admin", "clinician", "nurse", "researcher", "patient", "parent")
STAFF_ROLES: frozenset[str] = frozenset({"clinician", "nurse", "researcher"})  # limited to their centres
FAMILY_ROLES: frozenset[str] = frozenset({"patient", "parent"})  # limited to linked patients

ACTIONS: dict[str, str] = {
    "patient:read": "see a patient's identified record",
    "patient:write": "register a patient or change demographics",
    "record:read": "read clinical records (visits, lesions, labs, imaging, medicines)",
    "record:write": "add or revise clinical records",
    "record:void": "void a clinical record with a reason",
    "assessment:read": "see criteria, scores and work-up for a patient",
    "diary:read": "read the symptom diary",
    "diary:write": "add diary entries",
    "alert:acknowledge": "see and acknowledge the alerts families' diary entries raise for the care team",
    "family:manage": "invite patients and parents to the family pages, say who keeps the diary, end access",
    "family:read": "open the family's own pages for a linked child: the plan and the care team's messages",
    "message:write": "write a message to a patient's family",
    "message:reply": "reply to the care team's messages (families)",
    "cohort:read": "see de-identified cohort views and analytics",
    "export:deidentified": "export de-identified data",
    "audit:read": "read the audit trail",
    "user:manage": "create, change and deactivate accounts and API tokens",
}
PATIENT_ACTIONS = frozenset(a for a in ACTIONS if a.split(":")[0] in {"patient", "record", "assessment", "diary",
                                                                             "alert", "family", "message"})
CENTRE_ACTIONS = frozenset({"cohort:read", "export:deidentified"})
GLOBAL_ACTIONS = frozenset(ACTIONS) - PATIENT_ACTIONS - CENTRE_ACTIONS

# Families have their own pages, never the clinician's: no patient:read, record:read or assessment:read
# (the chart, notes, red-flag wording and the API's records are for the care team).
_FAMILY = frozenset({"diary:read", "diary:write", "family:read", "message:reply"})
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    # Least privilege: administrators run accounts and read the audit trail; they are not care staff.
    "admin": frozenset({"user:manage", "audit:read"}),
    "clinician": frozenset({"patient:read", "patient:write", "record:read", "record:write", "record:void",
                            "assessment:read", "diary:read", "alert:acknowledge", "family:manage",
                            "message:write", "cohort:read", "export:deidentified"}),
    "nurse": frozenset({"patient:read", "patient:write", "record:read", "record:write", "assessment:read",
                        "diary:read", "alert:acknowledge", "family:manage", "message:write"}),
    "researcher": frozenset({"cohort:read", "export:deidentified"}),
    "patient": _FAMILY,
    "parent": _FAMILY,
}

# API token scopes grant at most these actions, and never more than the owner's role allows.
SCOPE_ACTIONS: dict[str, frozenset[str]] = {
    "records:read": frozenset({"patient:read", "record:read", "diary:read"}),
    "records:write": frozenset({"patient:write", "record:write", "record:void", "diary:write"}),
    "assessments:read": frozenset({"assessment:read"}),
    "export:deidentified": frozenset({"export:deidentified", "cohort:read"}),
    "audit:read": frozenset({"audit:read"}),
}
SCOPES: tuple[str, ...] = tuple(SCOPE_ACTIONS)


class Forbidden(PermissionError):
    """The role (or the token's scopes) never allows this action. ``in_words``: the same without the
    action's id, for a page (the id serves API clients choosing a token's scopes)."""

    def __init__(self, message: str, *, in_words: str | None = None) -> None:
        super().__init__(message)
        self.in_words = in_words or message


class NotFound(LookupError):
    """Not visible to this principal; indistinguishable from a record that does not exist."""


@dataclass(frozen=True)
class Principal:
    """The authenticated subject, passed into services. Ids keep the database's own type."""

    user_id: int
    username: str
    role: Role
    centre_ids: frozenset[Any] = field(default_factory=frozenset)
    patient_ids: frozenset[Any] = field(default_factory=frozenset)
    scopes: frozenset[str] | None = None  # None: an interactive session with the full role
    via_token: bool = False
    token_id: int | None = None  # which API token, recorded on every audited request made with it
    must_change_password: bool = False

    @property
    def actor(self) -> str:
        """The name record services write into created_by/voided_by."""
        return self.username

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_family(self) -> bool:
        return self.role in FAMILY_ROLES

    @property
    def deidentified_only(self) -> bool:
        return not (self.permitted_actions() & {"patient:read", "record:read"})

    def permitted_actions(self) -> frozenset[str]:
        allowed = ROLE_ACTIONS[self.role]
        if self.scopes is not None:
            granted = frozenset().union(*(SCOPE_ACTIONS.get(s, frozenset()) for s in self.scopes))
            allowed = allowed & granted
        if self.must_change_password:
            return frozenset()  # nothing until the one-time password is replaced
        return allowed


def _key(value: Any) -> str:
    return str(value)


def _in(ids: Iterable[Any], value: Any) -> bool:
    return value is not None and _key(value) in {_key(i) for i in ids}


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def can_see_patient(principal: Principal, patient: Any) -> bool:
    """``patient`` is a row, schema or dict with ``id`` and (for staff scoping) ``centre_id``."""
    if principal.is_family:
        return _in(principal.patient_ids, _get(patient, "id"))
    if principal.is_staff:
        return _in(principal.centre_ids, _get(patient, "centre_id"))
    return False


def require(principal: Principal | None, action: str, *, patient: Any = None, centre_id: Any = None) -> None:
    """Raise unless ``principal`` may do ``action`` (on ``patient`` / within ``centre_id`` when given)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
    if principal is None:
        raise Forbidden("sign in first")
    if action not in principal.permitted_actions():
        how = "this API token" if principal.via_token else f"the {principal.role} role"
        if principal.must_change_password:
            how = "an account whose one-time password has not been changed"
        said = f"{how} may not {ACTIONS[action]}"
        raise Forbidden(f"{said} ({action})", in_words=said[:1].upper() + said[1:] + ".")
    # Global actions (audit:read, user:manage) are not about one patient's care: no patient scoping.
    if patient is not None and action not in GLOBAL_ACTIONS and not can_see_patient(principal, patient):
        raise NotFound("patient not found")
    if centre_id is not None and not (principal.is_staff and _in(principal.centre_ids, centre_id)):
        raise NotFound(f"centre {centre_id} not found")


def allowed(principal: Principal | None, action: str, *, patient: Any = None, centre_id: Any = None) -> bool:
    try:
        require(principal, action, patient=patient, centre_id=centre_id)
    except (Forbidden, NotFound):
        return False
    return True


S = TypeVar("S")


def scope_patient_query(stmt: S, principal: Principal, *, patient_id: Any, centre_id: Any,
                        action: str = "patient:read") -> S:
    """Narrow a SELECT to the patients ``principal`` may see for ``action``.

    ``patient_id`` / ``centre_id`` are the columns to filter on (e.g. ``Patient.id``, ``Patient.centre_id``).
    """
    from sqlalchemy import false

    where: Any
    if action not in principal.permitted_actions():
        where = false()
    elif principal.is_family:
        where = patient_id.in_(sorted(principal.patient_ids, key=_key)) if principal.patient_ids else false()
    elif principal.is_staff:
        where = centre_id.in_(sorted(principal.centre_ids, key=_key)) if principal.centre_ids else false()
    else:
        where = false()
    return stmt.where(where)  # type: ignore[attr-defined, no-any-return]


# --- de-identification --------------------------------------------------------------------------
# Fail closed: any key that looks like a direct identifier is dropped, even if that loses a harmless
# field (e.g. a lesion "site_name"); research exports can ask for it back explicitly after review.
IDENTIFIER_WORDS = ("name", "mrn", "nhs", "ssn", "passport", "insurance", "address", "street", "city",
                    "postcode", "postal", "zip", "phone", "mobile", "email", "contact", "guardian",
                    "next_of_kin", "photo", "identifier", "national_id", "hospital_number")
FREE_TEXT_KEYS = frozenset({"notes", "note", "comment", "comments", "free_text", "narrative", "letter"})
BIRTH_KEYS = frozenset({"date_of_birth", "birth_date", "birthdate", "dob"})
ID_KEYS = frozenset({"id", "patient_id"})


def pseudonym(patient_id: Any, key: bytes) -> str:
    """A stable study code: the same patient always maps to it, and it cannot be reversed without the key."""
    return "P-" + hmac.new(key, _key(patient_id).encode(), hashlib.sha256).hexdigest()[:16]


def _birth_year(value: Any) -> int | None:
    if isinstance(value, dt.date):
        return value.year
    if isinstance(value, str) and (match := re.match(r"^\s*(\d{4})", value)):
        return int(match.group(1))
    return None


def _is_identifier(key: str) -> bool:
    lowered = key.lower()
    return lowered in FREE_TEXT_KEYS or any(word in lowered for word in IDENTIFIER_WORDS)


def deidentify(patient: Mapping[str, Any], *, pseudonym_key: bytes | None = None) -> dict[str, Any]:
    """A copy of ``patient`` without direct identifiers: names, record numbers, contact details, free text;
    exact date of birth becomes ``birth_year``; ids become a keyed ``pseudonym`` (or are dropped)."""
    return _deidentify(patient, pseudonym_key, top=True)


def _deidentify(data: Mapping[str, Any], key: bytes | None, *, top: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        lowered = name.lower()
        if lowered in BIRTH_KEYS:
            out["birth_year"] = _birth_year(value)
        elif lowered == "patient_id" or (top and lowered == "id"):
            if key is not None and value is not None:
                out["pseudonym"] = pseudonym(value, key)
        elif _is_identifier(name):
            continue
        elif isinstance(value, Mapping):
            out[name] = _deidentify(value, key, top=False)
        elif isinstance(value, list | tuple):
            out[name] = [_deidentify(v, key, top=False) if isinstance(v, Mapping) else v for v in value]
        else:
            out[name] = value
    return out


def search_scope(principal: Principal) -> dict[str, Any]:
    """Keyword arguments narrowing ``search_patients`` to what this principal may see."""
    if principal.is_family:
        return {"within_patients": sorted(str(p) for p in principal.patient_ids)}
    if principal.is_staff:
        return {"within_centres": sorted(principal.centre_ids, key=str)}
    return {"within_patients": []}
