"""Every page a family sees, on a phone (Chromium, 390×844), through the axe-core check (no serious or
critical violation) and without sideways scrolling: the invitation link, home, Today, the diary form, an
entry, its history, the plan, messages, notices, my data and the summary for a doctor, and the education
library (index, a topic, a search)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.web.axe import assert_accessible
from tests.web.conftest import PASSWORD, Clinic
from tests.web.family.conftest import FAMILY_ZONE, no_sideways_scroll
from tests.web.family.helpers import family_of

from cnocare.records.accounts.family_access import link_account
from cnocare.records.accounts.invitations import invite
from cnocare.records.accounts.service import find_by_username, principal_for
from cnocare.records.db import transaction
from cnocare.records.family.diary import save_entry
from cnocare.records.family.messages import send_message

pytestmark = pytest.mark.browser


def _check(page: Any, path: str) -> None:
    answer = page.goto(path)
    assert answer is not None and answer.status == 200, f"{path}: {answer.status if answer else 'no answer'}"
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    no_sideways_scroll(page)


def test_every_family_page_passes_the_accessibility_check_on_a_phone(clinic: Clinic, family_phone: Any) -> None:
    first, parent = family_of(clinic, name=f"Ally Axe-{uuid.uuid4().hex[:4]}")
    second, _ = family_of(clinic, name="Bo Axe")
    today = dt.datetime.now(ZoneInfo(FAMILY_ZONE)).date()
    with transaction(clinic.app.state.web.sessions) as db:
        ada = find_by_username(db_session=db, username="ada")
        account = find_by_username(db_session=db, username=parent)
        assert ada is not None and account is not None
        staff = principal_for(db_session=db, user=ada)
        link_account(db_session=db, user=account, patient_id=second, invitation_id=None)  # a second child
        saved = save_entry(db_session=db, patient_id=first, actor=parent, data={
            "day": (today - dt.timedelta(days=1)).isoformat(), "time_zone": FAMILY_ZONE, "pain_0_10": 4,
            "pain_scale": "numeric", "warning_signs": {"black_stools": True}})
        send_message(db_session=db, principal=staff, patient_id=first, author_name="Ada",
                     body="Please bring the diary to clinic on Tuesday.")
        _, token = invite(db_session=db, principal=staff, patient_id=first, email="new.carer@home.example",
                          relationship="parent")
    page = family_phone
    _check(page, f"/invite/{token}")

    _sign_in(page, parent)
    record = saved.entry.record_id
    for path in ("/family", f"/family/{first}?tz={FAMILY_ZONE}", f"/family/{first}/diary/new?day={today}",
                 f"/family/{first}?entry={record}", f"/family/{first}/diary/{record}/edit",
                 f"/family/{first}/diary/{record}/history", f"/family/{first}/plan", f"/family/{first}/messages",
                 "/notices", f"/family/{first}/my-data", f"/family/{first}/my-data/summary",
                 "/family/learn", "/family/learn/when-to-get-help", "/family/learn/search?q=fever"):
        _check(page, path)
    page.goto("/family")
    assert "Bo Axe" in page.content() and "Ally Axe" in page.content()


def _sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/family**")



def test_signing_out_leaves_no_diary_draft_on_a_shared_phone(clinic: Clinic, family_phone: Any) -> None:
    _, parent = family_of(clinic, name="Sam Shared-Phone")
    page = family_phone
    _sign_in(page, parent)
    page.wait_for_url("**tz=**")
    page.get_by_label("Anything else you want to note").fill("stayed home, knee sore")
    page.context.set_offline(True)
    page.get_by_role("button", name="Save").click()
    page.locator("#diary-status").get_by_text("Not saved").wait_for()
    drafts = "Object.keys(localStorage).filter(k => k.startsWith('cnocare-diary:')).length"
    assert page.evaluate(drafts) == 1
    page.context.set_offline(False)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    assert page.evaluate(drafts) == 0
