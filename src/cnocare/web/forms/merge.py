"""Recovering a stale edit without overwriting anyone: a three-way merge of form values.

base = the version the user opened, theirs = the version stored now, mine = what the user sent.
A field only I changed takes my value; a field only they changed keeps theirs; a field we both changed
to different values is a conflict the user settles by choosing one side. The merged form is re-submitted
against the version stored now, so a save after the merge can never silently undo the colleague's work.

A conflict is posted back as ``choose-<field>`` (``mine`` or ``theirs``) with the two candidate values
in ``mine-<field>`` / ``theirs-<field>``; ``resolve_choices`` turns that into the field's own value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from cnocare.web.forms.fields import Field

CHOOSE, MINE, THEIRS = "choose-", "mine-", "theirs-"
CONFLICT_LIST = "_conflict"  # hidden inputs naming the fields still to be chosen


@dataclass
class Merge:
    values: dict[str, Any]  # what the re-rendered form shows (and a clean merge saves)
    mine: list[str] = field(default_factory=list)  # labels of fields where my change applies
    theirs: list[str] = field(default_factory=list)  # labels of fields where their change stays
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # both changed: the user chooses
    notes: list[str] = field(default_factory=list)  # parts merged as a whole (an imaging study's lesions)

    @property
    def conflict_names(self) -> set[str]:
        return {c["name"] for c in self.conflicts}


def _same(f: Field, a: Any, b: Any) -> bool:
    if f.widget == "multi":
        return sorted(a or []) == sorted(b or [])
    a, b = str(a or "").strip(), str(b or "").strip()
    if a == b:
        return True
    if f.widget == "number":  # "12.50" and "12.5" are the same value
        try:
            return float(a.replace(",", ".")) == float(b.replace(",", "."))
        except ValueError:
            return False
    return False


def three_way(fields: Iterable[Field], base: Mapping[str, Any] | None, theirs: Mapping[str, Any],
              mine: Mapping[str, Any]) -> Merge:
    """Merge form values. Without a base (the opened version is unknown) every difference is a conflict."""
    merge = Merge(values=dict(mine))
    for f in fields:
        my, their = mine.get(f.name, [] if f.widget == "multi" else ""), theirs.get(f.name, "")
        if _same(f, my, their):
            continue
        old = base.get(f.name, "") if base is not None else None
        if base is not None and _same(f, my, old):  # only they changed it: keep theirs
            merge.values[f.name] = their
            merge.theirs.append(f.label)
        elif base is not None and _same(f, their, old):  # only I changed it: mine applies
            merge.mine.append(f.label)
        else:
            merge.values[f.name] = their  # until the user chooses, the form holds what is stored now
            merge.conflicts.append({"name": f.name, "label": f.label, "mine": my, "theirs": their,
                                    "multi": f.widget == "multi"})
    return merge


def resolve_choices(form: FormData) -> tuple[FormData, dict[str, str]]:
    """The form with each chosen side written into its field; errors for conflicts left unchosen."""
    pending = [str(n) for n in form.getlist(CONFLICT_LIST)]
    if not pending:
        return form, {}
    items = [(k, v) for k, v in form.multi_items()
             if k not in pending and not k.startswith((CHOOSE, MINE, THEIRS)) and k != CONFLICT_LIST]
    errors: dict[str, str] = {}
    for name in pending:
        side = form.get(CHOOSE + name)
        if side not in ("mine", "theirs"):
            errors[name] = "changed by you and by a colleague: choose which value to keep"
            side = "theirs"  # re-rendered with what is stored now, never silently with mine
        # getlist: a multi-choice field carries one hidden input per ticked value
        items.extend((name, v) for v in form.getlist((MINE if side == "mine" else THEIRS) + name))
    return FormData(items), errors


def pending_conflicts(form: FormData, fields: Iterable[Field]) -> list[dict[str, Any]]:
    """The conflicts a re-submitted form still carries (shown again when one was left unchosen)."""
    pending = set(form.getlist(CONFLICT_LIST))
    out = []
    for f in fields:
        if f.name in pending:
            multi = f.widget == "multi"
            mine, theirs = form.getlist(MINE + f.name), form.getlist(THEIRS + f.name)
            out.append({"name": f.name, "label": f.label, "multi": multi,
                        "mine": mine if multi else (mine or [""])[0],
                        "theirs": theirs if multi else (theirs or [""])[0]})
    return out


def who_changed(changed_by: str | None, changed_at: dt.datetime | None, voided: bool = False) -> str:
    """One sentence about the other change, in the clinic's words (no record ids)."""
    who = changed_by or "someone else"
    when = f" at {changed_at:%H:%M} UTC on {changed_at.day} {changed_at:%b %Y}" if changed_at else ""
    if voided:
        return f"{who} voided this record{when} while you were editing it. Nothing was saved."
    return f"{who} saved a change to this record{when} while you were editing it."


def merged_message(merge: Merge, who: str) -> str:
    """The flash after a clean merge: whose changes were combined."""
    parts = []
    if merge.mine:
        parts.append("your change to " + ", ".join(merge.mine) + " was saved")
    if merge.theirs:
        parts.append(f"{who}'s change to " + ", ".join(merge.theirs) + " was kept")
    return "Saved together with the colleague's change: " + "; ".join(parts) + "." if parts else "Saved."
