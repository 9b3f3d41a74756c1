"""The officer's journey in a real browser: finding a request in the queue, reading its
deadline in words, deciding it one question at a time, and printing it; and, without
JavaScript, notifying more owners than the form first offers.

Dates are worked out by hand from docs/law.md. A participation request validated on
Wednesday 1 April 2026 is to be decided within 30 working days beginning with that day
(SSI 2017/39 reg 7; reg 2 counts Good Friday and Easter Monday as working days): Tuesday
12 May 2026, which leaves 29 working days after 1 April.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.commands import create_case, perform
from casework.eventlog import Actor
from casework.models import Case
from tests.casework.conftest import ASSET_REQUEST, REQUEST
from tests.web.conftest import kinghorn_trust
from tests.web.test_journeys import choose, click, considerations, sign_in
from tests.web.test_phone import assert_fits
from workflows import participation as pr
from workflows.machine import Law
from workflows.rules import Party


def requests_made(site, *payloads: dict) -> list[str]:
    """A community body, its secretary, and each request submitted online today."""
    with site.sessions() as s:
        _body, user = kinghorn_trust(s)
        day = site.clock.today()
        references = []
        for payload in payloads:
            case = create_case(s, payload["kind"], payload, Actor.of(user), today=day)
            perform(s, case, "submit", {}, Actor.of(user), Party.BODY, today=day, law=Law())
            references.append(case.reference)
        s.commit()
        return references


def state_of(site, reference: str) -> str:
    with site.sessions() as s:
        return s.scalar(select(Case.state).where(Case.reference == reference))


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_an_officer_finds_decides_and_prints_a_request(visit, site, width):
    other_title = "Better bus shelters on the High Street"
    ref, other = requests_made(
        site, REQUEST, {**REQUEST, "title": other_title, "outcome": "Dry bus stops"}
    )
    v = visit("officer")
    v.page.set_viewport_size({"width": width, "height": 900})
    sign_in(v, "officer@fife.test")

    def snap(name: str) -> None:
        """Keep the page as a screenshot; on a phone, it must fit without scrolling sideways."""
        v.screenshot(f"{name}-{width}")
        if width < 768:
            assert_fits(v.page)

    # The queue: both requests, with their titles, waiting to be checked.
    page = v.go("/queue")
    row = page.locator("table.ds_table tbody tr").filter(has_text=ref)
    expect(row).to_contain_text(REQUEST["title"])
    expect(row).to_contain_text("Check and validate: received on Wednesday 1 April 2026")
    page.get_by_label("Search").fill("shelters")
    click(v, "Search")
    expect(page.get_by_role("link", name=f"{other}: {other_title}")).to_be_visible()
    expect(page.locator("table.ds_table tbody tr").filter(has_text=ref)).to_have_count(0)
    snap("officer-01-queue-search")

    page = v.go(f"/cases/{ref}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ref}: {REQUEST['title']}")
    click(v, "Validate the request", role="link")
    click(v, "Continue")
    click(v, "Confirm and issue")
    deadlines = page.locator("#deadlines + .casework-table-wrap")
    expect(deadlines).to_contain_text("Decide by Tuesday 12 May 2026 (29 working days left)")
    page.get_by_text("How this date was worked out").first.click()
    expect(deadlines.locator("details").first).to_contain_text("30 working days beginning with")
    snap("officer-02-deadline-in-words")

    # The decision: one question on each page.
    click(v, "Decide the request", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your decision")
    expect(page.get_by_label("Describe the outcome improvement process")).to_have_count(0)
    page.get_by_text("The request, to read while you decide").click()
    expect(page.locator("main")).to_contain_text(REQUEST["knowledge_and_experience"])
    click(v, "Continue")
    expect(page.locator(".ds_error-summary")).to_be_visible()
    v.errors.clear()  # the page came back 422, as a page with a problem does
    choose(page, "Refuse the request")
    click(v, "Continue")

    # The matters of s.24(3), each its own answer; every one left out is listed at once.
    click(v, "Continue")
    summary = page.locator(".ds_error-summary li")
    expect(summary).to_have_count(len(pr.CONSIDERATIONS))
    snap("officer-03-considerations-errors")
    v.errors.clear()
    considerations(page, pr.CONSIDERATIONS)
    click(v, "Continue")
    page.get_by_label("Reasons", exact=True).fill("The route is being rebuilt by the council.")
    click(v, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before you decide the request")
    expect(page.locator(".casework-notice")).to_contain_text(
        "The route is being rebuilt by the council."
    )
    snap("officer-04-check-decision")

    # A second look at the first answer keeps the rest.
    page.get_by_role("button", name="Change your decision").click()
    v.check()
    expect(page.get_by_label("Refuse the request")).to_be_checked()
    click(v, "Continue")
    click(v, "Continue")
    expect(page.get_by_label("Reasons", exact=True)).to_have_value(
        "The route is being rebuilt by the council."
    )
    click(v, "Continue")
    click(v, "Confirm and issue")
    expect(page.locator(".ds_notification-panel").first).to_contain_text("Done")
    assert state_of(site, ref) == "refused"

    # Printing: the request, and the decision notice, on clean pages.
    page.get_by_role("link", name="Print or save the request").click()
    v.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ref}: {REQUEST['title']}")
    expect(page.locator("main")).to_contain_text(REQUEST["expected_improvement"])
    expect(page.locator("nav, button, form")).to_have_count(0)
    snap("officer-05-print-request")
    page = v.go(f"/cases/{ref}")
    page.get_by_role("link", name="Participation request: decision notice").click()
    v.check()
    page.get_by_role("link", name="Print or save this notice").click()
    v.check()
    expect(page.locator("main")).to_contain_text("The route is being rebuilt by the council.")
    expect(page.locator("nav, button, form")).to_have_count(0)


def test_more_owners_are_added_without_javascript(visit, site):
    (ref,) = requests_made(
        site,
        {**ASSET_REQUEST, "authority": "FIFE", "land_description": "The old library, Main Street"},
    )
    v = visit("officer", javascript=False)
    sign_in(v, "officer@fife.test")
    page = v.go(f"/cases/{ref}")
    click(v, "Validate the request", role="link")
    click(v, "Continue")
    click(v, "Confirm and issue")
    page.get_by_role("link", name="Publish the notices and invite representations").click()
    page.get_by_label("Representations close on").fill("2026-05-01")
    names = page.get_by_label("Name", exact=True)
    expect(names).to_have_count(6)
    for i in range(6):
        names.nth(i).fill(f"Tenant {i + 1}")
    click(v, "Add another person or organisation")
    names = page.get_by_label("Name", exact=True)
    expect(names).to_have_count(7)
    expect(names.nth(5)).to_have_value("Tenant 6")
    names.nth(6).fill("Tenant 7")
    click(v, "Continue")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before you")
    expect(page.locator("main")).to_contain_text("Tenant 7")
    click(v, "Confirm and issue")
    assert state_of(site, ref) == "representations_open"
    page = v.go(f"/cases/{ref}")
    expect(page.locator("#notices + .casework-table-wrap")).to_contain_text("Tenant 7")
