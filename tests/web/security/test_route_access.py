"""Every route × every role × every patient situation gets the answer the policy data says it should.

The expected outcome is computed from ``cnocare.security.policy`` (``ROLE_ACTIONS`` through each role's
``Principal.permitted_actions`` and ``can_see_patient``) plus the route → action map in ``routes.py``;
the observed one comes from calling the app. Writes are real (valid bodies), so "allowed" means the
write was made, not just that it got past a check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.web.security import figures
from tests.web.security.conftest import (
    ANONYMOUS,
    CALLERS,
    EXAMPLES,
    SITUATIONS,
    STRANGER_PARENT,
    World,
    patient_data,
)
from tests.web.security.routes import Route, Rule, app_routes, rule_for

from cnocare.knowledge.catalogue import lab_tests
from cnocare.security.policy import ROLE_ACTIONS, can_see_patient
from cnocare.web.kinds import available_kinds, form_fields
from cnocare.web.sessions import CSRF_HEADER, SAFE_METHODS

KINDS = tuple(available_kinds())
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


@dataclass(frozen=True)
class Check:
    route: Route
    rule: Rule
    caller: str
    situation: str  # one of SITUATIONS, "own_centre"/"other_centre" for centre routes, or "none"
    expected: str  # allowed / forbidden / not_found / refused_form / sign_in / unauthenticated / csrf_refused


@dataclass(frozen=True)
class Seen:
    check: Check
    url: str
    status: int
    body: str  # with this request's ids replaced by {patient_id} / {record_id}
    headers: dict[str, str]

    def __str__(self) -> str:
        c = self.check
        return (f"{c.route} as {c.caller} on {c.situation}: expected {c.expected}, got {self.status} "
                f"({self.url}) {self.body[:160]!r}")


def situations_for(rule: Rule) -> tuple[str, ...]:
    if rule.scope == "patient":
        return SITUATIONS
    if rule.scope == "centre":
        return ("own_centre", "other_centre")
    return ("none",)


def expected_outcome(world: World, route: Route, rule: Rule, caller: str, situation: str) -> str:
    if rule.access in ("public", "static"):
        return "allowed"
    if rule.access == "csrf_only":
        return "csrf_refused"
    if caller == ANONYMOUS:
        return "unauthenticated" if route.is_api else "sign_in"
    if rule.access == "signed_in":
        return "allowed"
    principal = world.principals[caller]
    assert rule.action is not None
    if rule.action not in principal.permitted_actions():
        return "forbidden"  # the role may never: says nothing about any patient, existing or not
    if rule.scope == "patient":
        if situation == "nonexistent":
            return "not_found"
        patient = world.patients[situation]
        if not can_see_patient(principal, patient):
            return "not_found"
        return "forbidden" if rule.keeper_only and principal.role == "patient" else "allowed"
    if rule.scope == "centre" and principal.is_staff:
        centre = world.centre_a if situation == "own_centre" else world.centre_b
        if centre not in principal.centre_ids:
            return "refused_form" if rule.out_of_scope == 422 else "not_found"
    return "allowed"


def checks(world: World) -> Iterator[Check]:
    for route in app_routes(world.app):
        rule = rule_for(route)
        if rule is None:
            continue  # test_every_route_the_app_serves_is_classified reports it
        for caller in CALLERS:
            for situation in situations_for(rule):
                yield Check(route, rule, caller, situation,
                            expected_outcome(world, route, rule, caller, situation))


# --- building each request ----------------------------------------------------------------------------

def form_of(slug: str, data: dict[str, Any]) -> dict[str, Any]:
    """The page form for one record of ``slug``: the API example as the form's strings."""
    widgets = {f.name: f.widget for f in form_fields(available_kinds()[slug])}
    out: dict[str, Any] = {}
    for name, value in data.items():
        widget = widgets.get(name)
        if widget is None:
            continue  # lesions: entered through their own rows
        if isinstance(value, bool):
            out[name] = ("on" if value else "") if widget == "checkbox" else ("yes" if value else "no")
        elif isinstance(value, list):
            out[name] = [str(v) for v in value]
        else:
            out[name] = str(value)
    return out


