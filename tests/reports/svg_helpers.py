"""Parsing helpers for the SVG report tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bones(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if "bone" in (g.get("class") or "").split()]


def bone(root: ET.Element, site: str, side: str) -> ET.Element:
    found = [g for g in bones(root) if g.get("data-site") == site and g.get("data-side") == side]
    assert len(found) == 1, f"{site}/{side}: {len(found)} elements"
    return found[0]


def mean_x(element: ET.Element) -> float:
    """Average x of the shapes in a bone group, from their own coordinates."""
    xs: list[float] = []
    for child in element:
        tag = child.tag.removeprefix(NS)
        if tag == "rect":
            xs.append(float(child.get("x", "0")) + float(child.get("width", "0")) / 2)
        elif tag in ("ellipse", "circle"):
            xs.append(float(child.get("cx", "0")))
        elif tag == "polygon":
            xs += [float(p.split(",")[0]) for p in (child.get("points") or "").split()]
    assert xs, "bone has no shapes"
    return sum(xs) / len(xs)
