"""Turning the records layer's refusals into messages beside the fields that caused them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cnocare.web.forms.fields import Field, FormState


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
