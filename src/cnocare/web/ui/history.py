"""Every version of one record: who saved it, when and why, with the fields that changed marked.

Nothing clinical is overwritten (``records.versioned``), so this page can show the record as each
letter or decision saw it; a voided record keeps its history and says who withdrew it and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from cnocare.records import versioned
from cnocare.web.context import Db
from cnocare.web.forms.fields import values_from_record
from cnocare.web.forms.record_forms import kind_fields
from cnocare.web.kinds import kind_for
from cnocare.web.services import visible_patient
from cnocare.web.timeline import EDITED
from cnocare.web.ui.deps import User
from cnocare.web.ui.render import page

router = APIRouter(include_in_schema=False)


def when(moment: dt.datetime | None) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC" if moment else "an unknown time"


def versions_of(kind: Any, history: list[Any]) -> list[dict[str, Any]]:
    """Oldest first: each version's values as the form shows them, and why it replaced the one before."""
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for i, read in enumerate(history):
        record = read.model_dump()
        fields = kind_fields(kind, record)
        values = values_from_record(fields, record)
        reason = "first entry" if i == 0 else str(history[i - 1].void_reason or "").removeprefix(EDITED)
        rows = [{"label": f.label, "value": ", ".join(values[f.name]) if isinstance(values[f.name], list)
                 else values[f.name] or "—", "changed": previous is not None and previous.get(f.name) != values[f.name]}
                for f in fields]
        out.append({"version": read.version, "by": read.created_by, "at": when(read.created_at), "why": reason,
                    "rows": rows, "summary": kind.summary(record), "current": read.is_current})
        previous = values
    return out


@router.get("/patients/{patient_id}/{slug}/{record_id}/history", response_class=HTMLResponse)
def record_history(request: Request, patient_id: str, slug: str, record_id: str, user: User,
                   db: Db) -> HTMLResponse:
    kind = kind_for(slug)
    if kind is None:
        raise HTTPException(404, f"no record type {slug!r}")
    patient = visible_patient(db, user, patient_id, "record:read", part=slug)
    history = versioned.history(kind.concept, db_session=db, record_id=record_id)
    if not history or str(history[0].patient_id) != str(patient.id):
        raise HTTPException(404, "record not found")
    last = history[-1]
    withdrawn = None if last.is_current else {"by": last.voided_by, "at": when(last.voided_at),
                                              "why": last.void_reason}
    return page(request, "records/history.html", {
        "kind": kind, "patient": patient, "versions": list(reversed(versions_of(kind, history))),
        "withdrawn": withdrawn, "record_id": record_id})
