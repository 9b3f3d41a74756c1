"""Who may act is checked before what they sent: 401 -> 404 -> 403 -> 422 -> 409.

Finding 6 of the outside security test (issue 10): a community member sending an
officer-only action got a 422 for a bad payload and a 403 for a good one, so the payload
was judged before the caller's right to act. That tells a caller who may not act what the
action takes, and makes the answer depend on something it should not. Each row below is a
route that takes a body. A caller who may not act gets the same 403 (or 404, where they may
not even see the resource) for a bad payload and a good one, and nothing changes; a caller
who may act gets a 422 for the bad payload, and the good payload then works.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from casework.auth import create_user, issue_token
from casework.models import Case, CommunityBody, Document, Event, LandEntry
from tests.casework.conftest import (
    NEW_BODY,
    REQUEST,
    Caller,
    World,
    asset_request,
    considerations,
    land_entry,
    new_request,
    open_for_representations,
    submitted,
    validated,
)

PROBLEM = "application/problem+json"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BODY = NEW_BODY
LAND = {"name": "Kinghorn Bowling Green", "tenure": "owned", "address": "Green Lane"}
CSV = "name,tenure,address\nKinghorn Pier,owned,Pier Road\n"
REPRESENTATION = {"name": "Ann", "address": "7 Wynd, Kinghorn", "text": "I support it."}


@dataclass
class Target:
    """One route with a body, and who may and may not use it."""

    send: Callable[[Caller, Any], Any]
    bad: Any  # a payload that fails validation
    good: Any  # a payload the allowed caller's request succeeds with
    refused: list[tuple[Caller, int]]  # callers who may not act, and their status
    allowed: Caller | None = None  # None: nobody may take it through the API
    accepted: int | None = 200  # the allowed caller's status for the good payload


def _put(caller: Caller, url: str, json: Any):
    return caller.client.put(url, json=json, headers=caller._headers(None))


def _newcomer(world: World, session) -> Caller:
    user = create_user(session, email="new@aberdour.test", role="community")
    caller = Caller(world.body.client, issue_token(session, user), "new@aberdour.test")
    session.commit()
    return caller


def _upload(payload: dict[str, Any]) -> dict[str, Any]:
    """A fresh multipart form each time: a file object is read once."""
    return {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in payload.items()}


def officer_only_action(world: World, session, clock) -> Target:
    ref = submitted(world)
    return Target(
        send=lambda c, p: c.act(ref, "validate", p),
        bad={"surprise": True},
        good={},
        refused=[
            (world.body, 403),
            (world.admin, 403),
            (world.other_officer, 404),
            (world.other_body, 404),
            (world.public, 404),
        ],
        allowed=world.officer,
    )


def officer_only_decision(world: World, session, clock) -> Target:
    ref = validated(world)
    good = {"outcome": "refused", "reasons": "No capacity.", "considerations": considerations()}
    return Target(
        send=lambda c, p: c.act(ref, "decide", p),
        bad={"outcome": "perhaps", "considerations": ["regeneration"]},
        good=good,
        refused=[(world.body, 403), (world.other_officer, 404)],
        allowed=world.manager,
    )


def body_only_action(world: World, session, clock) -> Target:
    ref = submitted(world)
    return Target(
        send=lambda c, p: c.act(ref, "withdraw", p),
        bad={"surprise": True},
        good={},
        refused=[
            (world.officer, 403),
            (world.manager, 403),
            (world.admin, 403),
            (world.other_body, 404),
        ],
        allowed=world.body,
    )


def body_action_not_open_now(world: World, session, clock) -> Target:
    """The body may supply information, but not now: 422 for a bad payload, then 409."""
    ref = submitted(world)
    return Target(
        send=lambda c, p: c.act(ref, "supply_information", p),
        bad={"reasons": ["not", "text"]},
        good={"reasons": "More detail."},
        refused=[(world.officer, 403), (world.other_body, 404)],
        allowed=world.body,
        accepted=409,
    )


def system_action(world: World, session, clock) -> Target:
    """The sweep's own action: nobody takes it through the API, whatever they send."""
    ref = asset_request(world)
    world.body.act(ref, "submit")
    world.officer.act(ref, "validate")
    return Target(
        send=lambda c, p: c.act(ref, "decision_period_expired", p),
        bad={"surprise": True},
        good={},
        refused=[(world.officer, 403), (world.body, 403), (world.other_body, 404)],
    )


def create_case(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/cases", json=p),
        bad={**REQUEST, "outcome": 42},
        good=REQUEST,
        refused=[(world.officer, 403), (world.manager, 403), (world.public, 403)],
        allowed=world.body,
        accepted=201,
    )


def create_case_of_no_kind(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/cases", json=p),
        bad={"kind": "planning_application"},
        good=REQUEST,
        refused=[(world.officer, 403), (world.public, 403)],
        allowed=world.body,
        accepted=201,
    )


