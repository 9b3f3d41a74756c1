"""A volunteer secretary on a phone: sets up the organisation (unanswered questions are
not taken as "No"), starts a participation request (no draft until the title is saved),
leaves answers blank and is told, finds the way back from the task list, is stopped at
check your answers, adds and removes a document, thinks about withdrawing, and submits."""

from __future__ import annotations

import email
import time
from email.policy import default as default_policy

from playwright.sync_api import expect
from sqlalchemy import func, select

from casework.auth import create_user
from casework.models import Case, User
from tests.web.conftest import PASSWORD
from tests.web.test_journeys import PDF, answer_group, choose, click, emailed_link, sign_in

EMAIL = "secretary@glenbrae.test"
TITLE = "Safer routes to Glenbrae primary school"
CONSTITUTION = (
    "Does it define the community the body relates to?",
    "Must a majority of the members come from that community?",
    "Do the members from that community control the body?",
    "Is membership open to anyone in the community?",
    "Do the body's aims include a benefit for the community?",
    "Must any surplus be used for the benefit of the community?",
    "On winding up, must the assets pass to another community body or charity?",
)


def refused(v, name: str) -> None:
    """Click a button whose answer is the page again with a problem (a 422, which the
    browser logs to the console as a failed load: expected here, so not an error)."""
    v.page.get_by_role("button", name=name, exact=True).click()
    v.page.wait_for_load_state("load")
    expect(v.page.locator(".ds_error-summary")).to_be_visible()
    v.errors[:] = [e for e in v.errors if "status of 422" not in e]
    v.check()


