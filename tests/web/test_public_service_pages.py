"""The public's pages as a person uses them, without a browser: searching the decision
register (words, dates, pages), reading a decision, sending a representation through check
your answers to a reference and a receipt, frozen land, the service pages in the footer, and
error pages that lead back."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from casework.models import Event, Notice
from notifications.models import EventOutbox
from notifications.publish import publish
from tests.casework.conftest import (
    World,
    asset_request,
    decide,
    decide_atr,
    land_entry,
    move,
    ok,
    open_for_representations,
    validated,
)

ADDRESS = "3 Harbour Road, Kinghorn"
WORDS = "I support the trust: the hall is where the lunch club meets on Tuesdays."


@pytest.fixture
def person(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    return client


def text_of(response) -> str:
    """The page's words, as a person reads them: tags out, spaces squeezed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def token_of(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))[1]


def hidden_fields(response) -> dict[str, str]:
    """What the check page's form sends back: its hidden fields, as a browser would."""
    html = response.get_data(as_text=True)
    form = html[html.index('<form method="post"') :]
    return {
        unescape(n): unescape(v)
        for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def publish_all(session) -> None:
    """What the register's consumer does with every published notice."""
    session.expire_all()
    for event in session.scalars(select(Event).where(Event.type == "notice.issued")):
        publish(session, event)
    session.commit()


def titled_hall_request(world: World, clock, title="Save the Kinghorn hall") -> tuple[str, int]:
    hall = land_entry(
        world.officer, name="Kinghorn Town Hall", address="Town Hall Square, Kinghorn KY3"
    )
    ref = open_for_representations(world, clock, world.officer, land=hall, title=title)
    return ref, hall


# -- the decision register ----------------------------------------------------------------


def test_the_register_finds_words_in_the_title_body_land_authority_and_decision(
    app, world: World, clock, session
):
    ref, _ = titled_hall_request(world, clock)
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, ref, "refused", reasons="The library needs the annex."))
    pr = validated(world, title="Safer routes to Glenbrae primary school")
    ok(decide(world, pr, "refused", reasons="The crossing patrol service is ending."))
    publish_all(session)
    client = app.test_client()

    def found(q: str) -> str:
        return text_of(client.get("/register", query_string={"q": q}))

    assert ref in found("save hall") and pr not in found("save hall")  # the request's title
    assert pr in found("Glenbrae")
    assert ref in found("Town Hall Square")  # the land's address
    assert ref in found("Kinghorn Town Hall")  # the land's name
    assert ref in found("annex")  # the decision's reasons
    assert pr in found("crossing patrol")
    assert ref in found("Fife Council") and pr in found("Fife Council")  # the authority
    assert ref in found("Kinghorn Community Trust")  # the body
    assert "No decisions match" in found("hall Glenbrae")  # every word must be found
    # The API shares the query.
    api = client.get("/api/v1/register/decisions", query_string={"q": "Glenbrae"}).json
    assert [r["reference"] for r in api["items"]] == [pr]
    # The list shows the title beside the reference.
    assert f"{pr}: Safer routes to Glenbrae primary school" in found("Glenbrae")


def test_a_decision_page_says_what_was_asked_by_whom_of_whom_and_what_was_decided(
    app, world: World, clock, session
):
    ref, _ = titled_hall_request(world, clock)
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, ref, "refused", reasons="The library needs the annex."))
    publish_all(session)
    client = app.test_client()
    listing = client.get("/register", query_string={"q": "annex"}).get_data(as_text=True)
    record = re.search(r'href="(/register/\d+)"', listing)[1]
    page = text_of(client.get(record))
    assert f"{ref}: Save the Kinghorn hall" in page
    assert "Asked by Kinghorn Community Trust" in page
    assert "Asked of Fife Council" in page
    assert "Ownership (to buy the land or building)" in page
    assert "Kinghorn Town Hall, Town Hall Square, Kinghorn KY3" in page
    assert "Outcome Refused" in page
    assert "Date of the notice Friday 1 May 2026" in page or "Date of the notice 1 May 2026" in page
    assert "The library needs the annex." in page
    html = client.get(record).get_data(as_text=True)
    assert "## " not in html  # the notice's headings are headings
    assert "<h4>Decision</h4>" in html and "<h4>Reasons</h4>" in html
    assert "<li>The reasons the body gives for making the request:" in html


