"""The accessibility check for browser tests: axe-core (npm, pinned in package-lock.json) run on the page
as it stands, failing on any serious or critical violation.

    from tests.web.axe import assert_accessible
    assert_accessible(page)                       # the whole page
    assert_accessible(page, context="#diary")     # one part of it

The app's Content-Security-Policy forbids inline scripts, and Playwright's ``add_script_tag(path=...)``
inserts the file's text inline, so the browser context must be created with ``bypass_csp=True`` (the
``family_phone`` fixture in tests/web/family/conftest.py does). Without ``make test``'s ``npm ci`` the
check skips on a laptop and fails under CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def require_axe() -> Path:
    if AXE_JS.exists():
        return AXE_JS
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"axe-core not found at {AXE_JS} but CI=true: run `npm ci` (make test does)")
    pytest.skip(f"axe-core not found at {AXE_JS}; run `npm ci`")
    raise AssertionError("unreachable")


def violations(page: Any, context: str | None = None) -> list[dict[str, Any]]:
    """Every serious or critical axe violation on the page (or inside ``context``, a CSS selector)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(path=str(require_axe()))
        except Exception as error:  # Playwright's Error; a CSP refusal reads as below
            if "Content Security Policy" in str(error):
                raise AssertionError("axe cannot be injected: create the browser context with "
                                     "bypass_csp=True (see tests/web/family/conftest.py)") from error
            raise
    result: dict[str, Any] = page.evaluate(
        "async (ctx) => await window.axe.run(ctx ? document.querySelector(ctx) : document, "
        "{resultTypes: ['violations']})", context)
    return [v for v in result["violations"] if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        lines.append(f"{v['impact']}: {v['id']} — {v['help']} ({targets})")
    return "\n".join(lines)


def assert_accessible(page: Any, context: str | None = None) -> None:
    found = violations(page, context)
    assert not found, f"axe found serious or critical problems on {page.url}:\n{describe(found)}"
