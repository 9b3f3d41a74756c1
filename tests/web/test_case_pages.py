"""Case pages beyond the main journeys: the missing-information loop between officer and
body, an agreed extension, a concurrent edit that loses nothing, and the manager's view."""

from __future__ import annotations

import datetime as dt

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.commands import create_case, perform
from casework.crypto import Keyring, configured_keys
from casework.eventlog import Actor
from casework.models import Case, User
from tests.casework.conftest import REQUEST
from tests.web.conftest import PASSWORD, Visit, kinghorn_trust
from tests.web.test_journeys import choose, click, considerations, sign_in
from workflows import participation as pr
from workflows.machine import Law
from workflows.rules import Party


def submitted_request(site, **overrides) -> str:
    with site.sessions() as s:
        _body, user = kinghorn_trust(s)
        day = site.clock.today()
        case = create_case(
            s, "participation_request", {**REQUEST, **overrides}, Actor.of(user), today=day
        )
        perform(s, case, "submit", {}, Actor.of(user), Party.BODY, today=day, law=Law())
        s.commit()
        return case.reference


def state_of(site, reference: str) -> str:
    with site.sessions() as s:
        return s.scalar(select(Case.state).where(Case.reference == reference))


def open_action(v: Visit, reference: str, label: str) -> Page:
    page = v.go(f"/cases/{reference}")
    click(v, label, role="link")
    return page


def test_missing_information_is_asked_for_and_sent_back(visit, site):
    ref = submitted_request(site)
    with site.sessions() as s:  # the reasons were lost after it was submitted
        s.scalar(select(Case).where(Case.reference == ref)).reasons = ""
        s.commit()
    officer = visit("officer")
    sign_in(officer, "officer@fife.test")
    page = open_action(officer, ref, "Send a missing-items notice")
    # What the request does not give is ticked already.
    expect(
        page.get_by_label("Why the body should take part in the outcome improvement process")
    ).to_be_checked()
    click(officer, "Continue")
    notice = page.locator(".casework-notice")
    expect(notice).to_contain_text("why the body should take part")
    click(officer, "Confirm and issue")
    assert state_of(site, ref) == "awaiting_information"

    body = visit("body")
    sign_in(body, "secretary@kinghorn.test")
    page = body.go("/dashboard")
    expect(page.get_by_role("row").filter(has_text=ref)).to_contain_text(
        "send the missing information"
    )
    page = open_action(body, ref, "Send the missing information")
    # The form starts from the request as it stands.
    expect(page.get_by_label("Outcome", exact=True)).to_have_value(REQUEST["outcome"])
    page.get_by_label("Reasons", exact=True).fill("We walk the routes every day.")
    click(body, "Continue")
    click(body, "Confirm")
    assert state_of(site, ref) == "submitted"
    with site.sessions() as s:
        assert s.scalar(select(Case).where(Case.reference == ref)).reasons == (
            "We walk the routes every day."
        )


def test_an_extension_and_a_concurrent_edit(visit, site):
    ref = submitted_request(site)
    officer = visit("officer")
    sign_in(officer, "officer@fife.test")
    page = open_action(officer, ref, "Validate the request")
    click(officer, "Continue")
    click(officer, "Confirm and issue")

    page = open_action(officer, ref, "Record a longer period agreed with the body")
    page.get_by_label("The new date agreed").fill("2026-06-30")
    click(officer, "Continue")
    click(officer, "Confirm")
    deadlines = page.locator("#deadlines + .casework-table-wrap")
    expect(deadlines).to_contain_text("30 June 2026")
    expect(deadlines).to_contain_text("extended from 12 May 2026")  # 30 working days (reg 7)

    # The officer fills in the decision while a colleague changes the case.
    page = open_action(officer, ref, "Decide the request")
    choose(page, "Refuse the request")
    click(officer, "Continue")
    considerations(page, pr.CONSIDERATIONS)
    click(officer, "Continue")
    page.get_by_label("Reasons", exact=True).fill("The service is closing in June.")
    click(officer, "Continue")
    expect(page.locator(".casework-notice")).to_contain_text("The service is closing in June.")
    with site.sessions() as s:
        case = s.scalar(select(Case).where(Case.reference == ref))
        case.assigned_to = s.scalar(select(User).where(User.email == "manager@fife.test"))
        s.commit()
    page.get_by_role("button", name="Confirm and issue").click()
    officer.check()
    expect(page.locator(".ds_error-summary")).to_contain_text("Someone else changed this case")
    expect(page.locator("main")).to_contain_text("The service is closing in June.")
    assert state_of(site, ref) == "under_consideration"


def test_the_manager_sees_the_caseload_after_a_one_time_code(visit, site):
    submitted_request(site)
    with site.sessions() as s:
        manager = s.scalar(select(User).where(User.email == "manager@fife.test"))
        secret = pyotp.random_base32()
        # The key is kept encrypted, with the key the site made in its instance folder.
        manager.totp_secret = Keyring(configured_keys({}, site.instance)).encrypt(secret)
        s.commit()
    v = visit("manager")
    v.go("/sign-in")
    v.page.get_by_label("Email").fill("manager@fife.test")
    v.page.get_by_label("Password").fill(PASSWORD)
    click(v, "Sign in")
    expect(v.page.get_by_role("heading", level=1)).to_have_text("Enter your one-time code")
    v.page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    click(v, "Continue")
    expect(v.page.get_by_role("heading", name="Caseload summary")).to_be_visible()
    expect(v.page.locator("main")).to_contain_text("Open cases not assigned")
    v.screenshot("08-manager-summary")
    assert site.clock.today() == dt.date(2026, 4, 1)
