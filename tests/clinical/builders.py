"""Build Case snapshots for tests from a few keyword arguments, in the clinic's words.

``build_case(crp=20, lesions=["femur:left"], blood_count="normal", fever=False)`` gives a Case with a
CRP of 20 mg/L, one MRI lesion of the left femur, a full blood count inside the lab's ranges and fever
recorded absent. Every keyword left at ``None`` means "not recorded", so instruments see it as missing.
All patients, values and dates here are synthetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cnocare.clinical.case import Case
from cnocare.clinical.criteria import bristol, eular_acr, jansson, nbods
from cnocare.clinical.criteria.eular_acr import WeightsTable, load_weights
from cnocare.clinical.facts import FEVER_THRESHOLD_C, CaseFacts
from cnocare.clinical.result import InstrumentResult, ResultItem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SYNTHETIC_WEIGHTS = FIXTURES / "synthetic-eular-weights.yaml"

AS_OF = dt.date(2026, 3, 10)
LAB_DAY = dt.date(2026, 3, 1)
IMAGING_DAY = dt.date(2026, 3, 2)
SYMPTOM_DAY = dt.date(2026, 2, 28)

# The instrument result contract (DESIGN.md "Instrument result contract"), in its published order.
CONTRACT_KEYS = ("instrument", "version", "title", "status", "score", "range", "threshold", "classification",
                 "items", "missing", "warnings", "explanation", "citation", "verification", "window")
ITEM_KEYS = ("id", "label", "value", "points", "source")
CITATION_KEYS = ("pmid", "doi")

# Synthetic lab reference intervals, wide enough for a child; the lab's own range decides "normal".
NORMAL_COUNT = {"wbc": (7.0, 4.5, 13.5), "haemoglobin": (125.0, 110.0, 150.0), "platelets": (300.0, 150.0, 450.0)}
LOW_WBC = 3.0

Lesion = str | tuple[str, Sequence[str]]


def lab(test: str, value: float | None = None, unit: str | None = None, *, low: float | None = None,
        high: float | None = None, result: str | None = None, on: dt.date = LAB_DAY) -> dict[str, Any]:
    out: dict[str, Any] = {"test": test, "date": on}
    for key, v in (("value", value), ("unit", unit), ("reference_low", low), ("reference_high", high),
                   ("result", result)):
        if v is not None:
            out[key] = v
    return out


def lesion(spec: Lesion, *, default_findings: Sequence[str] = ("marrow_oedema",),
           complete: bool = True) -> dict[str, Any]:
    """``"femur:left"``, ``"T7"`` or ``("tibia:right", ["lysis"])`` -> a lesion mapping. By default the
    listed findings are the whole reading (``findings_complete``), so unlisted findings are absent."""
    text, findings = (spec, default_findings) if isinstance(spec, str) else spec
    site, _, side = text.partition(":")
    out: dict[str, Any] = {"site": site, "findings": list(findings), "findings_complete": complete}
    if side:
        out["side"] = side
    return out


def study(lesions: Iterable[Lesion], *, modality: str = "mri", on: dt.date = IMAGING_DAY,
          findings: Sequence[str] | None = None, whole_body: bool | None = True,
          complete: bool = True) -> dict[str, Any]:
    """One study; by default it covered the whole skeleton (so the lesion count is bounded)."""
    default = findings if findings is not None else (("marrow_oedema",) if modality != "xray" else ("lysis",))
    out: dict[str, Any] = {"date": on, "modality": modality,
                           "lesions": [lesion(s, default_findings=default, complete=complete) for s in lesions]}
    if whole_body is not None:
        out["whole_body"] = whole_body
    return out


def symptom(kind: str, present: bool = True, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "present": present, "date": SYMPTOM_DAY, **extra}


def biopsy(histology: Sequence[str] = ("chronic_inflammation", "plasma_cells"), *, culture: str = "negative",
           on_antibiotics: bool | None = False, on: dt.date = IMAGING_DAY) -> dict[str, Any]:
    out: dict[str, Any] = {"date": on, "histology": list(histology), "culture": culture}
    if on_antibiotics is not None:
        out["on_antibiotics"] = on_antibiotics
    return out


def build_case(
    *,
    lesions: Iterable[Lesion] | None = None,
    xray_lesions: Iterable[Lesion] | None = None,
    crp: float | tuple[float, str] | None = None,
    esr: float | None = None,
    bands_per_ul: float | None = None,
    blood_count: str | None = None,
    fever: bool | None = False,
    temperature: float | None = None,
    bone_pain: bool | None = True,
    pain_weeks: float | None = 8,
    ill: bool | None = False,
    warmth: bool | None = False,
    age_at_onset: float | None = 10.0,
    excluded: Iterable[str] = (),
    confirmed: Iterable[str] = (),
    biopsies: Iterable[dict[str, Any]] = (),
    conditions: Iterable[str | dict[str, Any]] = (),
    labs: Iterable[dict[str, Any]] = (),
    symptoms: Iterable[dict[str, Any]] = (),
    imaging: Iterable[dict[str, Any]] = (),
    case_id: str = "synthetic-test-case",
    as_of: dt.date | None = AS_OF,
    **fields: Any,
) -> Case:
    """One synthetic patient. ``blood_count``: "normal", "low" (WBC below range) or None (not done)."""
    imaging_list = list(imaging)
    if lesions is not None:
        imaging_list.append(study(lesions))
    if xray_lesions is not None:
        imaging_list.append(study(xray_lesions, modality="xray"))
    lab_list = list(labs)
    if crp is not None:
        value, unit = (crp, "mg/L") if isinstance(crp, int | float) else crp
        lab_list.append(lab("crp", value, unit))
    if esr is not None:
        lab_list.append(lab("esr", esr, "mm/h"))
    if bands_per_ul is not None:
        lab_list.append(lab("band_neutrophils", bands_per_ul, "cells/uL"))
    if blood_count is not None:
        for test, (value, low, high) in NORMAL_COUNT.items():
            if blood_count == "low" and test == "wbc":
                value = LOW_WBC
            unit = "g/L" if test == "haemoglobin" else "10^9/L"
            lab_list.append(lab(test, value, unit, low=low, high=high))
    symptom_list = list(symptoms)
    if bone_pain is not None:
        extra = {"duration_weeks": pain_weeks} if pain_weeks is not None else {}
        symptom_list.append(symptom("bone_pain", bone_pain, **extra))
    if temperature is not None:
        symptom_list.append(symptom("fever", temperature >= FEVER_THRESHOLD_C, temperature_max_c=temperature))
    elif fever is not None:
        symptom_list.append(symptom("fever", fever))
    if ill is not None:
        symptom_list.append(symptom("ill_appearance", ill))
    if warmth is not None:
        symptom_list.append(symptom("warmth_redness", warmth))
    data: dict[str, Any] = {
        "case_id": case_id,
        "patient": {"sex": "female", **({"age_at_onset_years": age_at_onset} if age_at_onset is not None else {})},
        "imaging": imaging_list,
        "labs": lab_list,
        "symptoms": symptom_list,
        "biopsies": list(biopsies),
        "conditions": [c if isinstance(c, dict) else {"kind": c, "present": True} for c in conditions],
        "alternative_diagnoses": [{"kind": k, "status": "excluded"} for k in excluded]
        + [{"kind": k, "status": "confirmed"} for k in confirmed],
        **fields,
    }
    if as_of is not None:
        data["as_of"] = as_of
    return Case.model_validate(data)


ALL_EXCLUDED = ("malignancy", "infection", "vitamin_c_deficiency", "hypophosphatasia")


def presentation(case: Case) -> CaseFacts:
    return CaseFacts(case).presentation()


def run_bristol(case: Case) -> InstrumentResult:
    return bristol.assess(presentation(case))


def run_jansson(case: Case) -> InstrumentResult:
    return jansson.assess(presentation(case))


def run_nbods(case: Case, *, malignancy_flags: tuple[str, ...] = ()) -> InstrumentResult:
    return nbods.assess(presentation(case), malignancy_flags=malignancy_flags)


def run_eular(case: Case, weights: WeightsTable | None = None) -> InstrumentResult:
    return eular_acr.assess(presentation(case), weights=weights)


def item(result: InstrumentResult, item_id: str) -> ResultItem:
    for it in result.items:
        if it.id == item_id:
            return it
    raise KeyError(f"{item_id} not in {[i.id for i in result.items]}")


def synthetic_weights(**changes: Any) -> WeightsTable:
    """The synthetic EULAR/ACR table of tests/fixtures (made-up numbers), optionally with fields changed."""
    table = load_weights(SYNTHETIC_WEIGHTS)
    return table.model_copy(update=changes) if changes else table
