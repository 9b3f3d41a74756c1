"""Asset transfer requests through the API: the local authority route, end to end."""

from __future__ import annotations

from tests.casework.conftest import (
    asset_request,
    atr_considerations,
    deadline,
    frozen,
    land_entry,
    move,
)


def test_local_authority_route_review_then_appeal_then_ownership(world, clock):
    body, officer, public = world.body, world.officer, world.public
    land = land_entry(officer)
    ref = asset_request(world, land=land)
    assert ref == "ATR-FIFE-2026-0001"
    assert world.body.act(ref, "submit").json["state"] == "submitted"
    assert not frozen(world, land)

    # Validation: the acknowledgement gives the date, period, route, competition, freeze.
    r = officer.act(ref, "validate")
    assert r.status_code == 200, r.json
    case = r.json
    assert case["state"] == "validated"
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026.
    assert deadline(case, "atr.decision")["due_date"] == "2026-10-01"
    assert case["freeze"]["active"] is True
    assert frozen(world, land)
    ack = officer.get(f"/api/v1/cases/{ref}/notices").json[-1]
    text = officer.get(f"/api/v1/cases/{ref}/notices/{ack['id']}?format=text").get_data(
        as_text=True
    )
    assert "1 April 2026" in text and "1 October 2026" in text
    assert "elected members" in text and "section 86" in text
    assert "no other asset transfer request for this land" in text
    assert "must not sell, lease or otherwise dispose of the land" in text

    # Notices: closing date at least 20 working days from the notice (atr.representations).
    # 20 working days beginning Wed 1 April 2026 (Good Friday and Easter Monday count):
    # 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-28 (20): Tue 28 April 2026.
    r = officer.act(
        ref, "publish_notices", {"representations_close": "2026-04-27", "owners_and_occupiers": []}
    )
    assert r.status_code == 422
    assert "Tuesday 28 April 2026" in r.json["errors"]["representations_close"][0]
    r = officer.act(
        ref,
        "publish_notices",
        {
            "representations_close": "2026-04-30",
            "owners_and_occupiers": [{"name": "Kinghorn Bowling Club", "address": "Rear of hall"}],
        },
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "representations_open"
    kinds = [n["kind"] for n in officer.get(f"/api/v1/cases/{ref}/notices").json]
    assert kinds[-2:] == ["owners_notice", "public_notice"]

    # Anyone may make a representation without an account.
    listed = public.get("/api/v1/open-for-representations").json
    assert [x["reference"] for x in listed] == [ref]
    r = public.post(
        f"/api/v1/cases/{ref}/representations",
        json={"name": "Ann Neighbour", "email": "ann@example.test", "text": "I support this."},
    )
    assert r.status_code == 201, r.json
    assert "ann@example.test" not in r.get_data(as_text=True)

    # The authority may not decide while representations may still be made.
    r = officer.act(
        ref,
        "decide",
        {"outcome": "refused", "reasons": "x", "considerations": atr_considerations()},
    )
    assert r.status_code == 409

    move(clock, "2026-05-01")
    r = officer.act(ref, "send_representations_to_body", {"comments_by": "2026-06-01"})
    assert r.status_code == 200, r.json
    assert (
        body.act(
            ref, "comment_on_representations", {"comments": "We welcome the support."}
        ).status_code
        == 200
    )

    # Refused: the review by members is open for 20 working days; the freeze stays.
    move(clock, "2026-06-02")
    r = officer.act(
        ref,
        "decide",
        {
            "outcome": "refused",
            "reasons": "Needed for storage.",
            "considerations": atr_considerations(),
        },
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "refused_pending"
    # 20 working days beginning Tue 2 June 2026: 2-5 (4), 8-12 (9), 15-19 (14), 22-26 (19),
    # 29 June (20).
    assert deadline(r.json, "atr.review_or_appeal")["due_date"] == "2026-06-29"
    assert frozen(world, land)
    assert "appeal_to_ministers" in [a["action"] for a in body.case(ref)["blocked_actions"]]
    r = body.act(
        ref,
        "request_review",
        {"reasons": "Storage could go elsewhere.", "procedure": ["hearing", "site_visit"]},
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "under_review"

    # The members confirm the refusal; an appeal to the Ministers follows (s.88).
    move(clock, "2026-07-01")
    r = officer.act(
        ref,
        "record_review_outcome",
        {"result": "confirm", "decision": "refused", "reasons": "The members agree."},
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "refused_pending"
    # 20 working days beginning Wed 1 July 2026: 1-3 (3), 6-10 (8), 13-17 (13),
    # 20-24 (18), 27-28 (20).
    assert deadline(r.json, "atr.review_or_appeal", "s88")["due_date"] == "2026-07-28"
    r = body.act(ref, "appeal_to_ministers", {"reasons": "The council misjudged the need."})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "under_appeal"

    # The Ministers allow the appeal: agreed, with an offer date at least 6 months on.
    move(clock, "2026-09-01")
    r = officer.act(
        ref,
        "record_appeal_outcome",
        {
            "result": "allowed",
            "decision": "agreed",
            "reasons": "The benefits outweigh storage.",
            "terms": "Sale for £1 with a community-use covenant.",
            "offer_by": "2027-02-28",
        },
    )
    assert r.status_code == 422
    assert "Monday 1 March 2027" in r.json["errors"]["offer_by"][0]
    r = officer.act(
        ref,
        "record_appeal_outcome",
        {
            "result": "allowed",
            "decision": "agreed",
            "reasons": "The benefits outweigh storage.",
            "terms": "Sale for £1 with a community-use covenant.",
            "offer_by": "2027-03-01",
        },
    )
    assert r.status_code == 200, r.json
    assert r.json["state"] == "agreed"
    assert frozen(world, land)

    move(clock, "2026-10-01")
    r = body.act(ref, "make_offer", {"offer": "£1 on the terms of the notice."})
    assert r.json["state"] == "offer_made"
    # 6 months after 1 October 2026 is 1 April 2027.
    assert deadline(r.json, "atr.contract")["due_date"] == "2027-04-01"

    move(clock, "2027-01-15")
    r = officer.act(ref, "conclude_contract")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "ownership_transferred"
    assert r.json["closed_on"] == "2027-01-15"
    assert not frozen(world, land)

    # The public reads the published documents, not the case file.
    assert public.get(f"/api/v1/cases/{ref}/notices").status_code == 404

    notices = officer.get(f"/api/v1/cases/{ref}/notices").json
    assert {
        "acknowledgement",
        "owners_notice",
        "public_notice",
        "invitation_to_comment",
        "decision_notice",
        "review_application",
        "review_outcome",
        "appeal_application",
        "appeal_outcome",
    } <= {n["kind"] for n in notices}
    for n in notices:
        body_text = officer.get(f"/api/v1/cases/{ref}/notices/{n['id']}?format=text").get_data(
            as_text=True
        )
        assert "ann@example.test" not in body_text
