"""k-anonymity for research releases: generalise quasi-identifiers until every released row shares its
combination with at least k-1 others, suppressing the rows that still stand out.

Quasi-identifiers are what an outsider could know about a child: birth year, sex, centre, onset date and a
rare subtype. A row alone on (2014, female, BRI, 2025-09) is that child, pseudonym or not. Each attribute
has a ladder from exact to fully hidden ("*"); the search climbs one rung at a time on whichever attribute
most reduces the number of rows in too-small groups, until at most ``MAX_SUPPRESSED_SHARE`` of the rows
would have to be withheld, and then withholds them. The same rung applies to every row (global recoding),
so a released value means the same thing in every row. Pure: no database, no web.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

HIDDEN = "*"
MAX_SUPPRESSED_SHARE = 0.05  # at most 5 % of rows withheld before generalising further


def _band(years: int) -> Callable[[Any], str | None]:
    def band(value: Any) -> str | None:
        if value is None:
            return None
        start = int(str(value)[:4]) // years * years
        return f"{start}–{start + years - 1}"
    return band


def _year(value: Any) -> str | None:
    return None if value is None else str(value)[:4]


def _exact(value: Any) -> str | None:
    return None if value is None else str(value)


def _hidden(_value: Any) -> str:
    return HIDDEN


# Rungs from exact to hidden, per quasi-identifier. Order of the dict: which to generalise first on ties
# (coarser dates cost research less than losing the centre or sex).
LADDERS: dict[str, tuple[tuple[str, Callable[[Any], str | None]], ...]] = {
    "onset": (("month", _exact), ("year", _year), ("5-year band", _band(5)), ("hidden", _hidden)),
    "birth_year": (("year", _exact), ("5-year band", _band(5)), ("10-year band", _band(10)), ("hidden", _hidden)),
    "subtype": (("labels", _exact), ("hidden", _hidden)),
    "centre": (("code", _exact), ("hidden", _hidden)),
    "sex": (("as recorded", _exact), ("hidden", _hidden)),
}
QUASI_IDENTIFIERS = tuple(LADDERS)


@dataclass(frozen=True)
class Release:
    rows: list[dict[str, Any]]  # the released rows, quasi-identifiers generalised
    k: int
    levels: dict[str, str]  # quasi-identifier -> rung name used
    suppressed: int  # rows withheld because their group stayed smaller than k
    smallest_group: int | None  # among released rows (>= k, or None when nothing is released)
    considered: int = 0
    notes: list[str] = field(default_factory=list)


def _key(row: dict[str, Any], levels: dict[str, int]) -> tuple[Any, ...]:
    return tuple(LADDERS[q][levels[q]][1](row.get(q)) for q in QUASI_IDENTIFIERS)


def _too_small(rows: Sequence[dict[str, Any]], levels: dict[str, int], k: int) -> int:
    counts = Counter(_key(r, levels) for r in rows)
    return sum(n for n in counts.values() if n < k)


def k_anonymise(rows: Sequence[dict[str, Any]], k: int) -> Release:
    """``rows`` carry the quasi-identifiers under the names in ``LADDERS`` (other keys pass through)."""
    if k < 2:
        raise ValueError(f"k={k} is not accepted; accepted: k >= 2 (k=1 releases unique rows)")
    levels = {q: 0 for q in QUASI_IDENTIFIERS}
    allowance = int(len(rows) * MAX_SUPPRESSED_SHARE)
    small = _too_small(rows, levels, k)
    while small > allowance:
        options = [q for q in QUASI_IDENTIFIERS if levels[q] < len(LADDERS[q]) - 1]
        if not options:
            break
        scored = [(_too_small(rows, {**levels, q: levels[q] + 1}, k), i, q) for i, q in enumerate(options)]
        small, _, chosen = min(scored)
        levels[chosen] += 1
    counts = Counter(_key(r, levels) for r in rows)
    released = []
    for row in rows:
        key = _key(row, levels)
        if counts[key] >= k:
            released.append({**row, **dict(zip(QUASI_IDENTIFIERS, key, strict=True))})
    sizes = [n for n in counts.values() if n >= k]
    notes = []
    if len(rows) and not released:
        notes.append(f"fewer than k={k} patients share even fully hidden quasi-identifiers: nothing released")
    return Release(rows=released, k=k, levels={q: LADDERS[q][levels[q]][0] for q in QUASI_IDENTIFIERS},
                   suppressed=len(rows) - len(released), smallest_group=min(sizes) if sizes else None,
                   considered=len(rows), notes=notes)


def groups(rows: Sequence[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    """Group sizes of released rows on their (generalised) quasi-identifiers: for checks and tests."""
    return Counter(tuple(r.get(q) for q in QUASI_IDENTIFIERS) for r in rows)
