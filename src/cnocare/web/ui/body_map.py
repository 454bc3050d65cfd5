"""Where each body-map area is drawn on the diary's figure (front and back, a child facing you: their right
is on your left at the front and on your right at the back). Drawing only: the labelled tick boxes beside
the figure are what a keyboard or screen reader uses, and the areas and their bone sites are knowledge
(``knowledge.body_map``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    area: str
    x: int
    y: int
    width: int
    height: int


def _pair(key: str, x_right: int, x_left: int, y: int, width: int, height: int) -> tuple[Shape, Shape]:
    return Shape(f"right_{key}", x_right, y, width, height), Shape(f"left_{key}", x_left, y, width, height)


FRONT: tuple[Shape, ...] = (
    Shape("head", 84, 6, 32, 36), Shape("jaw", 88, 42, 24, 12), Shape("neck", 93, 56, 14, 14),
    *_pair("collarbone", 64, 102, 72, 34, 8), Shape("chest", 93, 84, 14, 52),
    *_pair("ribs", 66, 108, 84, 26, 52),
    *_pair("upper_arm", 44, 138, 78, 18, 70), *_pair("forearm", 36, 146, 150, 18, 60),
    *_pair("hand", 30, 148, 212, 22, 30),
    *_pair("hip", 68, 102, 140, 30, 28), *_pair("thigh", 70, 104, 170, 26, 80),
    *_pair("knee", 70, 104, 252, 26, 20), *_pair("lower_leg", 72, 106, 274, 22, 80),
    *_pair("ankle", 72, 106, 356, 22, 16), *_pair("foot", 66, 104, 374, 30, 16),
)
BACK: tuple[Shape, ...] = (
    Shape("left_shoulder_blade", 264, 80, 28, 34), Shape("right_shoulder_blade", 308, 80, 28, 34),
    Shape("upper_back", 294, 74, 12, 70), Shape("lower_back", 290, 146, 20, 28),
    Shape("tailbone", 292, 176, 16, 18),
)
