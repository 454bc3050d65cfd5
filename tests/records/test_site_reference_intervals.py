"""A site's own default reference intervals replace the bundled table in the app's assessments."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cnocare.clinical.case import Case
from cnocare.records.assessments.engine import assess_to_json, site_reference_intervals
from cnocare.security.settings import get_settings

CASE = Case.model_validate({"case_id": "ri", "patient": {"sex": "female", "date_of_birth": "2016-01-01"},
                            "labs": [{"test": "wbc", "date": "2026-03-01", "value": 14, "unit": "10^9/L"}]})


def normal_count_source(assessment: dict[str, object]) -> str:
    jansson = next(r for r in assessment["instruments"] if r["instrument"] == "jansson-2009")  # type: ignore[attr-defined]
    item = next(i for i in jansson["items"] if i["id"] == "normal_blood_count")
    return str(item["source"]) + f" | value={item['value']}"


def test_the_site_table_named_in_the_settings_decides_and_is_still_labelled(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # WBC 14 at 10 years: above the bundled 6-12 y band (5-13). A (synthetic) site band of 4-15 keeps it inside.
    table = {"version": "synthetic-site-1", "site": "synthetic test laboratory",
             "sources": {"synthetic_lab": "synthetic test laboratory handbook"},
             "tests": {"wbc": {"unit": "10^9/L", "bands": [
                 {"from_years": 0, "low": 4, "high": 15, "source": "synthetic_lab", "status": "local-choice"}]}}}
    path = tmp_path / "ranges.yaml"
    path.write_text(yaml.safe_dump(table), encoding="utf-8")
    bundled, _ = assess_to_json(CASE)
    assert "5–13 10^9/L" in normal_count_source(bundled) and "value=False" in normal_count_source(bundled)
    monkeypatch.setenv("CNOCARE_REFERENCE_INTERVALS_PATH", str(path))
    get_settings.cache_clear()
    site_reference_intervals.cache_clear()
    try:
        local, _ = assess_to_json(CASE)
        assert "4–15 10^9/L, default range — the laboratory sent none" in normal_count_source(local)
        assert "(within the range)" in normal_count_source(local)  # Hb and platelets still to come
    finally:
        monkeypatch.delenv("CNOCARE_REFERENCE_INTERVALS_PATH")
        get_settings.cache_clear()
        site_reference_intervals.cache_clear()
