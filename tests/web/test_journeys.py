"""The three journeys of the portals, in headless Chromium, with axe on every page:

1. a community body signs up, builds its profile, and makes a participation request and
   an asset transfer request;
2. an officer validates each and decides it;
3. the public sees the decisions in the register, and makes a representation on an open
   asset transfer request.
"""

from __future__ import annotations

import csv
import email
import io
import re
import time
from email.policy import default as default_policy
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from casework.models import Case, Document, RegisterRecord, Representation
from tests.web.conftest import PASSWORD, Visit
from workflows import asset_transfer as atr
from workflows import participation as pr

BODY_EMAIL = "secretary@kinghorn.test"
ADDRESS = "The Old Library, 1 High Street, Kinghorn KY3 9UE"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def click(v: Visit, name: str, role: str = "button") -> Page:
    v.page.get_by_role(role, name=name, exact=True).click()
    v.check()
    return v.page


def choose(scope: Page | Locator, label: str, exact: bool = False) -> None:
    """Tick a design-system radio or checkbox the way a person does: by its label, which
    the design system draws over the input itself."""
    box = scope.get_by_label(label, exact=exact)
    scope.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()


def answer_group(page: Page, question: str, choice: str) -> None:
    choose(page.get_by_role("group", name=question), choice, exact=True)


def sign_in(v: Visit, email: str) -> None:
    v.go("/sign-in")
    v.page.get_by_label("Email").fill(email)
    v.page.get_by_label("Password").fill(PASSWORD)
    click(v, "Sign in")


def emailed_link(outbox: Path, to: str, path: str, timeout: float = 30) -> str:
    """The path of the first link to `path` in a message to `to` in the outbox folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for eml in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
            message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
            if message["To"] != to:
                continue
            text = message.get_body(("plain",)).get_content()
            found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", text)
            if found:
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no email to {to} with a link to {path} within {timeout}s")


# -- journey 1 ------------------------------------------------------------------------


def sign_up_and_build_profile(v: Visit) -> None:
    page = v.go("/")
    click(v, "Create an account for your community body", role="link")
    page.get_by_label("Name").fill("Jean Secretary")
    page.get_by_label("Email address").fill(BODY_EMAIL)
    click(v, "Continue")
    # The same answer whether or not the address has an account; the account is made by
    # the link in the email (the site writes mail to its instance outbox).
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page = v.go(emailed_link(v.site.instance / "outbox", BODY_EMAIL, "/sign-up/finish/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish creating your account")
    page.get_by_label("Password").fill(PASSWORD)
    click(v, "Create account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about your organisation")

    page.get_by_label("Name", exact=True).fill("Kinghorn Community Trust")
    page.get_by_label("Contact address").fill(ADDRESS)
    page.get_by_label("Contact email address").fill(BODY_EMAIL)
    page.get_by_label("The community your body relates to").fill("People living in KY3 9")
    page.get_by_label("What kind of organisation is it?").select_option("company")
    page.get_by_label("How many members does it have?").fill("46")
    assert page.get_by_text("designated by the Scottish Ministers").count() == 0
    for question in (
        "Does it define the community the body relates to?",
        "Must a majority of the members come from that community?",
        "Do the members from that community control the body?",
        "Do the body's aims include a benefit for the community?",
        "Must any surplus be used for the benefit of the community?",
        "On winding up, must the assets pass to another community body or charity?",
    ):
        answer_group(page, question, "Yes")
    # Membership is not open yet: the eligibility check must say so, and what to change.
    answer_group(page, "Is membership open to anyone in the community?", "No")
    click(v, "Save and check eligibility")
    expect(page.get_by_role("heading", level=1)).to_have_text("What your organisation may ask for")
    content = page.locator("main").inner_text()
    assert content.count("Not eligible") == 3, content
    assert "Membership must be open to any member of the community (s.19)" in content
    assert "Remove restrictions that stop members of the community from joining" in content
    v.screenshot("01-eligibility-failing")

    click(v, "Change your answers", role="link")
    answer_group(page, "Is membership open to anyone in the community?", "Yes")
    click(v, "Save and check eligibility")
    content = page.locator("main").inner_text()
    assert "Not eligible" not in content
    assert content.count("Eligible") == 3, content


def make_participation_request(v: Visit) -> str:
    page = v.go("/dashboard")
    click(v, "Start a new request", role="link")
    choose(page, "To take part in improving a public service")
    click(v, "Continue")
    page.get_by_label("Which authority are you asking?").select_option("FIFE")
    click(v, "Continue")
    page.get_by_label("What is the title of your request?").fill("Safer routes to Kinghorn")
    click(v, "Save and continue")
    answers = {
        "What outcome do you want to improve?": "Safer walking routes to Kinghorn Primary",
        "Why should your body take part in improving it?": "Parents walk the routes daily.",
        "What knowledge, expertise and experience does your body have of it?": (
            "A survey of 140 families."
        ),
        "What improvement do you expect from taking part?": "Two new crossings.",
    }
    for question, text in answers.items():
        expect(page.get_by_role("heading", level=1)).to_have_text(question)
        page.get_by_label(question).fill(text)
        click(v, "Save and continue")
    choose(page, "NHS Fife")
    click(v, "Save and continue")

    # A file that calls itself a PDF but is not one is refused, from its content.
    expect(page.get_by_role("heading", level=1)).to_have_text("Add supporting documents")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "constitution.pdf", "mimeType": "application/pdf", "buffer": b"<html>no</html>"}
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#f-file-error")).to_contain_text("The file must be a")
    v.errors[:] = [e for e in v.errors if "status of 422" not in e]  # the page again: a 422
    v.check()
    page.get_by_label("Upload a file").set_input_files(
        {"name": "../../Our constitution.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("What is it? (optional)").fill("Our constitution")
    click(v, "Upload")
    expect(page.locator("main")).to_contain_text("Our constitution.pdf")
    click(v, "Continue", role="link")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before you submit"
    )
    for text in answers.values():
        expect(page.locator(".ds_summary-list")).to_contain_text(text)
    v.screenshot("02-check-answers")
    click(v, "Submit request")
    expect(page.get_by_role("heading", level=1)).to_have_text("Request submitted")
    reference = page.locator(".ds_notification-panel__reference").inner_text()
    assert reference.startswith("PR-FIFE-2026-")
    v.screenshot("03-confirmation")
    return reference


def make_asset_transfer_request(v: Visit) -> str:
    page = v.go("/dashboard")
    click(v, "Start a new request", role="link")
    choose(page, "To buy, lease or use land or buildings")
    click(v, "Continue")
    page.get_by_label("Which authority are you asking?").select_option("FIFE")
    click(v, "Continue")
    page.get_by_label("What is the title of your request?").fill("Lease of Kinghorn Town Hall")
    click(v, "Save and continue")
    choose(page, "A lease")
    click(v, "Save and continue")
    page.get_by_label("Land or building from the register").select_option(
        label="Kinghorn Town Hall, 1 High Street, Kinghorn KY3 9UE"
    )
    click(v, "Save and continue")
    for question, text in (
        ("Why are you asking for it?", "The hall is closing; we will run it for the town."),
        ("What benefits do you expect from the transfer?", "A youth club and a lunch club."),
        ("What price, rent or other payment do you offer?", "£1 a year"),
        ("Are there other terms and conditions you propose?", "A 25-year lease."),
        ("What support does the request have in your community?", "812 signatures."),
        ("How will you fund the transfer and your use of the land?", "Land Fund grant."),
    ):
        page.get_by_label(question).fill(text)
        click(v, "Save and continue")
    click(v, "Continue", role="link")
    click(v, "Submit request")
    reference = page.locator(".ds_notification-panel__reference").inner_text()
    assert reference.startswith("ATR-FIFE-2026-")
    return reference


# -- journey 2 ------------------------------------------------------------------------


def take_action(v: Visit, reference: str, label: str, fill=None) -> Page:
    """From the case page: the action's form, its preview, and the confirmation."""
    page = v.go(f"/cases/{reference}")
    click(v, label, role="link")
    if fill:
        fill(page)
    click(v, "Continue")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before you")
    confirm = page.get_by_role("button", name="Confirm", exact=False).first
    confirm.click()
    v.check()
    expect(page.locator(".ds_notification-panel").first).to_contain_text("Done")
    return page


