"""What each reader sees of a case's events (security test, issue 10, finding 4).

An owner's email reached the community body through its case timeline: the proof of
service of the notice to the owner (`notice.served`) carries the address it went to. The
body may know that the notice it cannot read was delivered, and when, but not where to;
it may not see anyone's contact details. The public sees nothing of the case file. The
authority's officer sees it all.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from casework.event_view import Reader, payload_for, visible_events
from casework.models import Event
from notifications.delivery import on_failed, send_email
from notifications.mail import FileTransport
from notifications.publish import publish
from notifications.runtime import Runtime
from tests.casework.conftest import World, asset_request, land_entry, move, ok
from tests.conftest import settings_for
from tests.web.test_hardening import web_client

# Unique strings, so a scan of a response finds them only if they leaked.
OWNER = {
    "name": "Ottoline Quenby",
    "address": "17 Zephyr Wynd, Kinghorn KY3 9QQ",
    "email": "ottoline.quenby@owner-private.test",
}
REPRESENTER = {
    "name": "Rowena Pargeter",
    "email": "rowena.pargeter@rep-private.test",
    "address": "23 Xylem Loan, Kinghorn KY3 9RR",
    "text": "I support the request: the hall is the only warm space in the village.",
}
# What the body may never see (an owner's and a representer's contact details), and what
# the public may never see (those, and their names).
HIDDEN_FROM_BODY = (
    OWNER["email"],
    OWNER["address"],
    "17 Zephyr Wynd",
    REPRESENTER["email"],
    REPRESENTER["address"],
    "23 Xylem Loan",
)
HIDDEN_FROM_PUBLIC = (*HIDDEN_FROM_BODY, OWNER["name"], REPRESENTER["name"])


def _runtime(database_url, sessions, clock, tmp_path) -> Runtime:
    """The pipeline's runtime with the embedded mail transport (messages written to files)."""
    settings = settings_for(database_url, tmp_path)
    return Runtime(
        settings=settings,
        sessions=sessions,
        broker=None,
        clock=clock,
        law=settings.law(),
        transport=FileTransport(tmp_path / "outbox"),
        redispatch_after=dt.timedelta(minutes=15),
    )


def _served(world: World, session, clock, rt: Runtime) -> tuple[str, int]:
    """An asset transfer request whose notices (one to OWNER, a private person) were
    published on Wed 1 April 2026, with REPRESENTER's representation, every notice served
    by email through the pipeline's own function, one delivery failing, and the published
    notices on the register."""
    land = land_entry(world.officer, address="Town Hall, Kinghorn KY3")
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land)
    ok(world.body.act(ref, "submit"), "submitted")
    ok(world.officer.act(ref, "validate"), "validated")
    ok(
        world.officer.act(
            ref,
            "publish_notices",
            {"representations_close": "2026-04-30", "owners_and_occupiers": [OWNER]},
        ),
        "representations_open",
    )
    response = world.public.post(f"/api/v1/cases/{ref}/representations", json=REPRESENTER)
    assert response.status_code == 201, response.json

    session.expire_all()
    issued = session.scalars(
        select(Event).where(Event.type == "notice.issued").order_by(Event.id)
    ).all()
    for event in issued:
        send_email(session, event, rt)
        if event.payload.get("published"):
            publish(session, event)
    owners = next(e for e in issued if e.payload["recipient_role"] == "owners_and_occupiers")
    # A second attempt at the owner's notice bounces: the server's answer quotes the address.
    on_failed(session, owners.id, "email", f"550 5.1.1 <{OWNER['email']}>: mailbox unavailable")
    session.commit()
    served = session.scalars(select(Event).where(Event.type == "notice.served")).all()
    assert OWNER["email"] in {e.payload["to"] for e in served}  # the owner really was served
    return ref, land


def _api_views(caller, ref: str) -> dict[str, str]:
    out = {}
    for url in (
        f"/api/v1/cases/{ref}",
        f"/api/v1/cases/{ref}/events?page_size=200",
        f"/api/v1/cases/{ref}/notices",
        f"/api/v1/cases/{ref}/documents",
    ):
        out[url] = caller.get(url).get_data(as_text=True)
    notices = caller.get(f"/api/v1/cases/{ref}/notices")
    for notice in notices.json if notices.status_code == 200 else []:
        url = f"/api/v1/cases/{ref}/notices/{notice['id']}"
        out[url] = caller.get(url).get_data(as_text=True)
    return out


def _page_views(client, ref: str, notice_ids: list[int]) -> dict[str, str]:
    out = {f"/cases/{ref}": client.get(f"/cases/{ref}").get_data(as_text=True)}
    for notice_id in notice_ids:
        url = f"/cases/{ref}/notices/{notice_id}"
        out[url] = client.get(url).get_data(as_text=True)
    return out


