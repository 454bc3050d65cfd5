"""A site formulary: the only place doses come from (docs/formulary.md).

cnocare ships no dose table. A site writes its own file (drug, indication, mg/kg or fixed, route,
frequency, maximum single and daily dose, rounding, source), checked by a second person; it is
validated here on load and every defect names the line and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from cnocare.knowledge.catalogue import Frozen

REQUIRED_MAXIMA = ("max_single_mg", "max_daily_mg")



class FormularyLine(Frozen):
    drug: str = Field(min_length=2, max_length=80)
    indication: str = Field(min_length=2, max_length=120)
    basis: Literal["per_kg", "fixed"]
    dose_mg_per_kg: float | None = Field(default=None, gt=0, le=1000, allow_inf_nan=False)
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    route: Literal["oral", "subcutaneous", "intravenous", "intramuscular", "topical", "other"]
    frequency: str = Field(min_length=2, max_length=60)
    doses_per_day: float | None = Field(default=None, gt=0, le=24, allow_inf_nan=False,
                                        description="For the daily maximum; omit for weekly or rarer doses")
    max_single_mg: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    max_daily_mg: float = Field(gt=0, le=100_000, allow_inf_nan=False)
    rounding_mg: float = Field(gt=0, le=10_000, allow_inf_nan=False)
    source: str = Field(min_length=3, max_length=300)

    @model_validator(mode="after")
    def _basis(self) -> FormularyLine:
        if self.basis == "per_kg" and (self.dose_mg_per_kg is None or self.dose_mg is not None):
            raise ValueError("basis per_kg needs dose_mg_per_kg and no dose_mg")
        if self.basis == "fixed" and (self.dose_mg is None or self.dose_mg_per_kg is not None):
            raise ValueError("basis fixed needs dose_mg and no dose_mg_per_kg")
        if self.max_single_mg > self.max_daily_mg:
            raise ValueError(f"max_single_mg {self.max_single_mg:g} is above max_daily_mg {self.max_daily_mg:g}")
        return self


class Formulary(Frozen):
    site: str = Field(min_length=2)
    version: str
    synthetic: bool = False
    transcribed_by: tuple[str, ...] = Field(min_length=1)
    checked_by: tuple[str, ...] = Field(min_length=1)
    max_weight_age_days: int = Field(ge=1, le=3650, description="A weight older than this is not used for a dose")
    lines: tuple[FormularyLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _two_people(self) -> Formulary:
        if set(self.transcribed_by) & set(self.checked_by):
            raise ValueError("checked_by must name people other than transcribed_by")
        return self

    def lines_for(self, drug: str) -> tuple[FormularyLine, ...]:
        return tuple(line for line in self.lines if line.drug.lower() == drug.strip().lower())


def load_formulary(path: Path) -> Formulary:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"formulary {path}: {exc}") from exc
    return parse_formulary(data, str(path))


def parse_formulary(data: Any, where: str) -> Formulary:
    if not isinstance(data, dict):
        raise ValueError(f"formulary {where}: expected a mapping with site, version, lines")
    for n, line in enumerate(data.get("lines") or (), start=1):
        if isinstance(line, dict):
            absent = [k for k in REQUIRED_MAXIMA if line.get(k) is None]
            if absent:
                raise ValueError(f"formulary {where}: line {n} ({line.get('drug', '?')}): {', '.join(absent)} "
                                 "missing; every line needs a maximum single and a maximum daily dose")
    try:
        return Formulary(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(x) for x in first["loc"])
        raise ValueError(f"formulary {where}: {loc}: {first['msg']} (given: {first.get('input')!r})") from None
