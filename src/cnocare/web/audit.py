"""The web side of the audit trail: who and where for each request, and reads of personal data.

``AuditContextMiddleware`` sets an ``AuditContext`` (client address, user agent, the caller once the
security layer has identified them) for every request and clears it afterwards; the records-layer write
listener (``cnocare.records.audit.listener``) reads it. Reads are noted during the request by
``note_read`` (``web.services.visible_patient`` calls it for every patient-data access) and written,
one event per patient per request, and committed *before* the response starts: if the read cannot be
recorded, the data is not sent. They go through the request's own session (``web.context``): a route that
writes commits the reads noted so far with its write (``ReadsAtCommit``; a patient read again after that
commit gets an event of its own), and after a route that only read they join its transaction and their
commit ends it. The patient list is recorded once per request with its filters (never the search text,
which is often a name).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import anyio
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cnocare.records.audit.chain import AT_COMMIT
from cnocare.records.audit.listener import _CURRENT, AuditContext, audit_context, current_context
from cnocare.records.audit.service import record_event
from cnocare.web.context import request_session
from cnocare.web.sessions import client_origin

__all__ = ["AuditContext", "AuditContextMiddleware", "audit_context", "current_context", "note_read"]

# Routes that list patients: one "patient_list" read per request, with the filters used.
PATIENT_LIST_ROUTES = frozenset({"/patients", "/api/v1/patients"})
# Free text in a query string may be a name or a hospital number: recorded only as "text search".
TEXT_FILTERS = frozenset({"q", "text", "name"})
VERB_SEGMENTS = frozenset({"new", "edit", "void", "history"})
PART_BY_ACTION = {"patient:read": "demographics", "patient:write": "demographics", "record:read": "chart",
                  "record:write": "records", "record:void": "records", "assessment:read": "assessment",
                  "diary:read": "diary", "diary:write": "diary"}


def note_read(patient_id: Any, *, action: str, part: str | None = None, denied: bool = False) -> bool:
    """Remember that this request read (or was refused) a patient's data; False when no request context
    is active (the caller then records the read itself)."""
    context = current_context()
    if context is None:
        return False
    # Without an explicit part, the route decides (known only once routing ran): resolved when written.
    what = part or ACTION_MARK + action
    (context.denied if denied else context.reads).setdefault(str(patient_id), set()).add(what)
    return True


ACTION_MARK = "@"
LISTED = "list entry"  # the part noted for a patient shown (name and number) in a patient list


def note_listed(patient_ids: Any) -> None:
    """A list showed these patients' names and numbers: each is a read, recorded like any other."""
    for patient_id in patient_ids:
        note_read(patient_id, action="patient:read", part=LISTED)


def _parts(noted: set[str], template: str | None, params: dict[str, Any]) -> list[str]:
    return sorted({part_from_route(n[1:], template, params) if n.startswith(ACTION_MARK) else n for n in noted})


def part_from_route(action: str, route_template: str | None, params: dict[str, Any]) -> str:
    """The part of the record a route shows: the kind segment after the patient id, else by action."""
    template = (route_template or "").split("/")
    if "{patient_id}" in template:
        for segment in template[template.index("{patient_id}") + 1:]:
            if segment == "{slug}" and params.get("slug"):
                return str(params["slug"])[:32]
            if segment and not segment.startswith("{") and segment not in VERB_SEGMENTS:
                return segment
    return PART_BY_ACTION.get(action, "chart")


def route_template(scope: Scope) -> str:
    """The path with its parameters named, e.g. ``/api/v1/patients/{patient_id}/labs``: what kind of page
    was served, without the ids (the patient id is recorded in its own column)."""
    names = {str(value): name for name, value in (scope.get("path_params") or {}).items()}
    return "/".join("{" + names[s] + "}" if s in names else s for s in str(scope.get("path", "")).split("/"))


def list_filters(query_string: bytes) -> str:
    """The list's filters as an audit detail; search text is reduced to the fact that there was one."""
    shown = []
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=False):
        shown.append("text search" if key in TEXT_FILTERS else f"{key[:32]}={value[:32]}")
    return "filters: " + (", ".join(sorted(set(shown))) if shown else "none")


