"""The core journeys work with JavaScript turned off: a body signs up and makes a
participation request, and an officer validates and decides it, with plain forms."""

from __future__ import annotations

from sqlalchemy import select

from casework.models import Case
from tests.web.test_journeys import (
    make_participation_request,
    officer_validates_and_decides_pr,
    sign_in,
    sign_up_and_build_profile,
)


def test_request_and_decision_without_javascript(visit, site):
    body = visit("body-no-js", javascript=False)
    assert body.page.evaluate("1 + 1") == 2  # Playwright's own probe still runs
    assert body.page.goto("/").ok
    assert body.page.evaluate("typeof window.DS") == "undefined"  # the site's script did not
    sign_up_and_build_profile(body)
    reference = make_participation_request(body)

    officer = visit("officer-no-js", javascript=False)
    sign_in(officer, "officer@fife.test")
    officer_validates_and_decides_pr(officer, reference)
    with site.sessions() as s:
        state = s.scalar(select(Case.state).where(Case.reference == reference))
    assert state == "awaiting_process_comments"
