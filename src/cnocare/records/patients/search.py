"""The clinic's patient list: text, centre, red-flag and overdue-review filters over summary rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, Literal, get_args

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cnocare.records.centres.models import Centre
from cnocare.records.errors import RecordValidationError
from cnocare.records.patients.models import PatientRecord, PatientSummary
from cnocare.records.patients.schemas import PatientListItem, PatientSearchResult

MAX_PAGE = 500

PatientSort = Literal["name", "hospital_number", "centre", "age", "red_flags", "next_review", "last_visit"]
SORTS: tuple[str, ...] = get_args(PatientSort)


def _order(sort: str, descending: bool) -> Any:
    column: Any = {
        "name": PatientRecord.name, "hospital_number": PatientRecord.hospital_number, "centre": Centre.code,
        "age": PatientRecord.date_of_birth, "red_flags": func.coalesce(PatientSummary.red_flag_count, 0),
        "next_review": PatientSummary.next_review_due, "last_visit": PatientSummary.last_visit_date}[sort]
    # Youngest first (ascending age) is the latest date of birth first.
    ascending = descending if sort == "age" else not descending
    return (column.asc() if ascending else column.desc()).nulls_last()


def search_patients(*, db_session: Session, text: str | None = None, centre_id: int | None = None,
                    red_flags_only: bool = False, overdue_only: bool = False, today: dt.date | None = None,
                    limit: int = 50, offset: int = 0, within_centres: Collection[int] | None = None,
                    within_patients: Collection[str] | None = None, sort: str = "name",
                    descending: bool = False) -> PatientSearchResult:
    """Active patients, by name unless ``sort`` says otherwise (``SORTS``; unknown dates sort last,
    either way). ``text`` matches name or hospital number, ignoring case.

    ``within_centres`` / ``within_patients`` narrow the search to what the caller may see (staff: their
    centres; families: their linked patients), so totals and paging count only visible patients.

    Overdue = an active patient (not discharged, transferred or deceased) whose ``next_review_due`` is
    before ``today``; the caller passes today (the records layer is
    not the place to decide the clinic's time zone).
    """
    _check_search_text(text)
    if overdue_only and today is None:
        raise RecordValidationError.single("today", None, "overdue_only needs today's date")
    if not 1 <= limit <= MAX_PAGE:
        raise RecordValidationError.single("limit", limit, f"accepted 1–{MAX_PAGE}")
    if offset < 0:
        raise RecordValidationError.single("offset", offset, "accepted 0 or more")
    if sort not in SORTS:
        raise RecordValidationError.single("sort", sort, "accepted: " + ", ".join(SORTS))
    query: Select[tuple[PatientRecord, str, PatientSummary]] = (  # summary may be NULL (outer join)
        select(PatientRecord, Centre.code, PatientSummary)
        .join(Centre, Centre.id == PatientRecord.centre_id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == PatientRecord.id)
        .where(PatientRecord.voided_at.is_(None)))
    if text and text.strip():
        needle = text.strip().casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(PatientRecord.search_key.like(f"%{needle}%", escape="\\"))
    if centre_id is not None:
        query = query.where(PatientRecord.centre_id == centre_id)
    if within_centres is not None:
        query = query.where(PatientRecord.centre_id.in_(list(within_centres)))
    if within_patients is not None:
        query = query.where(PatientRecord.id.in_([str(p) for p in within_patients]))
    if red_flags_only:
        query = query.where(PatientSummary.red_flag_count > 0)
    if overdue_only:
        query = query.where(PatientSummary.next_review_due < today, PatientRecord.status == "active")
    total = db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db_session.execute(query.order_by(_order(sort, descending), PatientRecord.name, PatientRecord.id)
                              .limit(limit).offset(offset))
    items = []
    for patient, centre_code, summary in rows:
        due = summary.next_review_due if summary else None
        items.append(PatientListItem(
            id=patient.id, name=patient.name, hospital_number=patient.hospital_number,
            centre_id=patient.centre_id, centre_code=centre_code, sex=patient.sex,
            date_of_birth=patient.date_of_birth,
            red_flag_count=summary.red_flag_count if summary else 0,
            urgent_red_flag_count=summary.urgent_red_flag_count if summary else 0,
            next_review_due=due, last_visit_date=summary.last_visit_date if summary else None,
            status=patient.status,
            overdue=None if today is None else (due is not None and due < today and patient.status == "active")))
    return PatientSearchResult(total=total, items=items)


def _check_search_text(text: str | None) -> None:
    """Names and record numbers are short; a 50,000-character pattern only makes the database work."""
    from cnocare.security.settings import get_settings

    limit = get_settings().search_max_chars
    if text is not None and len(text) > limit:
        raise RecordValidationError.single("q", text[:40] + "…", f"the search text has {len(text)} characters; "
                                           f"accepted: at most {limit}")
