"""The published JSON Schema of the case file format (docs/case.schema.json), made from the Case model.

Fields cnocare computes itself (canonical lab values) are left out: a file that gives them is refused.
"""

from __future__ import annotations

import json
from typing import Any

from cnocare import __version__
from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_sites, lab_tests

COMPUTED = ("canonical_value", "canonical_reference_low", "canonical_reference_high")


def case_schema() -> dict[str, Any]:
    schema = Case.model_json_schema()
    lab = schema["$defs"]["LabResult"]
    for name in COMPUTED:
        lab["properties"].pop(name, None)
    lab["properties"]["test"]["enum"] = sorted(lab_tests())
    lab["properties"]["unit"]["description"] = "One of the units the lab catalogue accepts for this test"
    sites = sorted(bone_sites())
    for part in ("Lesion", "Symptom", "Biopsy"):
        prop = schema["$defs"][part]["properties"]["site"]
        if "anyOf" in prop:
            prop["anyOf"] = [{"type": "string", "enum": sites}, {"type": "null"}]
        else:
            prop["enum"] = sites
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cnocare.example/schema/case-1.json"
    schema["title"] = "cnocare case file"
    schema["description"] = (f"Generated from cnocare {__version__} (cnocare.clinical.case.Case) by `cnocare schema`. "
                             "Do not edit by hand.")
    return schema


def dump() -> str:
    return json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n"
