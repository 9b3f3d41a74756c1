"""Signing up, through the pipeline to a real SMTP server: a new address gets a link to
finish its account (made when the message is sent, never stored); an address that has an
account gets a warning instead, and the page said the same to both."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.models import Event, User
from tests.casework.conftest import World
from tests.notifications.conftest import parts, settle, wait_for

EMAIL = "secretary@kinghorn.test"  # has an account in the world
NEW = "jean@trust.test"


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_up(web, email: str):
    page = web.get("/sign-up").get_data(as_text=True)
    return web.post(
        "/sign-up", data={"csrf_token": token(page), "name": "Jean Secretary", "email": email}
    )


def browser(live):
    web = live.app.test_client()
    web.environ_base["wsgi.url_scheme"] = "https"
    return web


def test_a_new_address_gets_a_link_that_creates_the_account(live, world: World, workers, smtp):
    box, _ = smtp
    web = browser(live)
    assert sign_up(web, NEW).status_code == 200
    wait_for(lambda: box.count() == 1, 30, "the sign-up email")
    settle(live)
    [message] = box.to(NEW)
    assert message["Subject"] == "Finish creating your account for community empowerment requests"
    text = parts(message)["text/plain"]
    link = re.search(r"http://casework\.test(/sign-up/finish/\S+)", text).group(1)
    assert link in parts(message)["text/html"]
    # Whoever typed the address also typed the name: none of it is sent to the address.
    assert "Jean Secretary" not in text and "Jean Secretary" not in parts(message)["text/html"]
    with live.sessions() as s:
        stored = " ".join(str(e.payload) for e in s.scalars(select(Event)))
        assert s.scalar(select(User).where(User.email == NEW)) is None
    assert link.rsplit("/", 1)[1] not in stored  # the link's secret is in no event

    page = web.get(link).get_data(as_text=True)
    done = web.post(link, data={"csrf_token": token(page), "password": "a long pass phrase 26"})
    assert done.status_code == 302 and done.headers["Location"] == "/organisation"
    with live.sessions() as s:
        assert s.scalar(select(User).where(User.email == NEW)).role == "community"
    assert web.get(link).status_code == 404


def test_an_address_with_an_account_is_told_by_email_instead(live, world: World, workers, smtp):
    box, _ = smtp
    answer = sign_up(browser(live), EMAIL)
    assert answer.status_code == 200 and "Check your email" in answer.get_data(as_text=True)
    wait_for(lambda: box.count() == 1, 30, "the warning email")
    settle(live)
    [message] = box.to(EMAIL)
    assert message["Subject"] == "Someone tried to create an account with your address"
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    assert "if it was you, sign in or reset your password" in text.replace("\n", " ")
    assert "http://casework.test/sign-in" in text and "http://casework.test/sign-in" in html
    assert "http://casework.test/password/forgot" in text
    assert "/sign-up/finish/" not in text + html  # no second account can be made from it
