"""The exclusion work-up: red flags, malignancy not excluded, the biopsy statement and test statuses.

No validated score separates CNO from malignancy (reference notes §4.4); the flags come from mimic case
reports and Zhao, Laxer & Ferguson 2017 (a unifocal non-clavicular lesion or an ill-appearing child
warrants biopsy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import biopsy, build_case, lab, symptom

from cnocare.clinical.assess import assess_case
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.workup import WorkupResult, assess
from cnocare.knowledge.catalogue import read_data_file
from cnocare.knowledge.workup import red_flag_definitions

BASE: dict[str, Any] = {"lesions": ["clavicle:left", "tibia:left"]}  # multifocal: fires no flag by itself


def med(drug_class: str, response: str) -> dict[str, Any]:
    return {"drug": f"synthetic {drug_class}", "drug_class": drug_class, "start": "2026-01-05", "response": response}


def with_finding(finding: str) -> dict[str, Any]:
    return {"lesions": [("tibia:left", ["marrow_oedema", finding]), "clavicle:left"]}


# flag id -> (change that raises it, the nearest change that does not)
FLAG_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "cytopenia": ({"blood_count": "low"}, {"blood_count": "normal"}),
    "blasts": ({"labs": [lab("blasts_percent", 3, "%")]}, {"labs": [lab("blasts_percent", 0, "%")]}),
    "platelets_below_100": ({"labs": [lab("platelets", 99, "10^9/L")]}, {"labs": [lab("platelets", 100, "10^9/L")]}),
    "ldh_raised": ({"labs": [lab("ldh", 500, "U/L", low=120, high=300)]},
                   {"labs": [lab("ldh", 300, "U/L", low=120, high=300)]}),
    "soft_tissue_mass": (with_finding("soft_tissue_mass"), with_finding("periosteal_reaction")),
    "onion_skin": (with_finding("onion_skin_periosteal_reaction"), with_finding("periosteal_reaction")),
    "unifocal_non_clavicular": ({"lesions": ["tibia:left"]}, {"lesions": ["clavicle:left"]}),
    "fever_with_high_crp": ({"temperature": 38.5, "crp": 30}, {"temperature": 38.5, "crp": 29.9}),
    "ill_appearance": ({"ill": True}, {"ill": False}),
    "age_under_3": ({"age_at_onset": 2.9}, {"age_at_onset": 3.0}),
    "weight_loss": ({"symptoms": [symptom("weight_loss")]}, {"symptoms": [symptom("weight_loss", False)]}),
    "night_pain_with_systemic_symptoms": ({"symptoms": [symptom("night_pain")], "temperature": 38.6},
                                          {"symptoms": [symptom("night_pain"), symptom("weight_loss", False)],
                                           "fever": False}),
    "vertebral_collapse": ({"lesions": [("T7", ["marrow_oedema", "vertebral_collapse"]), "clavicle:left"]},
                           {"lesions": ["T7", "clavicle:left"]}),
    "poor_nsaid_response": ({"medicines": [med("nsaid", "none")]}, {"medicines": [med("nsaid", "partial")]}),
    "antibiotic_response": ({"medicines": [med("antibiotic", "complete")]}, {"medicines": [med("antibiotic", "none")]}),
    "leucocytosis": ({"labs": [lab("wbc", 26, "10^9/L", low=4.5, high=13.5)]},
                     {"labs": [lab("wbc", 13.5, "10^9/L", low=4.5, high=13.5)]}),
    "early_onset_symmetric": ({"age_at_onset": 2.5, "lesions": ["femur:left", "femur:right"]},
                              {"age_at_onset": 3.0, "lesions": ["femur:left", "femur:right"]}),
}


def workup_of(**kwargs: Any) -> WorkupResult:
    return assess(CaseFacts(build_case(**{**BASE, **kwargs})))


def flag_ids(result: WorkupResult) -> set[str]:
    return {f.id for f in result.red_flags}


def test_every_red_flag_in_the_data_file_has_a_test_case() -> None:
    assert set(FLAG_CASES) == {f["id"] for f in read_data_file("red_flags.yaml")["flags"]}


def test_the_minimal_base_case_raises_no_flag() -> None:
    assert flag_ids(workup_of()) == set()


@pytest.mark.parametrize("flag_id", sorted(FLAG_CASES))
def test_each_red_flag_fires_with_its_trigger(flag_id: str) -> None:
    result = workup_of(**FLAG_CASES[flag_id][0])
    assert flag_id in flag_ids(result)
    raised = next(f for f in result.red_flags if f.id == flag_id)
    definition = next(d for d in red_flag_definitions() if d.id == flag_id)
    assert raised.evidence and (raised.severity, raised.source) == (definition.severity, definition.source)


@pytest.mark.parametrize("flag_id", sorted(FLAG_CASES))
def test_each_red_flag_stays_down_without_its_trigger(flag_id: str) -> None:
    assert flag_id not in flag_ids(workup_of(**FLAG_CASES[flag_id][1]))


def test_an_urgent_malignancy_flag_means_malignancy_is_not_excluded() -> None:
    assert workup_of(blood_count="low").malignancy_not_excluded is True


def test_malignancy_documented_as_excluded_clears_the_flag_and_shows_it_as_cleared() -> None:
    result = workup_of(blood_count="low", excluded=("malignancy",))
    assert result.malignancy_not_excluded is False
    assert "cytopenia" not in flag_ids(result)
    assert [f.id for f in result.cleared_flags] == ["cytopenia"]
    assert "malignancy documented as excluded" in result.cleared_flags[0].evidence


def test_a_cytopenia_after_the_dated_exclusion_raises_the_flag_again() -> None:
    later = lab("wbc", 2.0, "10^9/L", low=4.5, high=13.5, on=dt.date(2026, 3, 9))
    result = workup_of(blood_count="normal", labs=[later],
                       alternative_diagnoses=[{"kind": "malignancy", "status": "excluded", "date": "2026-03-05"}])
    assert "cytopenia" in flag_ids(result)


def test_a_caution_flag_alone_does_not_mean_malignancy_is_not_excluded() -> None:
    assert workup_of(symptoms=[symptom("weight_loss")]).malignancy_not_excluded is False


def test_a_unifocal_non_clavicular_lesion_leaves_both_malignancy_and_infection_open() -> None:
    result = workup_of(lesions=["tibia:left"])
    assert result.malignancy_not_excluded and result.infection_not_excluded


def test_fever_with_high_crp_leaves_infection_but_not_malignancy_open() -> None:
    result = workup_of(temperature=39.0, crp=60)
    assert (result.malignancy_not_excluded, result.infection_not_excluded) == (False, True)


def test_nbods_is_marked_unreliable_when_a_malignancy_flag_is_present() -> None:
    assessment = assess_case(build_case(**BASE, crp=5, blood_count="low"))
    nbods = assessment.instrument("nbods-2023")
    assert nbods.classification == "met"
    assert any("UNRELIABLE" in w for w in nbods.warnings)
    assert any("not excluded" in w for w in nbods.warnings)


def test_nbods_is_not_marked_unreliable_without_a_malignancy_flag() -> None:
    nbods = assess_case(build_case(**BASE, crp=5, blood_count="normal")).instrument("nbods-2023")
    assert not any("UNRELIABLE" in w or "not excluded" in w for w in nbods.warnings)


# ---- biopsy statement ----------------------------------------------------------------------------

# Every red-flag screen recorded and negative: counts, film, LDH, CRP, fever, ill appearance, weight loss,
# night pain (the builder records fever and ill appearance absent, and complete imaging readings).
SCREENED: dict[str, Any] = {"crp": 5, "blood_count": "normal",
                            "labs": [lab("blasts_percent", 0, "%"), lab("ldh", 200, "U/L", low=120, high=300)],
                            "symptoms": [symptom("weight_loss", False), symptom("night_pain", False)]}


def metaphyseal(*sides: str, site: str = "tibia") -> dict[str, Any]:
    return {"date": "2026-03-02", "modality": "whole_body_mri", "lesions": [
        {"site": site, "side": s, "segment": "distal_metaphysis", "findings": ["marrow_oedema"],
         "findings_complete": True} for s in sides]}


@pytest.mark.parametrize(("kwargs", "statement", "reason"), [
    ({**SCREENED, "biopsies": [biopsy()]}, "done", "Bone biopsy done"),
    ({**SCREENED, "lesions": None}, "undetermined", "No lesion recorded"),
    ({"lesions": ["femur:left", "humerus:right"]}, "undetermined", "Still to record: WBC, Hb, platelets, blasts"),
    ({**SCREENED, "lesions": ["tibia:left"]}, "needed", "Single lesion outside the clavicle"),
    ({**SCREENED, "crp": 30, "lesions": ["femur:left", "humerus:right"]}, "needed", "CRP of 30 mg/L"),
    ({**SCREENED, "lesions": ["clavicle:right"]}, "not_needed_if_typical", "clavicle lesion (typical distribution)"),
    ({**SCREENED, "lesions": None, "imaging": [metaphyseal("left", "right")]}, "not_needed_if_typical",
     "symmetric metaphyseal/epiphyseal lesions: Tibia"),
    ({**SCREENED, "lesions": ["rib:left", "rib:right"]}, "advisable", "not the typical one"),
    ({**SCREENED, "lesions": ["clavicle:right"], "symptoms": [symptom("night_pain"), symptom("weight_loss")]},
     "advisable", "caution flag"),
    ({**SCREENED, "lesions": ["femur:left", "humerus:right"], "conditions": ["psoriasis"]},
     "not_needed_if_typical", "psoriasis"),
    ({**SCREENED, "lesions": ["femur:left", "humerus:right"]}, "advisable", "not the typical one"),
])
def test_the_biopsy_statement_follows_flags_screen_and_distribution(kwargs: dict[str, Any], statement: str,
                                                                    reason: str) -> None:
    result = workup_of(**kwargs)
    assert result.biopsy == statement
    assert reason in result.biopsy_reason


def test_an_undetermined_biopsy_statement_names_what_is_missing() -> None:
    result = workup_of(lesions=["femur:left", "humerus:right"], blood_count="normal")
    assert result.biopsy == "undetermined" and "CRP" in result.biopsy_reason


# ---- test statuses -------------------------------------------------------------------------------

def status_of(result: WorkupResult, test_id: str) -> str:
    return next(t.status for t in result.tests if t.id == test_id)


def test_a_full_blood_count_on_file_is_done() -> None:
    assert status_of(workup_of(blood_count="normal"), "blood_count") == "done"


def test_a_partial_blood_count_is_still_advisable_and_says_what_was_done() -> None:
    result = workup_of(labs=[lab("wbc", 7, "10^9/L", low=4.5, high=13.5)])
    test = next(t for t in result.tests if t.id == "blood_count")
    assert test.status == "advisable" and "partly done" in test.detail


def test_a_blood_film_ordered_without_result_is_pending() -> None:
    result = workup_of(labs=[lab("blasts_percent", result="pending")])
    assert status_of(result, "blood_film") == "pending"


def test_a_blood_film_is_advisable_with_a_malignancy_flag_and_optional_without() -> None:
    assert status_of(workup_of(blood_count="low"), "blood_film") == "advisable"
    assert status_of(workup_of(blood_count="normal"), "blood_film") == "optional"


def test_blood_cultures_are_advisable_with_fever_and_done_once_reported() -> None:
    assert status_of(workup_of(temperature=38.9), "blood_culture") == "advisable"
    assert status_of(workup_of(fever=False), "blood_culture") == "optional"
    assert status_of(workup_of(labs=[lab("blood_culture", result="negative")]), "blood_culture") == "done"
    assert status_of(workup_of(labs=[lab("blood_culture", result="pending")]), "blood_culture") == "pending"


def test_vitamin_c_is_advisable_until_scurvy_is_documented_as_excluded() -> None:
    assert status_of(workup_of(), "vitamin_c") == "advisable"
    assert status_of(workup_of(excluded=("vitamin_c_deficiency",)), "vitamin_c") == "optional"


def test_imaging_tests_are_done_when_a_study_of_that_kind_exists() -> None:
    result = workup_of(xray_lesions=["tibia:left"])
    assert status_of(result, "radiograph") == "done"
    assert status_of(result, "local_mri") == "done"
    assert status_of(result, "whole_body_mri") == "advisable"


def test_the_autoimmune_panel_is_optional_and_done_when_any_part_is_reported() -> None:
    assert status_of(workup_of(), "autoimmune_panel") == "optional"
    assert status_of(workup_of(labs=[lab("hla_b27", result="negative")]), "autoimmune_panel") == "done"


def test_a_bone_biopsy_test_follows_the_biopsy_statement() -> None:
    assert status_of(workup_of(**SCREENED, lesions=["tibia:left"]), "bone_biopsy") == "advisable"
    assert status_of(workup_of(**SCREENED, lesions=["clavicle:left"]), "bone_biopsy") == "optional"
    assert status_of(workup_of(**SCREENED, biopsies=[biopsy()]), "bone_biopsy") == "done"


def test_every_work_up_test_in_the_data_file_gets_a_status() -> None:
    ids = [t["id"] for t in read_data_file("workup_tests.yaml")["tests"]]
    result = workup_of()
    assert [t.id for t in result.tests] == ids
    assert {t.status for t in result.tests} <= {"done", "pending", "advisable", "optional"}
