"""Typed loaders for the knowledge files in ``knowledge/data``.

Each loader validates its file completely on first use (and ``validate_all`` at start-up), so a
mistyped site table fails loudly before any patient is assessed, never half-way through.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Verification = Literal[
    "verified", "verified-by-derivation", "secondary", "partial", "low", "unverified",
    "local-choice", "not-found",
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    key: str
    label: str
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    status: Verification


class FlagSource(Frozen):
    source: str
    status: Verification


class BoneSite(Frozen):
    id: str
    label: str
    region: Literal["head", "spine", "thorax", "shoulder_girdle", "upper_limb", "hand", "pelvis",
                    "lower_limb", "foot"]
    kind: Literal["long", "vertebra", "flat", "short"]
    paired: bool
    spine_level: Literal["cervical", "thoracic", "lumbar", "sacral"] | None = None
    flags: tuple[str, ...] = ()


class BoneCatalogue(Frozen):
    version: str
    segments: dict[str, tuple[str, ...]]
    sites: tuple[BoneSite, ...]
    flag_sources: dict[str, FlagSource]

    @model_validator(mode="after")
    def _consistent(self) -> BoneCatalogue:
        ids = [s.id for s in self.sites]
        if len(ids) != len(set(ids)):
            raise ValueError("bone_sites.yaml: duplicate site id")
        for site in self.sites:
            if site.kind not in self.segments:
                raise ValueError(f"bone_sites.yaml: site {site.id} has kind {site.kind} without segments")
            for flag in site.flags:
                if flag not in self.flag_sources:
                    raise ValueError(f"bone_sites.yaml: flag {flag} on {site.id} has no source")
        return self

    def by_id(self) -> dict[str, BoneSite]:
        return {s.id: s for s in self.sites}

    def with_flag(self, flag: str) -> frozenset[str]:
        return frozenset(s.id for s in self.sites if flag in s.flags)


class Loinc(Frozen):
    code: str
    status: Verification
    source: str


class LabTest(Frozen):
    id: str
    label: str
    short: str | None = Field(default=None, description="The clinic's short name, e.g. CRP, Hb")
    against_cno: Literal["high", "low", "both"] | None = Field(
        default=None, description="Which direction argues against CNO; picks the decisive result in a window")
    kind: Literal["quantitative", "qualitative", "culture"]
    unit: str | None = None
    units: dict[str, float] = Field(default_factory=dict)
    possible: tuple[float, float] | None = None
    usual: tuple[float, float] | None = None
    loinc: Loinc | None = None

    @model_validator(mode="after")
    def _quantitative_has_units(self) -> LabTest:
        if self.kind == "quantitative":
            if not self.unit or self.unit not in self.units or self.units[self.unit] != 1:
                raise ValueError(f"labs.yaml: {self.id} needs a canonical unit with factor 1")
            if self.possible is None or self.usual is None:
                raise ValueError(f"labs.yaml: {self.id} needs possible and usual limits")
        return self

    @property
    def name(self) -> str:
        return self.short or self.label

    def to_canonical(self, value: float, unit: str) -> float:
        """Convert ``value`` in ``unit`` to the canonical unit; KeyError for an unknown unit."""
        return value * self.units[unit]


def _read(name: str) -> dict[str, Any]:
    text = resources.files("cnocare.knowledge").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    return data


def read_data_file(name: str) -> dict[str, Any]:
    """Raw YAML of a knowledge file, for loaders living beside the code that interprets them."""
    return _read(name)


@cache
def sources() -> dict[str, Source]:
    raw = _read("sources.yaml")["sources"]
    return {key: Source(key=key, **value) for key, value in raw.items()}


@cache
def bone_catalogue() -> BoneCatalogue:
    raw = _read("bone_sites.yaml")
    catalogue = BoneCatalogue(**{k: v for k, v in raw.items()})
    known = sources()
    for flag, fs in catalogue.flag_sources.items():
        if fs.source not in known:
            raise ValueError(f"bone_sites.yaml: flag {flag} cites unknown source {fs.source}")
    return catalogue


def bone_sites() -> dict[str, BoneSite]:
    return _bone_index()


@cache
def _bone_index() -> dict[str, BoneSite]:
    return bone_catalogue().by_id()


@cache
def lab_tests() -> dict[str, LabTest]:
    raw = _read("labs.yaml")["tests"]
    return {key: LabTest(id=key, **value) for key, value in raw.items()}


@cache
def labels() -> dict[str, dict[str, str]]:
    """Human words for vocabulary ids, by group (symptoms, findings, histology, ...)."""
    raw = _read("labels.yaml")
    return {group: dict(words) for group, words in raw.items() if group != "version"}


def label(group: str, value: str | None) -> str:
    """The clinic's word for ``value`` in ``group``; the id itself only if the file lacks it."""
    if value is None:
        return "not reported"
    return labels().get(group, {}).get(value, value.replace("_", " "))


def validate_all() -> None:
    """Load and validate the catalogue files; ValueError names the file. The clinical core's
    ``criteria.registry.validate_all`` adds the instruments and checks the names they use."""
    sources()
    bone_catalogue()
    lab_tests()
    labels()
