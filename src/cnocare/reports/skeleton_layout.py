"""Where each bone is drawn on the skeleton map: plain geometry, drawn for this project.

Coordinates are for the FRONT view on a 320-wide canvas, and paired bones are given for the
patient's RIGHT side (the viewer's left in a front view). ``skeleton.py`` mirrors them across the
midline for the left side and mirrors the whole figure for the back view. The figure is a schematic
child (large head, short trunk); it is a map for pointing at bones, not an anatomical drawing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from cnocare.reports.svg import attrs, num

View = Literal["front", "back"]
WIDTH = 320.0
FIGURE_HEIGHT = 770.0
BOTH: frozenset[View] = frozenset({"front", "back"})
FRONT_ONLY: frozenset[View] = frozenset({"front"})
BACK_ONLY: frozenset[View] = frozenset({"back"})


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    rx: float = 2.0

    def mirrored(self) -> Rect:
        return Rect(WIDTH - self.x - self.w, self.y, self.w, self.h, self.rx)

    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.w, self.y + self.h)

    def svg(self, paint: str) -> str:
        return (f'<rect x="{num(self.x)}" y="{num(self.y)}" width="{num(self.w)}" height="{num(self.h)}"'
                f' rx="{num(self.rx)}"{paint}/>')


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float

    def mirrored(self) -> Ellipse:
        return Ellipse(WIDTH - self.cx, self.cy, self.rx, self.ry)

    def bounds(self) -> tuple[float, float, float, float]:
        return (self.cx - self.rx, self.cy - self.ry, self.cx + self.rx, self.cy + self.ry)

    def svg(self, paint: str) -> str:
        return (f'<ellipse cx="{num(self.cx)}" cy="{num(self.cy)}" rx="{num(self.rx)}" ry="{num(self.ry)}"'
                f"{paint}/>")


@dataclass(frozen=True)
class Poly:
    points: tuple[tuple[float, float], ...]

    def mirrored(self) -> Poly:
        return Poly(tuple((WIDTH - x, y) for x, y in self.points))

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return (min(xs), min(ys), max(xs), max(ys))

    def svg(self, paint: str) -> str:
        points = " ".join(f"{num(x)},{num(y)}" for x, y in self.points)
        return f"<polygon{attrs(points=points)}{paint}/>"


Shape = Rect | Ellipse | Poly


@dataclass(frozen=True)
class BoneDrawing:
    """Shapes of one bone (patient's right side for paired bones) and the views that show it.

    ``segments``: for a long bone, the catalogue segment each shape is (same order as ``shapes``), so a
    lesion of the distal metaphysis paints that part only."""

    shapes: tuple[Shape, ...]
    views: frozenset[View] = BOTH
    segments: tuple[str, ...] = ()


# Long-bone segments from the proximal end (the first point given) to the distal end; the shaft is cut
# at a quarter and three quarters of its length (a schematic, not an anatomical, boundary).
LONG_SEGMENTS = ("proximal_epiphysis", "proximal_metaphysis", "diaphysis", "distal_metaphysis",
                 "distal_epiphysis")
SHAFT_CUTS = (0.0, 0.25, 0.75, 1.0)


def long_bone(top: tuple[float, float], bottom: tuple[float, float], half_width: float,
              knob: float, views: frozenset[View] = BOTH) -> BoneDrawing:
    """A shaft between two ends with a rounded knob at each end (epiphyses); ``top`` is the proximal end.
    The shaft is drawn as three parts (metaphyses and diaphysis), each its own shape."""
    (x1, y1), (x2, y2) = top, bottom
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    # Unit normal to the shaft, to offset both long edges.
    nx, ny = (y2 - y1) / length * half_width, -(x2 - x1) / length * half_width

    def at(t: float) -> tuple[float, float]:
        return (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)

    parts: list[Shape] = []
    for t0, t1 in itertools.pairwise(SHAFT_CUTS):
        (ax, ay), (bx, by) = at(t0), at(t1)
        parts.append(Poly(((ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny), (ax - nx, ay - ny))))
    shapes: tuple[Shape, ...] = (Ellipse(x1, y1, knob, knob), *parts, Ellipse(x2, y2, knob, knob))
    return BoneDrawing(shapes, views, LONG_SEGMENTS)


def _ribs() -> tuple[Shape, ...]:
    """Seven rib bands curving out from the spine; one clickable group per side."""
    outer_x = (120.0, 112.0, 108.0, 106.0, 106.0, 108.0, 112.0)
    bands: list[Shape] = []
    for i, outer in enumerate(outer_x):
        y0 = 206.0 + 15.0 * i
        upper = ((145.0, y0), ((145.0 + outer) / 2, y0 - 5), (outer, y0 + 6), (outer + 4, y0 + 16))
        lower = tuple((x, y + 5.0) for x, y in reversed(upper))
        bands.append(Poly(upper + lower))
    return tuple(bands)


def _vertebrae() -> dict[str, BoneDrawing]:
    """C1–L5 stacked on the midline; the blocks widen from neck to loin as in the real spine."""
    out: dict[str, BoneDrawing] = {}
    y = 136.0
    for prefix, count, height, width in (("C", 7, 7.0, 18.0), ("T", 12, 10.0, 28.0), ("L", 5, 13.0, 32.0)):
        for n in range(1, count + 1):
            out[f"{prefix}{n}"] = BoneDrawing((Rect(160.0 - width / 2, y, width, height, 2.0),))
            y += height + 1.0
    return out


def _fingers(x0: float, y: float, count: int, width: float, gap: float, height: float) -> tuple[Shape, ...]:
    return tuple(Rect(x0 + i * (width + gap), y, width, height, 2.0) for i in range(count))


LAYOUT: dict[str, BoneDrawing] = {
    "skull": BoneDrawing((Ellipse(160, 60, 42, 48),)),
    "maxilla": BoneDrawing((Rect(140, 92, 40, 13, 4),), FRONT_ONLY),
    "mandible": BoneDrawing((Poly(((134, 106), (186, 106), (182, 122), (170, 132), (150, 132), (138, 122))),),
                            FRONT_ONLY),
    **_vertebrae(),
    "sacrum": BoneDrawing((Poly(((144, 395), (176, 395), (170, 425), (160, 435), (150, 425))),)),
    "coccyx": BoneDrawing((Poly(((155, 437), (165, 437), (160, 449))),)),
    # Narrower than the thoracic vertebrae behind it (x 146-174): T1-T9 keep ten units on each side, over
    # two thirds of their width, for a click or tap; the sternum stays on top in the middle.
    "sternum": BoneDrawing((Poly(((155, 200), (165, 200), (164, 216), (164, 276), (160, 284), (156, 276),
                                  (156, 216))),), FRONT_ONLY),
    "rib": BoneDrawing(_ribs()),
    "clavicle": long_bone((142, 194), (104, 186), 3.5, 4.5),  # proximal = the sternal end
    "scapula": BoneDrawing((Poly(((110, 204), (140, 208), (134, 262), (126, 258), (112, 222))),), BACK_ONLY),
    "humerus": long_bone((98, 200), (82, 298), 5.5, 8),
    "radius": long_bone((76, 310), (62, 392), 3.2, 4.2),
    "ulna": long_bone((86, 310), (72, 392), 3.2, 4.2),
    "carpals": BoneDrawing((Ellipse(67, 402, 10, 6),)),
    "metacarpals": BoneDrawing((Poly(((57, 409), (77, 409), (80, 430), (54, 430))),)),
    "hand_phalanges": BoneDrawing((*_fingers(54.5, 432, 4, 5, 1.5, 20), Rect(46, 414, 5, 16, 2))),
    "ilium": BoneDrawing((Poly(((144, 372), (144, 412), (132, 424), (114, 428), (104, 410), (102, 384),
                                (114, 368), (134, 366))),)),
    "ischium": BoneDrawing((Poly(((124, 438), (136, 444), (136, 462), (128, 472), (118, 462))),)),
    "pubis": BoneDrawing((Poly(((138, 446), (157, 450), (157, 462), (138, 460))),)),
    "femur": long_bone((110, 444), (104, 560), 6.5, 9),
    "patella": BoneDrawing((Ellipse(104, 566, 7, 8),), FRONT_ONLY),
    "tibia": long_bone((107, 578), (107, 680), 6, 8),
    "fibula": long_bone((93, 584), (94, 682), 2.8, 3.8),
    "talus": BoneDrawing((Ellipse(104, 698, 9, 6),)),
    "calcaneus": BoneDrawing((Ellipse(106, 710, 10, 5),)),
    "tarsals": BoneDrawing((Rect(92, 716, 22, 8, 2),)),
    "metatarsals": BoneDrawing((Poly(((90, 726), (114, 726), (116, 742), (86, 742))),)),
    "foot_phalanges": BoneDrawing(_fingers(86, 744, 5, 5, 1.25, 12)),
}

# Bones overlapping others in a view are drawn later so they stay on top and clickable.
DRAW_LAST: dict[View, tuple[str, ...]] = {
    "front": ("sternum", "clavicle", "maxilla", "mandible", "patella"),
    "back": ("scapula", "clavicle"),
}


def shapes_for(site: str, side: str, view: View) -> tuple[Shape, ...]:
    """Shapes of ``site`` on ``side`` as seen in ``view`` (front: patient's right on the viewer's left)."""
    shapes = LAYOUT[site].shapes
    mirror = (side == "left") != (view == "back")  # left side and back view each flip; both cancel out
    return tuple(s.mirrored() for s in shapes) if mirror else shapes


def centre(shapes: tuple[Shape, ...]) -> tuple[float, float]:
    boxes = [s.bounds() for s in shapes]
    return ((min(b[0] for b in boxes) + max(b[2] for b in boxes)) / 2,
            (min(b[1] for b in boxes) + max(b[3] for b in boxes)) / 2)
