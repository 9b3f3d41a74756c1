"""The annual report pages in a real browser, at 1280 and 375 px, axe clean: an officer
finds the year's report, checks a figure's cases and writes the authority's part; once a
manager has published it, the public finds it from the national page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework import annual_reports as ar
from casework.commands import create_case, perform
from casework.eventlog import Actor
from casework.models import Authority, User
from tests.web.conftest import kinghorn_trust
from tests.web.test_journeys import click, sign_in
from tests.web.test_phone import assert_fits
from tests.world import REQUEST
from workflows import participation as pr
from workflows.machine import Law
from workflows.rules import Party


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_an_officer_completes_the_report_and_the_public_reads_it(visit, site, width):
    with site.sessions() as s:  # one request received in the year, for the figures
        _body, member = kinghorn_trust(s)
        case = create_case(
            s, REQUEST["kind"], dict(REQUEST), Actor.of(member), today=site.clock.today()
        )
        perform(
            s, case, "submit", {}, Actor.of(member), Party.BODY, today=site.clock.today(), law=Law()
        )
        s.commit()
    v = visit("officer")
    v.page.set_viewport_size({"width": width, "height": 900})
    sign_in(v, "officer@fife.test")
    page = v.go("/reports")
    page.get_by_role("link", name="Participation request annual report").last.click()
    v.check()
    expect(page.locator("h1")).to_contain_text("Participation request annual report")
    expect(page.locator("main")).to_contain_text("Requests received")
    page.get_by_label("What did the authority do during the year to promote requests?").fill(
        "A leaflet to every community council."
    )
    page.get_by_label("What did it do to support community bodies in making them?").fill(
        "A named officer for each body."
    )
    click(v, "Save")
    expect(
        page.get_by_label("What did the authority do during the year to promote requests?")
    ).to_have_value("A leaflet to every community council.")
    if width < 768:
        assert_fits(page)

    # A manager approves and publishes (the procedure itself is tested without a browser).
    with site.sessions() as s:
        fife = s.scalar(select(Authority).where(Authority.code == "FIFE"))
        manager = s.scalar(select(User).where(User.email == "manager@fife.test"))
        officer = s.scalar(select(User).where(User.email == "officer@fife.test"))
        year = ar.year_containing(site.clock.today())
        report = ar.open_report(s, fife, pr.KIND, year, officer)
        for step in ("approve", "publish"):
            ar.act(s, report, step, {}, manager, site.clock.today(), Law())
        s.commit()

    public = visit("public")
    public.page.set_viewport_size({"width": width, "height": 900})
    page = public.go(f"/statistics?year={year}")
    public.check()  # the charts and their tables pass axe too
    said = "^Bar chart. Across Scotland, 1 participation request was received"
    chart = page.get_by_role("img", name=re.compile(said))
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG is drawn
    if width < 768:
        assert_fits(page)
    row = page.locator("table.ds_table tbody tr").filter(has_text="Fife Council").first
    expect(row).to_contain_text("Published")
    row.get_by_role("link").first.click()
    public.check()
    expect(page.locator("main")).to_contain_text("A leaflet to every community council.")
    expect(page.locator("main")).to_contain_text("Requests received")
    if width < 768:
        assert_fits(page)