def told_of_change(outbox, to: str, timeout: float = 30) -> str:
    """The text of the message telling `to` that the account's address changed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for eml in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
            message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
            if message["To"] == to and "changed" in message["Subject"]:
                return message.get_body(("plain",)).get_content()
        time.sleep(0.2)
    raise AssertionError(f"no message to {to} about the change within {timeout}s")


def cases(site) -> int:
    with site.sessions() as s:
        return s.scalar(select(func.count(Case.id)))


def test_a_secretary_makes_a_request_on_a_phone(visit, site):
    with site.sessions() as s:
        create_user(s, email=EMAIL, role="community", name="Isla", password=PASSWORD)
        s.commit()
    v = visit("secretary-phone")
    page = v.page
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(v, EMAIL)
    click(v, "tell us about your organisation", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about your organisation")

    # The constitution questions start unanswered; leaving them blank is not a "No".
    for question in CONSTITUTION:
        group = page.get_by_role("group", name=question)
        for answer in ("Yes", "No"):
            expect(group.get_by_label(answer, exact=True)).not_to_be_checked()
    page.get_by_label("Name", exact=True).fill("Glenbrae Residents' Association")
    page.get_by_label("Contact address").fill("4 Main Street, Glenbrae")
    page.get_by_label("Contact email address").fill(EMAIL)
    page.get_by_label("The community your body relates to").fill("People living in Glenbrae")
    page.get_by_label("What kind of organisation is it?").select_option("company")
    page.get_by_label("How many members does it have?").fill("31")
    refused(v, "Save and check eligibility")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_contain_text("Answer whether membership is open to anyone in the community")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about your organisation")
    for question in CONSTITUTION:
        answer_group(page, question, "Yes")
    click(v, "Save and check eligibility")
    content = page.locator("main").inner_text()
    assert "Not eligible" not in content
    assert content.count("Eligible") == 3

    # Starting: the kind and the authority make nothing yet.
    click(v, "Start a request", role="link")
    choose(page, "To take part in improving a public service")
    click(v, "Continue")
    page.get_by_label("Which authority are you asking?").select_option("FIFE")
    click(v, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("What is the title of your request?")
    expect(page.locator("main")).to_contain_text("Lease of the former Glenbrae library")
    assert cases(site) == 0
    refused(v, "Save and continue")
    expect(page.locator(".ds_error-summary")).to_contain_text("Enter a title for your request")
    assert cases(site) == 0
    page.get_by_label("What is the title of your request?").fill(TITLE)
    click(v, "Save and continue")
    assert cases(site) == 1

    # A blank answer does not move on.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What outcome do you want to improve?"
    )
    refused(v, "Save and continue")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_contain_text("Enter the outcome you want to improve")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("What outcome do you want to improve?")).to_be_focused()
    page.get_by_label("What outcome do you want to improve?").fill("Safer walking to school")
    click(v, "Save and come back later")

    # The dashboard: the title beside the reference, and what to do, said to the user.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your requests")
    row = page.get_by_role("row").filter(has_text=TITLE)
    with site.sessions() as s:
        reference = s.scalar(select(Case.reference))
    expect(row).to_contain_text(f"{reference}: {TITLE}")
    v.screenshot("community-dashboard-phone")
    row.get_by_role("link", name="Finish your request and submit it").click()
    v.check()

    # The task list.
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    tasks = page.locator(".ds_task-list-group")
    expect(tasks.locator(".ds_task-list__task").filter(has_text="Title")).to_contain_text(
        "Completed"
    )
    expect(
        tasks.locator(".ds_task-list__task").filter(has_text="Why your body should take part")
    ).to_contain_text("Not started")
    expect(tasks).to_contain_text("Cannot start yet")
    assert tasks.get_by_role("link", name="Check and submit").count() == 0
    v.screenshot("community-task-list-phone")

    # Check your answers stops an unfinished request, and says where to go.
    page = v.go(f"/requests/{reference}/check")
    summary = page.locator(".ds_error-summary")
    expect(summary).to_contain_text("Enter why your body should take part")
    expect(page.locator(".ds_summary-list")).to_contain_text("Not answered")
    assert page.get_by_role("button", name="Withdraw").count() == 0
    refused(v, "Submit request")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before you submit"
    )
    assert cases(site) == 1
    with site.sessions() as s:
        assert s.scalar(select(Case.state)) == "draft"
    page.locator(".ds_error-summary").get_by_role("link").first.click()
    v.check()
    for question, text in (
        ("Why should your body take part in improving it?", "We walk the routes."),
        (
            "What knowledge, expertise and experience does your body have of it?",
            "A survey of 90 families.",
        ),
        ("What improvement do you expect from taking part?", "A crossing by the school."),
    ):
        expect(page.get_by_role("heading", level=1)).to_have_text(question)
        page.get_by_label(question).fill(text)
        click(v, "Save and continue")
        if page.locator(".ds_error-summary").count():
            page.locator(".ds_error-summary").get_by_role("link").first.click()
            v.check()

    # Documents: a refused file is said beside the field; a kept one can be removed.
    page = v.go(f"/requests/{reference}/documents")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"<html>no</html>"}
    )
    refused(v, "Upload")
    expect(page.locator(".ds_error-summary")).to_contain_text("The file must be a")
    expect(page.locator("#f-file-error")).to_contain_text("The file must be a")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    click(v, "Upload")
    expect(page.locator("main")).to_contain_text("plan.pdf")
    click(v, "Remove plan.pdf")
    expect(page.locator("main")).to_contain_text("No documents yet")

    # Withdrawing asks first, and can be called off.
    page = v.go(f"/requests/{reference}")
    click(v, "Withdraw this draft", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to withdraw this draft?"
    )
    expect(page.locator("main")).to_contain_text("cannot undo")
    click(v, "No, keep it", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    page.get_by_role("link", name="Check and submit").click()
    v.check()
    expect(page.locator(".ds_error-summary")).to_have_count(0)
    click(v, "Submit request")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request submitted")
    expect(page.locator(".ds_notification-panel")).to_contain_text(TITLE)
    with site.sessions() as s:
        assert s.scalar(select(Case.state)) == "submitted"
        assert s.scalar(select(User.email).where(User.email == EMAIL)) == EMAIL


def test_a_secretary_changes_password_and_email_from_the_account_page(visit, site):
    with site.sessions() as s:
        create_user(s, email=EMAIL, role="community", name="Isla", password=PASSWORD)
        s.commit()
    v = visit("secretary-account")
    page = v.page
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(v, EMAIL)
    page = v.go("/account")
    click(v, "Change your password", role="link")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("New password").fill("short")
    refused(v, "Change password")
    expect(page.locator("#f-new-password-error")).to_contain_text("Use at least 10 characters")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("New password").fill("a new and longer pass phrase")
    click(v, "Change password")
    expect(page.locator(".ds_notification-panel")).to_contain_text("password has been changed")

    click(v, "Change your email address", role="link")
    page.get_by_label("Your new email address").fill("isla@glenbrae.test")
    page.get_by_label("Your current password").fill("a new and longer pass phrase")
    click(v, "Send the link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert site.user(EMAIL) is not None  # nothing changes until the link is followed
    page = v.go(emailed_link(site.instance / "outbox", "isla@glenbrae.test", "/account/email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new email address")
    click(v, "Change my email address")
    expect(page.locator("main")).to_contain_text("isla@glenbrae.test")
    assert site.user("isla@glenbrae.test") is not None
    told = told_of_change(site.instance / "outbox", EMAIL)
    assert "has been changed" in told
