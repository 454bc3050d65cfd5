"""Typed form of an instrument data file (knowledge/data/instruments/*.yaml), validated on load.

Names of facts and measures are checked against the clinical core by ``clinical.criteria.registry``
(the core knows which facts exist; this module only knows the file's shape), so knowledge never
imports the core.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cnocare.knowledge.catalogue import Verification, lab_tests, read_data_file, sources


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Predicate(Strict):
    """Either a named fact (``feature``) or a comparison of a measured value with a cut-off."""

    feature: str | None = None
    measure: str | None = None
    op: Literal["<", "<=", ">", ">=", "=="] | None = None
    value: float | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Predicate:
        if (self.feature is None) == (self.measure is None):
            raise ValueError("a predicate names exactly one of 'feature' or 'measure'")
        if self.feature is not None:
            if self.op or self.value is not None or self.unit:
                raise ValueError(f"feature {self.feature!r} takes no op/value/unit")
            return self
        if self.op is None or self.value is None:
            raise ValueError(f"measure {self.measure!r} needs op and value")
        if self.measure in lab_tests():
            test = lab_tests()[self.measure]
            if self.unit not in test.units:
                raise ValueError(f"unit {self.unit!r} for {self.measure}; accepted: {', '.join(test.units)}")
        return self

    def canonical_cut(self) -> float:
        """The cut-off in the measure's canonical unit (so mg/dL and mg/L tables agree)."""
        assert self.value is not None
        if self.measure in lab_tests() and self.unit is not None:
            return lab_tests()[self.measure].to_canonical(self.value, self.unit)
        return self.value

    def describe(self) -> str:
        if self.feature:
            return self.feature
        return f"{self.measure} {self.op} {self.value:g}{' ' + self.unit if self.unit else ''}"


class ItemDefinition(Strict):
    id: str
    label: str
    when: Predicate
    points: float | None = None
    points_status: Verification | None = None
    domain: str | None = None
    odds_ratio: float | None = None
    note: str | None = None


class Capture(Strict):
    """A value recorded for display under a domain, with no points attached."""

    id: str
    domain: str
    label: str
    feature: str | None = None
    measure: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Capture:
        if (self.feature is None) == (self.measure is None):
            raise ValueError(f"capture {self.id}: name exactly one of feature or measure")
        return self


class Threshold(Strict):
    op: Literal[">=", ">"]
    value: float
    status: Verification


class ConditionalWarning(Strict):
    when: Predicate
    text: str


class InstrumentDefinition(Strict):
    id: str
    version: str
    title: str
    purpose: str
    kind: Literal["points", "rule", "weighted-classification"]
    citation: str
    verification: Literal["verified", "verified-by-derivation", "partial"]
    threshold: Threshold | None = None
    max_score: float | None = None
    aggregation: Literal["sum", "max_per_domain"] = "sum"
    interpretation: dict[Literal["met", "not_met", "indeterminate", "not_applicable"], str]
    warnings: tuple[str, ...] = ()
    conditional_warnings: tuple[ConditionalWarning, ...] = ()
    items: tuple[ItemDefinition, ...] = ()
    domains: tuple[str, ...] = ()
    entry: tuple[ItemDefinition, ...] = ()
    exclusions: tuple[ItemDefinition, ...] = ()
    captures: tuple[Capture, ...] = ()
    provenance: str = Field(description="How solid each number is, in one paragraph")

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentDefinition:
        if self.citation not in sources():
            raise ValueError(f"{self.id}: unknown citation key {self.citation!r}")
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate item id")
        if self.kind == "points":
            if any(i.points is None for i in self.items):
                raise ValueError(f"{self.id}: every item of a points instrument needs points")
            total = sum(i.points or 0 for i in self.items)
            if self.max_score is not None and abs(total - self.max_score) > 1e-9:
                raise ValueError(f"{self.id}: item points sum to {total:g}, not the maximum {self.max_score:g}")
        for cap in self.captures:
            if cap.domain not in self.domains:
                raise ValueError(f"{self.id}: capture {cap.id} names unknown domain {cap.domain!r}")
        for item in self.items:
            if item.domain is not None and self.domains and item.domain not in self.domains:
                raise ValueError(f"{self.id}: item {item.id} names unknown domain {item.domain!r}")
        return self


    def names(self) -> tuple[set[str], set[str]]:
        """(features, measures) the file names, for the core's check that each exists."""
        return names_in([i.when for i in (*self.items, *self.entry, *self.exclusions)]
                        + [w.when for w in self.conditional_warnings],
                        features={c.feature for c in self.captures if c.feature},
                        measures={c.measure for c in self.captures if c.measure})


def names_in(predicates: list[Predicate], *, features: set[str] | None = None,
             measures: set[str] | None = None) -> tuple[set[str], set[str]]:
    feats, meas = set(features or ()), set(measures or ())
    for p in predicates:
        if p.feature:
            feats.add(p.feature)
        if p.measure:
            meas.add(p.measure)
    return feats, meas


def load_definition(name: str) -> InstrumentDefinition:
    try:
        return InstrumentDefinition(**read_data_file(f"instruments/{name}.yaml"))
    except ValueError as exc:
        raise ValueError(f"knowledge/data/instruments/{name}.yaml: {exc}") from exc
