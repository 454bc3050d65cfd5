"""Pieces every instrument module shares: citation, conditional warnings, the points runner, and the
answer when another diagnosis is proven."""

from __future__ import annotations

from collections.abc import Sequence

from cnocare.clinical.criteria.points import classify, evaluate, score_items, tidy
from cnocare.clinical.facts import MEASURES, CaseFacts
from cnocare.clinical.features import FEATURES, feature
from cnocare.clinical.logic import Evidence
from cnocare.clinical.result import Citation, InstrumentResult, result_item
from cnocare.knowledge.catalogue import sources
from cnocare.knowledge.instruments import InstrumentDefinition


def check_names(where: str, names: tuple[set[str], set[str]]) -> None:
    """Every fact and measure a knowledge file names must exist in the core; ValueError names the file."""
    features, measures = names
    unknown_f, unknown_m = sorted(features - set(FEATURES)), sorted(measures - MEASURES)
    if unknown_f:
        raise ValueError(f"{where}: unknown feature {unknown_f[0]!r}; known: {', '.join(sorted(FEATURES))}")
    if unknown_m:
        raise ValueError(f"{where}: unknown measure {unknown_m[0]!r}; known: {', '.join(sorted(MEASURES))}")


def checked(defn: InstrumentDefinition) -> InstrumentDefinition:
    check_names(f"knowledge/data/instruments/{defn.id}.yaml", defn.names())
    return defn


def citation_of(defn: InstrumentDefinition) -> Citation:
    src = sources()[defn.citation]
    return Citation(pmid=src.pmid, doi=src.doi)


def conditional_warnings(defn: InstrumentDefinition, facts: CaseFacts) -> list[str]:
    return [w.text for w in defn.conditional_warnings if evaluate(w.when, facts).value is True]


def threshold_text(defn: InstrumentDefinition) -> str | None:
    t = defn.threshold
    return None if t is None else f"{t.op} {tidy(t.value)}"


def mimic_result(defn: InstrumentDefinition, mimic: Evidence, *, window: str) -> InstrumentResult:
    """A proven alternative diagnosis: the diagnostic criteria do not apply, and the result says why."""
    return InstrumentResult(
        instrument=defn.id, version=defn.version, title=defn.title, status="not_applicable", score=None,
        range=None, threshold=threshold_text(defn), classification="not_met",
        items=(result_item(id="proven_mimic", value=True, points=None, source=mimic.source,
                           label="Another diagnosis is proven"),),
        missing=(), warnings=tuple(defn.warnings),
        explanation=f"Does not apply: another diagnosis is proven ({mimic.source}). CNO criteria describe a "
                    "diagnosis of exclusion and are not used once a mimic is proven.",
        citation=citation_of(defn), verification=defn.verification, window=window,
    )


def run_points(defn: InstrumentDefinition, facts: CaseFacts, *, extra_warnings: Sequence[str] = ()) -> InstrumentResult:
    assert defn.threshold is not None
    mimic = feature(facts, "proven_mimic")
    if mimic.value is True:
        return mimic_result(defn, mimic, window=facts.window.description)
    scored = score_items(defn.items, facts, aggregation=defn.aggregation)
    label = classify(scored, defn.threshold.op, defn.threshold.value)
    complete = scored.complete
    low, high = tidy(scored.low), tidy(scored.high)
    counted = ", ".join(f"{i.label or i.id} (+{i.points})" for i in scored.items if i.value is True) or "none"
    if complete:
        head = f"Score {low} of {tidy(defn.max_score or scored.high)} (threshold {threshold_text(defn)}). "
    else:
        head = (f"Attainable range {low}–{high} with {len(scored.missing)} input(s) missing "
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
        window=facts.window.description,
    )
