"""Definitions a site may load for measures whose published rules were not verified: the PedCNO response
(Beck 2010; reference notes §5.1, §12.4), the RAI-CROMRIS per-parameter grading (Capponi 2021; §5.4), and
the diary pain that a site counts as a possible flare (no published rule: docs/decisions/006).

Both are refused unless labelled unverified or local-choice, and every result computed from them says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from cnocare.knowledge.catalogue import Frozen

PEDCNO_VARIABLES = ("esr", "radiological_lesion_count", "physician_global", "patient_global", "chaq")
RAI_PARAMETERS = ("marrow_hyperintensity", "extension", "soft_tissue_periosteal_hyperintensity", "bony_expansion",
                  "vertebral_collapse")



class PedCnoDefinition(Frozen):
    site: str
    version: str
    status: Literal["unverified", "local-choice"]
    source: str = Field(min_length=3)
    variables: tuple[str, ...] = Field(min_length=1)
    levels: tuple[int, ...] = Field(min_length=1)
    improve_at_least_variables: int = Field(ge=1)
    worsen_more_than_percent: float = Field(ge=0, le=100)
    worsen_at_most_variables: int = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> PedCnoDefinition:
        unknown = sorted(set(self.variables) - set(PEDCNO_VARIABLES))
        if unknown:
            raise ValueError(f"variable {unknown[0]!r}; accepted: {', '.join(PEDCNO_VARIABLES)}")
        if self.improve_at_least_variables > len(self.variables):
            raise ValueError("improve_at_least_variables exceeds the number of variables")
        if any(not 0 < lv <= 100 for lv in self.levels) or list(self.levels) != sorted(set(self.levels)):
            raise ValueError("levels must be increasing percentages between 1 and 100")
        return self


class RaiGrading(Frozen):
    site: str
    version: str
    status: Literal["unverified", "local-choice"]
    source: str = Field(min_length=3)
    max_grade: dict[str, int]

    @model_validator(mode="after")
    def _consistent(self) -> RaiGrading:
        if set(self.max_grade) != set(RAI_PARAMETERS):
            raise ValueError(f"max_grade must name exactly: {', '.join(RAI_PARAMETERS)}")
        if sum(self.max_grade.values()) != 7:  # verified: each bone unit scores 0-7
            raise ValueError(f"the maxima sum to {sum(self.max_grade.values())}; a bone unit scores 0-7 "
                             "(Capponi 2021), so they must sum to 7")
        return self


class DiaryFlareRule(Frozen):
    """The site's own rule for a possible flare from the family's diary: pain at or above
    ``pain_at_least_0_10`` on ``consecutive_days`` consecutive diary days, each answered. No default: no
    published CNO rule was found, so without a site file the diary raises no flare signal."""

    site: str
    version: str
    status: Literal["unverified", "local-choice"]
    source: str = Field(min_length=3)
    pain_at_least_0_10: float = Field(gt=0, le=10, allow_inf_nan=False)
    consecutive_days: int = Field(ge=1, le=90)


def _load(path: Path, model: type[Frozen]) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model(**data)
    except (OSError, yaml.YAMLError, TypeError, ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def load_pedcno(path: Path) -> PedCnoDefinition:
    out: PedCnoDefinition = _load(path, PedCnoDefinition)
    return out


def load_rai_grading(path: Path) -> RaiGrading:
    out: RaiGrading = _load(path, RaiGrading)
    return out


def load_diary_flare_rule(path: Path) -> DiaryFlareRule:
    out: DiaryFlareRule = _load(path, DiaryFlareRule)
    return out
