"""Plausibility warnings: unusual but possible values are saved, and the user is asked to check them.

Impossible values never get here (the Case models refuse them); the usual limits are the lab
catalogue's data-entry limits (knowledge/data/labs.yaml, source local_plausibility).
"""

from __future__ import annotations

from typing import Any

from cnocare.knowledge.catalogue import lab_tests


def plausibility_warnings(slug: str, record: dict[str, Any]) -> list[str]:
    if slug == "labs":
        return _lab_warnings(record)
    return []


def _lab_warnings(record: dict[str, Any]) -> list[str]:
    test = lab_tests().get(record.get("test") or "")
    value = record.get("canonical_value")
    if test is None or test.usual is None or value is None:
        return []
    low, high = test.usual
    if low <= value <= high:
        return []
    return [f"{test.label} {record.get('value'):g} {record.get('unit')} ({value:g} {test.unit}) is outside the "
            f"usual entry range {low:g}–{high:g} {test.unit}; it was saved — correct it if it was a typing error."]
