"""Family access in a real browser on a phone (390×844): the clinician invites from the patient's page,
the parent opens the link from the e-mail, makes an account and lands on the child's Today page; the
clinician removes access and the parent's next page of the child is "not found". No page scrolls sideways."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from tests.fixtures.jobs import JobRunner, Mailbox
from tests.web.conftest import PASSWORD, Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def outbox(clinic: Clinic, run_jobs: JobRunner) -> Mailbox:
    return Mailbox(run_jobs, clinic.app.state.web.sessions)


@pytest.fixture
def child(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        patient_id = str(create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Rosalind Phone-Family-With-A-Long-Name",
            "hospital_number": f"BR-FAM-{uuid.uuid4().hex[:8]}", "sex": "female",
            "date_of_birth": dt.date(2016, 4, 5)}).id)
        writes.add(KINDS["medicines"], db_session=db, patient_id=patient_id, actor="setup",
                   data={"drug": "naproxen", "start": dt.date(2026, 1, 5)})
        writes.add(KINDS["care-plan"], db_session=db, patient_id=patient_id, actor="setup", data={
            "therapy": "physiotherapy", "goal": "walk the whole way to school and back without stopping",
            "owner": "physiotherapist", "status": "active"})
    return patient_id


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


@pytest.fixture
def family_page(browser_page: Any, base_url: str) -> Iterator[Any]:
    """A second browser (another person's phone), sharing nothing with the clinician's."""
    context = browser_page.context.browser.new_context(base_url=base_url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def test_invite_accept_and_remove_access_on_a_phone(browser_page: Any, family_page: Any, outbox: Mailbox,
                                                    child: str) -> None:
    clinician = browser_page
    sign_in(clinician)
    clinician.set_viewport_size(PHONE)
    clinician.goto(f"/patients/{child}")
    clinician.get_by_role("link", name="Family access: invite, remove").click()
    clinician.wait_for_url(f"**/patients/{child}/family")
    no_sideways_scroll(clinician)
    clinician.get_by_label("E-mail address").fill("rosalinds.dad@home.example")
    clinician.get_by_label("A parent or guardian", exact=True).check()
    clinician.get_by_label("E-mail address").press("Enter")
    clinician.wait_for_selector("text=Invitation sent to rosalinds.dad@home.example")
    assert clinician.locator("[data-invitation]").count() == 1
    no_sideways_scroll(clinician)

    [mail] = [m for m in outbox.sent if m.to == "rosalinds.dad@home.example"]
    link = re.search(r"https?://\S+(/invite/\S+)", mail.body)
    assert link, mail.body
    parent = family_page
    parent.goto(link.group(1))
    no_sideways_scroll(parent)
    parent.get_by_label("Your name").fill("Rob Dad")
    parent.get_by_label("User name").fill("rob.dad")
    parent.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    parent.get_by_label("Password again").fill(PASSWORD)
    parent.get_by_role("button", name="Make my account").click()
    parent.wait_for_url(f"**/family/{child}")
    assert "Rosalind Phone-Family-With-A-Long-Name" in parent.locator("h1").inner_text()
    assert "Welcome, Rob Dad" in parent.locator(".flash").inner_text()
    no_sideways_scroll(parent)
    for section, heading, shown in (("Plan", "the plan", "Naproxen"), ("Messages", "messages", "No messages yet")):
        parent.get_by_role("link", name=section, exact=True).click()
        parent.wait_for_url(f"**/family/{child}/{section.lower()}")
        assert heading in parent.locator("h1").inner_text()
        assert shown in parent.locator("main").inner_text()
        no_sideways_scroll(parent)
    parent.goto("/patients")
    assert "Not allowed" in parent.locator("h1").inner_text()
    parent.get_by_role("link", name="Go to your family pages (My care)").click()
    parent.wait_for_url(f"**/family/{child}")

    clinician.reload()
    account = clinician.locator("[data-family-account]", has_text="Rob Dad")
    account.get_by_label("Why access ends").fill("father asked to stop")
    account.get_by_role("button", name="Remove access for Rob Dad").click()
    clinician.wait_for_selector("text=Access removed")
    assert clinician.locator("[data-family-account]").count() == 0
    no_sideways_scroll(clinician)

    answer = parent.goto(f"/family/{child}")
    assert answer is not None and answer.status == 404
    assert "Rosalind" not in parent.content()
    no_sideways_scroll(parent)


def test_a_used_link_says_so_on_a_phone(family_page: Any, browser_page: Any, outbox: Mailbox) -> None:
    family_page.goto("/invite/this-link-was-never-sent")
    assert "not valid" in family_page.locator("[data-invitation-problem]").inner_text()
    no_sideways_scroll(family_page)



def test_messages_both_ways_on_a_phone(browser_page: Any, family_page: Any, outbox: Mailbox,
                                       child: str) -> None:
    clinician = browser_page
    sign_in(clinician)
    clinician.set_viewport_size(PHONE)
    clinician.goto(f"/patients/{child}/family")
    clinician.get_by_label("E-mail address").fill("rosalinds.mum@home.example")
    clinician.get_by_role("button", name="Send invitation").click()
    clinician.wait_for_selector("text=Invitation sent")
    link = re.search(r"https?://\S+(/invite/\S+)", outbox.sent[-1].body)
    assert link
    parent = family_page
    parent.goto(link.group(1))
    parent.get_by_label("Your name").fill("Mum")
    parent.get_by_label("User name").fill("rosalinds.mum")
    parent.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    parent.get_by_label("Password again").fill(PASSWORD)
    parent.get_by_label("Password again").press("Enter")
    parent.wait_for_url(f"**/family/{child}")

    clinician.goto(f"/patients/{child}/family/messages")
    long_link = "https://example.org/" + "x" * 120  # one unbroken word wider than the phone
    clinician.get_by_role("textbox", name="Message").fill(f"Please book the blood test: {long_link}")
    clinician.get_by_role("button", name="Send to the family").click()
    clinician.wait_for_selector("text=Message sent to the family.")
    no_sideways_scroll(clinician)

    parent.goto(f"/family/{child}/messages")
    assert "Please book the blood test" in parent.locator("[data-message]").inner_text()
    no_sideways_scroll(parent)
    parent.get_by_role("button", name="Send reply").click()
    assert "write the message" in parent.locator(".field .error").inner_text()
    parent.get_by_label("Your reply").fill("Booked for Monday.")
    parent.get_by_role("button", name="Send reply").click()
    parent.wait_for_selector("text=Your reply was sent to the care team.")
    assert parent.locator("[data-message]").count() == 2
    no_sideways_scroll(parent)
    clinician.reload()
    assert "Booked for Monday." in clinician.locator("[data-message]").last.inner_text()