class AuditContextMiddleware:
    """Sets the audit context for each HTTP request; writes the request's read events before it answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        ip, agent = client_origin(request)
        state = scope.setdefault("state", {})
        context = AuditContext(actor="web", ip=ip, user_agent=agent,
                               principal_source=lambda: state.get("principal"))
        state[AT_COMMIT] = ReadsAtCommit(scope, context)  # joins the request's session (web.context)
        token = _CURRENT.set(context)
        written = False

        async def write_reads(status: int) -> bool:
            nonlocal written
            if written:
                return True
            written = True
            try:
                await anyio.to_thread.run_sync(self._write, scope, context, status)
            except Exception:
                return False
            return True

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start" and not await write_reads(message["status"]):
                refusal = PlainTextResponse("The audit trail could not be written; nothing was shown.",
                                            status_code=503)
                await refusal(scope, receive, send)
                raise _AuditRefused
            await send(message)

        try:
            await self.app(scope, receive, send_after_audit)
        except _AuditRefused:
            pass
        finally:
            _CURRENT.reset(token)
            if not written:
                await write_reads(500)

    @staticmethod
    def _write(scope: Scope, context: AuditContext, status: int) -> None:
        reads: ReadsAtCommit = scope["state"][AT_COMMIT]
        template = route_template(scope)
        list_read = (scope.get("method") == "GET" and template in PATIENT_LIST_ROUTES and status == 200)
        refused = status == 403 and not (context.denied or reads.denied_recorded)
        if not (context.reads or context.denied or list_read or refused):
            return
        principal = context.principal
        where = f"{scope.get('method')} {template or scope.get('path')}"
        # The request's own session: after a route that only read, these rows commit its transaction.
        db = request_session(scope)
        shown = sum(1 for parts in context.reads.values() if LISTED in parts)
        reads.record(db)
        if list_read:
            record_event(db_session=db, action="read", principal=principal, record_type="patient_list",
                         ip=context.ip, user_agent=context.user_agent,
                         detail=f"{where}; {list_filters(scope.get('query_string', b''))}; {shown} shown")
        if refused:  # the role, a token's scopes or a missing CSRF token refused the request
            record_event(db_session=db, action=_action_of(scope), outcome="denied", principal=principal,
                         record_type="route", record_id=template[:64] or None, ip=context.ip,
                         user_agent=context.user_agent, detail=f"{where}: refused (403)")
        db.commit()


class ReadsAtCommit:
    """The reads noted so far in a request, recorded into each commit of the request's session (and, last,
    by the middleware as the response starts): a write commits together with the reads that led to it, in
    one transaction. Reads of a commit that rolled back are noted again, to be recorded with the next."""

    def __init__(self, scope: Scope, context: AuditContext) -> None:
        self.scope, self.context = scope, context
        self.in_flight: list[tuple[str, str, set[str]]] = []
        self.denied_recorded = False

    def record(self, session: Session) -> None:
        context, scope = self.context, self.scope
        if not (context.reads or context.denied):
            return
        template = route_template(scope)
        params = scope.get("path_params") or {}
        where = f"{scope.get('method')} {template or scope.get('path')}"
        for outcome, noted in (("success", context.reads), ("denied", context.denied)):
            for patient_id, parts in noted.items():
                record_event(db_session=session, action="read", outcome=outcome, principal=context.principal,
                             record_type="patient", record_id=patient_id, patient_id=patient_id,
                             fields=_parts(parts, template, params), ip=context.ip,
                             user_agent=context.user_agent,
                             detail=where if outcome == "success" else f"{where}: not in this user's scope")
                self.in_flight.append((outcome, patient_id, parts))
        context.reads, context.denied = {}, {}

    def committed(self) -> None:
        self.denied_recorded = self.denied_recorded or any(o == "denied" for o, _, _ in self.in_flight)
        self.in_flight.clear()

    def rolled_back(self) -> None:
        for outcome, patient_id, parts in self.in_flight:
            noted = self.context.reads if outcome == "success" else self.context.denied
            noted.setdefault(patient_id, set()).update(parts)
        self.in_flight.clear()


def _action_of(scope: Scope) -> str:
    return "read" if scope.get("method") in ("GET", "HEAD", "OPTIONS") else "update"


class _AuditRefused(Exception):
    pass
