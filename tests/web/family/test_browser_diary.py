"""The diary on a phone (Chromium, 390×844, the family's zone Europe/London): a day filled in with faces
and the body map, a late entry, the 00:00–03:00 default, "same as yesterday", the three triage answers
(routine, contact the team, emergency with the centre's number), a save that fails on a weak connection,
and the care team acknowledging the alert. Every family page passes the axe check."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from tests.web.axe import assert_accessible
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in_staff
from tests.web.family.conftest import FAMILY_ZONE, PHONE, no_sideways_scroll, sign_in_family
from tests.web.family.helpers import family_of, set_number

from cnocare.records import versioned
from cnocare.records.db import transaction
from cnocare.records.family.diary import default_day
from cnocare.records.kinds import KINDS

pytestmark = pytest.mark.browser


def _entries(clinic: Clinic, patient: str) -> list[Any]:
    with transaction(clinic.app.state.web.sessions) as db:
        rows = versioned.list_for_patient(KINDS["diary"].concept, db_session=db, patient_id=patient)
        return sorted(rows, key=lambda e: e.day)


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo(FAMILY_ZONE)).date()


def _saved(page: Any) -> None:
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**entry=**")


def test_a_parent_fills_in_today_with_faces_and_the_body_map(clinic: Clinic, family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Faye Faces")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url(f"**tz={FAMILY_ZONE.replace('/', '%2F')}**")  # the browser's zone, from Intl
    no_sideways_scroll(page)
    assert_accessible(page)
    page.screenshot(path="test-artifacts/diary-today-phone.png", full_page=True)
    page.get_by_label("Some pain").check()
    # The body map by keyboard: its boxes follow the body from head to foot.
    page.get_by_label("Nowhere: no pain today").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "head"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "jaw"
    page.get_by_label("Right knee").check()
    page.locator('[data-area="left_thigh"]').click()  # a tap on the figure ticks its box
    assert page.get_by_label("Left thigh").is_checked()
    page.get_by_role("group", name="Pain at night").get_by_label("No").check()
    page.get_by_role("group", name="Naproxen").get_by_label("Taken", exact=True).check()
    page.get_by_label("None of these").check()
    _saved(page)
    assert page.get_by_role("heading", name="Saved").is_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    [entry] = _entries(clinic, patient)
    assert (entry.pain_0_10, entry.pain_scale, entry.night_pain, entry.limp) == (4, "faces", False, None)
    assert entry.painful_areas == ("left_thigh", "right_knee")
    assert entry.time_zone == FAMILY_ZONE and entry.day == default_day(dt.datetime.now(dt.UTC), FAMILY_ZONE)[0]
    assert list(entry.medicines_taken.values()) == [True] and not any(entry.warning_signs.values())


def test_a_late_entry_then_same_as_yesterday_then_an_edit_with_its_history(clinic: Clinic,
                                                                           family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Leo Late")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")
    three_days_ago, two_days_ago = _today() - dt.timedelta(days=3), _today() - dt.timedelta(days=2)
    page.get_by_label("Day", exact=True).fill(three_days_ago.isoformat())
    page.get_by_role("button", name="Open that day").click()
    page.wait_for_url(f"**day={three_days_ago.isoformat()}**")
    assert page.get_by_text("A late entry, for an earlier day.").is_visible()
    page.get_by_label("Numbers 0–10").check()  # the family's choice, remembered
    page.get_by_label("6", exact=True).check()
    page.get_by_label("Lower back").check()
    page.get_by_role("group", name="Mood").get_by_label("Low", exact=True).check()
    _saved(page)
    page.goto(f"/family/{patient}/diary/new?day={two_days_ago.isoformat()}")
    page.get_by_role("link", name=f"Same as {three_days_ago:%A %-d %B}").click()
    assert page.get_by_text("check each answer").is_visible()
    assert page.get_by_label("6", exact=True).is_checked() and page.get_by_label("Lower back").is_checked()
    assert_accessible(page)
    _saved(page)
    first, second = _entries(clinic, patient)
    assert (first.day, second.day) == (three_days_ago, two_days_ago)
    assert second.pain_0_10 == 6 and second.pain_scale == "numeric" and second.mood == "low"
    # Change the first entry, then read its history.
    page.goto(f"/family/{patient}")
    page.get_by_role("link", name=f"Change the entry for {three_days_ago:%A %-d %B}").click()
    assert_accessible(page)
    page.get_by_label("7", exact=True).check()
    _saved(page)
    page.goto(f"/family/{patient}")
    page.get_by_role("link", name=f"History of the entry for {three_days_ago:%A %-d %B}").click()
    items = page.locator(".diary-history li")
    assert items.count() == 2 and "Pain" in items.first.inner_text()
    assert_accessible(page)
    no_sideways_scroll(page)


def test_after_midnight_the_entry_is_for_the_day_before_and_the_day_can_be_changed(
        clinic: Clinic, family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Nina Night")
    now = dt.datetime.combine(_today(), dt.time(1, 30), tzinfo=ZoneInfo(FAMILY_ZONE))
    with time_machine.travel(now, tick=True):  # the server's clock (it runs in this process)
        page = family_phone
        sign_in_family(page, parent)
        page.wait_for_url("**tz=**")
        yesterday = _today() - dt.timedelta(days=1)
        assert page.get_by_label("Day this entry is about").input_value() == yesterday.isoformat()
        assert page.get_by_text("It is after midnight, so this entry is for yesterday").is_visible()
        assert page.get_by_role("heading", name=f"Diary for {yesterday:%A %-d %B}").is_visible()
        page.get_by_label("No pain (0)", exact=True).check()
        _saved(page)
        page.get_by_role("link", name=f"Change the entry for {yesterday:%A %-d %B}").wait_for()
        assert [e.day for e in _entries(clinic, patient)] == [yesterday]
        # The family meant today after all: they change the day.
        page.goto(f"/family/{patient}/diary/new?day={_today().isoformat()}")
        assert page.get_by_label("Day this entry is about").input_value() == _today().isoformat()
        _saved(page)
        assert [e.day for e in _entries(clinic, patient)] == [yesterday, _today()]


def test_a_fever_in_fahrenheit_tells_the_family_to_contact_the_team(clinic: Clinic, family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Fred Fever")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")
    page.get_by_role("group", name="Fever today?").get_by_label("Yes").check()
    page.get_by_label("Temperature, if you measured it").fill("38.6")
    page.get_by_label("Unit").select_option("F")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#temperature-error")
    error.wait_for()
    assert "it looks like °C" in error.inner_text()
    assert page.get_by_label("Temperature, if you measured it").input_value() == "38.6"
    assert _entries(clinic, patient) == []
    assert_accessible(page)
    page.get_by_label("Temperature, if you measured it").fill("101.5")
    page.get_by_label("Temperature, if you measured it").press("Enter")  # Enter saves, as Save does
    page.wait_for_url("**entry=**")
    banner = page.locator(".diary-contact")
    assert "Contact your care team today" in banner.inner_text() and "a new fever or chills" in banner.inner_text()
    assert_accessible(page)
    [entry] = _entries(clinic, patient)
    assert (entry.temperature_c, entry.temperature_as_entered) == (38.6, "101.5 °F")


def test_an_emergency_sign_shows_the_centres_number_to_call_now(clinic: Clinic, family_phone: Any) -> None:
    set_number(clinic, "999")
    _, parent = family_of(clinic, name="Emma Emergency")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")
    page.get_by_label("New problems controlling the bladder or bowel").check()
    assert page.get_by_label("Yes: I tick which below").is_checked()
    _saved(page)
    banner = page.get_by_role("alert")
    assert "Seek emergency help now" in banner.inner_text() and "call 999" in banner.inner_text()
    call = page.get_by_role("link", name="Call 999")
    assert call.get_attribute("href") == "tel:999"
    box = call.bounding_box()
    assert box is not None and box["y"] < 844, "the number to call is on the first screen"
    page.screenshot(path="test-artifacts/diary-emergency-phone.png")
    assert_accessible(page)
    no_sideways_scroll(page)


def test_a_save_on_a_failed_connection_keeps_what_was_typed_and_says_so(clinic: Clinic,
                                                                         family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Wes Weak-Signal")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")
    page.get_by_label("A lot of pain (8)", exact=True).check()
    page.get_by_label("Anything else you want to note").fill("sore after football")
    page.context.set_offline(True)
    page.get_by_role("button", name="Save").click()
    status = page.locator("#diary-status")
    status.get_by_text("Not saved").wait_for()
    assert "kept" in status.inner_text()
    assert page.get_by_label("Anything else you want to note").input_value() == "sore after football"
    assert page.get_by_label("A lot of pain (8)", exact=True).is_checked() and _entries(clinic, patient) == []
    page.context.set_offline(False)
    page.reload()  # the phone's draft comes back after a reload too
    page.get_by_text("What you typed earlier on this phone is back").wait_for()
    assert page.get_by_label("Anything else you want to note").input_value() == "sore after football"
    _saved(page)
    [entry] = _entries(clinic, patient)
    assert entry.note == "sore after football" and entry.pain_0_10 == 8
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cnocare-diary:'))") == []


def test_the_care_team_acknowledges_the_alert_with_a_note(clinic: Clinic, family_phone: Any,
                                                          base_url: str) -> None:
    patient, parent = family_of(clinic, name="Ada Alerted")
    family = family_phone
    sign_in_family(family, parent)
    family.wait_for_url("**tz=**")
    family.get_by_label("Unusual bruising or bleeding").check()
    _saved(family)
    # The clinician on their own phone (bypass_csp: only so the axe check can inject its script).
    staff = family.context.browser.new_context(base_url=base_url, viewport=PHONE, bypass_csp=True).new_page()
    sign_in_staff(staff)
    staff.goto(f"/patients/{patient}")
    assert "unusual bruising or bleeding" in staff.locator("[data-open-alerts]").inner_text()
    staff.get_by_role("link", name="Alerts").click()
    card = staff.locator(".alert-item", has_text="Ada Alerted")
    assert "unusual bruising or bleeding" in card.inner_text()
    card.get_by_label("What was done (optional)").fill("rang the family: bloods today")
    card.get_by_role("button", name="Acknowledge").click()
    staff.get_by_text("Alert acknowledged.").wait_for()
    done = staff.locator(".alert-item", has_text="Ada Alerted")
    assert "Acknowledged by Ada" in done.inner_text() and "rang the family: bloods today" in done.inner_text()
    no_sideways_scroll(staff)
    assert_accessible(staff, context="main")
    staff.goto(f"/patients/{patient}")
    assert staff.locator("[data-open-alerts]").count() == 0


def test_the_diarys_script_runs_under_the_apps_content_security_policy(clinic: Clinic, family_phone: Any,
                                                                       base_url: str) -> None:
    """The other tests let axe in (bypass_csp); this one enforces the policy the app sends."""
    _, parent = family_of(clinic, name="Cora Csp")
    context = family_phone.context.browser.new_context(base_url=base_url, viewport=PHONE, timezone_id=FAMILY_ZONE)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")  # diary.js ran: it asked again with the browser's zone
    page.locator('[data-area="head"]').click()
    assert page.get_by_label("Head", exact=True).is_checked()
    page.get_by_label("Numbers 0–10").check()
    assert page.get_by_label("5", exact=True).is_visible() and not page.get_by_label("Some pain (4)").is_visible()
    assert refused == []
    context.close()
