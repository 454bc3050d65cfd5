"""Where a patient sits on the CNO spectrum (data: knowledge/data/subtypes.yaml).

Descriptive labels, not a classification: unifocal, multifocal (CRMO), spinal involvement, suspected
syndromic form, associated inflammatory disease, SAPHO-like presentation, recurrent course.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.facts import CaseFacts
from cnocare.knowledge.catalogue import read_data_file

PATHOGENIC = frozenset({"pathogenic", "likely_pathogenic"})


class SubtypeResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    labels: tuple[str, ...]
    findings: tuple[str, ...]
    suggested_tests: tuple[str, ...]
    explanation: str


@cache
def _data() -> dict[str, Any]:
    return read_data_file("subtypes.yaml")


def assess(facts: CaseFacts) -> SubtypeResult:
    data = _data()
    case = facts.case
    labels: list[str] = []
    findings: list[str] = []
    tests: list[str] = []

    multi = facts.feature("multifocal")
    if multi.value is True:
        labels.append("multifocal (CRMO)")
        findings.append(multi.source or "")
    elif multi.value is False:
        labels.append("unifocal")
        findings.append((multi.source or "") + "; may become multifocal: whole-body MRI finds silent lesions")
    flares = [e for e in case.episodes if e.kind in ("presentation", "flare")]
    if len(flares) > 1:
        labels.append("recurrent course")
        findings.append(f"{len(flares)} episodes recorded")
    spine = facts.feature("spinal_lesion")
    if spine.value:
        labels.append("spinal involvement")
        findings.append((spine.source or "") + "; watch for vertebral compression fractures")

    genes = data["genes"]
    for g in case.genetics:
        if g.gene.upper() in genes and g.classification in PATHOGENIC:
            labels.append(f"syndromic: {genes[g.gene.upper()]['syndrome']}")
            findings.append(f"{g.gene} {g.variant or ''} {g.classification}".strip())
    suspicion = _syndromic_triggers(facts, data)
    if suspicion and not any(x.startswith("syndromic:") for x in labels):
        labels.append("suspected syndromic form")
        findings.extend(suspicion)
        tests.append("Genetic testing for LPIN2 (Majeed syndrome) and IL1RN (DIRA)")

    conditions = {c.kind for c in case.conditions if c.present}
    associated = sorted(conditions & set(data["associated_conditions"]))
    if associated:
        labels.append("associated inflammatory disease")
        findings.append("coexisting: " + ", ".join(associated))
    if conditions & set(data["sapho_skin"]) and facts.lesions:
        labels.append("SAPHO-like presentation")
        findings.append("osteitis with " + ", ".join(sorted(conditions & set(data["sapho_skin"]))))

    if not labels:
        explanation = "No lesion recorded yet: the subtype cannot be described."
    else:
        explanation = "Descriptive position on the CNO spectrum: " + "; ".join(labels) + "."
    return SubtypeResult(labels=tuple(labels), findings=tuple(f for f in findings if f),
                         suggested_tests=tuple(tests), explanation=explanation)


def _syndromic_triggers(facts: CaseFacts, data: dict[str, Any]) -> list[str]:
    out = []
    cut = float(data["syndromic_onset_before_years"]["value"])
    age = facts.case.age_at_onset_years
    if age is not None and age < cut:
        out.append(f"onset at {age:.1f} years (before {cut:g})")
    conditions = {c.kind for c in facts.case.conditions if c.present}
    if "neonatal_pustulosis" in conditions:
        out.append("neonatal pustulosis (DIRA)")
    if "congenital_dyserythropoietic_anaemia" in conditions:
        out.append("congenital dyserythropoietic anaemia (Majeed syndrome)")
    anaemia = facts.feature("anaemia")
    if anaemia.value and out:
        out.append("with anaemia: " + (anaemia.source or ""))
    return out
