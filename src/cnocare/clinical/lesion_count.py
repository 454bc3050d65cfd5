"""How many lesions and how many bones: a range, never a guess.

The same focus is often recorded on several studies (a radiograph, then an MRI), and a report may
leave out the side or the segment. So the counts are intervals: the fewest distinct foci consistent
with the entries (entries of one study are distinct; entries of different studies that could be the
same focus are merged) and the most (only entries with identical site, side and segment merge).
Without whole-body imaging the upper end is open: silent lesions may exist elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from cnocare.clinical.case import ImagingStudy, Lesion
from cnocare.knowledge.catalogue import bone_sites

UNBOUNDED = 10**6


@dataclass(frozen=True, slots=True)
class Count:
    low: int
    high: int  # UNBOUNDED when no whole-body imaging bounds it

    def more_than(self, n: int) -> bool | None:
        if self.low > n:
            return True
        if self.high <= n:
            return False
        return None

    def describe(self, noun: str) -> str:
        if self.low == self.high:
            return f"{self.low} {noun}"
        if self.high >= UNBOUNDED:
            return f"at least {self.low} {noun} (no whole-body imaging)"
        return f"{self.low}–{self.high} {noun}"


def _side(les: Lesion) -> str | None:
    return None if les.side == "midline" else les.side


def _compatible(a: tuple[str, str | None, str | None], b: tuple[str, str | None, str | None]) -> bool:
    return a[0] == b[0] and all(x is None or y is None or x == y for x, y in zip(a[1:], b[1:], strict=True))


def _merge(a: tuple[str, str | None, str | None], b: tuple[str, str | None, str | None]
           ) -> tuple[str, str | None, str | None]:
    return a[0], a[1] or b[1], a[2] or b[2]


def lesion_count(studies: tuple[ImagingStudy, ...], whole_body: bool) -> Count:
    slots: list[tuple[str, str | None, str | None]] = []
    for study in studies:
        used: set[int] = set()
        for les in study.lesions:
            key = (les.site, _side(les), les.segment if les.segment != "whole" else None)
            match = next((i for i, s in enumerate(slots) if i not in used and _compatible(s, key)), None)
            if match is None:
                slots.append(key)
                used.add(len(slots) - 1)
            else:
                slots[match] = _merge(slots[match], key)
                used.add(match)
    exact: Counter[tuple[str, str | None, str | None]] = Counter()
    for study in studies:
        per_study = Counter((les.site, _side(les), les.segment) for les in study.lesions)
        for key, n in per_study.items():
            exact[key] = max(exact[key], n)
    low = len(slots)
    high = max(low, sum(exact.values())) if whole_body else UNBOUNDED
    return Count(low, high)


def bone_count(studies: tuple[ImagingStudy, ...], whole_body: bool) -> Count:
    """Distinct bones (site and side); a paired bone of unknown side may be either one."""
    known: dict[str, set[str]] = {}
    unsided: Counter[str] = Counter()
    for study in studies:
        for les in study.lesions:
            side = _side(les)
            known.setdefault(les.site, set())
            if side is not None:
                known[les.site].add(side)
            elif bone_sites()[les.site].paired:
                unsided[les.site] += 1
    low = high = 0
    for site, sides in known.items():
        if not bone_sites()[site].paired:
            low, high = low + 1, high + 1
            continue
        low += max(1, len(sides))
        high += min(2, len(sides) + unsided[site])
    return Count(low, high if whole_body else UNBOUNDED)


def bilateral_sites(studies: tuple[ImagingStudy, ...]) -> tuple[list[str], list[str]]:
    """(paired bones involved on both sides, paired bones where a side is unreported)."""
    sides: dict[str, set[str | None]] = {}
    for study in studies:
        for les in study.lesions:
            if bone_sites()[les.site].paired:
                sides.setdefault(les.site, set()).add(les.side)
    both = sorted(s for s, v in sides.items() if {"left", "right"} <= v)
    open_ = sorted(s for s, v in sides.items() if None in v and s not in both)
    return both, open_


def lesion_dates(studies: tuple[ImagingStudy, ...]) -> list[dt.date]:
    return sorted({s.date for s in studies if s.lesions})