def test_dates_are_three_fields_and_a_wrong_one_is_an_error_not_an_empty_result(app, world):
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    for name in ("from-day", "from-month", "from-year", "to-day", "to-month", "to-year"):
        assert f'name="{name}"' in page
    bad = client.get(
        "/register", query_string={"from-day": "31", "from-month": "2", "from-year": "2026"}
    )
    assert bad.status_code == 422
    words = text_of(bad)
    assert "There is a problem" in words and "Enter a real date" in words
    assert 'href="#q-from-day"' in bad.get_data(as_text=True)  # the summary links to it
    assert "No decisions match" not in words
    backwards = client.get(
        "/register",
        query_string={
            **{"from-day": "1", "from-month": "6", "from-year": "2026"},
            **{"to-day": "1", "to-month": "5", "to-year": "2026"},
        },
    )
    assert backwards.status_code == 422
    assert "The from date must be the same as or before the to date" in text_of(backwards)
    fine = client.get(
        "/register",
        query_string={
            **{"from-day": "1", "from-month": "5", "from-year": "2026"},
            **{"to-day": "1", "to-month": "6", "to-year": "2026"},
        },
    )
    assert fine.status_code == 200
    html = fine.get_data(as_text=True)
    assert 'value="2026"' in html  # what was typed stays
    assert "from=2026-05-01" in html and "to=2026-06-01" in html  # the CSV and feed links


def test_a_page_beyond_the_last_says_so_and_links_to_the_last(app, world, clock, session):
    for n in range(3):
        ok(decide(world, validated(world), "refused", reasons=f"Reason {n}."))
    publish_all(session)
    client = app.test_client()
    response = client.get("/register", query_string={"page": "40"})
    words = text_of(response)
    assert "There is no page 40. There is 1 page." in words
    last = re.search(r'href="([^"]*page=1[^"]*)">Go to the last page', response.get_data(True))
    assert last and "3 decisions" in text_of(client.get("/register" + unescape(last[1])))


# -- representations ----------------------------------------------------------------------


def test_a_representation_is_checked_then_sent_with_a_reference_and_an_emailed_receipt(
    person, world: World, clock, session
):
    ref, _ = titled_hall_request(world, clock)
    listing = text_of(person.get("/representations"))
    assert f"{ref}: Save the Kinghorn hall" in listing
    form = person.get(f"/representations/{ref}")
    assert f"Have your say on {ref}: Save the Kinghorn hall" in text_of(form)
    answers = {
        "csrf_token": token_of(form),
        "name": "Morag Resident",
        "email": "morag@example.test",
        "address": ADDRESS,
        "text": WORDS,
        "website": "",
    }
    check = person.post(f"/representations/{ref}", data=answers)
    assert check.status_code == 200
    words = text_of(check)
    assert "Check your representation before sending it" in words
    assert "Morag Resident" in words and WORDS in words and ADDRESS in words
    assert "We will email a receipt to morag@example.test, and to no one else." in words
    session.expire_all()
    assert (
        session.scalars(select(Notice).where(Notice.kind == "representation_receipt")).all() == []
    )

    # Change the name: the form comes back with every answer kept.
    back = hidden_fields(check)
    changed = person.post(f"/representations/{ref}", data={**back, "change": "name"})
    assert WORDS in changed.get_data(as_text=True)
    assert "Continue" in text_of(changed)

    sent = person.post(f"/representations/{ref}", data={**back, "send": "yes"})
    assert sent.status_code == 302
    confirmation = person.get(sent.headers["Location"])
    words = text_of(confirmation)
    reference = re.search(rf"Your reference is ({re.escape(ref)}-R\d+)", words)[1]
    assert "We have sent a receipt to the email address you gave" in words
    assert "morag@example.test" not in words and ADDRESS not in words

    # The receipt is a notice to that address alone, queued for the mail consumer.
    session.expire_all()
    [receipt] = session.scalars(select(Notice).where(Notice.kind == "representation_receipt"))
    assert receipt.recipient_email == "morag@example.test"
    assert reference in receipt.body_text and WORDS in receipt.body_text
    assert not receipt.public
    subscribers = session.scalars(
        select(EventOutbox.subscriber).where(EventOutbox.event_id == receipt.event_id)
    ).all()
    assert "email" in subscribers and "register" not in subscribers
    # The body cannot read it; the authority can.
    body_sees = world.body.get(f"/api/v1/cases/{ref}/notices").json
    assert "representation_receipt" not in [n["kind"] for n in body_sees]
    officer_sees = world.officer.get(f"/api/v1/cases/{ref}/notices").json
    assert "representation_receipt" in [n["kind"] for n in officer_sees]
    # The notice reads as the other notices do.
    from tests.casework.test_notice_wording import problems

    assert problems(receipt.body_text) == []


def test_without_an_email_address_there_is_no_receipt_but_still_a_reference(
    person, world: World, clock, session
):
    ref, _ = titled_hall_request(world, clock)
    form = person.get(f"/representations/{ref}")
    data = {"csrf_token": token_of(form), "name": "Ann", "address": ADDRESS, "text": WORDS}
    check = person.post(f"/representations/{ref}", data=data)
    assert "cannot send you a receipt" in text_of(check)
    sent = person.post(f"/representations/{ref}", data={**hidden_fields(check), "send": "yes"})
    words = text_of(person.get(sent.headers["Location"]))
    assert re.search(rf"Your reference is {re.escape(ref)}-R\d+", words)
    assert "Keep a note of your reference" in words
    session.expire_all()
    assert (
        session.scalars(select(Notice).where(Notice.kind == "representation_receipt")).all() == []
    )


