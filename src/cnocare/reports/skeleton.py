"""The skeleton lesion map: an accessible inline SVG with one keyboard-reachable button per bone.

Each bone is a ``<g class="bone bone--STATE" data-site data-side tabindex="0" role="button">`` whose
name says the bone, the side and its lesion state with the study that shows it. State is shown by
colour AND by a second cue (solid fill, a ring marker for new, hatching for resolved, dots for
not-reported activity), so it survives colour blindness and greyscale printing.
"""

from __future__ import annotations

import datetime as dt

from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_sites
from cnocare.reports.lesions import BoneKey, LesionState, State, bone_keys, lesion_states
from cnocare.reports.skeleton_layout import DRAW_LAST, FIGURE_HEIGHT, LAYOUT, WIDTH, View, centre, shapes_for
from cnocare.reports.svg import SVG_NS, attrs, checked_id_prefix, num, text

__all__ = ["LesionState", "bone_label", "lesion_states", "render_skeleton"]

LEGEND_ROW = 17.0
LEGEND_HEIGHT = 5 * LEGEND_ROW + 14.0

# Fills and outlines per state. Reds/blues/browns on white all exceed 3:1 (WCAG 1.4.11 non-text
# contrast): #c62828 5.6:1, #1565c0 5.7:1, #8a4b00 6.6:1; the unaffected bone's outline #6b6256 6.1:1.
_NONE_STYLE = {"fill": "#f3efe6", "stroke": "#6b6256", "stroke_width": "1"}


def _state_style(state: State, pattern_ids: dict[str, str]) -> dict[str, str]:
    if state in ("active", "new"):
        return {"fill": "#c62828", "stroke": "#4a0b0b", "stroke_width": "1.5"}
    if state == "resolved":
        return {"fill": f"url(#{pattern_ids['hatch']})", "stroke": "#0d47a1", "stroke_width": "1.5",
                "stroke_dasharray": "3 2"}
    if state == "indeterminate":
        return {"fill": f"url(#{pattern_ids['dots']})", "stroke": "#8a4b00", "stroke_width": "1.5",
                "stroke_dasharray": "1 2"}
    return dict(_NONE_STYLE)


LEGEND: tuple[tuple[State, str], ...] = (
    ("active", "Active lesion (solid)"),
    ("new", "New lesion at the latest study (ring)"),
    ("resolved", "Resolved lesion (hatched)"),
    ("indeterminate", "Lesion, activity not reported (dotted)"),
    ("none", "No lesion recorded"),
)


def bone_label(site: str, side: str) -> str:
    """``Left femur``, ``Right carpal bones``, ``Sternum``: the bone's name as the clinic says it."""
    label = bone_sites()[site].label
    if side == "midline":
        return label
    return f"{side.capitalize()} {label[0].lower()}{label[1:]}"


def _new_marker(x: float, y: float) -> str:
    # White ring with a black dot: visible on the red fill and without colour vision.
    return (f'<circle class="bone-marker" cx="{num(x)}" cy="{num(y)}" r="5" fill="#ffffff" stroke="#111111"'
            f' stroke-width="2.2"/><circle cx="{num(x)}" cy="{num(y)}" r="1.6" fill="#111111"/>')


def _painted(segments: tuple[str, ...], state: LesionState) -> set[str] | None:
    """The segments of a long bone the lesion state paints; None: the whole bone."""
    if not segments or state.state == "none" or not state.segments or "whole" in state.segments:
        return None
    return set(state.segments)


def _bone(key: BoneKey, state: LesionState, view: View, element_id: str,
          pattern_ids: dict[str, str], focusable: bool) -> str:
    site, side = key
    shapes = shapes_for(site, side, view)
    segments = LAYOUT[site].segments
    painted = _painted(segments, state)
    where = f" ({', '.join(s.replace('_', ' ') for s in state.segments)})" if painted else ""
    name = f"{bone_label(site, side)}: {state.summary}{where}"
    tooltip = name + "".join(f". Note: {note}" for note in state.notes)
    paint, plain = attrs(**_state_style(state.state, pattern_ids)), attrs(**_NONE_STYLE)
    if segments:  # a long bone: each part names its segment, painted only where the lesion is
        body = "".join(shape.svg((paint if painted is None or segment in painted else plain)
                                 + attrs(data_segment=segment))
                       for shape, segment in zip(shapes, segments, strict=True))
    else:
        body = "".join(shape.svg(paint) for shape in shapes)
    marked = shapes if painted is None else tuple(s for s, g in zip(shapes, segments, strict=True) if g in painted)
    if state.state == "new":
        body += _new_marker(*centre(marked or shapes))
    # One tab stop per view (roving tabindex): the arrow keys move between bones (web/static/app.js).
    head = attrs(class_=f"bone bone--{state.state}", id=element_id, data_site=site, data_side=side,
                 data_state=state.state, tabindex="0" if focusable else "-1", role="button", aria_label=name)
    return f"<g{head}><title>{text(tooltip)}</title>{body}</g>"


