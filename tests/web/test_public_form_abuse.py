"""The public forms hold up against floods and bots without losing a genuine person's words.

A flood of representations from one address gets a 429 page that says plainly what
happened and keeps what was typed in the form; a bot that fills in the hidden honeypot
field gets the same thank-you page as a person would, and nothing is stored; a flood of
sign-ups from one address gets a 429 with Retry-After.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casework.models import Event, Representation
from tests.casework.conftest import World, open_for_representations

FLOODER = "203.0.113.9"
WORDS = "I object to the sale: the hall is where the lunch club meets every Tuesday."


@pytest.fixture
def person(app):
    def make(ip: str = FLOODER):
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        client.environ_base["REMOTE_ADDR"] = ip
        return client

    return make


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def represent(client, ref: str, text: str, **extra):
    path = f"/representations/{ref}"
    form = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": token_of(form),
        "name": "Morag Resident",
        "address": "3 Harbour Road, Kinghorn",
        "text": text,
        "send": "yes",  # as the check-your-answers page sends it
        **extra,
    }
    return client.post(path, data=data)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_a_flood_of_representations_gets_a_plain_429_page_that_keeps_what_was_typed(
    person, world: World, clock, session
):
    ref = open_for_representations(world, clock, world.officer)
    client = person()
    for n in range(10):
        sent = represent(client, ref, f"Representation {n}")
        assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    refused = represent(client, ref, WORDS)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    html = refused.get_data(as_text=True)
    assert "too many representations" in html.lower()
    assert "try again" in html.lower()
    assert WORDS in html  # kept in the form, to send later
    assert "3 Harbour Road, Kinghorn" in html
    assert count(session, Representation) == 10
    # Someone else, on another connection, is not affected.
    assert represent(person("198.51.100.40"), ref, WORDS).status_code == 302
    assert count(session, Representation) == 11


def test_a_filled_in_honeypot_gets_the_thank_you_page_and_stores_nothing(
    person, world: World, clock, session
):
    ref = open_for_representations(world, clock, world.officer)
    form = person().get(f"/representations/{ref}").get_data(as_text=True)
    trap = re.search(r"<input[^>]*name=\"website\"[^>]*>", form).group(0)
    assert 'tabindex="-1"' in trap and 'autocomplete="off"' in trap
    assert "Leave this blank" in form
    events_before = count(session, Event)
    bot = represent(person(), ref, WORDS, website="http://spam.example/")
    genuine = represent(person("198.51.100.41"), ref, WORDS, website="")
    assert bot.status_code == genuine.status_code == 302
    assert bot.headers["Location"] == genuine.headers["Location"]
    assert count(session, Representation) == 1
    assert count(session, Event) == events_before + 1  # the genuine one's event only


def test_a_flood_of_sign_ups_from_one_address_gets_429_with_retry_after(person, world: World):
    client = person()
    answers = []
    for n in range(25):
        form = client.get("/sign-up").get_data(as_text=True)
        answers.append(
            client.post(
                "/sign-up",
                data={
                    "csrf_token": token_of(form),
                    "name": "Flood",
                    "email": f"flood{n}@example.test",
                },
            )
        )
    assert answers[0].status_code == 200
    refused = answers[-1]
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "too many" in refused.get_data(as_text=True).lower()


def test_a_sign_up_with_the_honeypot_filled_is_answered_alike_and_keeps_nothing(
    person, world: World, session
):
    client = person()

    def sign_up(email: str, **extra) -> tuple[int, str]:
        form = client.get("/sign-up").get_data(as_text=True)
        assert 'name="website"' in form and 'tabindex="-1"' in form
        data = {"csrf_token": token_of(form), "name": "Ann", "email": email, **extra}
        response = client.post("/sign-up", data=data)
        return response.status_code, response.get_data(as_text=True)

    before = count(session, Event)
    bot = sign_up("bot@example.test", website="http://spam.example")
    assert count(session, Event) == before  # nothing recorded, so no email is sent
    person_ = sign_up("ann@example.test")
    assert count(session, Event) == before + 1
    assert bot[0] == person_[0] == 200
    assert "Check your email" in bot[1] and "Check your email" in person_[1]


def test_the_refused_form_works_at_375px_without_javascript_and_passes_axe(visit, site):
    """In a real browser: the honeypot stays out of sight, and the 429 page, reached with
    scripts off on a narrow phone screen, keeps the words and passes axe with them on."""
    from playwright.sync_api import expect

    from tests.web.test_journeys import (
        make_asset_transfer_request,
        officer_validates_and_publishes_atr,
        sign_in,
        sign_up_and_build_profile,
    )

    body = visit("body")
    sign_up_and_build_profile(body)
    ref = make_asset_transfer_request(body)
    officer = visit("officer")
    sign_in(officer, "officer@fife.test")
    officer_validates_and_publishes_atr(officer, ref)
    # Every browser here comes from 127.0.0.1: this one uses up the address's limit.
    phone = visit("public-no-js", javascript=False)
    phone.page.set_viewport_size({"width": 375, "height": 800})
    page = phone.page

    def send(text: str):
        phone.go(f"/representations/{ref}")
        hidden = page.locator("div:has(> #website)").bounding_box()  # clipped out of sight
        assert hidden["width"] <= 1 and hidden["height"] <= 1
        page.get_by_label("Name").fill("Morag Resident")
        page.get_by_label("Postal address").fill("3 Harbour Road, Kinghorn")
        page.get_by_label("Your representation").fill(text)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Send representation").click()
        page.wait_for_load_state("load")

    for n in range(10):
        send(f"Representation {n}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Representation received")
    send(WORDS)
    expect(page.locator("main")).to_contain_text("too many representations")
    expect(page.get_by_label("Your representation")).to_have_value(WORDS)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Representation)) == 10

    sighted = visit("public")
    sighted.page.set_viewport_size({"width": 375, "height": 800})
    sighted.go(f"/representations/{ref}")
    sighted.page.get_by_label("Your representation").fill(WORDS)
    sighted.page.get_by_label("Name").fill("Morag Resident")
    sighted.page.get_by_label("Postal address").fill("3 Harbour Road, Kinghorn")
    sighted.page.get_by_role("button", name="Continue").click()
    sighted.page.get_by_role("button", name="Send representation").click()
    sighted.page.wait_for_load_state("load")
    # Chromium logs any 4xx page as a failed load; that 429 is the one this test expects.
    expected = [e for e in sighted.errors if "status of 429" in e]
    assert len(expected) == 1
    sighted.errors.remove(expected[0])
    sighted.check(label="refused")  # axe on the 429 page
    expect(sighted.page.locator("main")).to_contain_text("Try again in")