def _public_views(world: World, ref: str, land: int) -> dict[str, str]:
    out = {}
    urls = [
        "/api/v1/open-for-representations",
        f"/api/v1/open-for-representations/{ref}",
        "/api/v1/register/documents?page_size=200",
        "/api/v1/register/decisions?page_size=200",
        f"/api/v1/land/{land}",
        "/register",
        "/register/decisions.atom",
        "/register/decisions.csv",
        "/representations",
        f"/representations/{ref}",
        f"/land/{land}",
    ]
    records = world.public.get("/api/v1/register/documents?page_size=200").json["items"]
    assert records, "the published notices are on the register"
    urls += [f"/api/v1/register/documents/{r['id']}" for r in records]
    urls += [f"/register/{r['id']}" for r in records]
    for url in urls:
        response = world.public.get(url)
        assert response.status_code == 200, url
        out[url] = response.get_data(as_text=True)
    return out


def _leaks(views: dict[str, str], hidden: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(where, s) for where, text in views.items() for s in hidden if s in text]


def test_the_body_sees_proof_of_service_without_the_owners_or_anyones_address(
    app, world: World, session, sessions, clock, database_url, tmp_path
):
    ref, _ = _served(world, session, clock, _runtime(database_url, sessions, clock, tmp_path))

    events = world.body.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    served = [e for e in events if e["type"] == "notice.served"]
    # The owner's notice, which the body may not read, was served: the body sees that it
    # was delivered, and when, but not where to.
    assert OWNER["name"] in {e["payload"]["recipient"] for e in served}
    for e in served:
        assert e["payload"]["message_id"] and e["payload"]["accepted_at"]
    # The address is shown only where it is the body's own contact address.
    own = "secretary@kinghorn.test"
    assert {e["payload"].get("to") for e in served} == {None, own}
    owners = [e for e in served if e["payload"]["recipient"] == OWNER["name"]]
    assert owners and all("to" not in e["payload"] for e in owners)
    failed = [e for e in events if e["type"] == "notice.service_failed"]
    assert failed and all("to" not in e["payload"] and "error" not in e["payload"] for e in failed)

    notice_ids = [n["id"] for n in world.body.get(f"/api/v1/cases/{ref}/notices").json]
    views = {
        **_api_views(world.body, ref),
        **_page_views(web_client(app, session, world.body.email), ref, notice_ids),
    }
    assert _leaks(views, HIDDEN_FROM_BODY) == []


def test_the_public_sees_none_of_the_owners_or_the_representers_details(
    world: World, session, sessions, clock, database_url, tmp_path
):
    ref, land = _served(world, session, clock, _runtime(database_url, sessions, clock, tmp_path))
    views = {**_public_views(world, ref, land), **_api_views(world.public, ref)}
    assert world.public.get(f"/api/v1/cases/{ref}/events").status_code == 404
    assert _leaks(views, HIDDEN_FROM_PUBLIC) == []


def test_the_officer_still_sees_every_address_and_each_delivery(
    app, world: World, session, sessions, clock, database_url, tmp_path
):
    ref, _ = _served(world, session, clock, _runtime(database_url, sessions, clock, tmp_path))
    events = world.officer.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    assert OWNER["email"] in {e["payload"].get("to") for e in events}
    failed = next(e for e in events if e["type"] == "notice.service_failed")
    assert OWNER["email"] in failed["payload"]["error"]

    notice_ids = [n["id"] for n in world.officer.get(f"/api/v1/cases/{ref}/notices").json]
    views = {
        **_api_views(world.officer, ref),
        **_page_views(web_client(app, session, world.officer.email), ref, notice_ids),
    }
    everything = "\n".join(views.values())
    for seen in HIDDEN_FROM_PUBLIC:
        assert seen in everything, seen


def test_each_reader_sees_an_event_from_one_place(world: World, session):
    """The rules themselves, on one event of each kind that carries personal data."""
    served = Event(
        type="notice.served",
        actor="system: mail",
        payload={"notice_id": 1, "recipient": OWNER["name"], "to": OWNER["email"], "kind": "x"},
    )
    failed = Event(
        type="notice.service_failed",
        actor="system: mail",
        payload={"notice_id": 1, "to": OWNER["email"], "error": f"550 <{OWNER['email']}>"},
    )
    old_action = Event(  # an action's payload as once logged in full
        type="action.publish_notices",
        actor="officer@fife.test",
        payload={
            "from": "validated",
            "to": "representations_open",
            "payload": {"owners_and_occupiers": [OWNER], "representations_close": "2026-04-30"},
        },
    )
    published = Event(
        type="document.published",
        actor="system: publication",
        payload={"register_id": 3, "document": "public_notice", "notice_id": 9},
    )
    for reader in (Reader.AUTHORITY, Reader.ADMIN):
        for event in (served, failed, old_action, published):
            assert payload_for(event, reader) == event.payload

    assert payload_for(served, Reader.BODY) == {
        "notice_id": 1,
        "recipient": OWNER["name"],
        "kind": "x",
    }
    assert payload_for(failed, Reader.BODY) == {"notice_id": 1}
    body_action = payload_for(old_action, Reader.BODY)
    assert body_action["to"] == "representations_open"  # an action's "to" is a state
    assert body_action["payload"]["owners_and_occupiers"] == [{"name": OWNER["name"]}]

    assert [
        v["type"] for v in visible_events([served, failed, old_action, published], Reader.PUBLIC)
    ] == ["document.published"]
    assert payload_for(published, Reader.PUBLIC) == {"register_id": 3, "document": "public_notice"}
