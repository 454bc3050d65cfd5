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


def unknown(*missing: str, source: str | None = None) -> Evidence:
    return Evidence(None, source, tuple(missing))


def all_of(*parts: Evidence, source: str | None = None) -> Evidence:
    """Kleene AND: one False decides; unknowns matter only if nothing is False."""
    if any(p.value is False for p in parts):
        return Evidence(False, source)
    if all(p.value is True for p in parts):
        return Evidence(True, source)
    return Evidence(None, source, _union(p.missing for p in parts if p.value is None))


def any_of(*parts: Evidence, source: str | None = None) -> Evidence:
    """Kleene OR: one True decides; unknowns matter only if nothing is True."""
    if any(p.value is True for p in parts):
        return Evidence(True, source)
    if all(p.value is False for p in parts):
        return Evidence(False, source)
    return Evidence(None, source, _union(p.missing for p in parts if p.value is None))


def negate(part: Evidence, source: str | None = None) -> Evidence:
    return Evidence(None if part.value is None else not part.value, source or part.source, part.missing)


def _union(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chain.from_iterable(groups)))
