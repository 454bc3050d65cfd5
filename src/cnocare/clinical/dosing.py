"""Weight-based dose calculation from a site formulary line, with caps, units and rounding.

Refuses rather than guesses: no weight, or a weight older than the site's limit, gives a refusal that
says what to record. Every dose line names the formulary, its source and the weight used with its date.
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.case import Case
from cnocare.clinical.follow_up_snapshot import Measurement
from cnocare.knowledge.formulary import Formulary, FormularyLine


class DoseLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    drug: str
    indication: str
    dose_mg: float | None
    route: str
    frequency: str
    calculation: str
    capped: bool
    weight_kg: float | None
    weight_date: dt.date | None
    formulary: str
    source: str
    refused: str | None = None


def current_weight(case: Case, on: dt.date) -> Measurement | None:
    weights = [m for m in case.measurements if m.kind == "weight_kg" and m.date <= on]
    return max(weights, key=lambda m: m.date) if weights else None


def _round(x: float, step: float) -> float:
    """To the nearest step, halves up (the site sets the step)."""
    return math.floor(x / step + 0.5) * step


def calculate(line: FormularyLine, formulary: Formulary, case: Case, on: dt.date) -> DoseLine:
    name = formulary.site + (" (SYNTHETIC formulary: not for patients)" if formulary.synthetic else "")
    base = {"drug": line.drug, "indication": line.indication, "route": line.route, "frequency": line.frequency,
            "formulary": name, "source": line.source}
    weight = current_weight(case, on)
    if line.basis == "fixed":
        assert line.dose_mg is not None
        dose, steps = line.dose_mg, f"fixed {line.dose_mg:g} mg"
        wkg, wdate = (weight.value, weight.date) if weight else (None, None)
    else:
        if weight is None:
            return DoseLine(**base, dose_mg=None, calculation="", capped=False, weight_kg=None, weight_date=None,
                            refused="No weight recorded: record a current weight before a weight-based dose.")
        age = (on - weight.date).days
        if age > formulary.max_weight_age_days:
            return DoseLine(**base, dose_mg=None, calculation="", capped=False, weight_kg=weight.value,
                            weight_date=weight.date,
                            refused=f"The latest weight ({weight.value:g} kg on {weight.date.isoformat()}) is {age} "
                                    f"days old; the site allows {formulary.max_weight_age_days}. Record a current "
                                    "weight.")
        assert line.dose_mg_per_kg is not None
        dose = line.dose_mg_per_kg * weight.value
        steps = f"{line.dose_mg_per_kg:g} mg/kg × {weight.value:g} kg = {dose:g} mg"
        wkg, wdate = weight.value, weight.date
    rounded = _round(dose, line.rounding_mg)
    steps += f"; rounded to {rounded:g} mg (steps of {line.rounding_mg:g} mg)"
    capped = False
    if rounded > line.max_single_mg:
        rounded, capped = line.max_single_mg, True
        steps += f"; capped at the maximum single dose {line.max_single_mg:g} mg"
    if line.doses_per_day and rounded * line.doses_per_day > line.max_daily_mg:
        rounded = math.floor(line.max_daily_mg / line.doses_per_day / line.rounding_mg) * line.rounding_mg
        capped = True
        steps += f"; reduced to {rounded:g} mg so the daily total stays within {line.max_daily_mg:g} mg"
    return DoseLine(**base, dose_mg=rounded, calculation=steps, capped=capped, weight_kg=wkg, weight_date=wdate)
