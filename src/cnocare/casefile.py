"""Read a case file (YAML or JSON, docs/case-file.md) into a Case, or explain exactly why not.

Errors name the field path (``labs[0].value``), the value given and what is accepted; the caller
prints them and exits 2 without printing any result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cnocare.clinical.case import Case

MAX_CASE_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (given: {self.value})"


class CaseFileError(Exception):
    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(str(p) for p in problems))


def load_case(path: Path) -> Case:
    try:
        if path.stat().st_size > MAX_CASE_FILE_BYTES:
            size = f"{path.stat().st_size} bytes"
            limit = f"too large; accepted up to {MAX_CASE_FILE_BYTES} bytes"
            raise CaseFileError(str(path), [Problem("(file)", size, limit)])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFileError(str(path), [Problem("(file)", str(path), f"cannot read: {exc}")]) from exc
    return parse_case(text, name=str(path), json_only=path.suffix.lower() == ".json")


def parse_case(text: str, *, name: str = "<case>", json_only: bool = False) -> Case:
    try:
        data = json.loads(text) if json_only else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if json_only else "YAML/JSON"
        raise CaseFileError(name, [Problem("(file)", "unparseable text", f"not valid {kind}: {exc}")]) from exc
    if not isinstance(data, dict):
        problem = Problem("(file)", type(data).__name__, "expected a mapping of case fields at the top level")
        raise CaseFileError(name, [problem])
    return case_from_mapping(data, name=name)


def case_from_mapping(data: dict[str, Any], *, name: str = "<case>") -> Case:
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(name, problems_from(exc)) from exc
    except (TypeError, ValueError) as exc:  # a validator tripping over a wrongly shaped value
        raise CaseFileError(name, [Problem("(case)", "", str(exc))]) from exc


def problems_from(exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = _path(err["loc"])
        value = _short(err.get("input"))
        kind, msg = err["type"], err["msg"]
        if kind == "extra_forbidden":
            msg = f"unknown field '{err['loc'][-1]}'; it is not part of the case format (see docs/case.schema.json)"
        elif kind == "missing":
            msg = "required field is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        elif kind == "literal_error":
            msg = msg.replace("Input should be", "accepted:")
        first = msg.split(" ", 1)[0]
        if first in _FIELD_WORDS and not loc.endswith(first):
            loc = f"{loc}.{first}" if loc else first  # model-level checks name their field first
            raw = err.get("input")
            if isinstance(raw, dict) and first in raw:
                value = _short(raw[first])
        out.append(Problem(loc or "(case)", value, msg))
    return out


_FIELD_WORDS = frozenset({"value", "unit", "result", "test", "reference_low", "reference_high", "temperature_max_c",
                          "side", "segment", "end", "stop", "date_of_birth", "canonical_value"})


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith("function-") or part in ("dict[str,any]",):
            continue
        else:
            text += ("." if text else "") + str(part)
    return text


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."
