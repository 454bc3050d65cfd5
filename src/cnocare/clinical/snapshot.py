"""The base of every part of the Case snapshot, and the bone-site check they share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from cnocare.knowledge.catalogue import bone_sites


class Snapshot(BaseModel):
    """Base for every part of the Case: frozen, and unknown fields are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def check_site(v: str | None) -> str | None:
    if v is None:
        return None
    if v not in bone_sites():
        raise ValueError(f"bone {v!r} is not in the bone-site catalogue; accepted ids e.g. clavicle, femur, T7"
                         " (see `cnocare bones`)")
    return v
