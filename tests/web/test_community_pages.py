"""The community body's pages, through the Flask test client, as a secretary uses them:
the organisation's constitution questions, starting a request, the task list, answers
that are required, checking, withdrawing, documents, and the account settings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casework.auth import check_password, create_user, hash_password
from casework.models import AssetTransferRequest, Case, CommunityBody, Document, Event, User
from tests.casework.conftest import World, asset_request, new_request, submitted
from tests.web.test_hardening import PASSWORD, PDF, token_of, web_client
from workflows.eligibility import CONSTITUTION_FIELDS

ORGANISATION = {
    "name": "Glenbrae Residents' Association",
    "contact_address": "4 Main Street, Glenbrae",
    "contact_email": "sec@glenbrae.test",
    "community_definition": "People living in Glenbrae",
    "legal_form": "company",
    "member_count": "31",
}


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r"</?(a|span|strong|q|em)\b[^>]*>", "", html)  # inline: no break
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def post(client, url: str, data: dict, **kw):
    """Post a form the way a browser does: from the page, with its CSRF token and any
    version it carries."""
    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": token_of(page), **data}
    version = re.search(r'name="version" value="(\d+)"', page)
    if version and "version" not in data:
        form["version"] = version.group(1)
    return client.post(url, data=form, **kw)


def cases_of(session, body_id: int) -> int:
    return session.scalar(select(func.count(Case.id)).where(Case.community_body_id == body_id))


@pytest.fixture
def newcomer(app, world: World, session):
    """A secretary whose body has not been set up yet."""
    user = create_user(session, email="sec@glenbrae.test", role="community", name="Ann")
    user.password_hash = hash_password(PASSWORD)
    session.commit()
    return web_client(app, session, user.email)


def checked_radios(html: str) -> list[str]:
    return re.findall(r'<input[^>]*type="radio"[^>]*checked', html)


# -- 1. no answer given for the user ---------------------------------------------------


def test_constitution_questions_start_unanswered(newcomer):
    html = newcomer.get("/organisation").get_data(as_text=True)
    assert checked_radios(html) == []


def test_a_new_body_answering_yes_is_eligible(newcomer, session):
    answers = {f"constitution.{name}": "true" for name in CONSTITUTION_FIELDS}
    response = post(newcomer, "/organisation", {**ORGANISATION, **answers})
    assert response.status_code == 302
    page = text_of(newcomer.get(response.headers["Location"]))
    assert "Not eligible" not in page
    assert page.count("Eligible") == 3


def test_a_new_body_leaving_the_questions_blank_is_told_to_answer_them(newcomer, session):
    response = post(newcomer, "/organisation", dict(ORGANISATION))
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert "Answer whether the written constitution defines the community" in page
    assert page.count("Answer whether") >= 2 * len(CONSTITUTION_FIELDS)  # summary + field
    assert session.scalar(select(func.count(CommunityBody.id))) == 2  # none made
    # The answers given are kept, and none is turned into a "No".
    assert 'value="Glenbrae Residents&#39; Association"' in response.get_data(as_text=True)
    assert checked_radios(response.get_data(as_text=True)) == []


# -- 2. eligibility first --------------------------------------------------------------


def test_a_body_not_eligible_is_told_before_it_starts(app, world: World, session):
    body = session.get(CommunityBody, world.body_id)
    body.open_membership = False  # fails s.19 for both rights
    session.commit()
    client = web_client(app, session, world.body.email)
    page = text_of(client.get("/requests/new"))
    assert "cannot make either kind of request yet" in page
    assert "What to change" in page
    assert "Change your organisation's answers" in page
    assert 'name="kind"' not in client.get("/requests/new").get_data(as_text=True)
    assert "Start a new request" not in text_of(client.get("/dashboard"))
    assert "Start a request" not in text_of(client.get("/organisation/eligibility"))
    # Nor can the authority page be reached by typing its address.
    assert client.get("/requests/new/participation_request").status_code == 302


# -- 3, 4. the title first, and no draft until it is saved -----------------------------


def test_a_draft_is_made_only_when_the_title_is_saved(app, world: World, session):
    client = web_client(app, session, world.body.email)
    before = cases_of(session, world.body_id)
    response = post(client, "/requests/new", {"kind": "asset_transfer_request"})
    response = post(client, response.headers["Location"], {"authority": "FIFE"})
    assert response.headers["Location"].endswith("/requests/new/asset_transfer_request/title")
    assert cases_of(session, world.body_id) == before  # an abandoned start makes nothing
    title_url = response.headers["Location"]
    blank = post(client, title_url, {"title": " ", "go": "next"})
    assert blank.status_code == 422
    assert "Enter a title for your request" in text_of(blank)
    assert cases_of(session, world.body_id) == before
    made = post(client, title_url, {"title": "Lease of the former Glenbrae library", "go": "next"})
    assert made.status_code == 302
    session.expire_all()
    case = session.scalar(
        select(AssetTransferRequest).where(Case.community_body_id == world.body_id)
    )
    assert case.title == "Lease of the former Glenbrae library"
    assert case.transfer_type is None  # not a lease before the body chose
    assert made.headers["Location"].endswith(f"/requests/{case.reference}/transfer-type")
    html = client.get(made.headers["Location"]).get_data(as_text=True)
    assert checked_radios(html) == []
    dashboard = text_of(client.get("/dashboard"))
    assert f"{case.reference}: Lease of the former Glenbrae library" in dashboard


# -- 5. required answers and the task list ---------------------------------------------


def test_a_blank_required_answer_does_not_move_on(app, world: World, session):
    ref = new_request(world, outcome="")
    client = web_client(app, session, world.body.email)
    response = post(client, f"/requests/{ref}/outcome", {"outcome": "", "go": "next"})
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count("Enter the outcome you want to improve") == 2  # summary and field
    later = post(client, f"/requests/{ref}/outcome", {"outcome": "", "go": "later"})
    assert later.status_code == 302 and later.headers["Location"].endswith("/dashboard")


def test_the_optional_question_can_be_left_blank(app, world: World, session):
    ref = new_request(world)
    client = web_client(app, session, world.body.email)
    response = post(client, f"/requests/{ref}/other-authorities", {"go": "next"})
    assert response.status_code == 302


def test_the_task_list_says_what_is_done(app, world: World, session):
    ref = new_request(world, reasons="")
    client = web_client(app, session, world.body.email)
    page = text_of(client.get(f"/requests/{ref}"))
    assert "Safer walking routes to Kinghorn Primary School" in page  # the title heads it
    assert page.count(ref) == 1
    assert "Why your body should take part (Not started)" in page
    assert "The outcome you want to improve (Completed)" in page
    assert "Check and submit (Cannot start yet)" in page
    assert "Withdraw this draft" in page
    assert f'href="/requests/{ref}"' in client.get("/dashboard").get_data(as_text=True)
    assert "Finish your request and submit it" in text_of(client.get("/dashboard"))


# -- 6. check your answers blocks an incomplete request ---------------------------------


def test_check_answers_lists_what_is_missing_and_does_not_submit(app, world: World, session):
    ref = new_request(world, knowledge_and_experience="")
    client = web_client(app, session, world.body.email)
    response = client.get(f"/requests/{ref}/check")
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "There is a problem" in page
    assert f'href="/requests/{ref}/knowledge?back=check"' in html
    assert "Not answered" in page
    assert "Withdraw" not in page  # not next to Submit
    submit = post(client, f"/requests/{ref}/check", {})
    assert submit.status_code == 422
    session.expire_all()
    assert session.scalar(select(Case.state).where(Case.reference == ref)) == "draft"


def test_a_complete_request_is_submitted_with_its_title(app, world: World, session):
    ref = new_request(world)
    client = web_client(app, session, world.body.email)
    assert "There is a problem" not in text_of(client.get(f"/requests/{ref}/check"))
    response = post(client, f"/requests/{ref}/check", {})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Safer walking routes to Kinghorn Primary School" in page


# -- 7. withdrawing asks first -----------------------------------------------------------


def test_withdrawing_a_draft_asks_first(app, world: World, session):
    ref = new_request(world)
    client = web_client(app, session, world.body.email)
    page = text_of(client.get(f"/requests/{ref}/withdraw-draft"))
    assert "cannot undo it" in page
    assert "is not told" in page
    assert "Yes, withdraw this draft" in page
    session.expire_all()
    assert session.scalar(select(Case.state).where(Case.reference == ref)) == "draft"
    response = post(client, f"/requests/{ref}/withdraw-draft", {})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(select(Case.state).where(Case.reference == ref)) == "withdrawn"


# -- 8. documents ----------------------------------------------------------------------


def test_documents_refused_are_shown_beside_the_field_and_can_be_removed(
    app, world: World, session
):
    ref = new_request(world)
    client = web_client(app, session, world.body.email)
    url = f"/requests/{ref}/documents"
    token = token_of(client.get(url).get_data(as_text=True))
    bad = client.post(
        url,
        data={"csrf_token": token, "file": (__import__("io").BytesIO(b"<html>"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#f-file"' in html and 'id="f-file-error"' in html
    empty = client.post(url, data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Choose a file to upload" in text_of(empty)
    good = client.post(
        url,
        data={"csrf_token": token, "file": (__import__("io").BytesIO(PDF), "plan.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    doc = session.scalar(select(Document).join(Case).where(Case.reference == ref))
    assert "plan.pdf" in text_of(client.get(url))
    removed = client.post(f"{url}/{doc.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    session.expire_all()
    assert (
        session.scalar(select(func.count(Document.id)).join(Case).where(Case.reference == ref)) == 0
    )
    assert session.scalar(select(Event).where(Event.type == "document.removed")) is not None


def test_documents_of_a_submitted_request_cannot_be_removed(app, world: World, session):
    ref = submitted(world)
    client = web_client(app, session, world.body.email)
    token = token_of(client.get("/account/password").get_data(as_text=True))
    assert (
        client.post(f"/requests/{ref}/documents/1/remove", data={"csrf_token": token}).status_code
        == 404
    )


# -- 9. the dashboard speaks to the user -------------------------------------------------


def test_the_dashboard_says_what_to_do_next(app, world: World, session):
    ref = submitted(world)
    world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
    client = web_client(app, session, world.body.email)
    html = client.get("/dashboard").get_data(as_text=True)
    page = text_of(client.get("/dashboard"))
    assert "We are waiting for you to send the missing information. Send it now" in page
    assert f'href="/cases/{ref}/actions/supply_information"' in html


# -- 10. account settings ----------------------------------------------------------------


def test_changing_the_password_needs_the_current_one(app, world: World, session):
    client = web_client(app, session, world.body.email)
    assert "Change your password" in text_of(client.get("/account"))
    wrong = post(
        client,
        "/account/password",
        {"current_password": "not it", "new_password": "a much longer password"},
    )
    assert wrong.status_code == 422
    assert "Your current password is not right" in text_of(wrong)
    short = post(client, "/account/password", {"current_password": PASSWORD, "new_password": "x"})
    assert short.status_code == 422 and "Use at least 10 characters" in text_of(short)
    ok = post(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a much longer password"},
    )
    assert ok.status_code == 302
    session.expire_all()
    user = session.scalar(select(User).where(User.email == world.body.email))
    assert check_password(user, "a much longer password")
    assert session.scalar(select(Event).where(Event.type == "account.password_changed")) is not None


def test_changing_the_email_waits_for_the_link(app, world: World, session):
    from casework.web.accounts import email_change_token

    client = web_client(app, session, world.body.email)
    response = post(
        client,
        "/account/email",
        {"email": "new.secretary@kinghorn.test", "current_password": PASSWORD},
    )
    assert response.status_code == 200 and "Check your email" in text_of(response)
    session.expire_all()
    user = session.scalar(select(User).where(User.email == world.body.email))
    assert user is not None  # not changed yet
    [asked] = session.scalars(select(Event).where(Event.type == "account.email_change_requested"))
    assert asked.payload["email"] == "new.secretary@kinghorn.test"
    token = email_change_token(user, "new.secretary@kinghorn.test", app.config["SECRET_KEY"])
    confirm = f"/account/email/confirm/{token}"
    assert "Confirm your new email address" in text_of(client.get(confirm))
    assert post(client, confirm, {}).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).email == "new.secretary@kinghorn.test"
    [told] = session.scalars(select(Event).where(Event.type == "account.email_changed"))
    assert told.payload["old_email"] == world.body.email
    assert client.get(confirm).status_code == 404  # used once


# -- 11. the one-time code field -------------------------------------------------------


def test_the_one_time_code_field_is_one_line_of_digits(app, world: World, session):
    client = web_client(app, session, world.body.email)
    html = client.get("/account/two-factor").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="code"[^>]*>', html, re.S).group(0)
    for attribute in (
        'type="text"',
        'inputmode="numeric"',
        'autocomplete="one-time-code"',
        'pattern="[0-9]*"',
    ):
        assert attribute in field


def test_an_asset_request_is_not_offered_ownership_when_not_eligible(app, world: World, session):
    body = session.get(CommunityBody, world.body_id)
    body.asset_lock = False  # ownership needs an asset lock (s.80)
    session.commit()
    ref = asset_request(world)
    client = web_client(app, session, world.body.email)
    html = client.get(f"/requests/{ref}/transfer-type").get_data(as_text=True)
    assert 'value="ownership"' not in html
    assert 'value="lease"' in html
