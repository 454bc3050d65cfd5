"""Bristol diagnostic criteria for CRMO, Roderick 2016 (data: instruments/bristol-2016.yaml).

    meets = typical clinical AND typical radiology AND (criterion 1 OR criterion 2)
    criterion 1 = (lesions in > 1 bone OR clavicle alone) AND CRP < 30 mg/L
    biopsy required = unifocal non-clavicular disease OR CRP >= 30 mg/L (30 exactly: conservative)
    criterion 2 = biopsy required AND biopsy with inflammatory changes, sterile, off antibiotics
"""

from __future__ import annotations

from functools import cache

from cnocare.clinical.criteria.common import citation_of
from cnocare.clinical.criteria.definition import InstrumentDefinition, load_definition
from cnocare.clinical.criteria.points import evaluate
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.logic import Evidence, all_of, any_of, negate
from cnocare.clinical.result import InstrumentResult, result_item


@cache
def definition() -> InstrumentDefinition:
    return load_definition("bristol-2016")


def assess(facts: CaseFacts) -> InstrumentResult:
    defn = definition()
    ev = {item.id: evaluate(item.when, facts) for item in defn.items}
    clinical = all_of(ev["bone_pain"], ev["no_significant_systemic_features"])
    pattern_ok = any_of(ev["more_than_one_bone"], ev["clavicle_alone"])
    criterion_1 = all_of(pattern_ok, ev["crp_below_30_mg_l"])
    unifocal_non_clavicular = all_of(negate(ev["more_than_one_bone"]), negate(ev["clavicle_alone"]))
    biopsy_required = any_of(unifocal_non_clavicular, negate(ev["crp_below_30_mg_l"]))
    criterion_2 = all_of(biopsy_required, ev["biopsy_inflammatory_sterile"])
    meets = all_of(clinical, ev["typical_radiology"], any_of(criterion_1, criterion_2))

    derived: dict[str, Evidence] = {
        "typical_clinical": clinical,
        "criterion_1": criterion_1,
        "biopsy_required": biopsy_required,
        "criterion_2": criterion_2,
    }
    items = [result_item(id=i, value=e.value, points=None, source=e.source) for i, e in ev.items()]
    items += [result_item(id=i, value=e.value, points=None, source=_why(i, e)) for i, e in derived.items()]
    warnings = list(defn.warnings)
    if ev["crp_exactly_30_mg_l"].value is True:
        warnings.append("CRP is exactly 30 mg/L, the criteria's boundary: handled conservatively as requiring "
                        "biopsy (criterion 2). Review this decision.")
    label = "indeterminate" if meets.value is None else ("met" if meets.value else "not_met")
    return InstrumentResult(
        instrument=defn.id, version=defn.version, title=defn.title,
        status="complete" if meets.known else "incomplete",
        score=None, range=None, threshold="criterion 1 (no biopsy) or criterion 2 (biopsy)",
        classification=label, items=tuple(items), missing=meets.missing, warnings=tuple(warnings),
        explanation=_explain(label, clinical, criterion_1, criterion_2, biopsy_required, defn),
        citation=citation_of(defn), verification=defn.verification,
    )


def _why(item: str, e: Evidence) -> str:
    state = "unknown" if e.value is None else ("yes" if e.value else "no")
    return f"derived: {item.replace('_', ' ')} = {state}"


def _explain(label: str, clinical: Evidence, c1: Evidence, c2: Evidence, biopsy: Evidence,
             defn: InstrumentDefinition) -> str:
    parts = [defn.interpretation[label]]  # type: ignore[index]
    if c1.value:
        parts.append("Criterion 1 is met (more than one bone or clavicle alone, CRP below 30 mg/L): no biopsy needed "
                     "by these criteria, provided infection and malignancy are otherwise excluded.")
    elif c2.value:
        parts.append("Criterion 2 is met: a biopsy was required and shows sterile inflammation.")
    elif biopsy.value:
        parts.append("Biopsy is required (unifocal non-clavicular disease or CRP 30 mg/L or more); criterion 2 "
                     "needs a biopsy with inflammatory changes, no growth and no antibiotics at the time.")
    if clinical.value is False:
        parts.append("The clinical prerequisite is not met.")
    return " ".join(parts)
