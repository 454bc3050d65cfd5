"""Every route the app serves, read from ``app.routes`` at run time, and what each one requires.

``ROUTE_MAP`` is the one hand-kept table: (method, path) -> the policy action the route needs and how the
patient is chosen. A route the app serves but the map does not name fails the suite, so a new page or
endpoint cannot ship without someone deciding who may call it. ``<kind>`` stands for every record kind
slug (the API makes one set of routes per kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from starlette.routing import Mount

from cnocare.web.kinds import available_kinds

Scope = Literal["patient", "centre", "none"]
Access = Literal["action", "signed_in", "public", "csrf_only", "static"]


@dataclass(frozen=True)
class Rule:
    access: Access
    action: str | None = None  # the policy action (access == "action")
    scope: Scope = "none"  # patient: {patient_id} in the path; centre: the centre is in the body
    consumes: bool = False  # a successful call uses its target up (void): give it a fresh one
    out_of_scope: int = 404  # status for a patient/centre the caller may not see
    sample: str | None = None  # for mounts: a file that exists under it
    # Statuses that count as "reached the route" when the suite must not really succeed (a password change
    # would end the session): a harmless, refused form (422) proves the caller got past the access check.
    reached: tuple[int, ...] | None = None
    # Only the family member who keeps the diary writes it: in the world that is the parent (the default).
    keeper_only: bool = False


def act(action: str, scope: Scope = "none", *, consumes: bool = False, out_of_scope: int = 404,
        reached: tuple[int, ...] | None = None, keeper_only: bool = False) -> Rule:
    return Rule("action", action, scope, consumes, out_of_scope, reached=reached, keeper_only=keeper_only)


REFUSED_FORM = (422,)


SIGNED_IN = Rule("signed_in")
PUBLIC = Rule("public")
# Sign-in flow forms: any caller, but only with the form's CSRF token (checked: refused without it).
CSRF_ONLY = Rule("csrf_only")

ROUTE_MAP: dict[tuple[str, str], Rule] = {
    # infrastructure
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("MOUNT", "/static"): Rule("static", sample="/static/app.css"),
    ("MOUNT", "/docs-assets"): Rule("static", sample="/docs-assets/swagger-ui.css"),
    # sign-in
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): CSRF_ONLY,
    ("POST", "/login/code"): CSRF_ONLY,
    ("POST", "/logout"): CSRF_ONLY,
    # JSON API: patients and centres
    ("GET", "/api/v1/centres"): act("patient:read"),
    ("GET", "/api/v1/patients"): act("patient:read"),
    ("POST", "/api/v1/patients"): act("patient:write", "centre"),
    ("GET", "/api/v1/patients/{patient_id}"): act("patient:read", "patient"),
    ("PATCH", "/api/v1/patients/{patient_id}"): act("patient:write", "patient"),
    ("POST", "/api/v1/patients/{patient_id}/void"): act("patient:write", "patient", consumes=True),
    ("GET", "/api/v1/patients/{patient_id}/assessment"): act("assessment:read", "patient"),
    ("GET", "/api/v1/instruments"): SIGNED_IN,
    ("GET", "/api/v1/patients/{patient_id}/step-up"): act("assessment:read", "patient"),
    ("GET", "/api/v1/patients/{patient_id}/schedule"): act("assessment:read", "patient"),
    ("GET", "/api/v1/patients/{patient_id}/flare-signals"): act("assessment:read", "patient"),
    ("GET", "/api/v1/patients/{patient_id}/doses"): act("assessment:read", "patient", reached=(409, 422)),
    # JSON API: every record kind
    ("GET", "/api/v1/patients/{patient_id}/<kind>"): act("record:read", "patient"),
    ("POST", "/api/v1/patients/{patient_id}/<kind>"): act("record:write", "patient"),
    ("GET", "/api/v1/patients/{patient_id}/<kind>/{record_id}"): act("record:read", "patient"),
    ("GET", "/api/v1/patients/{patient_id}/<kind>/{record_id}/history"): act("record:read", "patient"),
    ("PATCH", "/api/v1/patients/{patient_id}/<kind>/{record_id}"): act("record:write", "patient"),
    ("POST", "/api/v1/patients/{patient_id}/<kind>/{record_id}/void"): act("record:void", "patient",
                                                                            consumes=True),
    # JSON API: audit and research
    ("GET", "/api/v1/audit"): act("audit:read"),
    ("GET", "/api/v1/audit/fhir"): act("audit:read"),
    ("GET", "/api/v1/research/cohort"): act("export:deidentified"),
    # pages: the caller's own account, and password reset (anyone, with the form's CSRF token)
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): Rule("signed_in", reached=REFUSED_FORM),  # empty form: nothing changes
    ("GET", "/account/two-factor"): SIGNED_IN,
    ("POST", "/account/two-factor/start"): SIGNED_IN,  # begins enrolment; sign-in is unchanged until confirmed
    ("POST", "/account/two-factor/confirm"): Rule("signed_in", reached=REFUSED_FORM),
    ("POST", "/account/two-factor/disable"): Rule("signed_in", reached=REFUSED_FORM),
    ("GET", "/password-reset"): PUBLIC,
    ("POST", "/password-reset"): Rule("public", reached=REFUSED_FORM),
    ("GET", "/password-reset/{token}"): Rule("public", reached=(200, 400, 404)),  # a forged link
    ("POST", "/password-reset/{token}"): Rule("public", reached=(200, 400, 404, 422)),
    # pages: the families' education library, for anyone signed in (no patient data)
    ("GET", "/family/learn"): SIGNED_IN,
    ("GET", "/family/learn/search"): SIGNED_IN,
    ("GET", "/family/learn/{page_id}"): SIGNED_IN,
    ("GET", "/notices"): SIGNED_IN,  # only the caller's own notices
    ("POST", "/notices/read"): SIGNED_IN,  # marks only the caller's own
    # pages: administration and research
    ("GET", "/admin/audit"): act("audit:read"),
    ("GET", "/admin/audit/export.json"): act("audit:read"),
    ("GET", "/admin/users"): act("user:manage"),
    ("POST", "/admin/users"): act("user:manage", reached=REFUSED_FORM),
    ("POST", "/admin/users/{user_id}/deactivate"): act("user:manage"),
    ("POST", "/admin/users/{user_id}/activate"): act("user:manage"),
    ("GET", "/admin/tokens"): act("user:manage"),
    ("POST", "/admin/tokens"): act("user:manage", reached=REFUSED_FORM),
    ("POST", "/admin/tokens/{token_id}/revoke"): act("user:manage", consumes=True),
    ("GET", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens"): Rule("signed_in", reached=REFUSED_FORM),  # empty form: no token made
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,  # only the caller's own; others' untouched
    ("GET", "/research"): act("cohort:read"),
    ("GET", "/admin/centres"): act("user:manage"),
    ("POST", "/admin/centres/{centre_id}/emergency-number"): act("user:manage"),
    # pages: patients and records
    ("GET", "/patients"): act("patient:read"),
    ("GET", "/patients/new"): act("patient:write"),
    ("POST", "/patients/new"): act("patient:write", "centre", out_of_scope=422),
    ("GET", "/patients/{patient_id}"): act("record:read", "patient"),
    ("GET", "/patients/{patient_id}/assessment"): act("assessment:read", "patient"),
    ("GET", "/patients/{patient_id}/edit"): act("patient:write", "patient"),
    ("POST", "/patients/{patient_id}/edit"): act("patient:write", "patient"),
    ("GET", "/patients/{patient_id}/lesions/new"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/lesions/new"): act("record:write", "patient"),
    ("GET", "/patients/{patient_id}/labs/blood-count"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/labs/blood-count"): act("record:write", "patient"),
    ("GET", "/patients/{patient_id}/treatment"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/flares"): act("record:write", "patient", reached=REFUSED_FORM),
    ("GET", "/patients/{patient_id}/chaq"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/chaq"): act("record:write", "patient", reached=REFUSED_FORM),
    ("GET", "/patients/{patient_id}/letters/clinic.pdf"): act("record:write", "patient"),
    ("GET", "/patients/{patient_id}/letters/school.pdf"): act("record:write", "patient"),
    ("GET", "/worklist"): act("record:write"),
    ("GET", "/patients/{patient_id}/{slug}/new"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/{slug}/new"): act("record:write", "patient"),
    ("GET", "/patients/{patient_id}/{slug}/{record_id}/edit"): act("record:write", "patient"),
    ("POST", "/patients/{patient_id}/{slug}/{record_id}/edit"): act("record:write", "patient"),
    ("GET", "/patients/{patient_id}/{slug}/{record_id}/void"): act("record:void", "patient"),
    ("POST", "/patients/{patient_id}/{slug}/{record_id}/void"): act("record:void", "patient", consumes=True),
    ("GET", "/patients/{patient_id}/{slug}/{record_id}/history"): act("record:read", "patient"),
    # the family's own pages: family:read is the families' action only, so staff get 403 (never the data)
    ("GET", "/family"): act("family:read"),
    ("GET", "/family/{patient_id}"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/plan"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/messages"): act("family:read", "patient"),
    ("POST", "/family/{patient_id}/messages"): act("message:reply", "patient"),
    ("GET", "/family/{patient_id}/privacy"): act("diary:write", "patient"),
    ("POST", "/family/{patient_id}/privacy"): act("diary:write", "patient"),
    # the family's own data (diary:read through family_child, which staff never pass: family:read decides)
    ("GET", "/family/{patient_id}/my-data"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/my-data/diary.csv"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/my-data/diary.fhir.json"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/my-data/summary"): act("family:read", "patient"),
    ("GET", "/family/{patient_id}/my-data/summary.pdf"): act("family:read", "patient"),
    # the invitation link: anyone holding it (a forged one answers 410 in words)
    ("GET", "/invite/{token}"): Rule("public", reached=(200, 410)),
    ("POST", "/invite/{token}"): Rule("public", reached=(200, 410, 422)),
    # the care team's side of family access and messages
    ("GET", "/patients/{patient_id}/family"): act("family:manage", "patient"),
    ("POST", "/patients/{patient_id}/family/invite"): act("family:manage", "patient"),
    ("POST", "/patients/{patient_id}/family/invitations/{invitation_id}/revoke"): act(
        "family:manage", "patient", reached=(303, 404)),  # another patient's invitation answers 404
    ("POST", "/patients/{patient_id}/family/accounts/{user_id}/remove"): act("family:manage", "patient"),
    ("POST", "/patients/{patient_id}/family/diary"): act("family:manage", "patient"),
    ("GET", "/patients/{patient_id}/family/messages"): act("message:write", "patient"),
    ("POST", "/patients/{patient_id}/family/messages"): act("message:write", "patient"),
    # voiding or merging a whole patient: the role that may void records (clinicians, not nurses)
    ("GET", "/patients/{patient_id}/void"): act("record:void", "patient"),
    ("POST", "/patients/{patient_id}/void"): act("record:void", "patient", consumes=True),
    ("GET", "/patients/{patient_id}/merge"): act("record:void", "patient"),
    ("POST", "/patients/{patient_id}/merge"): act("record:void", "patient", reached=REFUSED_FORM),
    # the diary: read with the family's pages; written by the family member who keeps it (the world's diaries
    # are kept by the parent, the default, so the young person reads them and is refused a write with 403)
    ("GET", "/family/{patient_id}/diary/new"): act("diary:write", "patient", keeper_only=True),
    ("POST", "/family/{patient_id}/diary"): act("diary:write", "patient", keeper_only=True, reached=REFUSED_FORM),
    ("GET", "/family/{patient_id}/diary/{record_id}/edit"): act("diary:write", "patient", keeper_only=True),
    ("POST", "/family/{patient_id}/diary/{record_id}/edit"): act("diary:write", "patient", keeper_only=True,
                                                                 reached=REFUSED_FORM),
    ("GET", "/family/{patient_id}/diary/{record_id}/history"): act("family:read", "patient"),
    # reminders: seen by anyone linked; set by the family member who keeps the diary (an empty form is refused)
    ("GET", "/family/{patient_id}/reminders"): act("family:read", "patient"),
    ("POST", "/family/{patient_id}/reminders/diary"): act("diary:write", "patient", keeper_only=True,
                                                          reached=REFUSED_FORM),
    ("POST", "/family/{patient_id}/reminders/medicine"): act("diary:write", "patient", keeper_only=True,
                                                             reached=REFUSED_FORM),
    # the care team's alert queue
    ("GET", "/alerts"): act("alert:acknowledge"),
    ("POST", "/alerts/{alert_id}/acknowledge"): act("alert:acknowledge"),
}


@dataclass(frozen=True)
class Route:
    method: str  # an HTTP method, or "MOUNT" for a mounted app (static files)
    path: str  # as the app declares it
    kind: str | None  # the record kind slug for per-kind API routes

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def key(self) -> tuple[str, str]:
        if self.kind is None:
            return self.method, self.path
        return self.method, self.path.replace(f"/{self.kind}", "/<kind>", 1)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _flat(app: FastAPI) -> list[object]:
    """The app's routes with included routers opened up (FastAPI >= 0.16x keeps them nested)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def app_routes(app: FastAPI) -> list[Route]:
    kinds = tuple(available_kinds())
    found: list[Route] = []
    for route in _flat(app):
        path = str(getattr(route, "path", ""))
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            found.append(Route("MOUNT", path, None))
            continue
        methods = set(getattr(route, "methods", None) or ())
        if "GET" in methods:
            methods.discard("HEAD")  # Starlette answers HEAD for every GET route
        kind = next((k for k in kinds if path.startswith("/api/v1/patients/{patient_id}/")
                     and path.split("/")[5] == k), None)
        found.extend(Route(m, path, kind) for m in sorted(methods))
    return found


def rule_for(route: Route) -> Rule | None:
    return ROUTE_MAP.get(route.key)
