"""CARRA consensus treatment plan eligibility (Zhao 2018, Table 1, PMID 29112802) and the plans' checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import lab

from cnocare.clinical.case import Case
from cnocare.clinical.stepup import assess

ON = dt.date(2026, 6, 1)
WB_MRI = {"date": "2026-05-01", "modality": "whole_body_mri", "lesions": [
    {"site": "tibia", "side": "left", "segment": "distal_metaphysis", "findings": ["marrow_oedema"],
     "findings_complete": True},
    {"site": "tibia", "side": "right", "segment": "distal_metaphysis", "findings": ["marrow_oedema"],
     "findings_complete": True}]}
NSAID_FAILED = {"drug": "naproxen", "drug_class": "nsaid", "start": "2026-03-01", "response": "partial"}
EXCLUDED = [{"kind": "malignancy", "status": "excluded", "date": "2026-04-01"},
            {"kind": "infection", "status": "excluded", "date": "2026-04-01"}]


def child(**changes: Any) -> Case:
    data: dict[str, Any] = {"case_id": "step-up", "as_of": ON,
                            "patient": {"sex": "female", "date_of_birth": "2014-02-02"},
                            "imaging": [WB_MRI], "medicines": [NSAID_FAILED], "alternative_diagnoses": EXCLUDED}
    return Case.model_validate({**data, **changes})


def item(result: Any, item_id: str) -> Any:
    return next(i for i in result.eligibility.items if i.id == item_id)


def test_a_child_failing_4_weeks_of_nsaids_with_typical_symmetric_lesions_is_eligible() -> None:
    options = assess(child())
    assert options.eligibility.classification == "met"
    assert item(options, "biopsy_or_typical").value is True  # symmetric metaphyseal: biopsy may be spared
    assert [p.id for p in options.plans] == ["methotrexate_or_sulfasalazine", "tnf_inhibitor", "bisphosphonate"]
    assert "does not choose a drug" in options.statement


def test_each_item_is_shown_with_the_data_that_decided_it() -> None:
    options = assess(child())
    assert "2026-05-01" in item(options, "mri_oedema").source
    assert "naproxen" in item(options, "active_after_nsaids_or_spine").source


def test_an_mri_older_than_12_weeks_leaves_eligibility_open() -> None:
    old = {**WB_MRI, "date": "2026-02-20"}
    options = assess(child(imaging=[old]))
    assert item(options, "mri_oedema").value is None
    assert options.eligibility.classification == "indeterminate"


def test_less_than_4_weeks_of_nsaids_without_a_spinal_lesion_is_not_yet_enough() -> None:
    short = {**NSAID_FAILED, "start": "2026-05-15"}
    assert item(assess(child(medicines=[short])), "active_after_nsaids_or_spine").value is None


def test_an_active_vertebral_lesion_makes_a_child_eligible_regardless_of_nsaids() -> None:
    spine = {**WB_MRI, "lesions": [*WB_MRI["lesions"], {"site": "T9", "findings": ["marrow_oedema"],
                                                        "findings_complete": True}]}
    assert item(assess(child(imaging=[spine], medicines=[])), "active_after_nsaids_or_spine").value is True


def test_confirmed_malignancy_or_age_over_21_is_not_eligible() -> None:
    cancer = [{"kind": "malignancy", "status": "confirmed"}]
    assert assess(child(alternative_diagnoses=cancer)).eligibility.classification == "not_met"
    older = child(patient={"sex": "male", "date_of_birth": "2004-05-31"})  # 22 on 2026-05-31
    assert item(assess(older), "age").value is False


def test_outstanding_checks_are_listed_per_plan_and_a_low_vitamin_d_is_a_caution() -> None:
    labs = [lab("tb_screen", result="negative", on=dt.date(2026, 5, 2)),
            lab("vitamin_d_25oh", 30, "nmol/L", on=dt.date(2026, 5, 2))]
    options = {p.id: p for p in assess(child(labs=labs)).plans}
    assert "Tuberculosis screening (history and IGRA or skin test)" not in options["tnf_inhibitor"].outstanding
    dmard = options["methotrexate_or_sulfasalazine"]
    assert {"Blood count", "Liver tests (ALT)", "Creatinine"} <= set(dmard.outstanding)
    assert "Dental review" in options["bisphosphonate"].outstanding
    assert any("below 50 nmol/L" in c for c in options["bisphosphonate"].cautions)


def test_glucocorticoid_bridging_and_nsaids_are_permitted_and_il_blockade_is_specialist_only() -> None:
    options = assess(child())
    assert options.permitted_in_all_plans == ("Short courses of glucocorticoids (bridging)", "Continued NSAIDs")
    assert all("specialist consideration only" in s for s in options.specialist_consideration)
    assert {s.split(":")[0].split(" (")[0] for s in options.specialist_consideration} == {
        "IL-1 blockade", "IL-6 blockade", "IL-17 blockade", "IL-12/23 blockade"}


def test_bridging_carries_the_marrow_caution_while_malignancy_is_not_excluded() -> None:
    assert "bone-marrow examination" in assess(child(alternative_diagnoses=[])).statement
