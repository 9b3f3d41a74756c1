"""Signing up does not tell anyone whether an address already has an account: the answer
is the same page and status either way, no account is made or signed in until the link
sent to the address is followed, and the address's owner is told by email instead."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.models import Event, User
from casework.web.accounts import sign_up_token
from tests.casework.conftest import World

PASSWORD = "correct horse battery staple"
NEW = "jean@trust.test"


@pytest.fixture
def browser(app):
    def make():
        client = app.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        return client

    return make


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_up(client, email: str, name: str = "Jean Secretary"):
    page = client.get("/sign-up").get_data(as_text=True)
    return client.post(
        "/sign-up", data={"csrf_token": token_of(page), "name": name, "email": email}
    )


def shown(response, email: str) -> str:
    """The page as the person sees it, with what they typed and their CSRF token taken out."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def events(session, type_: str) -> list[Event]:
    return session.scalars(select(Event).where(Event.type == type_)).all()


def test_sign_up_answers_the_same_whether_or_not_the_address_has_an_account(
    browser, world: World, session
):
    new = sign_up(browser(), NEW)
    taken = sign_up(browser(), world.body.email)
    shouted = sign_up(browser(), world.body.email.upper())
    assert new.status_code == taken.status_code == shouted.status_code == 200
    assert shown(new, NEW) == shown(taken, world.body.email)
    # The page gives the address as it is kept, in lower case, for either kind.
    assert shown(taken, world.body.email) == shown(shouted, world.body.email)
    assert "Check your email" in new.get_data(as_text=True)
    assert sorted(new.headers.keys()) == sorted(taken.headers.keys())  # no cookie for one only

    # No account is made, and no one is signed in, until the emailed link is followed.
    assert session.scalar(select(User).where(User.email == NEW)) is None
    for response in (new, taken):
        assert "/sign-in" not in response.headers.get("Location", "")
    owner = session.scalar(select(User).where(User.email == world.body.email))
    [requested] = events(session, "account.sign_up_requested")
    assert (requested.case_id, requested.payload) == (
        None,
        {"email": NEW, "name": "Jean Secretary"},
    )
    attempted = events(session, "account.sign_up_attempted")
    assert [(e.case_id, e.payload) for e in attempted] == [(None, {"user_id": owner.id})] * 2
    assert events(session, "account.created") == []


def test_neither_answer_signs_anyone_in(browser, world: World, session):
    for email in (NEW, world.body.email):
        client = browser()
        sign_up(client, email)
        assert client.get("/dashboard").status_code == 302
        assert client.get("/organisation").status_code == 302


def test_a_bad_address_gets_a_per_field_error_and_no_event(browser, world: World, session):
    response = sign_up(browser(), "not-an-address")
    assert response.status_code == 422
    assert "email" in response.get_data(as_text=True).lower()
    assert events(session, "account.sign_up_requested") == []


def test_the_link_finishes_the_account_once(app, browser, world: World, session):
    link = f"/sign-up/finish/{sign_up_token(NEW, 'Jean Secretary', app.config['SECRET_KEY'])}"
    client = browser()
    page = client.get(link)
    assert page.status_code == 200 and NEW in page.get_data(as_text=True)

    short = client.post(
        link, data={"csrf_token": token_of(page.get_data(as_text=True)), "password": "short"}
    )
    assert short.status_code == 422
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == NEW)) is None

    done = client.post(
        link, data={"csrf_token": token_of(short.get_data(as_text=True)), "password": PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/organisation"
    user = session.scalar(select(User).where(User.email == NEW))
    assert (user.name, user.role) == ("Jean Secretary", "community")
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert client.get("/organisation").status_code == 200  # signed in now
    assert [e.payload for e in events(session, "account.created")] == [{"user_id": user.id}]

    assert browser().get(link).status_code == 404  # used: the account exists


def test_a_tampered_or_foreign_link_is_404(app, browser, world: World):
    secret = app.config["SECRET_KEY"]
    good = sign_up_token(NEW, "Jean", secret)
    assert browser().get(f"/sign-up/finish/{good}x").status_code == 404
    assert browser().get(f"/sign-up/finish/{sign_up_token(NEW, 'J', 'other')}").status_code == 404
    # A link for an address that has an account (made by the owner, or an old one) is 404.
    taken = sign_up_token(world.body.email, "Jean", secret)
    assert browser().get(f"/sign-up/finish/{taken}").status_code == 404


def test_sign_up_is_rate_limited_the_same_either_way(browser, world: World):
    for email in (NEW, world.body.email):
        client = browser()
        answers = [sign_up(client, email).status_code for _ in range(6)]
        assert answers == [200] * 5 + [429], email
