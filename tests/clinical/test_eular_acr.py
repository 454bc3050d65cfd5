"""EULAR/ACR 2025 classification criteria for paediatric CNO (Zhao 2025, PMID 40342207).

Verified (reference notes §3): entry = typical imaging AND bone pain; exclusions = malignancy, infection,
vitamin C deficiency, hypophosphatasia; nine weighted domains; classified at >= 55 points. The point table
itself was not available, so scoring is tested with tests/fixtures/synthetic-eular-weights.yaml, whose
numbers are made up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import ALL_EXCLUDED, SYNTHETIC_WEIGHTS, biopsy, build_case, item, run_eular, synthetic_weights

from cnocare.clinical.criteria.eular_acr import WEIGHTS_MISSING, definition, load_weights

ENTRY_IDS = {"entry_bone_pain", "entry_typical_imaging", "entry_onset_before_18", "entry_pain_at_least_6_weeks"}
EXCLUSION_IDS = {"exclusion_malignancy", "exclusion_infection", "exclusion_vitamin_c_deficiency",
                 "exclusion_hypophosphatasia"}

# With the synthetic table (max per domain): clavicle 20 + multifocal 15 + onset >= 3 5 + no coexisting 0
# + no fever 4 + non-inflammatory biopsy 0 + Hb >= 100 3 + CRP < 10 6 + ESR < 20 2 = 55.
AT_55: dict[str, Any] = {
    "lesions": ["clavicle:left", "clavicle:right"], "crp": 5, "esr": 10, "blood_count": "normal",
    "temperature": 37.0, "biopsies": [biopsy(["normal_bone"])], "excluded": ALL_EXCLUDED,
    "conditions": [{"kind": k, "present": False} for k in ("psoriasis", "palmoplantar_pustulosis",
                                                            "inflammatory_bowel_disease")],
}


def test_without_weights_the_result_is_incomplete_and_says_the_weights_are_not_loaded() -> None:
    result = run_eular(build_case(**AT_55))
    assert (result.status, result.classification, result.score, result.range) == \
        ("incomplete", "indeterminate", None, None)
    assert any("Weights not loaded" in w for w in result.warnings)
    assert WEIGHTS_MISSING in result.missing
    ids = {i.id for i in result.items}
    assert ids >= ENTRY_IDS | EXCLUSION_IDS
    assert all(item(result, i).value is True for i in ENTRY_IDS)
    assert all(item(result, i).value is False for i in EXCLUSION_IDS)
    assert all(i.points is None for i in result.items)


def test_without_weights_the_domain_values_are_still_shown_for_review() -> None:
    result = run_eular(build_case(**AT_55))
    assert item(result, "site_clavicle").value is True
    assert item(result, "crp_mg_per_l").value == 5


def test_a_missing_entry_criterion_makes_the_criteria_not_applicable() -> None:
    result = run_eular(build_case(**{**AT_55, "bone_pain": False}), synthetic_weights())
    assert (result.status, result.classification, result.score) == ("not_applicable", "not_met", None)
    assert item(result, "entry_bone_pain").value is False
    assert "entry criterion not met: Bone pain (obligatory)" in result.explanation


def test_onset_at_18_is_outside_the_entry_criteria() -> None:
    result = run_eular(build_case(**{**AT_55, "age_at_onset": 18}))
    assert result.status == "not_applicable"
    assert item(result, "entry_onset_before_18").value is False


def test_pain_for_less_than_6_weeks_is_outside_the_entry_criteria() -> None:
    assert run_eular(build_case(**{**AT_55, "pain_weeks": 5.9})).status == "not_applicable"
    assert run_eular(build_case(**{**AT_55, "pain_weeks": 6})).status == "incomplete"


@pytest.mark.parametrize("kind", ALL_EXCLUDED)
def test_a_confirmed_exclusion_makes_the_criteria_not_applicable(kind: str) -> None:
    others = tuple(k for k in ALL_EXCLUDED if k != kind)
    result = run_eular(build_case(**{**AT_55, "excluded": others, "confirmed": (kind,)}), synthetic_weights())
    assert (result.status, result.classification) == ("not_applicable", "not_met")
    # A confirmed exclusion is a proven mimic: the result names it instead of scoring.
    assert [i.id for i in result.items] == ["proven_mimic"]
    assert "another diagnosis is proven" in result.explanation and "confirmed" in result.explanation


def test_exclusions_not_yet_documented_are_listed_as_missing() -> None:
    result = run_eular(build_case(**{**AT_55, "excluded": ()}))
    assert "malignancy documented as excluded" in result.missing
    assert result.classification == "indeterminate"


def test_the_synthetic_table_scores_55_which_meets_the_threshold() -> None:
    result = run_eular(build_case(**AT_55), synthetic_weights())
    assert (result.status, result.score, result.classification) == ("complete", 55, "met")
    assert result.threshold == ">= 55"
    assert definition().threshold is not None and definition().threshold.status == "verified"
    assert any("SYNTHETIC" in w for w in result.warnings)


def test_the_synthetic_table_scores_54_which_does_not_meet_the_threshold() -> None:
    result = run_eular(build_case(**{**AT_55, "crp": 15}), synthetic_weights())  # CRP domain 6 -> 5
    assert (result.status, result.score, result.classification) == ("complete", 54, "not_met")


def test_only_the_highest_item_of_a_domain_counts_with_max_per_domain() -> None:
    case = build_case(**{**AT_55, "lesions": ["clavicle:left", "T7"]})  # site: clavicle 20, spine 8
    by_max = run_eular(case, synthetic_weights())
    by_sum = run_eular(case, synthetic_weights(aggregation="sum"))
    # max: 20 + 15 + 5 + 4 + 3 + 6 + 2 = 55; sum: (20 + 8) + 15 + 5 + 4 + 3 + (6 + 5) + 2 = 68
    assert by_max.score == 55
    assert by_sum.score == 68
    assert item(by_max, "syn_site_spine").points == 8  # the item still shows its points


def test_an_unknown_domain_input_gives_a_range_and_the_missing_input() -> None:
    result = run_eular(build_case(**{**AT_55, "esr": None}), synthetic_weights())
    assert (result.status, result.range, result.classification) == ("incomplete", (53, 55), "indeterminate")
    assert "ESR" in result.missing


def test_with_weights_but_exclusions_undocumented_a_high_score_is_not_called_met() -> None:
    result = run_eular(build_case(**{**AT_55, "excluded": ()}), synthetic_weights())
    assert result.classification == "indeterminate"
    assert result.status == "incomplete"


def test_onset_before_3_warns_to_take_extreme_caution() -> None:
    result = run_eular(build_case(**{**AT_55, "age_at_onset": 2.5}))
    assert any("extreme caution" in w for w in result.warnings)


# ---- loading a weights table ------------------------------------------------------------------

def write_table(tmp_path: Path, change: Any) -> Path:
    data = yaml.safe_load(SYNTHETIC_WEIGHTS.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "weights.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _set(key: str, value: Any) -> Any:
    return lambda d: d.__setitem__(key, value)


def _set_item(index: int, key: str, value: Any) -> Any:
    return lambda d: d["items"][index].__setitem__(key, value)


BAD_TABLES = {
    "unknown domain": (_set_item(0, "domain", "shoe_size"), "domain 'shoe_size'; accepted: site"),
    "negative points": (_set_item(0, "points", -3), "points -3.0; accepted: a number >= 0"),
    "same person": (_set("checked_by", ["synthetic-test-fixture-a"]), "checked_by must name people other than"),
    "missing domain": (lambda d: d.__setitem__("items", [i for i in d["items"] if i["domain"] != "esr"]),
                       "no items for domain(s): esr"),
    "unknown feature": (_set_item(0, "when", {"feature": "telepathy"}), "unknown feature 'telepathy'"),
    "unknown measure": (_set_item(5, "when", {"measure": "shoe_size", "op": ">", "value": 3}),
                        "unknown measure 'shoe_size'"),
    "wrong instrument": (_set("instrument", "jansson-2009"), "instrument 'jansson-2009'; accepted: 'eular-acr-2025'"),
    "wrong unit": (_set_item(10, "when", {"measure": "crp", "op": "<", "value": 10, "unit": "g"}),
                   "unit 'g' for crp"),
}


@pytest.mark.parametrize("defect", sorted(BAD_TABLES))
def test_load_weights_refuses_a_defective_table_and_names_the_problem(tmp_path: Path, defect: str) -> None:
    change, message = BAD_TABLES[defect]
    path = write_table(tmp_path, change)
    with pytest.raises(ValueError) as excinfo:
        load_weights(path)
    assert message in str(excinfo.value)
    assert str(path) in str(excinfo.value)


def test_load_weights_refuses_an_empty_or_missing_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    for path in (empty, tmp_path / "absent.yaml"):
        with pytest.raises(ValueError, match="EULAR/ACR weights table"):
            load_weights(path)


def test_the_synthetic_fixture_is_marked_synthetic_and_checked_by_a_second_person() -> None:
    table = synthetic_weights()
    assert table.synthetic is True
    assert table.transcribed_by == ("synthetic-test-fixture-a",)
    assert table.checked_by == ("synthetic-test-fixture-b",)
    assert {i.domain for i in table.items} == set(definition().domains)
