"""Typed loader for the follow-up schedule rules (data/followup.yaml, or a site's own file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, lab_tests, read_data_file, sources


class Rule(Frozen):
    id: str
    label: str
    kind: Literal["laboratory", "imaging", "measurement", "check"]
    when_medicine: tuple[str, ...] = ()
    when: Literal["always", "active_disease_course", "vertebral_lesion", "lower_limb_lesion"] | None = None
    labs: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    measurements: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    first_weeks: tuple[float, float] | None = None
    every_weeks: tuple[float, float] | None = Field(default=None, description="Due from the first number, "
                                                    "overdue after the second; omitted: the site sets it")
    source: str
    status: Verification
    note: str | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Rule:
        if bool(self.when_medicine) == (self.when is not None):
            raise ValueError(f"rule {self.id}: give either when_medicine or when")
        for lo_hi in (self.first_weeks, self.every_weeks):
            if lo_hi is not None and not 0 < lo_hi[0] <= lo_hi[1]:
                raise ValueError(f"rule {self.id}: interval {lo_hi} must be 0 < from <= to")
        for test in self.labs:
            if test not in lab_tests():
                raise ValueError(f"rule {self.id}: unknown lab test {test!r}")
        return self


class FollowupRules(Frozen):
    version: str
    site: str | None = None
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _cited(self) -> FollowupRules:
        for r in self.rules:
            if r.source not in sources():
                raise ValueError(f"rule {r.id}: unknown source {r.source!r}")
        return self


@cache
def default_followup_rules() -> FollowupRules:
    return FollowupRules(**read_data_file("followup.yaml"))


def load_followup_rules(path: Path) -> FollowupRules:
    """A site's own rules (intervals it sets); ValueError names the file and the rule."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        return FollowupRules(**data)
    except (OSError, yaml.YAMLError, TypeError, ValidationError) as exc:
        raise ValueError(f"follow-up rules {path}: {exc}") from exc
