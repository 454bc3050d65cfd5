from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import VariantClass
from cnocare.records.versioned import RecordMeta


class GeneticFindingCreate(BaseModel):
    """One genetic result as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gene: str
    variant: str | None = Field(default=None, max_length=200)
    classification: VariantClass
    zygosity: Literal["heterozygous", "homozygous", "compound_heterozygous", "hemizygous"] | None = None


class GeneticFindingUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    gene: str | None = None
    variant: str | None = None
    classification: VariantClass | None = None
    zygosity: Literal["heterozygous", "homozygous", "compound_heterozygous", "hemizygous"] | None = None


class GeneticFindingRead(RecordMeta, GeneticFindingCreate):
    pass
