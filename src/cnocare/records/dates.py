"""Dates a clinic can have entered: none before 1900, and no event recorded before it has happened.

A date of birth in 2030 or a CRP dated next month is a typing error, not a plan; a date in the year 1
or 9999 is a slip of the keyboard. The limits are local choices: the oldest patient a paediatric
service sees was born long after 1900, and "today" is the server's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from cnocare.records.errors import FieldProblem, RecordValidationError

EARLIEST = dt.date(1900, 1, 1)


def refuse_impossible_dates(fields: Mapping[str, Any], *, past_events: Iterable[str]) -> None:
    """Raise one ``RecordValidationError`` naming every date field that is out of bounds.

    ``past_events``: the fields that date something that has already happened (a result, a visit).
    """
    today = dt.date.today()
    past = set(past_events)
    problems: list[FieldProblem] = []
    for name, value in fields.items():
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            continue
        if value < EARLIEST:
            problems.append({"field": name, "value": value,
                             "message": f"{value.isoformat()} is before 1900: please check the year"})
        elif name in past and value > today:
            problems.append({"field": name, "value": value,
                             "message": f"{value.isoformat()} is after today ({today.isoformat()}): this date "
                             "cannot be in the future"})
    if problems:
        raise RecordValidationError(problems)
