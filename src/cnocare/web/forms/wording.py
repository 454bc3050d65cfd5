"""The records layer's refusals in the clinic's words, beside the field they are about.

The records and the clinical core name fields the way the code does (``temperature_max_c``,
``case.record: labs[0] date ...``) and pass pydantic's own sentences through ("Input should be less
than or equal to 10"). A form shows each message beside its field, under the field's label, with
internal names and prefixes removed; a temperature that only makes sense in °F says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FAHRENHEIT_RANGE = (86.0, 113.0)  # 30–45 °C written in °F: the likely slip behind an "impossible" fever

_PYDANTIC = (
    (re.compile(r"^Input should be less than or equal to (\S+)$"), "must be {0} or less"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), "must be {0} or more"),
    (re.compile(r"^Input should be less than (\S+)$"), "must be less than {0}"),
    (re.compile(r"^Input should be greater than (\S+)$"), "must be more than {0}"),
    (re.compile(r"^Input should be a valid (number|integer).*$"), "must be a number"),
    (re.compile(r"^Input should be a valid date.*$"), "must be a date (YYYY-MM-DD)"),
    (re.compile(r"^String should have at least 1 character$"), "is required"),
    (re.compile(r"^String should have at most (\d+) characters$"), "is too long: at most {0} characters"),
    (re.compile(r"^Field required$"), "is required"),
    (re.compile(r"^Input should be ('.+)$"), "choose one of {0}"),
)
_UNIT_MISSING = re.compile(r"^unit None for \S+; accepted: (.+)$")
_TEMPERATURE = re.compile(r"^(?:\S+ )?(-?[\d.]+) °C is impossible; accepted ([\d.]+)–([\d.]+) °C$")
_ITEM_PREFIX = re.compile(r"^[a-z_]+\[\d+\] ")  # "labs[0] date ..." from a Case-wide rule


def _number(text: str) -> str:
    return f"{float(text):g}"


def locate(field: str, message: str, names: Mapping[str, str]) -> tuple[str | None, str]:
    """(the form field the problem is about or None, the message without internal prefixes)."""
    field = field.removeprefix("case.")
    message = _ITEM_PREFIX.sub("", message)
    if field in names:
        return field, message
    first = message.split(" ", 1)
    if len(first) == 2 and first[0] in names:  # a whole-record rule starts with the field it refuses
        return first[0], message
    return None, message


def clinic_message(field: str | None, message: str, names: Mapping[str, str]) -> str:
    """One message, rewritten for the clinic; ``names`` maps form field names to their labels."""
    for pattern, words in _PYDANTIC:
        match = pattern.match(message)
        if match:
            return words.format(*(_number(g) if g.replace(".", "", 1).isdigit() else g for g in match.groups()))
    match = _UNIT_MISSING.match(message)
    if match:
        return f"choose the unit the laboratory reported ({match.group(1).replace(', ', ' or ')})"
    match = _TEMPERATURE.match(message)
    if match:
        value, low, high = (float(g) for g in match.groups())
        text = f"{value:g} °C is not a possible body temperature (accepted {low:g}–{high:g} °C)"
        if FAHRENHEIT_RANGE[0] <= value <= FAHRENHEIT_RANGE[1]:
            text += f"; if it was measured in °F, {value:g} °F is {(value - 32) * 5 / 9:.1f} °C: enter that"
        return text
    if field is not None:  # the label stands beside the message: no internal name in front of it
        message = message.removeprefix(field + " ")
    for name, label in sorted(names.items(), key=lambda item: -len(item[0])):  # other fields it mentions
        if "_" in name:
            message = re.sub(rf"\b{re.escape(name)}\b", label.lower(), message)
    return message
