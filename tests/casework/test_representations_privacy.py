"""Representations on an asset transfer request (SSI 2016/357 regs 7-8), and their privacy.

Anyone may make one without an account while the period runs; outside it the answer is
409, and bad input is 422. The contact details (and, as docs/law.md says of a private
person's personal data, the name too) are kept for the authority and never appear in a
public response: not the public API, the published notices, the register records, the
Atom feed and CSV, the open-requests list, the register of land, or the public web pages.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.models import Event, Notice
from notifications.publish import publish
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    asset_request,
    decide_atr,
    land_entry,
    move,
    notice_text,
    notices_of,
    notified_owner,
    ok,
)

ANN = {
    "name": "Ann Neighbour",
    "email": "ann.private@example.test",
    "address": "7 Hidden Wynd, Kinghorn KY3 9XX",
    "text": "I support the request: the hall is the only warm space in the village.",
}
BOB = {
    "name": "Bob Resident",
    "address": "9 Quiet Close, Kinghorn KY3 9YY",
    "text": "I object: the car park is used by the surgery.",
    "received_on": "2026-04-20",
}
OWNER = {"name": "Kinghorn Bowling Club", "address": "12 Green Lane", "email": "owner@club.test"}
SECRETS = (
    ANN["email"],
    "Hidden Wynd",
    "Quiet Close",
    ANN["name"],
    BOB["name"],
    OWNER["email"],
)


def _represent(world, ref: str, payload: dict):
    return world.public.post(f"/api/v1/cases/{ref}/representations", json=payload)


def _no_secrets(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} appears in {where}"


def _open_request(world, clock) -> tuple[str, int]:
    """Validated on Wed 1 April 2026; notices published the same day, closing Thu 30 April."""
    land = land_entry(world.officer, address="Town Hall, Kinghorn KY3")
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land)
    ok(world.body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    ok(
        world.officer.act(
            ref,
            "publish_notices",
            {"representations_close": "2026-04-30", "owners_and_occupiers": [OWNER]},
        ),
        "representations_open",
    )
    return ref, land


# -- who may make one, and when ---------------------------------------------------------------


def test_anyone_may_make_a_representation_without_an_account(world, clock):
    ref, _ = _open_request(world, clock)
    response = _represent(world, ref, ANN)
    assert response.status_code == 201, response.json
    receipt = response.json
    assert receipt["reference"] == ref
    assert receipt["received_on"] == "2026-04-01"
    assert "will not be published" in receipt["message"]
    assert ANN["email"] not in response.get_data(as_text=True)
    assert ANN["address"] not in response.get_data(as_text=True)

    # Stored, with the contact details, for the authority; the body sees name and text only.
    (stored,) = world.officer.case(ref)["representations"]
    assert (stored["email"], stored["address"], stored["source"]) == (
        ANN["email"],
        ANN["address"],
        "online",
    )
    (seen,) = world.body.case(ref)["representations"]
    assert seen == {
        "id": stored["id"],
        "name": ANN["name"],
        "text": ANN["text"],
        "received_on": "2026-04-01",
        "source": "online",
    }
    # A postal address alone is enough.
    postal = {k: v for k, v in ANN.items() if k != "email"}
    assert _represent(world, ref, postal).status_code == 201


def test_reg7_a_representation_made_through_the_api_is_receipted_to_its_sender_only(
    world, session, clock
):
    ref, _ = _open_request(world, clock)
    assert _represent(world, ref, ANN).status_code == 201
    postal = {k: v for k, v in ANN.items() if k != "email"}
    assert _represent(world, ref, postal).status_code == 201

    receipts = session.scalars(select(Notice).where(Notice.kind == "representation_receipt")).all()
    # One receipt, to the address given; none for the representation sent by post.
    assert [(n.recipient_email, n.public) for n in receipts] == [(ANN["email"], False)]
    (made, _) = world.officer.case(ref)["representations"]
    assert f"{ref}-R{made['id']:04d}" in receipts[0].body_text
    # The requesting body is not told who made it.
    assert all(n["kind"] != "representation_receipt" for n in notices_of(world.body, ref))


def test_representations_may_be_made_up_to_and_including_the_closing_day(world, clock):
    ref, _ = _open_request(world, clock)
    move(clock, "2026-04-30")
    assert _represent(world, ref, ANN).status_code == 201
    move(clock, "2026-05-01")
    response = _represent(world, ref, ANN)
    assert response.status_code == 409, response.json
    assert "ended on Thursday 30 April 2026" in response.json["detail"]
    # Even bad input outside the period is a 409: the period is the first thing wrong.
    assert _represent(world, ref, {}).status_code == 409
    assert len(world.officer.case(ref)["representations"]) == 1

    # Once decided there is no period at all.
    ok(world.officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    ok(world.body.act(ref, "comment_on_representations", {"comments": "Noted."}))
    ok(decide_atr(world.officer, ref, "refused"), "refused_pending")
    response = _represent(world, ref, ANN)
    assert response.status_code == 409, response.json


def test_no_representations_before_the_notices(world, clock):
    """Before the notices there is no period, and the request is not public: 404."""
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land_entry(world.officer))
    assert _represent(world, ref, ANN).status_code == 404
    ok(world.body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    assert _represent(world, ref, ANN).status_code == 404
    assert _represent(world, "ATR-FIFE-2026-9999", ANN).status_code == 404
    assert world.officer.case(ref)["representations"] == []


def test_a_participation_request_takes_no_representations(world):
    pr = world.body.post(
        "/api/v1/cases",
        json={
            "kind": "participation_request",
            "authority": "FIFE",
            "outcome": "Safer routes",
            "reasons": "We know the routes.",
            "knowledge_and_experience": "A survey.",
            "expected_improvement": "New crossings.",
        },
    ).json["reference"]
    assert _represent(world, pr, ANN).status_code == 404


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"name", "text", "email"}),
        ({**ANN, "name": "  "}, {"name"}),
        ({**ANN, "text": ""}, {"text"}),
        ({"name": "Ann", "text": "Support"}, {"email"}),  # no way to contact them
        ({**ANN, "email": "not-an-email"}, {"email"}),
        ({**ANN, "phone": "0123"}, {"phone"}),
        ({**ANN, "name": "x" * 201}, {"name"}),
    ],
)
def test_bad_input_is_422_with_the_fields(world, clock, payload, fields):
    ref, _ = _open_request(world, clock)
    response = _represent(world, ref, payload)
    assert response.status_code == 422, response.json
    assert set(response.json["errors"]) == fields
    assert world.officer.case(ref)["representations"] == []


def test_bad_json_is_422(world, clock):
    ref, _ = _open_request(world, clock)
    response = world.public.post(
        f"/api/v1/cases/{ref}/representations", data="name=Ann", content_type="text/plain"
    )
    assert response.status_code == 422
    response = world.public.post(f"/api/v1/cases/{ref}/representations", json=[ANN])
    assert response.status_code == 422


def test_only_the_public_endpoint_makes_representations(world, clock):
    """The parties record paper representations; they do not make them as the public."""
    ref, _ = _open_request(world, clock)
    assert world.officer.act(ref, "make_representation", ANN).status_code == 403
    assert world.body.act(ref, "make_representation", ANN).status_code == 403
    assert world.body.act(ref, "record_representation", BOB).status_code == 403
    move(clock, "2026-04-20")
    ok(world.officer.act(ref, "record_representation", BOB))
    (paper,) = world.officer.case(ref)["representations"]
    assert (paper["source"], paper["received_on"], paper["address"]) == (
        "paper",
        "2026-04-20",
        BOB["address"],
    )


# -- never in a public response ---------------------------------------------------------------


def _public_responses(world, ref: str, land: int, is_open: bool) -> dict[str, str]:
    """Every public response about the request, keyed by where it came from."""
    out = {}

    def get(url: str, **kw) -> str:
        response = world.public.get(url, **kw)
        # Every page is served, but the case file (never public) and, once the period has
        # closed, the request's page for representations.
        hidden = "/cases/" in url or (url.endswith(f"representations/{ref}") and not is_open)
        assert response.status_code == (404 if hidden else 200), url
        out[url] = response.get_data(as_text=True)
        return out[url]

    get("/api/v1/authorities")
    get("/api/v1/open-for-representations")
    get(f"/api/v1/open-for-representations/{ref}")
    get(f"/api/v1/cases/{ref}")
    get(f"/api/v1/cases/{ref}/notices")
    get(f"/api/v1/cases/{ref}/events")
    get("/api/v1/land")
    get(f"/api/v1/land/{land}")
    get("/api/v1/register/decisions", query_string={"page_size": 200})
    documents = world.public.get("/api/v1/register/documents", query_string={"page_size": 200})
    out["/api/v1/register/documents"] = documents.get_data(as_text=True)
    for record in documents.json["items"]:
        get(f"/api/v1/register/documents/{record['id']}")
    get("/register/decisions.atom")
    # The public web pages read the same data.
    for url in ("/", "/register", "/register/decisions.csv", "/representations", "/land"):
        get(url)
    get(f"/representations/{ref}")
    get(f"/land/{land}")
    for record in documents.json["items"]:
        get(f"/register/{record['id']}")
    return out


def test_contact_details_never_appear_in_any_public_response(world, session, clock):
    body, officer = world.body, world.officer
    ref, land = _open_request(world, clock)

    # While open, the request is listed for the public with its documents (reg 9).
    listed = world.public.get("/api/v1/open-for-representations").json
    assert [r["reference"] for r in listed] == [ref]
    assert listed[0]["representation_url"] == f"/api/v1/cases/{ref}/representations"
    assert _represent(world, ref, ANN).status_code == 201
    move(clock, "2026-04-20")
    ok(officer.act(ref, "record_representation", BOB))
    while_open = _public_responses(world, ref, land, is_open=True)

    # Copies go to the body (reg 8), without contact details: 20 working days beginning with
    # Fri 1 May 2026 end Thu 28 May 2026 (4 and 25 May are working days).
    move(clock, "2026-05-01")
    ok(
        officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}),
    )
    invitation = notice_text(body, ref, "invitation_to_comment")
    assert ANN["text"] in invitation and BOB["text"] in invitation
    assert ANN["name"] in invitation  # the body is told who made each representation
    for private in (ANN["email"], ANN["address"], BOB["address"]):
        assert private not in invitation
    ok(body.act(ref, "comment_on_representations", {"comments": "We will share the car park."}))

    # Decided, reviewed by the members, appealed to the Ministers: every published document.
    move(clock, "2026-05-06")
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    ok(body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    move(clock, "2026-06-01")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The members agree."},
        ),
        "refused_pending",
    )
    ok(body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    move(clock, "2026-08-03")
    ok(
        officer.act(
            ref,
            "record_appeal_outcome",
            {
                "result": "allowed",
                "decision": "agreed",
                "reasons": "The benefits outweigh the parking.",
                "terms": "Sale for £1; the car park stays open to the surgery.",
                # 6 months after Mon 3 August 2026 is Wed 3 February 2027.
                "offer_by": "2027-02-03",
            },
        ),
        "agreed",
    )

    # The publication consumer writes the register records, as the pipeline does.
    session.expire_all()
    published = [
        e
        for e in session.scalars(select(Event).where(Event.type == "notice.issued"))
        if e.payload.get("published")
    ]
    for event in published:
        publish(session, event)
    session.commit()
    documents = {n["kind"] for n in notices_of(officer, ref) if n["public"]}
    assert documents == {
        "public_notice",
        "decision_notice",
        "review_application",
        "review_outcome",
        "appeal_application",
        "appeal_outcome",
    }

    after = _public_responses(world, ref, land, is_open=False)
    # The register really holds the documents, so the scan below reads real text.
    assert len(world.public.get("/api/v1/register/documents").json["items"]) == len(published)
    assert "The members agree." in after["/register/decisions.atom"]
    assert ref in after["/register/decisions.csv"] and ref in after["/register"]
    assert ref in while_open["/representations"]
    assert world.public.get(f"/api/v1/cases/{ref}").status_code == 404
    for where, text in {**while_open, **after}.items():
        _no_secrets(text, where)
    # Nor in the text of any published notice, nor the body's own view of its case.
    for notice in notices_of(officer, ref):
        if notice["public"]:
            _no_secrets(notice_text(officer, ref, notice), f"the {notice['kind']}")
    for where in (f"/api/v1/cases/{ref}", f"/api/v1/cases/{ref}/events?page_size=200"):
        text = body.get(where).get_data(as_text=True)
        for private in (ANN["email"], ANN["address"], BOB["address"]):
            assert private not in text, where
    # The register withholds the body's own contact details too (often a volunteer's home).
    for where in ("/api/v1/register/documents", "/register/decisions.atom", "/register"):
        assert "secretary@kinghorn.test" not in after[where]


def test_owners_contact_details_stay_out_of_the_event_log(world, clock):
    """SSI 2016/357 reg 6: the notice goes to each owner and occupier, but their addresses
    are not written to the timeline, which the body and the authority's webhooks read."""
    ref = notified_owner(world, clock)
    timeline = world.body.get(f"/api/v1/cases/{ref}/events?page_size=200").get_data(as_text=True)
    assert "Ms A Tenant" in timeline
    assert "7 Quiet Close" not in timeline and "a@tenant.test" not in timeline
    notices = world.officer.get(f"/api/v1/cases/{ref}/notices").json
    assert any(n["recipient"] == "Ms A Tenant" for n in notices)  # the notice itself still goes
