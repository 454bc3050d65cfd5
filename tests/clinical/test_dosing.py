"""Doses come only from a site formulary (a SYNTHETIC one here: its numbers are made up)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cnocare import analytics
from cnocare.clinical.case import Case
from cnocare.clinical.dosing import calculate
from cnocare.knowledge.formulary import load_formulary, parse_formulary

SYNTHETIC = Path(analytics.__file__).parent / "synthetic_formulary.yaml"
FORMULARY = load_formulary(SYNTHETIC)
ON = dt.date(2026, 6, 1)


def child(weight: float | None = 30, weighed: str = "2026-05-20") -> Case:
    data: dict[str, Any] = {"case_id": "dose", "patient": {"sex": "female"}, "as_of": ON}
    if weight is not None:
        data["measurements"] = [{"kind": "weight_kg", "date": weighed, "value": weight}]
    return Case.model_validate(data)


def line(drug: str) -> Any:
    return FORMULARY.lines_for(drug)[0]


def test_a_weight_based_dose_shows_its_working_the_weight_and_the_formulary() -> None:
    dose = calculate(line("methotrexate"), FORMULARY, child(30), ON)
    assert dose.dose_mg == 15 and not dose.capped
    assert "0.5 mg/kg × 30 kg = 15 mg" in dose.calculation
    assert dose.weight_date == dt.date(2026, 5, 20) and "SYNTHETIC" in dose.formulary


def test_the_single_maximum_caps_the_dose() -> None:
    dose = calculate(line("methotrexate"), FORMULARY, child(60), ON)
    assert (dose.dose_mg, dose.capped) == (20, True)


def test_the_daily_maximum_reduces_a_twice_daily_dose() -> None:
    dose = calculate(line("naproxen"), FORMULARY, child(90), ON)  # 450 mg x 2 = 900 > 800
    assert dose.dose_mg == 400 and dose.capped and "daily total" in dose.calculation


def test_no_weight_or_an_old_weight_is_refused_with_what_to_record() -> None:
    assert calculate(line("methotrexate"), FORMULARY, child(None), ON).refused.startswith("No weight recorded")
    old = calculate(line("methotrexate"), FORMULARY, child(30, "2026-01-02"), ON)
    assert old.dose_mg is None and "150 days old; the site allows 90" in (old.refused or "")


def test_a_formulary_line_without_a_maximum_is_refused_naming_the_line() -> None:
    data = yaml.safe_load(SYNTHETIC.read_text())
    del data["lines"][1]["max_daily_mg"]
    with pytest.raises(ValueError, match=r"line 2 \(naproxen\): max_daily_mg missing"):
        parse_formulary(data, "test")


@settings(max_examples=100, deadline=None)
@given(st.floats(2, 150))
def test_no_weight_ever_gives_more_than_the_maxima(weight: float) -> None:
    for drug in ("methotrexate", "naproxen"):
        f = line(drug)
        dose = calculate(f, FORMULARY, child(round(weight, 1)), ON)
        assert dose.dose_mg is not None and dose.dose_mg <= f.max_single_mg
        assert dose.dose_mg * (f.doses_per_day or 1) <= f.max_daily_mg + 1e-9
