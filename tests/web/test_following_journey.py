"""Following in a real browser: a neighbour follows an authority from the register on a
phone, confirms from the email, chooses a daily email, and stops everything, with axe on
every page; the same with scripts off."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import Follower
from tests.web.test_community_journey import refused
from tests.web.test_journeys import choose, click, emailed_link
from tests.web.test_phone import PHONE, assert_fits


@pytest.mark.browser
@pytest.mark.redis
@pytest.mark.parametrize("javascript", [True, False], ids=["scripts", "no-scripts"])
def test_a_neighbour_follows_an_authority_confirms_and_stops(visit, site, javascript):
    v = visit(f"follow-{javascript}", javascript=javascript)
    v.page.set_viewport_size(PHONE)
    address = f"neighbour-{'js' if javascript else 'plain'}@example.test"
    v.go("/register?authority=FIFE")
    click(v, "Get emails about everything Fife Council publishes", role="link")
    assert_fits(v.page)
    assert v.page.get_by_text("Every request and report Fife Council publishes").count() == 1
    refused(v, "Send me the email to confirm")  # no address given: the error summary
    v.page.get_by_label("Your email address").fill(address)
    choose(v.page, "Send me one email a day, when something was published the day before")
    click(v, "Send me the email to confirm")
    assert v.page.get_by_role("heading", name="Check your email").count() == 1
    assert_fits(v.page)

    v.go(emailed_link(site.instance / "outbox", address, "/follow/confirm/"))
    click(v, "Yes, send me these emails")
    assert v.page.get_by_role("heading", name="You will now get these emails").count() == 1
    assert v.page.get_by_text("We will send you one email a day").count() == 1
    click(v, "see everything you follow and change how often you hear", role="link")
    assert v.page.get_by_role("heading", name="What you follow").count() == 1
    assert_fits(v.page)
    click(v, "Stop all emails", role="link")
    click(v, "Stop all emails")
    assert v.page.get_by_role("heading", name="You will get no more emails").count() == 1
    with site.sessions() as s:
        assert s.scalar(select(Follower).where(Follower.email == address)) is None
