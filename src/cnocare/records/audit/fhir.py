"""Audit events as FHIR R4 AuditEvent resources (built by hand; shape checked against the HL7 examples).

Mapping (codes from the R4 value sets the HL7 examples use):
- read/create/update/void -> type ``rest`` (audit-event-type), subtype read/create/update/delete
  (restful-interaction), action R/C/U/D
- login/failed-login/logout -> type DCM 110114 "User Authentication", subtype DCM 110122 "Login" /
  110123 "Logout", action E
- export -> type DCM 110106 "Export", action R
- outcome success -> "0"; failure/denied -> "4" (minor failure: the request was refused, nothing broke)
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from cnocare.records.audit.models import AuditEvent

DCM = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
ROLE_TYPE = "http://terminology.hl7.org/CodeSystem/extra-security-role-type"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
LIFECYCLE = "http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle"
CNOCARE_ROLE = "urn:cnocare:role"
CNOCARE_RECORD = "urn:cnocare:record"

_REST = {"system": EVENT_TYPE, "code": "rest", "display": "Restful Operation"}
_AUTH = {"system": DCM, "code": "110114", "display": "User Authentication"}
TYPE_SUBTYPE_ACTION: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "read": (_REST, {"system": RESTFUL, "code": "read", "display": "read"}, "R"),
    "create": (_REST, {"system": RESTFUL, "code": "create", "display": "create"}, "C"),
    "update": (_REST, {"system": RESTFUL, "code": "update", "display": "update"}, "U"),
    "void": (_REST, {"system": RESTFUL, "code": "delete", "display": "delete"}, "D"),
    "login": (_AUTH, {"system": DCM, "code": "110122", "display": "Login"}, "E"),
    "failed-login": (_AUTH, {"system": DCM, "code": "110122", "display": "Login"}, "E"),
    "logout": (_AUTH, {"system": DCM, "code": "110123", "display": "Logout"}, "E"),
    "export": ({"system": DCM, "code": "110106", "display": "Export"},
               {"system": DCM, "code": "110106", "display": "Export"}, "R"),
}
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cnocare:audit")  # stable fullUrl per event
OUTCOME = {"success": "0", "failure": "4", "denied": "4"}
LIFECYCLE_BY_ACTION = {
    "read": ("6", "Access / Use"), "create": ("1", "Origination / Creation"), "update": ("3", "Amendment"),
    "void": ("14", "Logical deletion"), "export": ("10", "Export / Copy"),
}


def _instant(when: dt.datetime) -> str:
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_fhir(event: AuditEvent, *, site: str = "cnocare", observer: str = "cnocare") -> dict[str, Any]:
    event_type, subtype, action = TYPE_SUBTYPE_ACTION[event.action]
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": ROLE_TYPE, "code": "humanuser", "display": "human user"}]},
        "who": {"identifier": {"system": "urn:cnocare:user", "value": str(event.user_id)}}
        if event.user_id is not None else {"display": "unknown user"},
        "requestor": True,
    }
    if event.role:
        agent["role"] = [{"coding": [{"system": CNOCARE_ROLE, "code": event.role}]}]
    if event.username:
        agent["altId"] = event.username
        agent["name"] = event.username
    if event.ip:
        agent["network"] = {"address": event.ip, "type": "2"}  # 2 = IP address
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"cnocare-audit-{event.id}",
        "type": event_type,
        "subtype": [subtype],
        "action": action,
        "recorded": _instant(event.occurred_at),
        "outcome": OUTCOME[event.outcome],
        "agent": [agent],
        "source": {
            "site": site,
            "observer": {"display": observer},
            "type": [{"system": SOURCE_TYPE, "code": "3", "display": "Web Server"}],
        },
    }
    if event.outcome != "success" or event.action == "failed-login":
        resource["outcomeDesc"] = event.detail or ("sign-in refused" if event.action == "failed-login"
                                                   else f"request {event.outcome}")
    entities = _entities(event)
    if entities:
        resource["entity"] = entities
    return resource


def _entities(event: AuditEvent) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    if event.patient_id is not None:
        entities.append({
            "what": {"reference": f"Patient/{event.patient_id}"},
            "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
            "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
        })
    if event.record_type is not None:
        entity: dict[str, Any] = {
            "what": {"identifier": {"system": f"{CNOCARE_RECORD}:{event.record_type}",
                                    "value": event.record_id or ""},
                     "display": f"{event.record_type} {event.record_id or ''}".strip()},
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
        }
        if event.action in LIFECYCLE_BY_ACTION:
            code, display = LIFECYCLE_BY_ACTION[event.action]
            entity["lifecycle"] = {"system": LIFECYCLE, "code": code, "display": display}
        if event.fields:
            entity["detail"] = [{"type": "fields", "valueString": ",".join(event.fields)}]
        entities.append(entity)
    return entities


def to_fhir_bundle(events: Iterable[AuditEvent], **kwargs: Any) -> dict[str, Any]:
    """A ``collection`` Bundle of AuditEvents, e.g. for handing the trail to a regulator or an ATNA store."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(dt.datetime.now(dt.UTC)),
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, str(e.id))}", "resource": to_fhir(e, **kwargs)}
                  for e in events],
    }
