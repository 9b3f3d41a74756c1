"""On a phone, 375 px wide: every page fits without sideways scrolling, and a table's rows
become labelled blocks, so the next deadline, the next step, "Assign to me" and the
disposal freeze are on screen as they are on a desk.

`seed_requests` is shared with test_screenshots, which crawls every page at this width.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from casework.commands import create_case, perform
from casework.eventlog import Actor
from casework.models import LandEntry, RegisterRecord, User
from tests.casework.conftest import ASSET_REQUEST, considerations
from tests.web.conftest import Visit, kinghorn_trust
from tests.web.test_journeys import sign_in
from tests.world import REQUEST
from workflows.machine import Law
from workflows.rules import Party

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

PHONE = {"width": 375, "height": 812}
BODY_EMAIL = "secretary@kinghorn.test"
# What a person might type: a long address with no spaces, and a long unbroken word.
LONG_URL = (
    "https://www.kinghorn-community-trust.example/consultations/safer-walking-routes-survey-2026"
)
LONG_WORD = "Kinghornandburntislandcoastalpathimprovementsteeringgroup"
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_IN_WORDS = re.compile(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b")

# What sticks out past the right edge of the viewport, leaving out what is not drawn:
# hidden elements and whatever sits inside a visually-hidden (clipped 1 px) box.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden') return true;
      if (s.clipPath !== 'none' || (s.clip && s.clip !== 'auto')) return true;
      const r = e.getBoundingClientRect();
      if (s.position === 'absolute' && r.width <= 1 && r.height <= 1) return true;
    }
    return false;
  };
  const over = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    // Its box, or the text that runs out of it (a long word in a heading).
    const spills = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
    const right = Math.max(r.right, spills ? r.left + el.scrollWidth : 0);
    if (right > width + 0.5 && !clipped(el)) {
      const name = el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '');
      over.push(`${name} right=${Math.round(right)}: ${(el.innerText || '').trim().slice(0, 60)}`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, over: over.slice(0, 8)};
}"""


def assert_fits(page: Page) -> None:
    """No sideways scrolling: the document is no wider than the viewport, and nothing drawn
    reaches past its right edge."""
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["width"], f"{page.url} scrolls sideways: {found}"
    assert found["over"] == [], f"{page.url}: past the right edge: {found['over']}"


