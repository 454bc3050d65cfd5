"""Time series for the trend charts, read from a Case: CRP, ESR, any lab, and bone-pain scores.

Lab values are in the catalogue's canonical unit (``LabResult.canonical_value``), so a CRP given in
mg/dL and one in mg/L land on the same axis. Pending results have no value and are left out.
"""

from __future__ import annotations

import datetime as dt

from cnocare.clinical.case import Case
from cnocare.clinical.vocabulary import SymptomKind
from cnocare.knowledge.catalogue import lab_tests

Series = list[tuple[dt.date, float]]


def lab_series(case: Case, test: str) -> Series:
    """(date, canonical value) of every quantitative result of ``test``, oldest first."""
    if test not in lab_tests():
        accepted = ", ".join(sorted(lab_tests()))
        raise ValueError(f"test {test!r} is not in the lab catalogue; accepted: {accepted}")
    points = [(r.date, r.canonical_value) for r in case.labs
              if r.test == test and r.canonical_value is not None]
    return sorted(points, key=lambda p: p[0])


def lab_unit(test: str) -> str:
    """The canonical unit the series of ``test`` is given in, e.g. ``mg/L`` for CRP."""
    unit = lab_tests()[test].unit
    if unit is None:
        raise ValueError(f"test {test!r} is not quantitative; it has no unit to chart")
    return unit


def crp_series(case: Case) -> Series:
    return lab_series(case, "crp")


def esr_series(case: Case) -> Series:
    return lab_series(case, "esr")


def symptom_severity_series(case: Case, kind: SymptomKind) -> Series:
    """(date, severity 0–10) of dated symptoms of ``kind`` that carry a severity, oldest first."""
    points = [(s.date, s.severity_0_10) for s in case.symptoms
              if s.kind == kind and s.date is not None and s.severity_0_10 is not None]
    return sorted(points, key=lambda p: p[0])


def pain_series(case: Case) -> Series:
    """Bone-pain severity on the 0–10 scale; visits and the diary add points as they are recorded."""
    return symptom_severity_series(case, "bone_pain")
