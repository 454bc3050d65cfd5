"""Typed loader for the codes the diary export uses (data/diary_codes.yaml), each with where it was checked."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field

from cnocare.knowledge.catalogue import Frozen, Verification, read_data_file


class Unit(Frozen):
    code: str  # UCUM
    display: str


class ObservationCode(Frozen):
    system: str
    code: str
    display: str
    unit: Unit
    category: Literal["vital-signs", "survey"]
    status: Verification
    source: str = Field(min_length=10)


class DiaryCodes(Frozen):
    version: str
    observations: dict[Literal["temperature_c", "pain_0_10"], ObservationCode]


@cache
def diary_codes() -> DiaryCodes:
    return DiaryCodes(**read_data_file("diary_codes.yaml"))