def on_screen(page: Page, locator) -> None:
    """Visible, and wholly inside the width of the viewport."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0, locator
    assert box["x"] + box["width"] <= page.viewport_size["width"] + 0.5, (locator, box)


def row(page: Page, text: str):
    """The table row that mentions `text`."""
    return page.locator("table.ds_table tbody tr").filter(has_text=text).first


def dated_cell(page: Page, text: str):
    """The cell of that row that gives a date in words: the next deadline."""
    cells = row(page, text).locator("td")
    for i in range(cells.count()):
        if DATE_IN_WORDS.search(cells.nth(i).inner_text()):
            return cells.nth(i)
    raise AssertionError(f"no date in words in the row of {text}: {row(page, text).inner_text()}")


def all_cells_on_screen(page: Page, text: str) -> None:
    cells = row(page, text).locator("td")
    assert cells.count() > 1
    for i in range(cells.count()):
        if cells.nth(i).inner_text().strip():
            on_screen(page, cells.nth(i))


def phone(visit, name: str) -> Visit:
    v = visit(name)
    v.page.set_viewport_size(PHONE)
    return v


def seed_requests(site, wait_for_register: bool = True) -> dict[str, str]:
    """A community body (its secretary signs in with PASSWORD) with a draft, a submitted and
    an agreed participation request, and an asset transfer request validated for the land
    on the register (so the land is frozen). Long words and a long address in the text
    test wrapping. Waits until the agreed decision is on the public register."""
    law = Law()
    with site.sessions() as s:
        officer = s.scalar(select(User).where(User.email == "officer@fife.test"))
        land = s.scalar(select(LandEntry).order_by(LandEntry.id))
        _body, user = kinghorn_trust(s, BODY_EMAIL, name="Jean")
        day = site.clock.today()
        as_body, as_officer = Actor.of(user), Actor.of(officer)

        def act(case, trigger, payload, actor, party):
            perform(s, case, trigger, payload, actor, party, today=day, law=law)

        long_text = {
            "title": f"The {LONG_WORD}",
            "reasons": f"Our survey results are at {LONG_URL} for anyone to read.",
        }
        draft = create_case(s, REQUEST["kind"], {**REQUEST, **long_text}, as_body, today=day)
        submitted = create_case(s, REQUEST["kind"], {**REQUEST, **long_text}, as_body, today=day)
        act(submitted, "submit", {}, as_body, Party.BODY)
        agreed = create_case(s, REQUEST["kind"], dict(REQUEST), as_body, today=day)
        act(agreed, "submit", {}, as_body, Party.BODY)
        act(agreed, "validate", {}, as_officer, Party.AUTHORITY)
        act(
            agreed,
            "decide",
            {
                "outcome": "agreed",
                "process": "new",
                "process_description": "A working group meeting monthly.",
                "other_participants": "Parents' council members join the group.",
                "considerations": considerations(),
            },
            as_officer,
            Party.AUTHORITY,
        )
        asset = create_case(
            s,
            ASSET_REQUEST["kind"],
            {**ASSET_REQUEST, "authority": "FIFE", "land": land.id},
            as_body,
            today=day,
        )
        act(asset, "submit", {}, as_body, Party.BODY)
        act(asset, "validate", {}, as_officer, Party.AUTHORITY)
        s.commit()
        refs = {
            "draft": draft.reference,
            "submitted": submitted.reference,
            "agreed": agreed.reference,
            "asset": asset.reference,
            "land": land.name,
        }
    deadline = time.monotonic() + (60 if wait_for_register else 0)
    while time.monotonic() < deadline:
        with site.sessions() as s:
            published = s.scalar(
                select(func.count())
                .select_from(RegisterRecord)
                .where(RegisterRecord.reference == refs["agreed"])
            )
        if published:
            break
        time.sleep(0.25)
    return refs


def test_the_community_dashboard_and_case_page_fit_a_phone(visit, site):
    refs = seed_requests(site)
    v = phone(visit, "body-phone")
    sign_in(v, BODY_EMAIL)
    page = v.go("/dashboard")
    assert_fits(page)
    for ref in (refs["draft"], refs["submitted"], refs["asset"]):
        all_cells_on_screen(page, ref)
    # The next deadline, and the next step with its link, are on screen.
    on_screen(page, dated_cell(page, refs["asset"]))
    on_screen(page, row(page, refs["draft"]).get_by_role("link").last)
    on_screen(page, page.get_by_role("link", name=refs["submitted"], exact=False).first)
    v.screenshot("phone-dashboard")

    page = v.go(f"/cases/{refs['submitted']}")
    assert_fits(page)
    expect(page.locator("main")).to_contain_text(LONG_WORD)
    v.screenshot("phone-case")


def test_the_officer_queue_fits_a_phone_with_assign_to_me_on_screen(visit, site):
    refs = seed_requests(site)
    v = phone(visit, "officer-phone")
    sign_in(v, "officer@fife.test")
    page = v.go("/queue")
    assert_fits(page)
    for ref in (refs["submitted"], refs["asset"]):
        all_cells_on_screen(page, ref)
    on_screen(page, dated_cell(page, refs["asset"]))
    button = page.get_by_role("button", name=f"Assign to me ({refs['submitted']})")
    on_screen(page, button)
    v.screenshot("phone-queue")

    # Pressing it works at this width too, and the page still fits.
    button.click()
    v.check()
    assert_fits(page)
    expect(row(page, refs["submitted"])).to_contain_text("Morag Officer")

    page = v.go(f"/cases/{refs['asset']}")
    assert_fits(page)
    freeze = page.locator("main").get_by_text("Disposal freeze").first
    on_screen(page, freeze)


def test_the_public_registers_fit_a_phone(visit, site):
    refs = seed_requests(site)
    v = phone(visit, "public-phone")
    page = v.go("/register")
    assert_fits(page)
    on_screen(page, page.get_by_role("link", name=refs["agreed"], exact=False).first)

    page = v.go("/land")
    assert_fits(page)
    all_cells_on_screen(page, refs["land"])
    freeze = row(page, refs["land"]).locator("td").filter(has_text="Frozen")
    on_screen(page, freeze)
    on_screen(page, page.get_by_role("link", name=refs["land"]))
    v.screenshot("phone-land")

    for path in ("/", "/representations", "/sign-in", "/sign-up"):
        assert_fits(v.go(path))


def test_stacked_cells_carry_their_column_header(visit, site):
    """At 375 px the header row is hidden and each cell shows its column's name itself,
    from its data-label, which is that column's header text."""
    refs = seed_requests(site)
    v = phone(visit, "officer-labels")
    sign_in(v, "officer@fife.test")
    page = v.go("/queue")
    table = page.locator(
        "table.ds_table", has=page.locator("tbody tr", has_text=refs["asset"])
    ).first
    header = table.locator("thead")
    box = header.bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1)  # visually hidden
    headers = [t.strip() for t in header.locator("th").all_text_contents()]
    cells = row(page, refs["asset"]).locator("td")
    before = "td => getComputedStyle(td, '::before').content"
    for i, name in enumerate(headers):
        assert cells.nth(i).get_attribute("data-label") == name
        assert cells.nth(i).evaluate(before) == f'"{name}"'

    v.page.set_viewport_size({"width": 1280, "height": 900})
    box = header.bounding_box()
    assert box is not None and box["width"] > 300  # a table again on a wide screen
    assert cells.first.evaluate(before) in ("none", "normal")
