"""What a lab row stores beyond the form: the value in the catalogue's canonical unit.

The Case ``LabResult`` owns units, conversion and plausibility; a saved row keeps its canonical value
so cohort queries compare like with like without rebuilding any Case.
"""

from __future__ import annotations

from typing import Any

from cnocare.clinical.case import LabResult
from cnocare.knowledge.catalogue import lab_tests
from cnocare.records.labs.models import LabResultRecord


def store_with_canonical_value(row: LabResultRecord, fields: dict[str, Any], lab: LabResult) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    row.canonical_value = lab.canonical_value
    row.canonical_unit = lab_tests()[lab.test].unit if lab.canonical_value is not None else None


def stored_canonical_value(row: LabResultRecord) -> dict[str, Any]:
    """The value in canonical units as stored at entry, for the Case to use as is."""
    if row.canonical_value is None:
        return {}
    return {"_trusted": True, "canonical_value": row.canonical_value}