def request_for(world: World, check: Check, index: int) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """(method, url, httpx keyword arguments, {real id: placeholder}) for one check."""
    route, rule, caller, situation = check.route, check.rule, check.caller, check.situation
    if rule.access == "static":
        assert rule.sample is not None
        return "GET", rule.sample, {}, {}
    slug = route.kind or KINDS[index % len(KINDS)]  # generic page routes: every kind, in turn
    fresh = rule.consumes and check.expected == "allowed"
    ids: dict[str, str] = {}
    params: dict[str, str] = {}
    if "{patient_id}" in route.path:
        params["patient_id"] = pid = (world.fresh_patient(situation) if fresh and "{record_id}" not in route.path
                                      else world.patient_id(situation))
        ids[pid] = "{patient_id}"
    if "{record_id}" in route.path:
        params["record_id"] = rid = (world.diary_id(situation) if route.path.startswith("/family/")
                                     else world.fresh_record(situation, slug) if fresh
                                     else world.record_id(situation, slug))
        ids[rid] = "{record_id}"
    if "{centre_id}" in route.path:  # the caller's own centre's settings (an empty form clears the number)
        params["centre_id"] = str(world.centre_a)
    if "{alert_id}" in route.path:  # an alert at the staff's own centre (acknowledging twice changes nothing)
        params["alert_id"] = str(world.alert_id)
    if "{slug}" in route.path:
        params["slug"] = slug
    if "{user_id}" in route.path:  # account administration acts on the other family's parent
        params["user_id"] = str(world.user_ids[STRANGER_PARENT])
    if "{token_id}" in route.path:
        params["token_id"] = world.throwaway_token()
    if "{invitation_id}" in route.path:
        params["invitation_id"] = "1"
    if "{token}" in route.path:
        params["token"] = "forged.reset.link"
    if "{page_id}" in route.path:  # an education page: the same for every caller
        params["page_id"] = "what-is-cno"
    unknown = set(re.findall(r"{(\w+)}", route.path)) - set(params)
    assert not unknown, f"{route}: no value known for path parameter(s) {unknown}; teach request_for"
    url = route.path.format(**params)
    kwargs: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if rule.access == "csrf_only":
        return route.method, url, {"data": {"username": "x", "password": "y"}}, ids  # no token
    if route.method not in SAFE_METHODS:
        token = world.csrf(caller)
        body = body_for(world, route, situation, slug, params) if rule.reached is None else {}
        if route.is_api:
            headers[CSRF_HEADER] = token
            kwargs["json"] = body
        else:
            kwargs["data"] = {**body, "csrf_token": token}
    kwargs["headers"] = headers
    return route.method, url, kwargs, ids


FAMILY_BODIES = {"/family/invite": {"email": "invited@home.example", "relationship": "parent"},
                 "/remove": {"reason": "checked the family's access"}, "/messages": {"body": "See you on Monday."},
                 "/family/diary": {"keeper": "parent", "parents_see_diary": "yes"},
                 "/privacy": {"parents_see_diary": "yes"}}