def edit_draft(world: World, session, clock) -> Target:
    ref = new_request(world)
    return Target(
        send=lambda c, p: c.patch(f"/api/v1/cases/{ref}", json=p),
        bad={"reasons": ["a", "list"]},
        good={"reasons": "New words."},
        refused=[
            (world.admin, 403),
            (world.officer, 404),  # a draft is the body's own
            (world.other_body, 404),
            (world.public, 404),
        ],
        allowed=world.body,
    )


def edit_submitted_request(world: World, session, clock) -> Target:
    ref = submitted(world)
    return Target(
        send=lambda c, p: c.patch(f"/api/v1/cases/{ref}", json=p),
        bad={"reasons": ["a", "list"]},
        good={"reasons": "New words."},
        refused=[(world.officer, 403), (world.manager, 403), (world.other_officer, 404)],
        allowed=world.body,
        accepted=409,  # only a draft can be edited
    )


def assign(world: World, session, clock) -> Target:
    ref = submitted(world)
    return Target(
        send=lambda c, p: _put(c, f"/api/v1/cases/{ref}/assignee", p),
        bad={"assignee": "not-an-email"},
        good={"assignee": "manager@fife.test"},
        refused=[
            (world.body, 403),
            (world.admin, 403),
            (world.other_officer, 404),
            (world.other_body, 404),
            (world.public, 404),
        ],
        allowed=world.officer,
    )


def create_body(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/community-bodies", json=p),
        bad={**BODY, "member_count": "many"},
        good=BODY,
        refused=[(world.officer, 403), (world.manager, 403), (world.public, 403)],
        allowed=_newcomer(world, session),
        accepted=201,
    )


def edit_body(world: World, session, clock) -> Target:
    submitted(world)  # so that Fife's officers can see the body
    url = f"/api/v1/community-bodies/{world.body_id}"
    return Target(
        send=lambda c, p: c.patch(url, json=p),
        bad={"member_count": "many"},
        good={"name": "Kinghorn Community Trust Ltd"},
        refused=[
            (world.officer, 403),
            (world.manager, 403),
            (world.other_officer, 404),
            (world.other_body, 404),
            (world.public, 404),
        ],
        allowed=world.body,
    )


def create_land(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/land", json=p),
        bad={**LAND, "tenure": "rented"},
        good=LAND,
        refused=[(world.body, 403), (world.admin, 403), (world.public, 403)],
        allowed=world.officer,
        accepted=201,
    )


def edit_land(world: World, session, clock) -> Target:
    entry = land_entry(world.officer)
    return Target(
        send=lambda c, p: c.patch(f"/api/v1/land/{entry}", json=p),
        bad={"tenure": "rented"},
        good={"name": "Kinghorn Town Hall and Green"},
        refused=[(world.body, 403), (world.public, 403), (world.other_officer, 403)],
        allowed=world.officer,
    )


def import_land(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/land/import", data=p, content_type="text/csv"),
        bad=b"\xff\xfe not UTF-8",
        good=CSV.encode(),
        refused=[(world.body, 403), (world.public, 403), (world.admin, 403)],
        allowed=world.officer,
    )


def upload_document(world: World, session, clock) -> Target:
    ref = submitted(world)
    return Target(
        send=lambda c, p: c.post(
            f"/api/v1/cases/{ref}/documents", data=_upload(p), content_type="multipart/form-data"
        ),
        bad={"description": "The plan, but no file"},
        good={"file": (PDF, "plan.pdf"), "description": "The plan"},
        refused=[
            (world.admin, 403),
            (world.other_officer, 404),
            (world.other_body, 404),
            (world.public, 404),
        ],
        allowed=world.body,
        accepted=201,
    )


def register_webhook(world: World, session, clock) -> Target:
    return Target(
        send=lambda c, p: c.post("/api/v1/webhooks", json=p),
        bad={"url": "not a url"},
        good={"url": "https://hooks.example.org/casework"},
        refused=[(world.body, 403), (world.admin, 403), (world.public, 403)],
        allowed=world.officer,
        accepted=None,  # registering resolves the name: no network in this test
    )


def representation_before_the_notices(world: World, session, clock) -> Target:
    ref = asset_request(world)
    world.body.act(ref, "submit")
    return Target(
        send=lambda c, p: c.post(f"/api/v1/cases/{ref}/representations", json=p),
        bad={**REPRESENTATION, "email": "not-an-email"},
        good=REPRESENTATION,
        refused=[(world.public, 404), (world.officer, 404)],
    )


def representation(world: World, session, clock) -> Target:
    ref = open_for_representations(world, clock, world.officer)
    return Target(
        send=lambda c, p: c.post(f"/api/v1/cases/{ref}/representations", json=p),
        bad={**REPRESENTATION, "email": "not-an-email"},
        good=REPRESENTATION,
        refused=[],
        allowed=world.public,
        accepted=201,
    )


