"""Reading laboratory results: which result decides, and against which reference interval.

Inside a window the result that argues most against CNO decides (the highest CRP, the lowest
haemoglobin), so a later normal value after treatment never rewrites the presentation. A result is
judged against the laboratory's own range; when the laboratory sent none, against the cited default
table for the child's calendar age and sex on the day of the test, and the evidence says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnocare.clinical.case import Case, LabResult
from cnocare.clinical.logic import Evidence, Interval, unknown
from cnocare.knowledge.catalogue import lab_tests
from cnocare.knowledge.reference_intervals import DEFAULT_RANGE_LABEL, ReferenceTable


@dataclass(frozen=True, slots=True)
class RangeCheck:
    """A result against its reference interval: below / inside / above, each three-valued."""

    result: LabResult
    below: bool | None
    above: bool | None
    range_text: str | None  # e.g. "lab range 4.5–13.5" or "110–140 g/L, default range — the laboratory sent none"
    missing: tuple[str, ...] = ()

    @property
    def inside(self) -> bool | None:
        if self.below is True or self.above is True:
            return False
        if self.below is False and self.above is False:
            return True
        return None

    def describe(self) -> str:
        name = lab_tests()[self.result.test].name
        where = f"; {self.range_text}" if self.range_text else ""
        return f"{name} {self.result.shown} on {self.result.date.isoformat()}{where}"


def decisive(results: Sequence[LabResult], direction: str) -> LabResult | None:
    """The result that argues most against CNO: highest ("high") or lowest ("low") value."""
    valued = [r for r in results if r.interval is not None]
    if not valued:
        return None
    if direction == "low":
        return min(valued, key=lambda r: (_iv(r).lo, _iv(r).hi, r.date.toordinal()))
    return max(valued, key=lambda r: (_iv(r).hi, _iv(r).lo, r.date.toordinal()))


def _iv(r: LabResult) -> Interval:
    assert r.interval is not None
    return r.interval


def check_range(r: LabResult, case: Case, table: ReferenceTable) -> RangeCheck:
    iv = _iv(r)
    unit = lab_tests()[r.test].unit or ""
    lo, hi = r.canonical_reference_low, r.canonical_reference_high
    if lo is not None or hi is not None:
        below = None if lo is None else iv.compare("<", lo)
        above = None if hi is None else iv.compare(">", hi)
        text = f"laboratory range {_num(lo)}–{_num(hi)} {unit}"
        gap: tuple[str, ...] = () if lo is not None and hi is not None else (
            f"{lab_tests()[r.test].name} reference range",)
        return RangeCheck(r, below, above, text, gap)
    age = case.age_on(r.date)
    # Age unknown: every band of the table applies, so only a result outside all of them is decided.
    bands = table.bands_for(r.test, age, case.patient.sex) if age is not None else table.all_bands(r.test,
                                                                                                case.patient.sex)
    if not bands:
        return RangeCheck(r, None, None, None, (f"{lab_tests()[r.test].name} reference range from the laboratory",))
    belows = [iv.compare("<", b.low) for b in bands]
    aboves = [iv.compare(">=" if b.high_open else ">", b.high) for b in bands]
    if age is None:
        ranges = f"{min(b.low for b in bands):g}–{max(b.high for b in bands):g} {unit} across all ages (age unknown)"
        missing: tuple[str, ...] = ("age or date of birth (to choose a default reference range)",)
    else:
        ranges = " or ".join(b.describe(unit) + (f" ({b.sex})" if b.sex else "") for b in bands)
        missing = ()
    below, above = _agree(belows), _agree(aboves)
    return RangeCheck(r, below, above, f"{ranges}, {DEFAULT_RANGE_LABEL}",
                      missing if None in (below, above) else ())


def _agree(values: list[bool | None]) -> bool | None:
    """With sex unknown two bands may apply: decided only when they agree."""
    if all(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def _num(x: float | None) -> str:
    return "?" if x is None else f"{x:g}"


def any_outside(checks: Sequence[RangeCheck], side: str, test: str) -> Evidence:
    """True when any result lies on ``side`` ("below"/"above") of its range; False only when every result
    is known to lie inside on that side; otherwise unknown, naming what would decide it."""
    name = lab_tests()[test].name
    if not checks:
        return unknown(name)
    hits = [c for c in checks if getattr(c, side) is True]
    if hits:
        worst = hits[0]
        return Evidence(True, f"{worst.describe()} ({'below' if side == 'below' else 'above'} the range)")
    if all(getattr(c, side) is False for c in checks):
        latest = max(checks, key=lambda c: c.result.date)
        return Evidence(False, f"{len(checks)} {name} result(s) within the range (latest {latest.describe()})")
    missing = tuple(dict.fromkeys(m for c in checks for m in c.missing)) or (f"{name} reference range",)
    return unknown(*missing)
