"""Where a patient sits on the CNO spectrum (data: knowledge/data/subtypes.yaml).

Descriptive labels, not a classification: unifocal, multifocal (CRMO), spinal involvement, suspected
syndromic form, associated inflammatory disease, SAPHO-like presentation, recurrent course. A proven
mimic takes the patient off the spectrum; "unifocal" is stated only after whole-body imaging.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature, proven_mimics
from cnocare.knowledge.catalogue import bone_sites, label, read_data_file

PATHOGENIC = frozenset({"pathogenic", "likely_pathogenic"})


class SubtypeResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    labels: tuple[str, ...]
    findings: tuple[str, ...]
    suggested_tests: tuple[str, ...]
    explanation: str
    on_cno_spectrum: bool | None = None


@cache
def _data() -> dict[str, Any]:
    return read_data_file("subtypes.yaml")


def assess(facts: CaseFacts, *, open_mimics: tuple[str, ...] = ()) -> SubtypeResult:
    """``open_mimics``: mimics not yet documented as excluded, or kept open by a red flag ("malignancy",
    "infection"); the position on the spectrum is then provisional and ``on_cno_spectrum`` stays undecided."""
    mimics = proven_mimics(facts)
    if mimics:
        return SubtypeResult(labels=(), findings=tuple(mimics), suggested_tests=(), on_cno_spectrum=False,
                             explanation="Not placed on the CNO spectrum: another diagnosis is proven ("
                                         + "; ".join(mimics) + ").")
    data = _data()
    labels: list[str] = []
    findings: list[str] = []
    tests: list[str] = []
    _pattern(facts, labels, findings)
    flares = [e for e in facts.case.episodes if e.kind in ("presentation", "flare")]
    if len(flares) > 1:
        labels.append("recurrent course")
        findings.append(f"{len(flares)} episodes recorded")
    spine = feature(facts, "spinal_lesion")
    if spine.value:
        labels.append("spinal involvement")
        findings.append((spine.source or "") + "; watch for vertebral compression fractures")

    _genetics(facts, data, labels, findings)
    suspicion = _syndromic_triggers(facts, data)
    if suspicion and not any(x.startswith("syndromic:") for x in labels):
        labels.append("suspected syndromic form")
        findings.extend(suspicion)
        tests.append("Genetic testing for LPIN2 (Majeed syndrome) and IL1RN (DIRA)")

    conditions = {c.kind for c in facts.case.conditions if c.present}
    associated = sorted(conditions & set(data["associated_conditions"]))
    if associated:
        labels.append("associated inflammatory disease")
        findings.append("coexisting: " + ", ".join(label("conditions", c) for c in associated))
    skin = sorted(conditions & set(data["sapho_skin"]))
    chest = sorted({les.site for _, _, les in facts.lesions if les.site in set(data["sapho_chest_wall_sites"])})
    if skin and chest:
        labels.append("SAPHO-like presentation")
        findings.append(f"{', '.join(label('conditions', c) for c in skin)} with sternoclavicular/anterior chest "
                        f"wall osteitis ({', '.join(bone_sites()[s].label for s in chest)})")

    labels = list(dict.fromkeys(labels))
    if not labels:
        explanation = "No lesion recorded yet: the subtype cannot be described."
    else:
        explanation = "Descriptive position on the CNO spectrum: " + "; ".join(labels) + "."
    if open_mimics and labels:
        explanation = (f"Provisional: {' and '.join(open_mimics)} not yet documented as excluded, so the "
                       f"patient is not yet placed on the CNO spectrum. {explanation}")
    return SubtypeResult(labels=tuple(labels), findings=tuple(f for f in findings if f),
                         suggested_tests=tuple(tests), explanation=explanation,
                         on_cno_spectrum=True if labels and not open_mimics else None)


def _pattern(facts: CaseFacts, labels: list[str], findings: list[str]) -> None:
    multi = feature(facts, "multifocal")
    if multi.value is True:
        labels.append("multifocal (CRMO)")
        findings.append(multi.source or "")
    elif multi.value is False:
        labels.append("unifocal")
        findings.append((multi.source or "") + "; may become multifocal over time")
    elif facts.lesions:
        labels.append("unifocal so far — no whole-body imaging")
        findings.append((multi.source or "") + "; whole-body MRI finds clinically silent lesions")


def _genetics(facts: CaseFacts, data: dict[str, Any], labels: list[str], findings: list[str]) -> None:
    genes = data["genes"]
    biallelic = set(data["biallelic"])
    for g in facts.case.genetics:
        if g.classification not in PATHOGENIC:
            continue
        name = g.gene.upper()
        text = f"{g.gene} {g.variant or ''} {label('variants', g.classification)}".strip()
        entry = genes.get(name)
        zyg = g.zygosity or "zygosity not reported"
        if entry is None:
            findings.append(f"reported genetic finding: {text} ({zyg}); no syndrome assigned")
        elif entry["kind"] == "association":
            findings.append(f"reported association: {text} ({zyg}; {entry['note']})")
        elif entry["inheritance"] != "recessive" or g.zygosity in biallelic:
            labels.append(f"syndromic: {entry['syndrome']}")
            findings.append(f"{text} ({zyg})")
        elif g.zygosity is None:
            labels.append("suspected syndromic form")
            findings.append(f"{text}: zygosity not reported; {entry['syndrome']} is recessive and needs two variants")
        else:
            findings.append(f"{text} ({zyg}): one variant only; {entry['syndrome']} is recessive, so this alone "
                            "does not make the diagnosis")


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
    anaemia, fever = feature(facts, "anaemia"), feature(facts, "fever")
    early = float(data["syndromic_with_anaemia_and_fever_before_years"]["value"])
    if age is not None and age < early and anaemia.value and fever.value:
        out.append(f"onset before {early:g} years with anaemia and fever: {anaemia.source}; {fever.source}")
    elif anaemia.value and out:
        out.append("with anaemia: " + (anaemia.source or ""))
    terms = tuple(data["family_history_terms"])
    for h in facts.case.family_history:
        if any(t in h.condition.lower() for t in terms):
            out.append(f"family history: {h.condition} ({h.relation.replace('_', ' ')} relative)")
    return out
