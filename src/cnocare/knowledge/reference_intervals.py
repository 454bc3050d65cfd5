"""Default reference intervals for results that arrive without the laboratory's own range.

The bundled table (data/reference_intervals.yaml) is cited band by band; a site replaces it with its
own laboratory's table in the same format (docs/reference-intervals.md), validated here on load so a
mistyped band fails before any patient is assessed.
"""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, lab_tests, read_data_file, sources

DEFAULT_RANGE_LABEL = "default range — the laboratory sent none"



class ReferenceBand(Frozen):
    from_years: float = Field(ge=0, le=120)
    to_years: float | None = Field(default=None, gt=0, le=130)
    sex: Literal["female", "male"] | None = None
    low: float
    high: float
    high_open: bool = False
    source: str
    status: Verification

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceBand:
        if self.to_years is not None and self.to_years <= self.from_years:
            raise ValueError(f"to_years {self.to_years} is not after from_years {self.from_years}")
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self

    def covers(self, age_years: float) -> bool:
        return self.from_years <= age_years and (self.to_years is None or age_years < self.to_years)

    def describe(self, unit: str) -> str:
        upper = f"<{self.high:g}" if self.high_open else f"{self.high:g}"
        return f"{self.low:g}–{upper} {unit}"


class TestBands(Frozen):
    unit: str
    bands: tuple[ReferenceBand, ...] = Field(min_length=1)


class ReferenceTable(Frozen):
    version: str
    site: str | None = Field(default=None, description="Whose table this is; omitted for the bundled default")
    sources: dict[str, str] = Field(default_factory=dict, description="A site table's own sources: key -> label")
    tests: dict[str, TestBands]

    @model_validator(mode="after")
    def _consistent(self) -> ReferenceTable:
        known = set(sources()) | set(self.sources)
        catalogue = lab_tests()
        for test_id, entry in self.tests.items():
            test = catalogue.get(test_id)
            if test is None or test.kind != "quantitative":
                raise ValueError(f"test {test_id!r}; accepted: a quantitative test of the lab catalogue")
            if entry.unit != test.unit:
                raise ValueError(f"{test_id}: unit {entry.unit!r}; accepted: the canonical unit {test.unit!r}")
            for band in entry.bands:
                if band.source not in known:
                    raise ValueError(f"{test_id}: band from {band.from_years:g} y cites unknown source "
                                     f"{band.source!r}; add it under 'sources'")
            _no_overlap(test_id, entry.bands)
        return self

    def bands_for(self, test: str, age_years: float, sex: str) -> tuple[ReferenceBand, ...]:
        """The bands that apply on that day; both sexes' bands when sex is not female or male."""
        entry = self.tests.get(test)
        if entry is None:
            return ()
        return tuple(b for b in entry.bands if b.covers(age_years) and (b.sex is None or sex not in ("female", "male")
                                                                         or b.sex == sex))


    def all_bands(self, test: str, sex: str) -> tuple[ReferenceBand, ...]:
        """Every band of every age (for a child whose age is not recorded)."""
        entry = self.tests.get(test)
        if entry is None:
            return ()
        return tuple(b for b in entry.bands if b.sex is None or sex not in ("female", "male") or b.sex == sex)


def _no_overlap(test_id: str, bands: tuple[ReferenceBand, ...]) -> None:
    for sex in ("female", "male"):
        mine = sorted((b for b in bands if b.sex in (None, sex)), key=lambda b: b.from_years)
        for a, b in pairwise(mine):
            if a.to_years is None or a.to_years > b.from_years:
                raise ValueError(f"{test_id}: bands from {a.from_years:g} y and {b.from_years:g} y overlap ({sex})")


@cache
def default_reference_intervals() -> ReferenceTable:
    return _parse(read_data_file("reference_intervals.yaml"), "knowledge/data/reference_intervals.yaml")


def load_reference_intervals(path: Path) -> ReferenceTable:
    """A site's own table; ValueError names the file and the defect."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"reference intervals {path}: {exc}") from exc
    return _parse(data, str(path))


def _parse(data: Any, where: str) -> ReferenceTable:
    if not isinstance(data, dict):
        raise ValueError(f"reference intervals {where}: expected a mapping with 'version' and 'tests'")
    try:
        return ReferenceTable(**data)
    except (ValidationError, TypeError) as exc:
        raise ValueError(f"reference intervals {where}: {exc}") from exc
