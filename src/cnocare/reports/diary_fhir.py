"""The family's diary as FHIR R4: a Bundle (type collection) of the cnocare diary Questionnaire, the
child, one QuestionnaireResponse per diary day and an Observation for each pain score and temperature.

The Questionnaire is defined here, once, and travels in every bundle, so a receiver needs nothing else to
read the answers. An unanswered question has no item in the response (never a false or a zero). Codes and
units come from knowledge/data/diary_codes.yaml, each with where it was checked. Ids are derived from the
record id and version, so the same diary exports to the same resources.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.diary_codes import ObservationCode, diary_codes
from cnocare.knowledge.triage import triage_rules
from cnocare.reports.diary_export import FATIGUE, MOOD, SCALES, SCHOOL, DiaryExport

BASE = "https://cnocare.example/fhir"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/cnocare-diary"
QUESTIONNAIRE_VERSION = "1"
ANSWERS = f"{BASE}/CodeSystem/diary-answers"
BONE_SITES = f"{BASE}/CodeSystem/bone-site"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CATEGORY_DISPLAY = {"vital-signs": "Vital Signs", "survey": "Survey"}
_NAMESPACE = uuid.UUID("7b0d3c2e-5a1f-4f7e-9c35-2f9d8e6a4b10")
BOOLEANS = (("night_pain", "Pain at night"), ("limp", "Limping"), ("activity_limited", "Activity limited"),
            ("swelling", "Swelling"), ("fever", "Fever"))
CHOICES = (("pain_scale", "Pain scale used", SCALES), ("fatigue", "Tiredness", FATIGUE),
           ("school", "School", SCHOOL), ("mood", "Mood", MOOD))


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _utc(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # records keep naive UTC


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _code(which: ObservationCode) -> list[dict[str, str]]:
    return [_coding(which.system, which.code, which.display)]


def questionnaire() -> dict[str, Any]:
    """The cnocare diary as a Questionnaire (one day per response)."""
    codes = diary_codes().observations
    items: list[dict[str, Any]] = [
        {"linkId": "day", "text": "The day described", "type": "date", "required": True},
        {"linkId": "pain_0_10", "text": "Pain (0–10)", "type": "decimal", "code": _code(codes["pain_0_10"])},
        {"linkId": "painful_site_count", "text": "Number of painful places", "type": "integer"},
        {"linkId": "painful_sites", "text": "Painful places", "type": "choice", "repeats": True,
         "answerOption": [{"valueCoding": _coding(BONE_SITES, s.id, s.label)} for s in bone_sites().values()]},
        *({"linkId": key, "text": text, "type": "boolean"} for key, text in BOOLEANS),
        {"linkId": "temperature_c", "text": "Temperature (°C)", "type": "quantity",
         "code": _code(codes["temperature_c"])},
        {"linkId": "temperature_as_entered", "text": "Temperature as entered", "type": "string"},
        *({"linkId": key, "text": text, "type": "choice",
           "answerOption": [{"valueCoding": _coding(ANSWERS, f"{key}.{c}", w)} for c, w in words.items()]}
          for key, text, words in CHOICES),
        {"linkId": "medicines", "text": "Medicines", "type": "group", "repeats": True, "item": [
            {"linkId": "medicines.name", "text": "Medicine", "type": "string"},
            {"linkId": "medicines.taken", "text": "Taken that day", "type": "boolean"}]},
        {"linkId": "side_effects", "text": "Side effects", "type": "text"},
        {"linkId": "warning_signs", "text": "Warning signs", "type": "group", "item": [
            {"linkId": f"warning_signs.{r.answer}", "text": r.family, "type": "boolean"}
            for r in triage_rules().rules]},
        {"linkId": "note", "text": "Note", "type": "text"},
    ]
    return {"resourceType": "Questionnaire", "id": "cnocare-diary", "url": QUESTIONNAIRE_URL,
            "version": QUESTIONNAIRE_VERSION, "name": "CnocareDiary", "title": "cnocare daily diary",
            "status": "active", "subjectType": ["Patient"], "item": items}


def _answer(link_id: str, text: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link_id, "text": text, "answer": [value]}


def response_items(export: DiaryExport, e: Any) -> list[dict[str, Any]]:
    """The answers of one day, in the Questionnaire's order; an unanswered question is left out."""
    items = [_answer("day", "The day described", {"valueDate": e.day.isoformat()})]
    if e.pain_0_10 is not None:
        items.append(_answer("pain_0_10", "Pain (0–10)", {"valueDecimal": e.pain_0_10}))
    if e.painful_sites is not None:
        items.append(_answer("painful_site_count", "Number of painful places",
                             {"valueInteger": len(e.painful_sites)}))
        if e.painful_sites:
            items.append({"linkId": "painful_sites", "text": "Painful places", "answer": [
                {"valueCoding": _coding(BONE_SITES, s, bone_sites()[s].label)} for s in e.painful_sites]})
    items += [_answer(key, text, {"valueBoolean": getattr(e, key)}) for key, text in BOOLEANS
              if getattr(e, key) is not None]
    if e.temperature_c is not None:
        unit = diary_codes().observations["temperature_c"].unit
        items.append(_answer("temperature_c", "Temperature (°C)", {"valueQuantity": {
            "value": e.temperature_c, "unit": unit.display, "system": UCUM, "code": unit.code}}))
    if e.temperature_as_entered:
        items.append(_answer("temperature_as_entered", "Temperature as entered",
                             {"valueString": e.temperature_as_entered}))
    for key, text, words in CHOICES:
        value = getattr(e, key)
        if value is not None:
            items.append(_answer(key, text, {"valueCoding": _coding(ANSWERS, f"{key}.{value}", words[value])}))
    for course in export.medicine_ids():
        taken = (e.medicines_taken or {}).get(course)
        if taken is not None:
            items.append({"linkId": "medicines", "text": "Medicines", "item": [
                _answer("medicines.name", "Medicine", {"valueString": export.medicine_name(course)}),
                _answer("medicines.taken", "Taken that day", {"valueBoolean": taken})]})
    if e.side_effects:
        items.append(_answer("side_effects", "Side effects", {"valueString": e.side_effects}))
    signs = [_answer(f"warning_signs.{r.answer}", r.family, {"valueBoolean": e.warning_signs[r.answer]})
             for r in triage_rules().rules if r.answer in e.warning_signs]
    if signs:
        items.append({"linkId": "warning_signs", "text": "Warning signs", "item": signs})
    if e.note:
        items.append(_answer("note", "Note", {"valueString": e.note}))
    return items