def considerations(page: Page, keys: dict[str, str]) -> None:
    for text in keys.values():
        page.get_by_label(text[:1].upper() + text[1:], exact=True).fill("Considered and weighed.")


def officer_validates_and_decides_pr(v: Visit, reference: str) -> None:
    page = v.go("/queue")
    row = page.get_by_role("row").filter(has_text=reference)
    row.get_by_role("button", name="Assign to me").click()
    v.check()
    expect(page.get_by_role("row").filter(has_text=reference)).to_contain_text("Morag Officer")
    v.screenshot("04-officer-queue")

    page = v.go(f"/cases/{reference}")
    click(v, "Validate the request", role="link")
    click(v, "Continue")
    preview = page.locator(".casework-notice").first
    expect(preview).to_contain_text("Participation request: acknowledgement")
    expect(preview).to_contain_text("1 April 2026")  # the day it was submitted online
    v.screenshot("05-validate-preview")
    click(v, "Confirm and issue")
    expect(page.get_by_text("Validated, awaiting the decision").first).to_be_visible()
    expect(page.locator("#deadlines")).to_be_visible()
    expect(page.get_by_text("How this date was worked out").first).to_be_visible()

    take_action(v, reference, "Notify the additional authorities")

    def decision(page: Page) -> None:
        choose(page, "Agree the request")
        click(v, "Continue")
        choose(page, "A new outcome improvement process (s.25(3))")
        click(v, "Continue")
        page.get_by_label("Describe the outcome improvement process").fill(
            "A working group on school routes, meeting monthly for six months."
        )
        page.get_by_label("How anyone else takes part in the process").fill(
            "The school's parent council sends one member."
        )
        click(v, "Continue")
        considerations(page, pr.CONSIDERATIONS)

    page = take_action(v, reference, "Decide the request", decision)
    expect(page.get_by_text("Agreed: the body may comment on the process").first).to_be_visible()
    v.screenshot("06-case-page-decided")


