"""Typed loader for the CHAQ structure and scoring rules (data/chaq.yaml)."""

from __future__ import annotations

from functools import cache

from pydantic import Field, model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, read_data_file, sources


class ChaqDomain(Frozen):
    label: str
    items: int = Field(ge=1, le=10)


class SiteChoice(Frozen):
    value: int = Field(ge=1, le=8)
    status: Verification
    source: str
    note: str


class Scale(Frozen):
    min: int
    max: int
    labels: dict[int, str]


class ChaqDefinition(Frozen):
    version: str
    id: str
    title: str
    citation: str
    primary_reference: str
    scale: Scale
    domains: dict[str, ChaqDomain]
    aids_raise_domain_to: int = Field(ge=0, le=3)
    minimum_answered_domains: SiteChoice
    vas: tuple[str, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ChaqDefinition:
        for key in (self.citation, self.primary_reference, self.minimum_answered_domains.source):
            if key not in sources():
                raise ValueError(f"chaq.yaml: unknown source {key!r}")
        if self.minimum_answered_domains.value > len(self.domains):
            raise ValueError("chaq.yaml: minimum_answered_domains exceeds the number of domains")
        return self

    def item_ids(self) -> dict[str, str]:
        """item id -> domain, e.g. "grip_3" -> "grip"."""
        return {f"{d}_{n}": d for d, dom in self.domains.items() for n in range(1, dom.items + 1)}


@cache
def chaq_definition() -> ChaqDefinition:
    return ChaqDefinition(**read_data_file("chaq.yaml"))
