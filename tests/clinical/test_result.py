"""The instrument result contract (clinical/result.py; DESIGN.md "Instrument result contract")."""

from __future__ import annotations

import json

import pytest
from builders import CITATION_KEYS, CONTRACT_KEYS, ITEM_KEYS, build_case
from case_strategies import cases
from hypothesis import HealthCheck, given, settings

from cnocare.clinical.assess import assess_case
from cnocare.clinical.case import Case
from cnocare.clinical.result import InstrumentResult, classify_range

STATUSES = {"complete", "incomplete", "not_applicable"}
CLASSIFICATIONS = {"met", "not_met", "indeterminate"}
VERIFICATIONS = {"verified", "verified-by-derivation", "partial"}


def check_contract(result: InstrumentResult) -> None:
    data = json.loads(result.model_dump_json())
    assert tuple(data) == CONTRACT_KEYS
    assert all(tuple(i) == ITEM_KEYS for i in data["items"])
    assert tuple(data["citation"]) == CITATION_KEYS
    assert data["status"] in STATUSES
    assert data["classification"] in CLASSIFICATIONS
    assert data["verification"] in VERIFICATIONS
    assert data["explanation"]
    assert InstrumentResult.model_validate(data) == result
    if data["status"] == "complete":
        assert data["missing"] == []
        if data["range"] is not None:
            assert data["range"][0] == data["range"][1] == data["score"]
    else:
        assert data["score"] is None
    if data["status"] == "incomplete" and data["classification"] == "indeterminate":
        assert data["missing"], "an undecided result must say what is missing"
    if data["range"] is not None:
        low, high = data["range"]
        assert low <= high
        op, cut = data["threshold"].split()
        if data["status"] != "not_applicable" and result.instrument != "eular-acr-2025":
            assert data["classification"] == classify_range(low, high, op, float(cut))
        if data["classification"] in ("met", "not_met"):
            assert classify_range(low, high, op, float(cut)) == data["classification"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases)
def test_every_instrument_result_keeps_the_contract_on_any_valid_case(case: Case) -> None:
    for result in assess_case(case).instruments:
        check_contract(result)


def test_a_complete_case_keeps_the_contract_too() -> None:
    case = build_case(lesions=["tibia:left", "tibia:right"], crp=12, blood_count="normal", temperature=36.9,
                      bands_per_ul=100, xray_lesions=[("tibia:left", ["marginal_sclerosis"])])
    for result in assess_case(case).instruments:
        check_contract(result)


@pytest.mark.parametrize(("low", "high", "op", "cut", "expected"), [
    (39, 63, ">=", 39, "met"), (38, 38, ">=", 39, "not_met"), (38, 39, ">=", 39, "indeterminate"),
    (17, 17, ">", 17, "not_met"), (18, 40, ">", 17, "met"), (17, 32, ">", 17, "indeterminate"),
])
def test_a_range_is_classified_only_when_it_lies_wholly_on_one_side(low: float, high: float, op: str, cut: float,
                                                                     expected: str) -> None:
    assert classify_range(low, high, op, cut) == expected


def test_an_unknown_threshold_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported threshold operator"):
        classify_range(1, 2, "<", 3)