def body_for(world: World, route: Route, situation: str, slug: str, params: dict[str, str]) -> dict[str, Any]:
    path, api = route.path, route.is_api
    family = next((body for end, body in FAMILY_BODIES.items() if path.endswith(end)), None)
    if family is not None and "/family" in path:
        return family
    if "/patients" not in path:
        return {}
    centre = world.centre_b if situation == "other_centre" else world.centre_a
    if path in ("/api/v1/patients", "/patients/new"):
        data = patient_data(centre, "New Patient")
        return data if api else {k: str(v) for k, v in data.items()}
    pid, rid = params.get("patient_id", ""), params.get("record_id", "")
    if path.endswith("/void"):
        version = world.patient_version(pid) if "{record_id}" not in path else world.record_version(slug, rid)
        return {"expected_version": version, "reason": "entered for the wrong patient"} if api else {
            "version": str(version), "reason": "entered for the wrong patient"}
    if path == "/api/v1/patients/{patient_id}":
        return {"expected_version": world.patient_version(pid), "reason": "checked", "changes": {"sex": "female"}}
    if path == "/patients/{patient_id}/edit":
        data = patient_data(world.patients.get(situation, {}).get("centre_id", centre), "Edited Name")
        return {**{k: str(v) for k, v in data.items()}, "version": str(world.patient_version(pid)),
                "reason": "checked"}
    if path.endswith("/lesions/new"):
        return {"study": "new", "study_date": "2026-03-02", "study_modality": "mri", "site": "clavicle",
                "side": "left", "activity": "active"}
    if path.endswith("/labs/blood-count"):
        return {"date": "2026-03-02", "wbc-value": "7", "wbc-unit": lab_tests()["wbc"].unit or ""}
    if "{record_id}" in path:  # an edit
        version = world.record_version(slug, rid)
        if api:
            return {"expected_version": version, "reason": "checked", "changes": EXAMPLES[slug]}
        return {**form_of(slug, EXAMPLES[slug]), "version": str(version), "reason": "checked"}
    return EXAMPLES[slug] if api else form_of(slug, EXAMPLES[slug])


def observe(world: World, check: Check, index: int) -> Seen:
    method, url, kwargs, ids = request_for(world, check, index)
    client = world.clients[check.caller]
    response = client.request(method, url, follow_redirects=False, **kwargs)
    body = response.text
    for real, placeholder in ids.items():
        body = body.replace(real, placeholder)
    return Seen(check, url, response.status_code, body, {k.lower(): v for k, v in response.headers.items()})


def matches(seen: Seen) -> bool:
    status, expected = seen.status, seen.check.expected
    location = seen.headers.get("location", "")
    if expected == "allowed" and seen.check.rule.reached is not None:
        return status in seen.check.rule.reached
    if expected == "allowed":
        public = seen.check.rule.access in ("public", "static")
        return 200 <= status < 400 and (public or not location.startswith("/login"))
    if expected == "sign_in":
        return status == 303 and location.startswith("/login?next=")
    return status == {"forbidden": 403, "not_found": 404, "refused_form": 422, "unauthenticated": 401,
                      "csrf_refused": 403}[expected]


@pytest.fixture(scope="module")
def observed(world: World) -> list[Seen]:
    seen = [observe(world, check, i) for i, check in enumerate(checks(world))]
    figures.add("route x role x situation checks (summed over databases)", len(seen))
    return seen


# Cells known to answer wrongly, each with its bug: kept out of the tests above, asserted (strict xfail) below.
KNOWN_BUGS: dict[tuple[tuple[str, str], str], str] = {}


def _without_flash(body: str) -> str:
    """A flash message left by the caller's previous (unfollowed) redirect says nothing about this id."""
    return re.sub(r'<p class="flash"[^>]*>.*?</p>', "", body, flags=re.S)


def known_bug(seen: Seen) -> bool:
    return (seen.check.route.key, seen.check.expected) in KNOWN_BUGS


def mismatches(observed: list[Seen], *outcomes: str, nonexistent: bool | None = None) -> list[str]:
    return [str(s) + (_problem(s.body) if s.status == 422 else "") for s in observed
            if s.check.expected in outcomes and not matches(s) and not known_bug(s)
            and (nonexistent is None or (s.check.situation == "nonexistent") == nonexistent)]


def _problem(html: str) -> str:
    return " | problems: " + "; ".join(re.findall(r'data-error-summary>(.*?)</div>', html, re.S))[:300]


# --- the tests -----------------------------------------------------------------------------------------

def test_every_route_the_app_serves_is_classified_in_the_route_map(world: World) -> None:
    unclassified = [str(r) for r in app_routes(world.app) if rule_for(r) is None]
    assert not unclassified, ("routes without an entry in tests/web/security/routes.py ROUTE_MAP (say which "
                              f"policy action each needs): {unclassified}")