def test_a_representation_with_nothing_written_is_sent_back_with_the_error(
    person, world: World, clock
):
    ref, _ = titled_hall_request(world, clock)
    form = person.get(f"/representations/{ref}")
    again = person.post(
        f"/representations/{ref}", data={"csrf_token": token_of(form), "name": "Ann", "text": ""}
    )
    assert again.status_code == 422
    words = text_of(again)
    assert "There is a problem" in words and "Check your representation" not in words
    assert ".." not in words
    start = words.index("There is a problem")
    summary = words[start : words.index("Have your say on", start)]
    assert "Give your representation" in summary
    assert "SSI" not in summary and "reg 7" not in summary  # the law is for the hint


# -- frozen land --------------------------------------------------------------------------


def test_frozen_land_links_to_the_request_and_to_have_your_say(app, world, clock, session):
    ref, hall = titled_hall_request(world, clock)
    publish_all(session)
    html = app.test_client().get(f"/land/{hall}").get_data(as_text=True)
    words = text_of(app.test_client().get(f"/land/{hall}"))
    assert f"{ref}: Save the Kinghorn hall" in words
    assert f'href="/representations/{ref}"' in html
    assert "have your say on " + ref + " by Thursday 30 April 2026" in words or (
        f"have your say on {ref} by 30 April 2026" in words
    )
    record = re.search(r'href="(/register/\d+)">' + re.escape(ref), html)
    assert record, "the request links to its published notice"
    assert ref in text_of(app.test_client().get(record[1]))


# -- service pages and errors -------------------------------------------------------------


FOOTER = ("Help and contact", "Accessibility", "Privacy", "Cookies", "Feedback")


def test_the_footer_leads_to_each_service_page(app, world):
    client = app.test_client()
    start = client.get("/").get_data(as_text=True)
    footer = start[start.index("ds_site-footer") :]
    for name in FOOTER:
        href = re.search(rf'<a href="([^"]+)">{name}</a>', footer)
        assert href, name
        assert client.get(href[1]).status_code == 200, name
    banner = start[start.index("ds_phase-banner") : start.index("ds_page__middle")]
    assert re.search(r'href="/feedback">feedback</a>', banner)


def test_the_service_pages_say_what_a_person_needs_to_know(app, world, clock):
    client = app.test_client()
    access = text_of(client.get("/accessibility"))
    for words in (
        "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
        "Regulations 2018",
        "axe-core",
        "WCAG 2.2",
        "only the keyboard",
        "JavaScript turned off",
        "375 pixels",
        "Known issues",
        "Reporting accessibility problems",
    ):
        assert words in access, words
    privacy = text_of(client.get("/privacy"))
    for words in (
        "Accounts",
        "Community body contacts",
        "People who make a representation",
        "Owners and occupiers notified",
        "Followers",
        "Community Empowerment (Scotland) Act 2015",
        "How long we keep it",
        "UK GDPR",
        "Information Commissioner",
    ):
        assert words in privacy, words
    cookies = text_of(client.get("/cookies"))
    assert "casework_session" in cookies and "only one cookie" in cookies
    help_page = text_of(client.get("/help"))
    for authority, email in (("Fife Council", "cer@fife.test"), ("NHS Fife", "cer@nhsfife.test")):
        assert f"{authority} {email}" in help_page


def test_help_for_a_request_names_its_authority_but_not_an_unpublished_one(app, world, clock):
    move(clock, "2026-04-01")
    ref = open_for_representations(world, clock, world.officer)
    draft = asset_request(world, authority="HIGH")
    client = app.test_client()
    words = text_of(client.get("/help", query_string={"reference": ref}))
    assert f"Contact about {ref}" in words and "decided by Fife Council" in words
    assert "cer@fife.test" in words
    hidden = text_of(client.get("/help", query_string={"reference": draft}))
    assert "The Highland Council." not in hidden.split("Contact each authority")[0]
    assert "could not find a published request" in hidden


def test_an_error_page_leads_back_to_the_page_the_person_was_on(app, world):
    client = app.test_client()
    came_from = "http://localhost/register?q=hall"
    lost = client.get("/register/999999", headers={"Referer": came_from})
    assert lost.status_code == 404
    html = lost.get_data(as_text=True)
    assert f'href="{came_from.replace("&", "&amp;")}">Go back to the page you were on' in html
    assert 'href="/help"' in html
    elsewhere = client.get("/register/999999", headers={"Referer": "https://evil.example/x"})
    html = elsewhere.get_data(as_text=True)
    assert "evil.example" not in html and 'href="/">Go to the start page' in html
