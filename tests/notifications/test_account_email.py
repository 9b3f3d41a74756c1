"""A forgotten password: the reset email goes through the pipeline to a real SMTP server,
and the link in it, made when the message is sent and never stored, works once."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.auth import hash_password
from casework.models import Event, User
from notifications.models import EmailRecord
from tests.casework.conftest import World
from tests.notifications.conftest import parts, settle, wait_for

EMAIL = "secretary@kinghorn.test"


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_reset_link_arrives_by_email_and_works_once(live, world: World, workers, smtp):
    box, _ = smtp
    with live.sessions() as s:
        s.scalar(select(User).where(User.email == EMAIL)).password_hash = hash_password(
            "the old pass phrase"
        )
        s.commit()
    web = live.app.test_client()
    web.environ_base["wsgi.url_scheme"] = "https"
    page = web.get("/password/forgot").get_data(as_text=True)
    web.post("/password/forgot", data={"csrf_token": token(page), "email": EMAIL})

    wait_for(lambda: box.count() == 1, 30, "the reset email")
    settle(live)
    [message] = box.messages
    assert message["To"] == EMAIL
    assert message["Subject"] == "Reset your password for community empowerment requests"
    text = parts(message)["text/plain"]
    link = re.search(r"http://casework\.test(/password/reset/\S+)", text).group(1)
    assert link in parts(message)["text/html"]
    with live.sessions() as s:
        [record] = s.scalars(select(EmailRecord)).all()
        assert (record.recipient, record.case_id, record.message_id) == (
            EMAIL,
            None,
            message["Message-ID"],
        )
        stored = " ".join(str(e.payload) for e in s.scalars(select(Event)))
    assert link.rsplit("/", 1)[1] not in stored  # the link's secret is in no event

    page = web.get(link).get_data(as_text=True)
    response = web.post(link, data={"csrf_token": token(page), "password": "the new pass phrase"})
    assert response.status_code == 302
    assert web.get(link).status_code == 404
    page = web.get("/sign-in").get_data(as_text=True)
    signed_in = web.post(
        "/sign-in",
        data={"csrf_token": token(page), "email": EMAIL, "password": "the new pass phrase"},
    )
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/dashboard"
