"""The treatment page reads the family's diary beside the flare signals: a summary since the last visit, and a
diary flare signal only under the site's own rule, which a clinician confirms or dismisses like any other."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.knowledge.site_definitions import DiaryFlareRule, load_diary_flare_rule
from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

TODAY = dt.date.today()
RULE_FILE = """site: Test clinic
version: "2026-12"
status: local-choice
source: rheumatology team decision of 2026-11-30
pain_at_least_0_10: 7
consecutive_days: 2
"""


def _pain_days(clinic: Clinic, pid: str, *pains: float) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        for n, pain in enumerate(pains):
            writes.add(KINDS["diary"], db_session=db, patient_id=pid, actor="parent:pam", data={
                "day": TODAY - dt.timedelta(days=len(pains) - n), "time_zone": "UTC", "pain_0_10": pain,
                "school": "whole_missed"})


def test_a_site_rule_file_is_refused_unless_labelled_unverified_or_local_choice(tmp_path: Path) -> None:
    good = tmp_path / "rule.yaml"
    good.write_text(RULE_FILE, encoding="utf-8")
    assert load_diary_flare_rule(good).consecutive_days == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULE_FILE.replace("local-choice", "verified"), encoding="utf-8")
    with pytest.raises(ValueError, match="status"):
        load_diary_flare_rule(bad)


def test_without_a_site_rule_the_page_summarises_the_diary_and_says_the_rule_is_off(
        ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    _pain_days(clinic, pid, 8, 9, 9)
    page = ada.get(f"/patients/{pid}/treatment").text
    assert "Diary pain rule off" in page and 'data-signal="diary_pain"' not in page
    assert 'data-item="pain_worst">Pain, worst day (0–10): 9' in page
    assert 'data-item="school_missed_whole">School days missed (whole day): 3' in page


def test_under_the_site_rule_a_diary_signal_is_shown_and_can_be_confirmed(
        ada: TestClient, clinic: Clinic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "rule.yaml").write_text(RULE_FILE, encoding="utf-8")
    rule: DiaryFlareRule = load_diary_flare_rule(tmp_path / "rule.yaml")
    monkeypatch.setattr(clinic.app.state.web, "diary_flare_rule", rule)
    pid = new_patient(ada, clinic)
    _pain_days(clinic, pid, 3, 8, 7)
    page = ada.get(f"/patients/{pid}/treatment").text
    assert 'data-signal="diary_pain"' in page and "site rule Test clinic 2026-12, local-choice" in page
    signal_day = (TODAY - dt.timedelta(days=1)).isoformat()
    form = {"csrf_token": csrf_of(page), "signal_kind": "diary_pain", "signal_date": signal_day,
            "decision": "dismissed", "evidence": "diary pain 7/10 or more on 2 consecutive days"}
    assert ada.post(f"/patients/{pid}/flares", data=form, follow_redirects=False).status_code == 303
    assert 'data-signal="diary_pain"' not in ada.get(f"/patients/{pid}/treatment").text
    with transaction(clinic.app.state.web.sessions) as db:
        reviews = versioned.list_for_patient(KINDS["flare-reviews"].concept, db_session=db, patient_id=pid)
    assert [(r.signal_kind, r.decision) for r in reviews] == [("diary_pain", "dismissed")]
