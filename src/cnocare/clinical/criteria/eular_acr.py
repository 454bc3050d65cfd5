"""EULAR/ACR 2025 classification criteria for paediatric CNO (data: instruments/eular-acr-2025.yaml).

The published point table could not be verified, so none is bundled. A site loads a checked table
(``WeightsTable``, docs/eular-acr-weights.md); without one the instrument still evaluates the entry
criteria and exclusions and says plainly that weights are not loaded. It never guesses numbers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cnocare.clinical.criteria.common import (
    check_names,
    checked,
    citation_of,
    conditional_warnings,
    mimic_result,
    threshold_text,
)
from cnocare.clinical.criteria.points import classify, evaluate, score_items, tidy
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature
from cnocare.clinical.logic import Evidence, all_of, any_of
from cnocare.clinical.result import Classification, Decision, InstrumentResult, ResultItem, Status, result_item
from cnocare.knowledge.instruments import InstrumentDefinition, ItemDefinition, load_definition, names_in

WEIGHTS_MISSING = "EULAR/ACR 2025 weights table (not bundled: load a checked table)"


class WeightsTable(BaseModel):
    """A site-loaded point table. Two different people must have transcribed and checked it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str
    table_version: str
    source_doi: str
    transcribed_by: tuple[str, ...] = Field(min_length=1)
    checked_by: tuple[str, ...] = Field(min_length=1)
    synthetic: bool = False
    aggregation: str = Field(pattern="^(sum|max_per_domain)$")
    items: tuple[ItemDefinition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_the_instrument(self) -> WeightsTable:
        defn = definition()
        if self.instrument != defn.id:
            raise ValueError(f"instrument {self.instrument!r}; accepted: {defn.id!r}")
        if set(self.transcribed_by) & set(self.checked_by):
            raise ValueError("checked_by must name people other than transcribed_by")
        for item in self.items:
            if item.domain not in defn.domains:
                raise ValueError(f"item {item.id}: domain {item.domain!r}; accepted: {', '.join(defn.domains)}")
            if item.points is None or item.points < 0:
                raise ValueError(f"item {item.id}: points {item.points!r}; accepted: a number >= 0")
        missing = set(defn.domains) - {i.domain for i in self.items}
        if missing:
            raise ValueError(f"no items for domain(s): {', '.join(sorted(missing))}")
        if len({i.id for i in self.items}) != len(self.items):
            raise ValueError("duplicate item id")
        check_names("weights table", names_in([i.when for i in self.items]))
        return self


def load_weights(path: Path) -> WeightsTable:
    """Read and validate a weights file; ValueError names the file and the defect."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return WeightsTable(**data)
    except (OSError, yaml.YAMLError, TypeError, ValueError) as exc:
        raise ValueError(f"EULAR/ACR weights table {path}: {exc}") from exc


@cache
def definition() -> InstrumentDefinition:
    return checked(load_definition("eular-acr-2025"))


def assess(facts: CaseFacts, *, weights: WeightsTable | None = None) -> InstrumentResult:
    defn = definition()
    mimic = feature(facts, "proven_mimic")
    if mimic.value is True:
        return mimic_result(defn, mimic, window=facts.window.description)
    entry = {i.id: evaluate(i.when, facts) for i in defn.entry}
    excl = {i.id: evaluate(i.when, facts) for i in defn.exclusions}
    entry_met = all_of(*entry.values())
    excluded = any_of(*excl.values())
    labels = {i.id: i.label for i in (*defn.entry, *defn.exclusions)}
    items = [result_item(id=k, value=v.value, points=None, source=v.shown, label=labels[k])
             for k, v in (entry | excl).items()]
    warnings = [*defn.warnings, *conditional_warnings(defn, facts)]
    if weights is not None and weights.synthetic:
        warnings.append(f"SYNTHETIC weights table {weights.table_version!r}: for software tests only.")

    if entry_met.value is False or excluded.value is True:
        if entry_met.value is False:
            failed = [f"{labels[k]} ({v.source})" if v.source else labels[k] for k, v in entry.items()
                      if v.value is False]
            reason = "entry criterion not met: " + "; ".join(failed)
        else:
            found = [f"{labels[k]} ({v.source})" if v.source else labels[k] for k, v in excl.items() if v.value]
            reason = "exclusion present: " + "; ".join(found)
        return _result(defn, "not_applicable", "not_met", None, None, items, (), warnings,
                       f"{defn.interpretation['not_applicable']} ({reason}).", facts)
    gate_missing = (*entry_met.missing, *excluded.missing)

    if weights is None:
        items += _captures(defn, facts)
        text = (f"Weights not loaded: the published point table is not bundled, so no score is given. "
                f"Entry criteria: {_state(entry_met)}; exclusions: {_state(excluded, negative=True)}.")
        return _result(defn, "incomplete", "indeterminate", None, None, items, (*gate_missing, WEIGHTS_MISSING),
                       [*warnings, "Weights not loaded."], text, facts)

    assert defn.threshold is not None
    scored = score_items(weights.items, facts, aggregation=weights.aggregation)
    items += list(scored.items)
    by_score = classify(scored, defn.threshold.op, defn.threshold.value)
    gate_open = entry_met.value is True and excluded.value is False
    label: Decision = by_score if (gate_open or by_score == "not_met") else "indeterminate"
    complete = gate_open and scored.complete
    low, high = tidy(scored.low), tidy(scored.high)
    text = (f"Score {low}" if scored.complete else f"Attainable range {low}–{high}") + \
        f" (threshold {threshold_text(defn)}; table {weights.table_version}). Entry: {_state(entry_met)}; " \
        f"exclusions: {_state(excluded, negative=True)}. {defn.interpretation[label]}"
    return _result(defn, "complete" if complete else "incomplete", label, low if complete else None, (low, high),
                   items, (*gate_missing, *scored.missing), warnings, text, facts)


def _captures(defn: InstrumentDefinition, facts: CaseFacts) -> list[ResultItem]:
    out = []
    for cap in defn.captures:
        if cap.feature is not None:
            ev = feature(facts, cap.feature)
            out.append(result_item(id=cap.id, value=ev.value, points=None, source=ev.shown, label=cap.label))
        else:
            assert cap.measure is not None
            m = facts.measure(cap.measure)
            out.append(result_item(id=cap.id, value=None if m.value is None else round(m.value, 2), points=None,
                                   source=m.source, label=cap.label))
    return out


def _state(ev: Evidence, *, negative: bool = False) -> str:
    if ev.value is None:
        return "not yet decidable (missing: " + ", ".join(ev.missing) + ")"
    if negative:
        return "one present" if ev.value else "none present"
    return "met" if ev.value else "not met"


def _result(defn: InstrumentDefinition, status: Status, label: Classification, score: float | int | None,
            rng: tuple[float | int, float | int] | None, items: list[ResultItem], missing: tuple[str, ...],
            warnings: list[str], explanation: str, facts: CaseFacts) -> InstrumentResult:
    return InstrumentResult(
        instrument=defn.id, version=defn.version, title=defn.title, status=status, score=score, range=rng,
        threshold=threshold_text(defn), classification=label, items=tuple(items),
        missing=tuple(dict.fromkeys(missing)), warnings=tuple(warnings), explanation=explanation,
        citation=citation_of(defn), verification=defn.verification, window=facts.window.description,
    )
