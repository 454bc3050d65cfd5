"""The treatment and follow-up parts of the Case: growth, infusions, CHAQ, visit activity, checks.

Kept apart from case.py, which holds the presentation (symptoms, imaging, labs, biopsies, diagnoses);
the Case gathers both.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from cnocare.clinical.snapshot import Snapshot, check_site
from cnocare.clinical.vocabulary import CheckKind, InfusionCheck, MeasurementKind
from cnocare.knowledge.catalogue import label

# Physiological limits for data entry (local choice, see knowledge/data/sources.yaml local_plausibility).
MEASUREMENT_UNITS = {"weight_kg": "kg", "height_cm": "cm", "limb_length_difference_cm": "cm"}
MEASUREMENT_POSSIBLE = {"weight_kg": (0.3, 300.0), "height_cm": (20.0, 250.0), "limb_length_difference_cm": (0.1, 30.0)}


class Measurement(Snapshot):
    """Growth and vital data: weight, height, limb-length difference, each with its date."""

    kind: MeasurementKind
    date: dt.date
    value: float = Field(gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _possible(self) -> Measurement:
        lo, hi = MEASUREMENT_POSSIBLE[self.kind]
        if not lo <= self.value <= hi:
            unit = MEASUREMENT_UNITS[self.kind]
            raise ValueError(f"value {self.value:g} {unit} is impossible for a {label('measurements', self.kind)}; "
                             f"accepted {lo:g}–{hi:g} {unit}")
        return self


class Infusion(Snapshot):
    """One infusion (bisphosphonate, infliximab): what was given, the checks done before, any reaction."""

    drug: str = Field(min_length=2, max_length=80)
    date: dt.date
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    checks_done: tuple[InfusionCheck, ...] = Field(default=(), validate_default=True,
                                                   description="The pre-infusion checks done")
    reaction: str | None = None

    @field_validator("checks_done")
    @classmethod
    def _checked(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("no pre-infusion check recorded; accepted: the checks done before the infusion "
                             "(e.g. calcium, vitamin D, renal function)")
        return v


class ChaqAnswers(Snapshot):
    """One CHAQ as filled in: item id ("grip_3") -> "0"-"3" or "na" (not applicable); unanswered items are
    left out. Aids/help per domain, and the two VAS."""

    date: dt.date
    answers: dict[str, Literal["0", "1", "2", "3", "na"]] = Field(default={})
    aids_or_help: tuple[str, ...] = Field(default=(), description="Domains where an aid or another person's "
                                          "help is used")
    pain_vas_0_100: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    wellbeing_vas_0_100: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)

    @property
    def items(self) -> dict[str, int | None]:
        """Scores by item: 0-3, None for not applicable."""
        return {k: None if v == "na" else int(v) for k, v in self.answers.items()}


class ActivityAssessment(Snapshot):
    """Disease activity at a visit: physician and patient/parent globals, pain, tender sites."""

    date: dt.date
    physician_global_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    patient_global_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    pain_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    painful_sites: tuple[str, ...] | None = Field(default=None, description="Bone ids with pain or tenderness; "
                                                  "empty: none found; omitted: not examined")

    @field_validator("painful_sites")
    @classmethod
    def _known_sites(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for site in v or ():
            check_site(site)
        return v


class ClinicalCheck(Snapshot):
    """A pre-treatment check that is not a laboratory result (dental review, vaccination status)."""

    kind: CheckKind
    date: dt.date
    outcome: Literal["satisfactory", "concern"] = "satisfactory"
    note: str | None = None