def test_the_route_map_names_no_route_the_app_no_longer_serves(world: World) -> None:
    from tests.web.security.routes import ROUTE_MAP

    served = {r.key for r in app_routes(world.app)}
    assert set(ROUTE_MAP) - served == set()


def test_anonymous_callers_are_sent_to_sign_in_on_pages_and_get_401_from_the_api(observed: list[Seen]) -> None:
    assert not mismatches(observed, "sign_in", "unauthenticated")
    assert any(s.check.expected == "unauthenticated" for s in observed)


def test_sign_in_forms_refuse_a_post_without_their_csrf_token(observed: list[Seen]) -> None:
    assert not mismatches(observed, "csrf_refused")


def test_each_role_reaches_every_route_its_actions_allow_on_patients_it_may_see(observed: list[Seen]) -> None:
    assert not mismatches(observed, "allowed")


def test_patients_outside_the_callers_centre_or_family_answer_404(observed: list[Seen]) -> None:
    assert not mismatches(observed, "not_found", "refused_form")


def test_a_role_without_the_action_is_refused_with_403_on_existing_patients(observed: list[Seen]) -> None:
    assert not mismatches(observed, "forbidden", nonexistent=False)


def test_a_role_without_the_action_is_refused_with_403_even_for_a_nonexistent_patient(
        observed: list[Seen]) -> None:
    assert not mismatches(observed, "forbidden", nonexistent=True)


def test_a_patient_the_caller_may_not_see_answers_byte_for_byte_like_a_nonexistent_one(
        observed: list[Seen]) -> None:
    by_cell: dict[tuple[str, str], dict[str, Seen]] = {}
    for seen in observed:
        if seen.check.rule.scope == "patient" and seen.check.caller != ANONYMOUS:
            by_cell.setdefault((str(seen.check.route), seen.check.caller), {})[seen.check.situation] = seen
    leaks = []
    for (route, caller), cells in by_cell.items():
        absent = cells["nonexistent"]
        for situation, seen in cells.items():
            if seen.check.expected != "not_found" or situation == "nonexistent":
                continue  # roles without the action: see the 403 test above
            if (seen.status, _without_flash(seen.body)) != (absent.status, _without_flash(absent.body)):
                leaks.append(f"{route} as {caller}: {situation} -> {seen.status} {seen.body[:80]!r}; "
                             f"nonexistent -> {absent.status} {absent.body[:80]!r}")
    figures.add("invisible-vs-nonexistent comparisons", sum(len(c) - 1 for c in by_cell.values()))
    assert not leaks, f"{len(leaks)} leaks, e.g.:\n" + "\n".join(leaks[:10])


def test_the_cells_with_known_bugs_answer_as_the_policy_says(observed: list[Seen]) -> None:
    wrong = [str(s) for s in observed if known_bug(s) and not matches(s)]
    assert not wrong, "\n".join(wrong[:10])


def test_every_response_in_the_matrix_carries_the_security_headers(observed: list[Seen]) -> None:
    missing = [f"{s.check.route} ({s.status}): {h}" for s in observed for h in SECURITY_HEADERS
               if h not in s.headers]
    assert not missing, missing[:20]
    for seen in observed:
        csp = seen.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1), csp
        assert "frame-ancestors 'none'" in csp
        assert seen.headers["x-content-type-options"] == "nosniff"
        assert seen.headers["x-frame-options"] == "DENY"


def test_the_expected_outcomes_come_from_the_role_action_matrix(world: World) -> None:
    # Signed-in sessions carry the whole role: permitted_actions is exactly ROLE_ACTIONS for each role.
    assert {r: p.permitted_actions() for r, p in world.principals.items()} == ROLE_ACTIONS


def test_the_matrix_covers_every_role_and_situation(observed: list[Seen]) -> None:
    assert {s.check.caller for s in observed} == set(CALLERS)
    assert {s.check.situation for s in observed} >= set(SITUATIONS)
    assert len(observed) > 1000
    print(f"\nroute x role x situation checks: {len(observed)}")
