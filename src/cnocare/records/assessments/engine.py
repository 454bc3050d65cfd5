"""The one seam between records and the clinical core's ``assess_case``.

Imported lazily: records must work (and be tested) even in a build where the assessment engine is
absent; then snapshots say so instead of pretending nothing was found.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cnocare.clinical.case import Case
from cnocare.knowledge.reference_intervals import ReferenceTable, load_reference_intervals
from cnocare.security.settings import get_settings

ENGINE = "cnocare.clinical.assess"
UNAVAILABLE = "unavailable"


def assess_to_json(case: Case) -> tuple[dict[str, Any], str]:
    try:
        from cnocare.clinical.assess import assess_case
    except ModuleNotFoundError as exc:
        if exc.name != ENGINE:
            raise
        reference = case.reference_date
        return ({"case_id": case.case_id, "as_of": reference.isoformat() if reference else None,
                 "instruments": [], "subtype": None, "workup": None,
                 "warnings": ["the clinical assessment engine is not installed; nothing was assessed"]},
                UNAVAILABLE)
    result: dict[str, Any] = assess_case(case, reference_intervals=site_reference_intervals()).model_dump(
        mode="json")
    return result, ENGINE


@cache
def site_reference_intervals() -> ReferenceTable | None:
    """The site's own default reference intervals (CNOCARE_REFERENCE_INTERVALS_PATH), validated once; None:
    the bundled, cited table."""
    path = get_settings().reference_intervals_path
    return load_reference_intervals(path) if path else None


def red_flags(assessment: dict[str, Any]) -> list[dict[str, Any]]:
    workup = assessment.get("workup") or {}
    return list(workup.get("red_flags") or [])
