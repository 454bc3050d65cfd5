"""Turning the records layer's refusals into messages beside the fields that caused them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cnocare.web.forms.fields import Field, FormState
from cnocare.web.forms.wording import clinic_message, locate


def apply_problems(state: FormState, problems: Iterable[Mapping[str, Any]], fields: Iterable[Field],
                   prefix: str = "") -> None:
    """Each problem goes beside its field; a problem about the whole record goes in the summary."""
    labels = {f.name: f.label for f in fields}
    state.labels.update(labels)
    for problem in problems:
        field = str(problem.get("field") or "")
        if prefix and field.startswith(prefix):
            field = field[len(prefix):]
        name, message = locate(field.split(".", 1)[0] if not field.startswith("case.") else field,
                               str(problem.get("message") or "not accepted"), labels)
        message = clinic_message(name, message, labels)
        if name is not None and name not in state.errors:
            state.errors[name] = message
        elif message not in state.form_errors:  # the same refusal twice reads as two problems
            state.form_errors.append(message)
