"""The clinician's patient page shows the family's diary on the activity chart's shared time axis, with a
table for screen readers; a diary entry written anywhere (another worker, the family's pages) shows at
once, and an unanswered day is a gap, never a zero."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, new_patient

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

D = dt.date


def _diary(clinic: Clinic, patient_id: str, day: dt.date, **answers: object) -> None:
    with transaction(clinic.app.state.web.sessions) as db:  # as another process would: the cache untouched
        writes.add(KINDS["diary"], db_session=db, patient_id=patient_id, actor="parent:pam",
                   data={"day": day, "time_zone": "Europe/London", **answers})


def _activity_chart(html: str) -> str:
    match = re.search(r'<svg[^>]*class="activity-chart".*?</table></div>'
                      r'(<div class="visually-hidden"><table.*?</table>)?', html, re.S)
    assert match, "no activity chart on the page"
    return match.group(0)


def test_a_diary_entry_shows_on_the_cached_page_at_once_with_its_table_row(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Diary Band")
    ada.get(f"/patients/{patient_id}")
    before = ada.get(f"/patients/{patient_id}").text  # served from the cache
    assert "Diary pain" not in before
    _diary(clinic, patient_id, D(2026, 3, 1), pain_0_10=6, painful_sites=["tibia", "femur"], school="whole_missed",
           medicines_taken={"course-a": True, "course-b": False})
    chart = _activity_chart(ada.get(f"/patients/{patient_id}").text)
    assert "Activity, inflammation, the family&#x27;s diary and treatment" in chart
    assert "<caption>The family's diary, day by day</caption>" in chart
    assert "<tr><td>2026-03-01</td><td>6</td><td>2</td><td>1 of 2</td><td>missed</td></tr>" in chart


def test_an_unanswered_day_breaks_the_line_and_is_not_a_zero(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Diary Gaps")
    _diary(clinic, patient_id, D(2026, 3, 1), pain_0_10=4)
    _diary(clinic, patient_id, D(2026, 3, 2), pain_0_10=5)
    _diary(clinic, patient_id, D(2026, 3, 3))  # filled in, pain not answered
    _diary(clinic, patient_id, D(2026, 3, 5), pain_0_10=6)
    chart = _activity_chart(ada.get(f"/patients/{patient_id}").text)
    pain_lines = re.findall(r'<polyline points="([^"]+)" fill="none" stroke="#b15928"', chart)
    assert len(pain_lines) == 1 and len(pain_lines[0].split()) == 2  # 1–2 March joined; 5 March stands alone
    assert "Diary pain (0–10) 6.0 on 2026-03-05" in chart  # the lone day keeps a marker
    assert "<tr><td>2026-03-03</td><td></td><td></td><td></td><td></td></tr>" in chart  # blank, not 0


def test_the_as_of_view_hides_later_diary_days(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Diary As Of")
    _diary(clinic, patient_id, D(2026, 3, 1), pain_0_10=2)
    _diary(clinic, patient_id, D(2026, 3, 9), pain_0_10=8)
    chart = _activity_chart(ada.get(f"/patients/{patient_id}?as_of=2026-03-05").text)
    assert "2026-03-01" in chart and "2026-03-09" not in chart
