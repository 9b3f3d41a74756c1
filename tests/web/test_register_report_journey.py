"""In a real browser: a council's published annual report (s.32(1)) is found on the public
register by choosing "Annual report", and leads to the report's own page. Every page is
checked by axe (WCAG 2.2 AA); the register also on a 375 px phone without JavaScript."""

from __future__ import annotations

import datetime as dt
import time

from playwright.sync_api import expect
from sqlalchemy import select

from casework import annual_reports as ar
from casework.models import Authority, RegisterRecord, User
from tests.conftest import settings_for
from tests.web.test_journeys import click
from tests.web.test_phone import assert_fits
from workflows import participation as pr

TITLE = "Annual report on participation requests, 1 April 2026 to 31 March 2027"


def published_report(site) -> int:
    """Fife's report for the year from 1 April 2026, written, approved and published by its
    officer and manager; returns its register record's id once the worker has put it there."""
    law = settings_for("sqlite://", site.instance).law()
    day = dt.date(2027, 4, 2)
    with site.sessions() as s:
        fife = s.scalar(select(Authority).where(Authority.code == "FIFE"))
        officer = s.scalar(select(User).where(User.email == "officer@fife.test"))
        manager = s.scalar(select(User).where(User.email == "manager@fife.test"))
        report = ar.open_report(s, fife, pr.KIND, 2026, officer)
        texts = {"promotion": "Leaflets in every library.", "support": "A named officer."}
        ar.act(s, report, "write", texts, officer, day, law)
        ar.act(s, report, "approve", {}, manager, day, law)
        ar.act(s, report, "publish", {}, manager, day, law)
        s.commit()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with site.sessions() as s:
            found = s.scalar(
                select(RegisterRecord.id).where(RegisterRecord.document == "annual_report")
            )
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("the report did not reach the register within 30s")


def test_the_public_finds_a_councils_annual_report_on_the_register(visit, site):
    record_id = published_report(site)
    v = visit("reader")
    page = v.go("/register")
    page.get_by_label("Document").select_option(label="Annual report")
    click(v, "Search")
    main = page.locator("main")
    expect(main).to_contain_text("1 decision or annual report.")
    page.get_by_role("link", name=f"Fife Council: {TITLE}").click()
    v.check()
    assert page.url.endswith(f"/register/{record_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(main).to_contain_text("Requests received: 0")
    expect(main).to_contain_text("Leaflets in every library.")
    page.get_by_role("link", name="Read the full report").click()
    v.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Fife Council: participation request annual report"
    )
    expect(page.get_by_role("link", name="Download as PDF")).to_be_visible()


def test_the_register_with_a_report_fits_a_phone_without_javascript(visit, site):
    published_report(site)
    v = visit("phone", javascript=False)
    v.page.set_viewport_size({"width": 375, "height": 800})
    page = v.go("/register?document=annual_report")
    expect(page.locator("main")).to_contain_text(f"Fife Council: {TITLE}")
    assert_fits(page)
    page.get_by_role("link", name=f"Fife Council: {TITLE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_fits(page)
