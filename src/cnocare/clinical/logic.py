"""Three-valued evidence: a fact is True, False or unknown (None), with where it came from.

Criteria combine evidence with Kleene logic so that a rule is decided as soon as the known facts
decide it, and only the inputs that could still change the outcome are reported as missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain


@dataclass(frozen=True, slots=True)
class Evidence:
    value: bool | None
    source: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def shown(self) -> str | None:
        """Where the fact came from; for an unknown fact without a source, what is missing."""
        if self.source:
            return self.source
        return ("missing: " + ", ".join(self.missing)) if self.missing else None


def unknown(*missing: str, source: str | None = None) -> Evidence:
    return Evidence(None, source, tuple(missing))


def all_of(*parts: Evidence, source: str | None = None) -> Evidence:
    """Kleene AND: one False decides; unknowns matter only if nothing is False. Without a ``source`` the
    result keeps the sources that decided it (the first False part, or every part when all are True)."""
    if any(p.value is False for p in parts):
        return Evidence(False, source or next(p.source for p in parts if p.value is False))
    if all(p.value is True for p in parts):
        return Evidence(True, source or ("; ".join(p.source for p in parts if p.source) or None))
    return Evidence(None, source, _union(p.missing for p in parts if p.value is None))


def any_of(*parts: Evidence, source: str | None = None) -> Evidence:
    """Kleene OR: one True decides; unknowns matter only if nothing is True. Without a ``source`` the result
    keeps the source of the part that decided it (or of every part when all are False)."""
    if any(p.value is True for p in parts):
        return Evidence(True, source or next(p.source for p in parts if p.value is True))
    if all(p.value is False for p in parts):
        return Evidence(False, source or ("; ".join(p.source for p in parts if p.source) or None))
    return Evidence(None, source, _union(p.missing for p in parts if p.value is None))


def negate(part: Evidence, source: str | None = None) -> Evidence:
    return Evidence(None if part.value is None else not part.value, source or part.source, part.missing)


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chain.from_iterable(groups)))


@dataclass(frozen=True, slots=True)
class Interval:
    """What is known of a number: a point (lo == hi), or bounds from a censored result ("<5", ">1000").

    ``compare`` answers a cut-off question three-valued: True when every value in the interval
    satisfies it, False when none does, None when the interval straddles the cut-off.
    """

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    @classmethod
    def point(cls, value: float) -> Interval:
        return cls(value, value)

    @property
    def is_point(self) -> bool:
        return self.lo == self.hi and not (self.lo_open or self.hi_open)

    def compare(self, op: str, cut: float) -> bool | None:
        lo, hi = self.lo, self.hi
        if op == "<":
            all_, none = hi < cut or (hi == cut and self.hi_open), lo >= cut
        elif op == "<=":
            all_, none = hi <= cut, lo > cut or (lo == cut and self.lo_open)
        elif op == ">":
            all_, none = lo > cut or (lo == cut and self.lo_open), hi <= cut
        elif op == ">=":
            all_, none = lo >= cut, hi < cut or (hi == cut and self.hi_open)
        elif op == "==":
            if self.is_point:
                return lo == cut
            outside = cut < lo or cut > hi or (cut == lo and self.lo_open) or (cut == hi and self.hi_open)
            all_, none = False, outside
        else:
            raise ValueError(f"unsupported operator {op!r}; accepted: <, <=, >, >=, ==")
        if all_:
            return True
        if none:
            return False
        return None

    def within(self, low: float | None, high: float | None, *, high_open: bool = False) -> bool | None:
        """Inside the reference interval [low, high] (or [low, high) when ``high_open``)?"""
        above_low = True if low is None else self.compare(">=", low)
        below_high = True if high is None else self.compare("<" if high_open else "<=", high)
        return all_of(Evidence(above_low), Evidence(below_high)).value

    def describe(self, unit: str) -> str:
        if self.is_point:
            return f"{self.lo:g} {unit}"
        if self.hi == float("inf"):
            return f"{'>' if self.lo_open else '≥'}{self.lo:g} {unit}"
        return f"{'<' if self.hi_open else '≤'}{self.hi:g} {unit}"