ROUTES = [
    officer_only_action,
    officer_only_decision,
    body_only_action,
    body_action_not_open_now,
    system_action,
    create_case,
    create_case_of_no_kind,
    edit_draft,
    edit_submitted_request,
    assign,
    create_body,
    edit_body,
    create_land,
    edit_land,
    import_land,
    upload_document,
    register_webhook,
    representation_before_the_notices,
    representation,
]


def _snapshot(session) -> dict[str, Any]:
    """Everything these routes could change, read from the database."""
    session.expire_all()
    return {
        "cases": sorted(
            session.execute(
                select(Case.reference, Case.state, Case.version, Case.assigned_to_id)
            ).all()
        ),
        "events": session.scalars(select(Event.id).order_by(Event.id)).all(),
        "bodies": sorted(
            session.execute(
                select(CommunityBody.id, CommunityBody.name, CommunityBody.member_count)
            ).all()
        ),
        "land": sorted(session.execute(select(LandEntry.id, LandEntry.name)).all()),
        "documents": session.scalars(select(Document.id)).all(),
    }


def _problem(response, status: int, where) -> None:
    assert response.status_code == status, (where, response.status_code, response.get_data())
    assert response.mimetype == PROBLEM, where


@pytest.mark.parametrize("route", ROUTES, ids=[r.__name__ for r in ROUTES])
def test_who_may_act_is_checked_before_the_payload(world: World, session, clock, route):
    target = route(world, session, clock)
    before = _snapshot(session)

    for caller, status in target.refused:
        who = caller.email or "anonymous"
        _problem(target.send(caller, target.bad), status, (who, "bad payload"))
        _problem(target.send(caller, target.good), status, (who, "good payload"))
    assert _snapshot(session) == before

    if target.allowed is not None:
        response = target.send(target.allowed, target.bad)
        _problem(response, 422, "allowed caller, bad payload")
        assert response.json["errors"]
        assert _snapshot(session) == before
    if target.allowed is not None and target.accepted is not None:
        # The good payload was good: from the caller who may act, it goes through.
        response = target.send(target.allowed, target.good)
        assert response.status_code == target.accepted, response.get_data(as_text=True)


def test_editing_land_that_does_not_exist_is_404_for_everyone(world: World):
    """There is nothing to see, so nobody is told whether they could have edited it."""
    for caller in (world.officer, world.body, world.public):
        for payload in ({"tenure": "rented"}, {"name": "x"}):
            _problem(caller.patch("/api/v1/land/424242", json=payload), 404, caller.email)
        _problem(caller.post("/api/v1/land/424242/retire"), 404, caller.email)


def test_an_action_the_caller_may_never_take_is_403_in_any_state(world: World):
    """The body never decides: 403 even where no one could decide now (a 409 for an
    officer), and whatever it sends."""
    ref = submitted(world)
    for payload in ({"outcome": "perhaps"}, {"surprise": True}, {}):
        _problem(world.body.act(ref, "decide", payload), 403, payload)
    _problem(world.officer.act(ref, "decide", {"outcome": "perhaps"}), 422, "officer, bad")
    good = {"outcome": "refused", "reasons": "No.", "considerations": considerations()}
    _problem(world.officer.act(ref, "decide", good), 409, "officer, too early")


@pytest.mark.parametrize("query", ["page=0", "page_size=100000", "page=first"])
def test_a_case_the_caller_may_not_see_is_404_before_its_query_is_read(world: World, query):
    """flask-smorest reads the query before the view runs; the case is looked up first."""
    ref = validated(world)
    for caller in (world.other_officer, world.other_body, world.public):
        _problem(caller.get(f"/api/v1/cases/{ref}/events?{query}"), 404, caller.email)
    _problem(world.officer.get(f"/api/v1/cases/{ref}/events?{query}"), 422, "officer")


def test_every_route_that_takes_a_body_still_documents_it(app):
    """The payload is read inside the view, after the permission check; the OpenAPI
    document describes each request body all the same."""
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    for path, method in [
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{reference}", "patch"),
        ("/api/v1/cases/{reference}/actions/{action}", "post"),
        ("/api/v1/cases/{reference}/assignee", "put"),
        ("/api/v1/cases/{reference}/documents", "post"),
        ("/api/v1/cases/{reference}/representations", "post"),
        ("/api/v1/community-bodies", "post"),
        ("/api/v1/community-bodies/{body_id}", "patch"),
        ("/api/v1/land", "post"),
        ("/api/v1/land/{entry_id}", "patch"),
        ("/api/v1/land/import", "post"),
        ("/api/v1/webhooks", "post"),
    ]:
        assert paths[path][method]["requestBody"]["content"], (path, method)
    patch = paths["/api/v1/cases/{reference}"]["patch"]["requestBody"]
    refs = {r["$ref"] for r in patch["content"]["application/json"]["schema"]["oneOf"]}
    assert "#/components/schemas/UpdateParticipationRequest" in refs
