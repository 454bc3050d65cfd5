"""Plausibility warnings: values that are possible but unusual enough to be worth a second look.

Impossible values never get this far (the Case refuses them); these are kept and flagged.
"""

from __future__ import annotations

from cnocare.clinical.case import Case
from cnocare.clinical.facts import FEVER_THRESHOLD_C
from cnocare.knowledge.catalogue import lab_tests

TEMPERATURE_USUAL_C = (35.0, 42.0)   # local choice: outside this a reading is more likely a typo
ONSET_USUAL_MAX_YEARS = 18            # EULAR/ACR entry (secondary source): paediatric CNO starts before 18


def warnings(case: Case) -> tuple[str, ...]:
    out: list[str] = []
    tests = lab_tests()
    for i, r in enumerate(case.labs):
        test = tests[r.test]
        if r.canonical_value is None or test.usual is None:
            continue
        lo, hi = test.usual
        if not lo <= r.canonical_value <= hi:
            out.append(f"labs[{i}] {r.test} {r.value:g} {r.unit} on {r.date} is unusual (usual {lo:g}-{hi:g} "
                       f"{test.unit}): please check the value and unit.")
    for i, s in enumerate(case.symptoms):
        t = s.temperature_max_c
        if t is not None and not TEMPERATURE_USUAL_C[0] <= t <= TEMPERATURE_USUAL_C[1]:
            out.append(f"symptoms[{i}] temperature {t:g} °C is unusual: please check.")
        if t is not None and not s.present and t >= FEVER_THRESHOLD_C:
            out.append(f"symptoms[{i}] says no fever but records {t:g} °C, which counts as fever: please check.")
    age = case.age_at_onset_years
    if age is not None and age >= ONSET_USUAL_MAX_YEARS:
        out.append(f"Onset at {age:.1f} years: adult-onset disease; paediatric instruments may not apply.")
    dup = _duplicate_labs(case)
    if dup:
        out.append("Same test recorded twice on one date with different values: " + ", ".join(dup) + ".")
    return tuple(out)


def _duplicate_labs(case: Case) -> list[str]:
    seen: dict[tuple[str, object], float | None] = {}
    dups = []
    for r in case.labs:
        key = (r.test, r.date)
        if key in seen and seen[key] != r.canonical_value:
            dups.append(f"{r.test} {r.date}")
        seen[key] = r.canonical_value
    return dups
