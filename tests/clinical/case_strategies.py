"""Hypothesis strategies for random but valid Case snapshots (every value inside the accepted limits)."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

from hypothesis import strategies as st

from cnocare.clinical import vocabulary as v
from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests

FIRST_DAY = dt.date(2024, 1, 1)
LAST_DAY = dt.date(2026, 3, 1)
days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


def options(literal: Any) -> st.SearchStrategy[str]:
    return st.sampled_from(get_args(literal))


@st.composite
def lesions(draw: st.DrawFn) -> dict[str, Any]:
    site = bone_sites()[draw(st.sampled_from(sorted(bone_sites())))]
    out: dict[str, Any] = {"site": site.id, "findings": draw(st.lists(options(v.Finding), max_size=3, unique=True))}
    if site.paired:
        out["side"] = draw(st.sampled_from(["left", "right"]))
    elif draw(st.booleans()):
        out["side"] = "midline"
    if draw(st.booleans()):
        out["segment"] = draw(st.sampled_from(bone_catalogue().segments[site.kind]))
    if draw(st.booleans()):
        out["activity"] = draw(options(v.LesionActivity))
    return out


@st.composite
def imaging_studies(draw: st.DrawFn) -> dict[str, Any]:
    modality = draw(options(v.Modality))
    return {"date": draw(days), "modality": modality, "whole_body": modality == "whole_body_mri",
            "lesions": draw(st.lists(lesions(), max_size=5))}


@st.composite
def lab_results(draw: st.DrawFn) -> dict[str, Any]:
    test = lab_tests()[draw(st.sampled_from(sorted(lab_tests())))]
    out: dict[str, Any] = {"test": test.id, "date": draw(days)}
    if test.kind != "quantitative":
        out["result"] = draw(options(v.QualitativeResult))
        return out
    if draw(st.integers(0, 9)) == 0:
        out["result"] = "pending"
        return out
    assert test.possible is not None
    unit = draw(st.sampled_from(sorted(test.units)))
    factor = test.units[unit]
    lo, hi = test.possible[0] / factor, test.possible[1] / factor
    # stay a hair inside the limits so unit conversion cannot round a value out of them
    value = draw(st.floats(min_value=lo * 1.001 if lo else 0.0, max_value=hi * 0.999, allow_nan=False))
    out |= {"value": value, "unit": unit}
    if draw(st.booleans()):
        low = draw(st.floats(min_value=0.0, max_value=hi * 0.5, allow_nan=False))
        out |= {"reference_low": low, "reference_high": low + draw(st.floats(0.0, hi * 0.5, allow_nan=False))}
    return out


@st.composite
def symptoms(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(options(v.SymptomKind))
    out: dict[str, Any] = {"kind": kind, "present": draw(st.booleans())}
    if draw(st.booleans()):
        out["date"] = draw(days)
    if kind == "fever" and draw(st.booleans()):
        out["temperature_max_c"] = draw(st.floats(30.0, 45.0))
    if draw(st.booleans()):
        out["duration_weeks"] = draw(st.floats(0, 200))
    return out


@st.composite
def biopsies(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"date": draw(days), "culture": draw(options(v.CultureResult)),
                           "histology": draw(st.lists(options(v.Histology), max_size=3, unique=True))}
    if draw(st.booleans()):
        out["on_antibiotics"] = draw(st.booleans())
    return out


medicines = st.fixed_dictionaries({
    # Names the medicine catalogue does not know, so any class goes (a known drug takes its own class).
    "drug": st.sampled_from(["synthetic drug a", "synthetic drug b", "trial agent x"]),
    "drug_class": options(v.DrugClass), "start": days,
}, optional={"response": options(v.Response)})

genetics = st.fixed_dictionaries({
    "gene": st.sampled_from(["LPIN2", "IL1RN", "FBLIM1", "NOD2"]), "classification": options(v.VariantClass),
})


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"sex": draw(options(v.Sex))}
    if draw(st.booleans()):
        out["age_at_onset_years"] = draw(st.floats(0, 25))
    if draw(st.booleans()):
        out["age_years"] = draw(st.floats(0, 30))
    if draw(st.booleans()):
        out["onset_date"] = draw(days)
    return out


@st.composite
def case_data(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping that ``Case.model_validate`` accepts (the snapshot date is the latest entry)."""
    return {
        "case_id": "hypothesis-" + str(draw(st.integers(0, 10**6))),
        "patient": draw(patients()),
        "episodes": [{"id": f"e{i}", "kind": k, "start": d} for i, (k, d) in
                     enumerate(draw(st.lists(st.tuples(options(v.EpisodeKind), days), max_size=3)))],
        "symptoms": draw(st.lists(symptoms(), max_size=6)),
        "imaging": draw(st.lists(imaging_studies(), max_size=3)),
        "labs": draw(st.lists(lab_results(), max_size=10)),
        "biopsies": draw(st.lists(biopsies(), max_size=2)),
        "conditions": [{"kind": k, "present": p} for k, p in
                       draw(st.lists(st.tuples(options(v.CoexistingConditionKind), st.booleans()), max_size=3))],
        "alternative_diagnoses": [{"kind": k, "status": s} for k, s in
                                  draw(st.lists(st.tuples(options(v.AlternativeDiagnosisKind),
                                                          options(v.AlternativeStatus)), max_size=4))],
        "genetics": draw(st.lists(genetics, max_size=2)),
        "medicines": draw(st.lists(medicines, max_size=3)),
    }


cases = case_data().map(Case.model_validate)
