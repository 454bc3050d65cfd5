"""The accessibility helper cannot quietly stop checking: without axe-core it fails under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web import axe


def test_a_missing_axe_core_fails_in_ci_and_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(axe, "AXE_JS", tmp_path / "absent" / "axe.min.js")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="axe-core not found"):
        axe.require_axe()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        axe.require_axe()


def test_the_pinned_axe_core_is_installed_where_the_helper_reads_it() -> None:
    assert axe.require_axe().name == "axe.min.js"
