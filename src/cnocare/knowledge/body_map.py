"""The family diary's body map: the parts of the body a family can tick, in their own words, each mapped
to the bone sites of the catalogue (``bone_sites.yaml``) that lie there, so the clinic reads a diary's
painful sites with the same ids as its imaging.

Order is head to foot, the child's right before their left: the order a screen reader and the Tab key
walk through. An area covers every bone under it (the knee: the ends of femur and tibia and the patella),
because a family reports where it hurts, not which bone; the clinic's imaging says which bone.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from cnocare.knowledge.catalogue import Frozen, bone_sites

Side = Literal["right", "left"]


class BodyArea(Frozen):
    id: str
    label: str
    side: Side | None
    sites: tuple[str, ...]


_MIDLINE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("head", "Head", ("skull",)),
    ("jaw", "Jaw or face", ("mandible", "maxilla")),
    ("neck", "Neck", ("C1", "C2", "C3", "C4", "C5", "C6", "C7")),
    ("chest", "Chest or breastbone", ("sternum",)),
)
_PAIRED_UPPER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("collarbone", "collarbone", ("clavicle",)),
    ("shoulder_blade", "shoulder blade", ("scapula",)),
    ("ribs", "ribs", ("rib",)),
    ("upper_arm", "upper arm or elbow", ("humerus",)),
    ("forearm", "forearm", ("radius", "ulna")),
    ("hand", "wrist or hand", ("carpals", "metacarpals", "hand_phalanges")),
)
_BACK: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("upper_back", "Upper or middle back", tuple(f"T{n}" for n in range(1, 13))),
    ("lower_back", "Lower back", ("L1", "L2", "L3", "L4", "L5")),
    ("tailbone", "Bottom of the back or tailbone", ("sacrum", "coccyx")),
)
_PAIRED_LOWER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("hip", "hip or pelvis", ("ilium", "ischium", "pubis")),
    ("thigh", "thigh", ("femur",)),
    ("knee", "knee", ("femur", "patella", "tibia")),
    ("lower_leg", "lower leg or shin", ("tibia", "fibula")),
    ("ankle", "ankle or heel", ("talus", "calcaneus")),
    ("foot", "foot or toes", ("tarsals", "metatarsals", "foot_phalanges")),
)


def _paired(rows: tuple[tuple[str, str, tuple[str, ...]], ...]) -> list[BodyArea]:
    return [BodyArea(id=f"{side}_{key}", label=f"{side.title()} {words}", side=side, sites=sites)
            for key, words, sites in rows for side in ("right", "left")]


@cache
def body_areas() -> dict[str, BodyArea]:
    areas = ([BodyArea(id=k, label=w, side=None, sites=s) for k, w, s in _MIDLINE] + _paired(_PAIRED_UPPER)
             + [BodyArea(id=k, label=w, side=None, sites=s) for k, w, s in _BACK] + _paired(_PAIRED_LOWER))
    known = bone_sites()
    for area in areas:
        unknown = [s for s in area.sites if s not in known]
        if unknown:
            raise ValueError(f"body map area {area.id} names unknown bone site {unknown[0]!r}")
    return {a.id: a for a in areas}


def sites_of(area_ids: tuple[str, ...]) -> tuple[str, ...]:
    """The catalogue's bone-site ids under the ticked areas, in catalogue order, each once."""
    wanted = {s for a in area_ids for s in body_areas()[a].sites}
    return tuple(s for s in bone_sites() if s in wanted)
