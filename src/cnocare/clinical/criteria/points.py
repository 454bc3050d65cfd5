"""The scoring engine shared by every points instrument (and by the EULAR/ACR weights table).

Each item is True, False or unknown for the patient. The attainable range is the score with every
unknown item off (low) and on (high); with ``max_per_domain`` only the best item of a domain counts.
A classification is stated only when the whole range lies on one side of the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature
from cnocare.clinical.logic import Evidence, Interval
from cnocare.clinical.result import Decision, ResultItem, classify_range, result_item
from cnocare.knowledge.instruments import ItemDefinition, Predicate


def evaluate(predicate: Predicate, facts: CaseFacts) -> Evidence:
    if predicate.feature is not None:
        return feature(facts, predicate.feature)
    assert predicate.measure is not None and predicate.op is not None
    m = facts.measure(predicate.measure, predicate.op)
    iv = m.interval
    if iv is None:
        return Evidence(None, None, m.missing)
    # Round away float noise from unit conversion and derivation (10 % x 2.2 = 0.22000000000000003),
    # so a value exactly on a published boundary lands on the side the paper intends.
    cut = round(predicate.canonical_cut(), 9)
    hit = Interval(round(iv.lo, 9), round(iv.hi, 9) if iv.hi != float("inf") else iv.hi, iv.lo_open,
                   iv.hi_open).compare(predicate.op, cut)
    if hit is None:  # a censored result or an age bound that straddles the cut-off
        return Evidence(None, m.source, m.missing or (f"{predicate.measure} (exact value)",))
    return Evidence(hit, m.source)


@dataclass(frozen=True, slots=True)
class Scored:
    items: tuple[ResultItem, ...]
    low: float
    high: float
    missing: tuple[str, ...]
    counted: tuple[str, ...]  # ids of items that add to the known score

    @property
    def complete(self) -> bool:
        return self.low == self.high and not self.missing


def score_items(items: Sequence[ItemDefinition], facts: CaseFacts, *, aggregation: str = "sum") -> Scored:
    results: list[ResultItem] = []
    missing: dict[str, None] = {}
    per_domain: dict[str, tuple[float, float]] = {}
    counted: list[str] = []
    low_sum = high_sum = 0.0
    for item in items:
        ev = evaluate(item.when, facts)
        pts = float(item.points or 0)
        given: float | None = None if ev.value is None else (pts if ev.value else 0.0)
        results.append(result_item(id=item.id, value=ev.value, points=_tidy(given), source=ev.shown, label=item.label))
        for name in ev.missing:
            missing.setdefault(name, None)
        lo = pts if ev.value is True else 0.0
        hi = pts if ev.value is not False else 0.0
        if ev.value is True:
            counted.append(item.id)
        if aggregation == "max_per_domain":
            key = item.domain or item.id
            d_lo, d_hi = per_domain.get(key, (0.0, 0.0))
            per_domain[key] = (max(d_lo, lo), max(d_hi, hi))
        else:
            low_sum += lo
            high_sum += hi
    if aggregation == "max_per_domain":
        low_sum = sum(lo for lo, _ in per_domain.values())
        high_sum = sum(hi for _, hi in per_domain.values())
    return Scored(tuple(results), low_sum, high_sum, tuple(missing), tuple(counted))


def classify(scored: Scored, op: str, cut: float) -> Decision:
    return classify_range(scored.low, scored.high, op, cut)


def _tidy(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def tidy(x: float) -> float | int:
    out = _tidy(x)
    assert out is not None
    return out
