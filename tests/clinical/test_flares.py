"""Flare signals from imaging, visits and labs; a pain rule only when the site sets one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from builders import lab

from cnocare.clinical.case import Case
from cnocare.clinical.flares import PainRule, detect


def child(**changes: Any) -> Case:
    return Case.model_validate({"case_id": "flare", "patient": {"sex": "female", "date_of_birth": "2015-01-01"},
                                **changes})


def mri(day: str, *sites: tuple[str, str | None]) -> dict[str, Any]:
    return {"date": day, "modality": "mri", "lesions": [
        {"site": s, **({"side": side} if side else {}), "findings": ["marrow_oedema"]} for s, side in sites]}


def test_a_lesion_not_seen_before_is_a_new_lesion_signal() -> None:
    report = detect(child(imaging=[mri("2026-01-01", ("tibia", "left")),
                                   mri("2026-06-01", ("tibia", "left"), ("T8", None))]))
    assert [(s.kind, s.date) for s in report.signals] == [("new_lesion", dt.date(2026, 6, 1))]
    assert "Thoracic vertebra T8" in report.signals[0].evidence


def test_the_same_lesion_seen_again_is_not_a_flare() -> None:
    report = detect(child(imaging=[mri("2026-01-01", ("tibia", "left")), mri("2026-06-01", ("tibia", "left"))]))
    assert report.signals == ()


def test_crp_rising_above_the_range_after_a_normal_value_is_a_signal_with_both_values() -> None:
    labs = [lab("crp", 4, "mg/L", on=dt.date(2026, 1, 1)), lab("crp", 25, "mg/L", on=dt.date(2026, 4, 1))]
    [signal] = detect(child(labs=labs)).signals
    assert signal.kind == "rising_marker" and "4 mg/L" in signal.evidence and "25 mg/L" in signal.evidence
    assert "default range — the laboratory sent none" in signal.evidence


def test_new_painful_sites_and_the_site_pain_rule() -> None:
    visits = [{"date": f"2026-0{m}-01", "pain_0_10": p, "painful_sites": sites}
              for m, p, sites in ((1, 3, ["tibia"]), (2, 7, ["tibia"]), (3, 8, ["tibia", "clavicle"]))]
    off = detect(child(activity=visits))
    assert [s.kind for s in off.signals] == ["new_painful_site"]
    assert off.notes and "has not set a pain threshold" in off.notes[0]
    on = detect(child(activity=visits), pain_rule=PainRule(threshold_0_10=7, visits=2))
    assert {s.kind for s in on.signals} == {"new_painful_site", "sustained_pain"}