def _patterns(pattern_ids: dict[str, str]) -> str:
    return (
        f'<pattern id="{pattern_ids["hatch"]}" patternUnits="userSpaceOnUse" width="5" height="5"'
        ' patternTransform="rotate(45)"><rect width="5" height="5" fill="#e3eefa"/>'
        '<rect width="2" height="5" fill="#1565c0"/></pattern>'
        f'<pattern id="{pattern_ids["dots"]}" patternUnits="userSpaceOnUse" width="5" height="5">'
        '<rect width="5" height="5" fill="#fff3e0"/>'
        '<circle cx="2.5" cy="2.5" r="1.3" fill="#8a4b00"/></pattern>'
    )


def _legend(pattern_ids: dict[str, str]) -> str:
    # Hidden from screen readers: every bone already states its condition in words.
    rows = []
    for i, (state, label) in enumerate(LEGEND):
        y = FIGURE_HEIGHT + 10 + i * LEGEND_ROW
        paint = attrs(**_state_style(state, pattern_ids))
        swatch = f'<rect x="12" y="{num(y)}" width="22" height="12" rx="2"{paint}/>'
        if state == "new":
            swatch += _new_marker(23, y + 6)
        rows.append(f'{swatch}<text x="42" y="{num(y + 10)}" font-size="11" fill="#1a1a1a">'
                    f"{text(label)}</text>")
    return f'<g class="skeleton-legend" aria-hidden="true">{"".join(rows)}</g>'


def _description(states: dict[BoneKey, LesionState], as_of: dt.date | None) -> str:
    when = f" up to {as_of.isoformat()}" if as_of else ""
    marked = [(key, s) for key, s in states.items() if s.state != "none"]
    if not marked:
        return f"No lesions recorded on imaging{when}."
    parts = [f"{bone_label(*key)}: {s.summary}" for key, s in marked]
    return f"Lesions on imaging{when}: " + "; ".join(parts) + "."


def render_skeleton(case: Case | None, *, view: View, as_of: dt.date | None = None, id_prefix: str = "sk",
                    legend: bool = True) -> str:
    """Inline SVG of the skeleton seen from ``view``, every bone a button coloured by lesion state.

    Front view: the patient's right is on the viewer's left; back view: on the viewer's right.
    Ids start with ``{id_prefix}-{view}`` so several maps can share a page.
    """
    if view not in ("front", "back"):
        raise ValueError(f"view {view!r} is not a skeleton view; accepted: 'front' or 'back'")
    base = f"{checked_id_prefix(id_prefix)}-{view}"
    pattern_ids = {"hatch": f"{base}-hatch", "dots": f"{base}-dots"}
    cutoff = as_of if as_of is not None else (case.reference_date if case is not None else None)
    states = lesion_states(case, cutoff)
    height = FIGURE_HEIGHT + (LEGEND_HEIGHT if legend else 0.0)
    heading = ("Skeleton, front view: the patient's right is on your left" if view == "front"
               else "Skeleton, back view: the patient's right is on your right")
    near, far = ("Right", "Left") if view == "front" else ("Left", "Right")

    keys = [k for k in bone_keys() if view in LAYOUT[k[0]].views]
    last = DRAW_LAST[view]
    keys.sort(key=lambda k: last.index(k[0]) + 1 if k[0] in last else 0)  # stable: catalogue order kept
    # The tab stop: the first bone with a lesion, else the first bone drawn.
    first = next((k for k in keys if states[k].state != "none"), keys[0])
    bones = "".join(_bone(k, states[k], view, f"{base}-{k[0]}-{k[1]}", pattern_ids, k == first) for k in keys)
    label = "Front" if view == "front" else "Back"
    return (
        f'<svg{attrs(xmlns=SVG_NS, id=base, class_=f"skeleton-map skeleton-map--{view}", role="group")}'
        f' viewBox="0 0 {num(WIDTH)} {num(height)}" aria-labelledby="{base}-title {base}-desc">'
        f'<title id="{base}-title">{text(heading)}</title>'
        f'<desc id="{base}-desc">{text(_description(states, cutoff))}</desc>'
        f"<defs>{_patterns(pattern_ids)}</defs>"
        # No <style> here: the page's CSP forbids inline styles; the focus and cursor rules live in the
        # web app's stylesheet (.skeleton-map .bone ...).
        f'<g aria-hidden="true" font-size="12" fill="#1a1a1a"><text x="8" y="18">{near}</text>'
        f'<text x="{num(WIDTH - 8)}" y="18" text-anchor="end">{far}</text>'
        f'<text class="view-label" x="{num(WIDTH / 2)}" y="18" text-anchor="middle" font-size="14"'
        f' font-weight="700">{label}</text></g>'
        f'<g class="skeleton-bones">{bones}</g>'
        + (_legend(pattern_ids) if legend else "")
        + "</svg>"
    )
