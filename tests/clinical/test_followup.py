"""The follow-up schedule: cited intervals (ACR 2021 JIA monitoring, secondary) or the site's own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import lab

from cnocare.clinical.case import Case
from cnocare.clinical.followup import schedule

MTX = {"drug": "methotrexate", "drug_class": "methotrexate", "start": "2026-01-05"}


def child(**changes: Any) -> Case:
    return Case.model_validate({"case_id": "fu", "patient": {"sex": "male"}, **changes})


def by_rule(case: Case, on: dt.date) -> dict[str, Any]:
    return {i.rule: i for i in schedule(case, on)}


def test_first_bloods_on_methotrexate_are_due_4_to_8_weeks_after_the_start() -> None:
    case = child(medicines=[MTX])
    assert by_rule(case, dt.date(2026, 1, 20))["dmard_bloods"].status == "not_yet_due"
    due = by_rule(case, dt.date(2026, 2, 10))["dmard_bloods"]
    assert due.status == "due" and due.due_from == dt.date(2026, 2, 2) and "methotrexate" in due.reason
    assert by_rule(case, dt.date(2026, 3, 10))["dmard_bloods"].status == "overdue"


def test_a_complete_set_of_bloods_moves_the_next_due_date() -> None:
    bloods = [lab(t, v, u, on=dt.date(2026, 2, 10)) for t, v, u in
              (("wbc", 6, "10^9/L"), ("alt", 20, "U/L"), ("creatinine", 40, "umol/L"))]
    item = by_rule(child(medicines=[MTX], labs=bloods), dt.date(2026, 3, 1))["dmard_bloods"]
    assert item.status == "not_yet_due" and item.due_from == dt.date(2026, 5, 5)
    assert item.last_done == dt.date(2026, 2, 10)


def test_a_rule_without_a_cited_interval_says_the_site_must_set_it() -> None:
    item = by_rule(child(), dt.date(2026, 3, 1))["growth"]
    assert item.status == "interval_not_set" and item.due_by is None and "Interval not set by the site" in item.reason


def test_a_vertebral_lesion_calls_for_spine_surveillance_and_a_stopped_medicine_for_nothing() -> None:
    spine = [{"date": "2026-01-10", "modality": "mri", "lesions": [{"site": "T7", "findings": ["marrow_oedema"]}]}]
    stopped = {**MTX, "stop": "2026-02-01"}
    rules = by_rule(child(imaging=spine, medicines=[stopped]), dt.date(2026, 3, 1))
    assert "spine_surveillance" in rules and "Thoracic vertebra T7" in rules["spine_surveillance"].reason
    assert "dmard_bloods" not in rules


def test_overdue_items_come_first() -> None:
    items = schedule(child(medicines=[MTX]), dt.date(2026, 6, 1))
    assert items[0].status == "overdue"
