"""Typed loaders for the exclusion work-up's knowledge files: red flags, cautions and tests
(data/red_flags.yaml, data/workup_tests.yaml). The core interprets them (clinical/workup.py)."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from cnocare.knowledge.catalogue import Frozen, Verification, read_data_file, sources
from cnocare.knowledge.instruments import Predicate

Category = Literal["malignancy", "infection", "both"]



class RedFlagDefinition(Frozen):
    id: str
    label: str
    category: Category
    severity: Literal["urgent", "caution"]
    when_all: tuple[Predicate, ...]
    source: str
    status: Verification
    screen: bool = True  # must be recorded and negative before biopsy may be deferred
    note: str | None = None


class CautionDefinition(Frozen):
    id: str
    when_any_flag: tuple[str, ...]
    text: str
    source: str
    status: Verification


class TestDefinition(Frozen):
    id: str
    label: str
    labs: tuple[str, ...] = ()
    imaging: tuple[str, ...] = ()
    biopsy: bool = False
    advisable: str | dict[str, Any]
    source: str
    detail: str | None = None


@cache
def _flags_file() -> dict[str, Any]:
    return read_data_file("red_flags.yaml")


@cache
def red_flag_definitions() -> tuple[RedFlagDefinition, ...]:
    flags = tuple(RedFlagDefinition(**f) for f in _flags_file()["flags"])
    for f in flags:
        if f.source not in sources():
            raise ValueError(f"red_flags.yaml: {f.id} cites unknown source {f.source!r}")
    return flags


@cache
def caution_definitions() -> tuple[CautionDefinition, ...]:
    out = tuple(CautionDefinition(**c) for c in _flags_file().get("cautions", ()))
    ids = {f.id for f in red_flag_definitions()}
    for c in out:
        if c.source not in sources() or not set(c.when_any_flag) <= ids:
            raise ValueError(f"red_flags.yaml: caution {c.id} cites an unknown source or flag")
    return out


@cache
def test_definitions() -> tuple[TestDefinition, ...]:
    tests = tuple(TestDefinition(**t) for t in read_data_file("workup_tests.yaml")["tests"])
    for t in tests:
        if t.source not in sources():
            raise ValueError(f"workup_tests.yaml: {t.id} cites unknown source {t.source!r}")
    return tests
