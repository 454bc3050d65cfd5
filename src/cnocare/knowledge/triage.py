"""Typed loader for the diary triage rules (data/triage.yaml)."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, read_data_file, sources

TriageLevel = Literal["emergency", "contact_team", "routine"]



class TriageRule(Frozen):
    id: str
    level: Literal["emergency", "contact_team"]
    answer: str
    family: str
    staff: str
    status: Verification


class TriageRules(Frozen):
    version: str
    source: str
    rules: tuple[TriageRule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> TriageRules:
        if self.source not in sources():
            raise ValueError(f"triage.yaml: unknown source {self.source!r}")
        answers = [r.answer for r in self.rules]
        if len(set(answers)) != len(answers) or len({r.id for r in self.rules}) != len(self.rules):
            raise ValueError("triage.yaml: each rule needs its own id and its own diary answer")
        return self


@cache
def triage_rules() -> TriageRules:
    return TriageRules(**read_data_file("triage.yaml"))
