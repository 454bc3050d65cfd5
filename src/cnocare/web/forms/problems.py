"""Turning the records layer's refusals into messages beside the fields that caused them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cnocare.web.forms.fields import Field, FormState, values_from_record


def apply_problems(state: FormState, problems: Iterable[Mapping[str, Any]], fields: Iterable[Field],
                   prefix: str = "") -> None:
    """Each problem goes beside its field; a problem about the whole record goes in the summary."""
    names = {f.name for f in fields}
    for problem in problems:
        field = str(problem.get("field") or "")
        if prefix and field.startswith(prefix):
            field = field[len(prefix):]
        name = field.split(".", 1)[0]
        message = str(problem.get("message") or "not accepted")
        if name in names and name not in state.errors:
            state.errors[name] = message
        else:
            state.form_errors.append(f"{field}: {message}" if field and field != "record" else message)


def conflict_rows(fields: Iterable[Field], typed: Mapping[str, Any], current: Mapping[str, Any]
                  ) -> list[dict[str, Any]]:
    """Side by side, the fields where what the user typed differs from what is stored now."""
    fields = tuple(fields)
    now = values_from_record(fields, dict(current))
    rows = []
    for f in fields:
        mine, theirs = typed.get(f.name, ""), now.get(f.name, "")
        if mine != theirs:
            rows.append({"label": f.label, "typed": _show(mine), "current": _show(theirs)})
    return rows


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"
