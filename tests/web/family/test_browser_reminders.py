"""The diary reminder on a phone (Chromium, 390×844, Europe/London): a parent sets it, a day goes by
without an entry, Today says so and its link opens the late-entry form for that day."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from tests.web.axe import assert_accessible
from tests.web.conftest import Clinic
from tests.web.family.conftest import FAMILY_ZONE, no_sideways_scroll, sign_in_family
from tests.web.family.helpers import family_of

pytestmark = pytest.mark.browser
MONDAY = dt.date(2026, 3, 9)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(FAMILY_ZONE))


def test_a_parent_sets_the_diary_reminder_and_follows_a_missed_day_to_its_late_entry(
        clinic: Clinic, family_phone: Any) -> None:
    patient, parent = family_of(clinic, name="Rémi Reminder")
    page = family_phone
    with time_machine.travel(_at(MONDAY, 10), tick=True) as clock:  # the server's clock (it runs in this process)
        sign_in_family(page, parent)
        page.get_by_role("navigation", name="Rémi Reminder's pages").get_by_role("link", name="Reminders").click()
        page.wait_for_url(f"**/family/{patient}/reminders")
        assert page.get_by_label("Your time zone").input_value() == FAMILY_ZONE  # the browser's, from Intl
        diary = page.get_by_role("region", name="The diary")
        diary.get_by_label("On", exact=True).check()
        page.locator("#diary-time").fill("25:00")
        page.get_by_role("button", name="Save the diary reminder").click()
        assert page.get_by_text("“25:00” is not a time of day").is_visible()
        assert page.locator("#diary-time").input_value() == "25:00"
        page.locator("#diary-time").fill("19:00")
        diary.get_by_label("If nothing is filled in by then, remind me").select_option(label="1 hour later")
        page.locator("#diary-time").press("Enter")
        assert page.get_by_text("Saved: the diary reminder is at 19:00 (Europe/London).").is_visible()
        assert page.get_by_text("Reminder due at 19:00").is_visible()
        assert_accessible(page)
        no_sideways_scroll(page)
        page.screenshot(path="test-artifacts/reminders-phone.png", full_page=True)
        # Tuesday noon: Monday went by without an entry. The session has timed out meanwhile.
        clock.move_to(_at(MONDAY + dt.timedelta(days=1), 12))
        page.context.clear_cookies()
        sign_in_family(page, parent)
        page.wait_for_url("**tz=**")
        line = page.locator("[data-reminder-line]")
        assert line.inner_text().startswith("Yesterday's diary is missing — fill it in")
        no_sideways_scroll(page)
        page.screenshot(path="test-artifacts/reminders-today-missed-phone.png")
        line.get_by_role("link", name="fill it in").click()
        page.wait_for_url(f"**/family/{patient}/diary/new?day={MONDAY.isoformat()}**")
        assert page.get_by_label("Day this entry is about").input_value() == MONDAY.isoformat()
        page.goto(f"/family/{patient}/reminders")
        missed = page.locator(".reminder-missed li")
        assert missed.count() == 1  # Sunday, before the reminder began, is not missed
        assert missed.get_by_role("link", name=f"fill it in for {MONDAY:%A %-d %B}").is_visible()
        assert_accessible(page)
        no_sideways_scroll(page)
