"""Hostile strings and the API plumbing the injection, fuzz and XSS tests share."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from tests.web.security.conftest import EXAMPLES, USERNAMES, World

from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import find_by_username
from cnocare.security.policy import SCOPES

SQL_INJECTION = (
    "' OR 1=1 --",
    "\"; DROP TABLE patients; --",
    "'; UPDATE patients SET name='x' WHERE '1'='1",
    "1; SELECT pg_sleep(0) --",
    "%' OR '%'='",
    "Ｏ'Ｒ 1=1 -- ünïcödé ✓ 病历 \u202e",
    "\\'; --",
)
NUL = "nul\x00byte"  # kept apart: PostgreSQL text cannot hold it (see test_injection.py)
# What a person may type in a note: quotes, angle brackets, ampersands, semicolons, other scripts.
PROBE = "Free text: 'single' \"double\" <b>tags</b> & ;-- ünï 病历"
XSS = (
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "\"><svg onload=window.__xss=1>",
    "javascript:window.__xss=1",
)


def bearer(world: World, role: str = "clinician") -> TestClient:
    """A client of ``role`` holding an API token with every scope the role has."""
    with world.db() as db:
        user = find_by_username(db_session=db, username=USERNAMES[role])
        assert user is not None
        _, raw = create_api_token(db_session=db, user=user, data={"name": "security", "scopes": list(SCOPES)})
    client = TestClient(world.app, headers={"Authorization": f"Bearer {raw}"})
    return client


def text_fields(world: World, api: TestClient, slug: str) -> tuple[str, ...]:
    """The fields of ``slug`` that take any text: every string field the API stores as typed.

    Found by asking the API: string fields without an enum or format, minus those it refuses arbitrary
    text in (catalogue ids such as a bone site or lab test)."""
    from cnocare.web.kinds import available_kinds

    schema = available_kinds()[slug].concept.fields.model_json_schema()
    candidates = [name for name, prop in schema["properties"].items() if _is_plain_text(prop)]
    url = f"/api/v1/patients/{world.patient_id('own_centre')}/{slug}"
    accepted: list[str] = []
    for name in candidates:
        response = api.post(url, json={**EXAMPLES[slug], name: PROBE})
        if response.status_code == 201:
            accepted.append(name)
    return tuple(accepted)


def _is_plain_text(prop: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [prop])
    return any(o.get("type") == "string" and "enum" not in o and "format" not in o for o in options)
