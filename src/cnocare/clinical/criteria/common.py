"""Pieces every instrument module shares: citation, conditional warnings, the points runner."""

from __future__ import annotations

from collections.abc import Sequence

from cnocare.clinical.criteria.definition import InstrumentDefinition
from cnocare.clinical.criteria.points import classify, evaluate, score_items, tidy
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.result import Citation, InstrumentResult
from cnocare.knowledge.catalogue import sources


def citation_of(defn: InstrumentDefinition) -> Citation:
    src = sources()[defn.citation]
    return Citation(pmid=src.pmid, doi=src.doi)


def conditional_warnings(defn: InstrumentDefinition, facts: CaseFacts) -> list[str]:
    return [w.text for w in defn.conditional_warnings if evaluate(w.when, facts).value is True]


def threshold_text(defn: InstrumentDefinition) -> str | None:
    t = defn.threshold
    return None if t is None else f"{t.op} {tidy(t.value)}"


def run_points(defn: InstrumentDefinition, facts: CaseFacts, *, extra_warnings: Sequence[str] = ()) -> InstrumentResult:
    assert defn.threshold is not None
    scored = score_items(defn.items, facts, aggregation=defn.aggregation)
    label = classify(scored, defn.threshold.op, defn.threshold.value)
    complete = scored.complete
    low, high = tidy(scored.low), tidy(scored.high)
    counted = ", ".join(f"{i.id} {i.points}" for i in scored.items if i.value is True) or "none"
    if complete:
        head = f"Score {low} of {tidy(defn.max_score or scored.high)} (threshold {threshold_text(defn)}). "
    else:
        head = (f"Attainable range {low}-{high} with {len(scored.missing)} input(s) missing "
                f"(threshold {threshold_text(defn)}). ")
    explanation = head + f"Items that counted: {counted}. " + defn.interpretation[label]
    return InstrumentResult(
        instrument=defn.id,
        version=defn.version,
        title=defn.title,
        status="complete" if complete else "incomplete",
        score=low if complete else None,
        range=(low, high),
        threshold=threshold_text(defn),
        classification=label,
        items=scored.items,
        missing=scored.missing,
        warnings=(*defn.warnings, *conditional_warnings(defn, facts), *extra_warnings),
        explanation=explanation,
        citation=citation_of(defn),
        verification=defn.verification,
    )