def _observation(which: ObservationCode, text: str, value: float, day: dt.date, patient: str,
                 response: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final",
            "category": [{"coding": [_coding(CATEGORY, which.category, CATEGORY_DISPLAY[which.category])]}],
            "code": {"coding": _code(which), "text": text}, "subject": {"reference": patient},
            "effectiveDateTime": day.isoformat(),
            "valueQuantity": {"value": value, "unit": which.unit.display, "system": UCUM, "code": which.unit.code},
            "derivedFrom": [{"reference": response}]}


def diary_bundle(export: DiaryExport) -> dict[str, Any]:
    codes = diary_codes().observations
    patient = _urn("patient", export.child_id)
    child: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": export.child_name}]}
    if export.date_of_birth is not None:
        child["birthDate"] = export.date_of_birth.isoformat()
    entries: list[tuple[str, dict[str, Any]]] = [(_urn("questionnaire", QUESTIONNAIRE_VERSION), questionnaire()),
                                                 (patient, child)]
    for e in export.entries:
        response = _urn("diary", e.record_id, e.version)
        entries.append((response, {
            "resourceType": "QuestionnaireResponse", "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
            "status": "completed", "subject": {"reference": patient}, "authored": _utc(e.created_at),
            "item": response_items(export, e)}))
        for key, which, text in (("pain_0_10", codes["pain_0_10"], "Pain (0–10)"),
                                 ("temperature_c", codes["temperature_c"], "Body temperature")):
            value = getattr(e, key)
            if value is not None:
                entries.append((_urn("diary", e.record_id, e.version, key),
                                _observation(which, text, value, e.day, patient, response)))
    return {"resourceType": "Bundle", "id": _urn("bundle", export.child_id, export.first, export.last,
                                                 export.exported_at).removeprefix("urn:uuid:"),
            "type": "collection", "timestamp": _utc(export.exported_at),
            "entry": [{"fullUrl": url, "resource": {"id": url.removeprefix("urn:uuid:"), **resource}
                       if resource["resourceType"] != "Questionnaire" else resource}
                      for url, resource in entries]}
