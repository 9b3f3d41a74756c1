"""The participation request journey with the keyboard alone: every control is reached
with Tab, chosen with Space or a typed letter, and activated with Enter. No mouse."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from casework.auth import create_user
from casework.models import Case, CommunityBody
from tests.casework.conftest import ALL_TRUE
from tests.web.conftest import PASSWORD

FOCUSED = """([selector, text]) => {
  const el = document.activeElement;
  return !!el && el.matches(selector) && (!text || el.textContent.trim().startsWith(text));
}"""


def tab_to(page: Page, selector: str, text: str = "", limit: int = 80) -> None:
    """Press Tab until the focused element is the one wanted; fail if it is unreachable."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, [selector, text]):
            return
    raise AssertionError(f"{selector} {text!r} cannot be reached with the Tab key")


def submit(page: Page) -> None:
    """Enter on the focused control, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_participation_request_by_keyboard_alone(visit, site):
    with site.sessions() as s:
        body = CommunityBody(
            name="Burntisland Community Council",
            legal_form="community_council",
            member_count=12,
            contact_address="14 Kirkgate, Burntisland KY3 9DB",
            contact_email="clerk@burntisland.test",
            community_definition="Burntisland",
            **ALL_TRUE,
        )
        s.add(body)
        s.flush()
        create_user(
            s, email="clerk@burntisland.test", role="community", body=body, password=PASSWORD
        )
        s.commit()

    v = visit("keyboard")
    page = v.go("/sign-in")
    tab_to(page, "#f-email")
    page.keyboard.type("clerk@burntisland.test")
    tab_to(page, "#f-password")
    page.keyboard.type(PASSWORD)
    submit(page)
    v.check()

    tab_to(page, "a", "Start a new request")
    submit(page)
    v.check()
    tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    tab_to(page, "button", "Continue")
    submit(page)
    v.check()

    tab_to(page, "select")
    page.keyboard.type("Fife")
    tab_to(page, "button", "Continue")
    submit(page)
    v.check()

    tab_to(page, "#f-title")
    page.keyboard.type("Cleaner beaches")
    tab_to(page, "button", "Save and continue")
    submit(page)
    v.check()

    for text in (
        "Cleaner beaches on the Burntisland links",
        "We run the monthly beach cleans.",
        "Ten years of beach-clean records.",
        "Bins emptied before summer weekends.",
    ):
        tab_to(page, "textarea")
        page.keyboard.type(text)
        tab_to(page, "button", "Save and continue")
        submit(page)
        v.check()

    expect(page.get_by_role("heading", level=1)).to_contain_text("other public service")
    tab_to(page, "input[type=checkbox]")
    page.keyboard.press("Space")
    tab_to(page, "button", "Save and continue")
    submit(page)
    v.check()

    tab_to(page, "a", "Continue")
    submit(page)
    v.check()
    tab_to(page, "button", "Submit request")
    submit(page)
    v.check()
    reference = page.locator(".ds_notification-panel__reference").inner_text()

    with site.sessions() as s:
        case = s.scalar(select(Case).where(Case.reference == reference))
        assert case.state == "submitted"
        assert case.outcome == "Cleaner beaches on the Burntisland links"
        assert case.expected_improvement == "Bins emptied before summer weekends."
        assert [a.authority.code for a in case.additional_authorities] == ["NHSF"]