def officer_validates_and_publishes_atr(v: Visit, reference: str) -> None:
    take_action(v, reference, "Validate the request")

    def notices(page: Page) -> None:
        page.get_by_label("Representations close on").fill("2026-05-01")
        page.get_by_label("Name").first.fill("Kinghorn Bowling Club (tenant)")

    take_action(v, reference, "Publish the notices and invite representations", notices)


def officer_decides_atr(v: Visit, body: Visit, reference: str) -> None:
    v.site.clock.advance(33)  # 4 May 2026: the representation period is over

    def copies(page: Page) -> None:
        page.get_by_label("The body may comment until").fill("2026-06-05")

    take_action(v, reference, "Send the body copies of the representations", copies)

    def comment(page: Page) -> None:
        page.get_by_label("Comments").fill("The bowling club's lease will be honoured.")

    take_action(body, reference, "Comment on the representations", comment)

    def refusal(page: Page) -> None:
        choose(page, "Refuse the request")
        click(v, "Continue")
        considerations(page, atr.CONSIDERATIONS)
        click(v, "Continue")
        page.get_by_label("Reasons", exact=True).fill(
            "The hall is needed for the council's own services."
        )

    page = take_action(v, reference, "Decide the request", refusal)
    expect(page.get_by_text("Refused: a review or appeal may be sought").first).to_be_visible()


# -- journey 3 ------------------------------------------------------------------------


def public_makes_representation(v: Visit, reference: str) -> None:
    page = v.go("/representations")
    page.get_by_role("link", name=reference, exact=False).click()
    v.check()
    expect(page.locator("main")).to_contain_text("never published")
    page.get_by_label("Name").fill("Alex Neighbour")
    page.get_by_label("Email address").fill("alex@neighbour.test")
    page.get_by_label("Postal address").fill("3 Private Lane, Kinghorn")
    page.get_by_label("Your representation").fill("I support the trust's plans for the hall.")
    click(v, "Continue")
    click(v, "Send representation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Representation received")
    assert "alex@neighbour.test" not in page.content()


def public_reads_the_register(v: Visit, site, references: list[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with site.sessions() as s:
            published = s.scalar(
                select(func.count())
                .select_from(RegisterRecord)
                .where(
                    RegisterRecord.reference.in_(references),
                    RegisterRecord.document == "decision_notice",
                )
            )
        if published == len(references):
            break
        time.sleep(0.5)
    page = v.go("/register")
    for ref in references:
        expect(page.locator("main")).to_contain_text(ref)
    v.screenshot("07-register")
    page.get_by_label("Kind of request").select_option("asset_transfer_request")
    click(v, "Search")
    expect(page.locator("main")).to_contain_text(references[1])
    expect(page.locator("main")).not_to_contain_text(references[0])

    page = v.go("/register")
    page.get_by_role("link", name=references[0], exact=False).click()
    v.check()
    text = page.locator("main").inner_text()
    assert "Permanent link" in text and "/register/" in page.url
    assert ADDRESS not in text and BODY_EMAIL not in text  # the body's address is withheld

    response = v.page.request.get("/register/decisions.csv")
    assert response.status == 200
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert {r["reference"] for r in rows} == set(references)
    assert all(r["url"].startswith(site.url + "/register/") for r in rows)
    atom = v.page.request.get("/register/decisions.atom")
    assert atom.status == 200 and all(ref in atom.text() for ref in references)
    # Nothing the public sees names the private person who made a representation.
    for path in ["/register", page.url, "/representations", "/register/decisions.atom"]:
        body = v.page.request.get(path).text()
        assert "alex@neighbour.test" not in body and "3 Private Lane" not in body


def test_the_three_journeys(visit, site):
    body = visit("body")
    sign_up_and_build_profile(body)
    pr_ref = make_participation_request(body)
    atr_ref = make_asset_transfer_request(body)
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1
        doc = s.scalar(select(Document))
        assert doc.filename == "Our constitution.pdf" and doc.content_type == "application/pdf"
        states = dict(s.execute(select(Case.reference, Case.state)).all())
    assert states == {pr_ref: "submitted", atr_ref: "submitted"}

    officer = visit("officer")
    sign_in(officer, "officer@fife.test")
    officer_validates_and_decides_pr(officer, pr_ref)
    officer_validates_and_publishes_atr(officer, atr_ref)

    public = visit("public")
    public_makes_representation(public, atr_ref)
    with site.sessions() as s:
        rep = s.scalar(select(Representation))
        assert (rep.name, rep.email) == ("Alex Neighbour", "alex@neighbour.test")

    officer_decides_atr(officer, body, atr_ref)
    public_reads_the_register(public, site, [pr_ref, atr_ref])
    assert len(site.visited) > 20
