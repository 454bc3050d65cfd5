"""Bristol diagnostic criteria for CRMO, Roderick 2016 (data: instruments/bristol-2016.yaml).

    meets = typical clinical AND typical radiology AND (criterion 1 OR criterion 2)
    criterion 1 = (lesions in > 1 bone OR clavicle alone) AND CRP < 30 mg/L
    biopsy required = unifocal non-clavicular disease OR CRP >= 30 mg/L (30 exactly: conservative)
    criterion 2 = biopsy required AND biopsy with inflammatory changes, sterile, off antibiotics

The result quotes the work-up's biopsy statement instead of making its own, so the two never disagree.
"""

from __future__ import annotations

from functools import cache

from cnocare.clinical.criteria.common import checked, citation_of, mimic_result
from cnocare.clinical.criteria.points import evaluate
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature
from cnocare.clinical.logic import Evidence, all_of, any_of, negate
from cnocare.clinical.result import InstrumentResult, result_item
from cnocare.knowledge.instruments import InstrumentDefinition, load_definition

DERIVED_LABELS = {
    "typical_clinical": "Typical clinical picture (bone pain, no significant inflammation or infection)",
    "criterion_1": "Criterion 1: more than one bone or clavicle alone, and CRP below 30 mg/L",
    "biopsy_required": "Biopsy required by the criteria (unifocal outside the clavicle, or CRP 30 mg/L or more)",
    "criterion_2": "Criterion 2: biopsy required and showing sterile inflammation",
}


@cache
def definition() -> InstrumentDefinition:
    return checked(load_definition("bristol-2016"))


def assess(facts: CaseFacts, *, biopsy_advice: str | None = None) -> InstrumentResult:
    defn = definition()
    mimic = feature(facts, "proven_mimic")
    if mimic.value is True:
        return mimic_result(defn, mimic, window=facts.window.description)
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
    labels = {i.id: i.label for i in defn.items}
    items = [result_item(id=i, value=e.value, points=None, source=e.shown, label=labels[i]) for i, e in ev.items()]
    items += [result_item(id=i, value=e.value, points=None, source=f"derived: {_state(e)}", label=DERIVED_LABELS[i])
              for i, e in derived.items()]
    warnings = list(defn.warnings)
    if ev["crp_exactly_30_mg_l"].value is True:
        warnings.append("CRP is exactly 30 mg/L, the criteria's boundary: handled conservatively as requiring "
                        "biopsy (criterion 2). Review this decision.")
    label = "indeterminate" if meets.value is None else ("met" if meets.value else "not_met")
    explanation = _explain(label, ev, derived, meets, defn)
    if biopsy_advice:
        explanation += f" Biopsy (work-up): {biopsy_advice}"
    return InstrumentResult(
        instrument=defn.id, version=defn.version, title=defn.title,
        status="complete" if meets.known else "incomplete",
        score=None, range=None, threshold="criterion 1 (no biopsy) or criterion 2 (biopsy)",
        classification=label, items=tuple(items), missing=meets.missing, warnings=tuple(warnings),
        explanation=explanation, citation=citation_of(defn), verification=defn.verification,
        window=facts.window.description,
    )


def _state(e: Evidence) -> str:
    return "unknown" if e.value is None else ("yes" if e.value else "no")


def _explain(label: str, ev: dict[str, Evidence], d: dict[str, Evidence], meets: Evidence,
             defn: InstrumentDefinition) -> str:
    parts = [defn.interpretation[label]]  # type: ignore[index]
    if label == "met":
        if d["criterion_1"].value:
            parts.append("Criterion 1 is met (more than one bone or clavicle alone, CRP below 30 mg/L): the "
                         "criteria allow the diagnosis without a biopsy, provided infection and malignancy are "
                         "otherwise excluded.")
        else:
            parts.append("Criterion 2 is met: a biopsy was required and shows sterile inflammation.")
        return " ".join(parts)
    failed = [why for key, why in (
        ("bone_pain", "the clinical prerequisite is not met: bone pain is not present"),
        ("no_significant_systemic_features", "the clinical prerequisite is not met: there are features of "
         f"inflammation or infection ({ev['no_significant_systemic_features'].source})"),
        ("typical_radiology", "typical imaging is not shown"),
    ) if ev[key].value is False]
    if d["criterion_1"].value is False and d["criterion_2"].value is False:
        failed.append("neither criterion 1 (" + _why_c1(ev) + ") nor criterion 2 (" + _why_c2(ev, d) + ") is met")
    if label == "not_met":
        parts.append("Requirement not met: " + "; ".join(failed or ["see the items"]) + ".")
    else:
        if failed:
            parts.append("Not met so far: " + "; ".join(failed) + ".")
        if d["biopsy_required"].value:
            parts.append("Biopsy is required by these criteria (unifocal disease outside the clavicle, or CRP 30 "
                         "mg/L or more): criterion 2 needs a biopsy with inflammatory changes, no growth and no "
                         "antibiotics at the time.")
        parts.append("Still to record: " + ", ".join(meets.missing) + ".")
    return " ".join(parts)


def _why_c1(ev: dict[str, Evidence]) -> str:
    if ev["crp_below_30_mg_l"].value is False:
        return f"CRP is 30 mg/L or more: {ev['crp_below_30_mg_l'].source}"
    return "a single bone outside the clavicle"


def _why_c2(ev: dict[str, Evidence], d: dict[str, Evidence]) -> str:
    if d["biopsy_required"].value is False:
        return "no biopsy was required"
    return "the biopsy does not show sterile inflammation: " + (ev["biopsy_inflammatory_sterile"].source or "")
