"""Typed loader for the CARRA consensus treatment plans file (data/carra_ctp.yaml)."""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, lab_tests, read_data_file, sources


class CitedNumber(Frozen):
    value: float
    status: Verification
    note: str


class Limit(Frozen):
    value: float
    unit: str
    text: str


class ArmCheck(Frozen):
    id: str
    label: str
    labs: tuple[str, ...] = ()
    check: str | None = None
    below: Limit | None = None
    source: str
    status: Verification

    @model_validator(mode="after")
    def _one_kind(self) -> ArmCheck:
        if bool(self.labs) == bool(self.check):
            raise ValueError(f"check {self.id}: name either labs or a clinical check")
        for test in self.labs:
            if test not in lab_tests():
                raise ValueError(f"check {self.id}: unknown lab test {test!r}")
        if self.below is not None and self.below.unit not in lab_tests()[self.labs[0]].units:
            raise ValueError(f"check {self.id}: unit {self.below.unit!r} is not a unit of {self.labs[0]}")
        return self


class Arm(Frozen):
    label: str
    classes: tuple[str, ...] = Field(min_length=1)
    checks: tuple[ArmCheck, ...]


class SpecialistOption(Frozen):
    label: str
    evidence: str
    source: str
    status: Verification


class CarraPlans(Frozen):
    version: str
    source: str
    eligibility: dict[str, CitedNumber]
    arms: dict[str, Arm]
    permitted_in_all_plans: tuple[str, ...]
    specialist_consideration: tuple[SpecialistOption, ...]

    @model_validator(mode="after")
    def _cited(self) -> CarraPlans:
        keys = [self.source, *(c.source for a in self.arms.values() for c in a.checks),
                *(s.source for s in self.specialist_consideration)]
        for key in keys:
            if key not in sources():
                raise ValueError(f"carra_ctp.yaml: unknown source {key!r}")
        needed = {"max_age_years", "mri_oedema_within_weeks", "nsaid_weeks"}
        if set(self.eligibility) != needed:
            raise ValueError(f"carra_ctp.yaml: eligibility needs exactly {', '.join(sorted(needed))}")
        return self


@cache
def carra_plans() -> CarraPlans:
    return CarraPlans(**read_data_file("carra_ctp.yaml"))
