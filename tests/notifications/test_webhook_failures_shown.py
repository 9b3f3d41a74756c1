"""A webhook that fails for good is shown on its case to the authority's officers and
managers, and listed for its managers, who can send it again; never to the body or the
public. The receiver is a real HTTP server on loopback that answers with an error."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from casework.models import Authority
from notifications.failures import failed_query
from notifications.models import EventOutbox
from tests.casework.conftest import new_request, ok
from tests.conftest import redis_url as shared_redis_url
from tests.notifications.conftest import Endpoint, Pipeline, settle, timeline, wait_for
from tests.web.test_hardening import page_client


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock) -> Pipeline:
    """The live service, allowed to send webhooks to a receiver on loopback."""
    _, smtp_url = smtp
    return pipeline_factory(
        shared_redis_url(), namespace, smtp_url, clock=clock, seed=False, WEBHOOK_ALLOW_LOOPBACK="1"
    )


@pytest.fixture
def receiver(endpoint: Endpoint) -> Endpoint:
    """The shared loopback endpoint, answering every delivery with an error until
    `failures` is set back to 0."""
    endpoint.failures = 10**9
    return endpoint


CSRF = "failures-csrf-token"


@pytest.fixture
def session_pages(live: Pipeline):
    """A browser-like client signed in as an email, given the session the sign-in pages
    give (as the access matrix does), so no password is hashed; with a CSRF token."""

    def make(email: str):
        with live.sessions() as s:
            return page_client(live.app, s, email, CSRF)

    return make


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": CSRF})


def failed_rows(live: Pipeline) -> int:
    return live.count(
        EventOutbox, EventOutbox.subscriber.like("webhook:%"), EventOutbox.failed_at.is_not(None)
    )


def test_a_webhook_that_fails_for_good_shows_to_staff_not_to_the_body(
    live, world, workers, receiver, session_pages
):
    officer = world.officer
    hook = officer.post("/api/v1/webhooks", json={"url": receiver.url})
    assert hook.status_code == 201, hook.json
    ref = new_request(world)
    ok(world.body.act(ref, "submit"), "submitted")
    settle(live, 120)  # every delivery tried until its retries ran out (JOB_MAX_RETRIES=2)

    # Every event of the case: the draft made, and submitted.
    sent = {
        e["id"]: e["type"] for e in timeline(officer, ref) if not e["type"].startswith("webhook.")
    }
    assert len(sent) >= 2
    failures = timeline(officer, ref, "webhook.failed")
    assert sorted(f["payload"]["event_id"] for f in failures) == sorted(sent)
    assert {f["payload"]["attempts"] for f in failures} == {3}  # the first try and 2 retries
    assert failed_rows(live) == len(sent)
    assert len(receiver.requests()) == 3 * len(sent)  # the notes themselves go to no webhook

    # The officer's case page says which address could not be told of what, and when.
    text = session_pages("officer@fife.test").get(f"/cases/{ref}").get_data(as_text=True)
    words = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    assert "could not be told what happened on this case" in words
    assert words.count(f"{receiver.url} could not be told of this:") == len(sent)
    assert "It was tried 3 times (the receiver answered with an error)" in words
    assert f"A manager can send {'it' if len(sent) == 1 else 'them'} again" in words

    # The body: neither on its page nor in its events.
    body_page = session_pages("secretary@kinghorn.test").get(f"/cases/{ref}")
    assert body_page.status_code == 200
    body_text = body_page.get_data(as_text=True)
    assert receiver.url not in body_text and "could not be told" not in body_text
    assert not [e for e in timeline(world.body, ref) if e["type"].startswith("webhook.")]
    # The public: no case page, no events, no list.
    public = live.app.test_client()
    assert public.get(f"/cases/{ref}").status_code == 302
    assert public.get("/webhooks/failed").status_code == 302
    assert world.public.get(f"/api/v1/cases/{ref}/events").status_code == 404
    assert session_pages("secretary@kinghorn.test").get("/webhooks/failed").status_code == 404

    # The managers' list: one row per failed delivery, with a button to send it again; an
    # officer sees the list but may not send.
    manager = session_pages("manager@fife.test")
    statements: list[str] = []

    def catch(_conn, _cursor, statement, *_):
        statements.append(statement)

    engine = live.sessions.kw["bind"]
    sa_event.listen(engine, "before_cursor_execute", catch)
    try:
        listing = manager.get("/webhooks/failed").get_data(as_text=True)
    finally:
        sa_event.remove(engine, "before_cursor_execute", catch)
    assert listing.count('name="event_id"') == len(sent)
    # One query for the whole list, however many rows: no query per row.
    assert [q for q in statements if "event_outbox" in q or "webhooks" in q] == [
        q for q in statements if "event_outbox" in q
    ]
    assert len([q for q in statements if "event_outbox" in q]) == 1
    assert receiver.url in listing and ref in listing
    officer_list = session_pages("officer@fife.test").get("/webhooks/failed")
    assert officer_list.status_code == 200 and 'name="event_id"' not in officer_list.get_data(
        as_text=True
    )
    first = failures[0]["payload"]
    form = {"event_id": first["event_id"], "webhook_id": first["webhook_id"]}
    assert post(session_pages("officer@fife.test"), "/webhooks/failed", form).status_code == 403
    highland = session_pages("officer@highland.test")
    assert post(highland, "/webhooks/failed", form).status_code == 403  # an officer's: 403
    assert 'name="event_id"' not in highland.get("/webhooks/failed").get_data(as_text=True)

    # The receiver works again; a manager sends one again, and it is delivered.
    receiver.failures = 0
    again = post(session_pages("manager@fife.test"), "/webhooks/failed", form)
    assert again.status_code in (302, 303), again.get_data(as_text=True)
    wait_for(lambda: failed_rows(live) == len(sent) - 1, 30, "the delivery sent again")
    settle(live, 30)
    (resent,) = timeline(officer, ref, "webhook.resent")
    assert resent["payload"] == {"event_id": first["event_id"], "webhook_id": first["webhook_id"]}
    assert "manager@fife.test" in resent["actor"]
    listing = session_pages("manager@fife.test").get("/webhooks/failed").get_data(as_text=True)
    assert listing.count('name="event_id"') == len(sent) - 1
    text = session_pages("officer@fife.test").get(f"/cases/{ref}").get_data(as_text=True)
    assert text.count("could not be told of this") == len(sent) - 1


def test_the_list_is_one_query_on_the_outbox_index(live, world):
    """The managers' list is one statement, and PostgreSQL can answer it from indexes alone
    (the outbox's pending index or its key, the cases' and webhooks' authority indexes)."""
    with live.sessions() as s:
        fife = s.scalar(select(Authority.id).where(Authority.code == "FIFE"))
        compiled = failed_query(fife).compile(s.get_bind(), compile_kwargs={"literal_binds": True})
        s.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table is not a plan
        plan = "\n".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}")).all())
    # Every table is reached through an index: none is read from end to end.
    assert "Seq Scan" not in plan, plan
    assert "event_outbox" in plan and "Index" in plan, plan
