"""Plausibility warnings after a save: unusual but possible values are kept, and the user is asked to
check them. The rules and their wording live in one place, ``cnocare.clinical.plausibility``, which also
feeds the assessment; here the saved record is put in a one-record Case so the form hears the same
sentence, with the list index ("labs[0]") and test ids replaced by the clinic's words.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from cnocare.clinical import plausibility
from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import lab_tests
from cnocare.records.kinds import RecordKind

_INDEX = re.compile(r"^[a-z_]+\[\d+\] ")


def plausibility_warnings(kind: RecordKind, record: dict[str, Any], sex: str) -> list[str]:
    if kind.case_field is None or kind.case_model is None:
        return []
    content = {name: record[name] for name in kind.create.model_fields if name in record}
    try:
        single = Case.model_validate({"case_id": "saved-record", "patient": {"sex": sex},
                                      kind.case_field: [kind.to_case(content, str(record.get("record_id")))]})
    except (ValidationError, ValueError):  # saved already, so valid on its own; never block the message
        return []
    tests = lab_tests()
    out = []
    for warning in plausibility.warnings(single):
        text = _INDEX.sub("", warning)
        first = text.split(" ", 1)[0]
        if first in tests:  # "crp 250 mg/L ..." -> "C-reactive protein 250 mg/L ..."
            text = tests[first].label + text[len(first):]
        out.append(text[:1].upper() + text[1:])
    return out
