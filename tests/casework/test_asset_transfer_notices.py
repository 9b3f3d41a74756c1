"""Every asset transfer notice, with the content the law requires of it, issued via the API.

Missing information (SSI 2016/357 reg 4), acknowledgement (reg 5, s.84), notice to owners
and occupiers (reg 6), public notice (regs 7, 9), invitation to comment (reg 8), decision
notice (s.82, s.83, reg 10), review or appeal outcome (SSI 2016/358-359), and lapse (s.83).
Dates are worked out by hand from the counting table of docs/law.md.
"""

from __future__ import annotations

import pytest

from tests.casework.conftest import (
    ASSET_REQUEST,
    REASONS_FOR_REVIEW,
    agreed_atr,
    asset_request,
    atr_considerations,
    decide_atr,
    land_entry,
    move,
    notice_text,
    notices_of,
    offer_made_atr,
    ok,
    open_for_representations,
    ready_to_decide,
    run_sweep,
)
from workflows.asset_transfer import CONSIDERATIONS, REQUEST_ITEMS
from workflows.participation import CONSIDERATIONS as PR_CONSIDERATIONS

HALL = {"name": "Kinghorn Town Hall", "address": "Town Hall Square, Kinghorn", "uprn": "320000042"}


def _hall(world, officer=None) -> int:
    return land_entry(officer or world.officer, **HALL)


def _item(key: str) -> str:
    """The label the law's list (s.79, reg 3) gives each required item."""
    return {"land": "the land or building the request is for", **REQUEST_ITEMS}[key]


def _only(caller, ref: str, kind: str) -> dict:
    (notice,) = [n for n in notices_of(caller, ref) if n["kind"] == kind]
    return notice


def _flat(text: str) -> str:
    """The text with its line breaks as spaces, to find sentences the template wraps."""
    return " ".join(text.split())


def _assert_header(text: str, ref: str, date: str, sender: str, to: str, citation: str) -> None:
    assert f"Reference: {ref}" in text
    assert f"Date of this notice: {date}" in text
    assert f"From: {sender}" in text
    assert f"To: {to}" in text
    assert f"Legal basis: {citation}" in text


def _assert_land(text: str) -> None:
    assert "Land: Kinghorn Town Hall, Town Hall Square, Kinghorn (UPRN 320000042)" in text


# -- missing information (reg 4) --------------------------------------------------------------


def test_missing_information_notice_lists_each_item_and_the_reply_revalidates(world, clock):
    body, officer = world.body, world.officer
    move(clock, "2026-04-01")
    ref = asset_request(world, land_description="", funding="", community_support="  ")
    # A blank answer cannot be submitted: the body is told each one it left blank.
    response = body.act(ref, "submit")
    assert response.status_code == 409, response.json
    detail = response.json["detail"]
    for item in ("land", "community_support", "funding"):
        assert _item(item) in detail
    ok(
        body.patch(
            f"/api/v1/cases/{ref}",
            json={"land_description": "The hall", "funding": "Grants", "community_support": "Some"},
        )
    )
    ok(body.act(ref, "submit"), "submitted")
    # The officer finds those answers wanting, and asks for more.
    # The notice must list something.
    response = officer.act(ref, "request_missing_items", {"missing": []})
    assert response.status_code == 422 and "missing" in response.json["errors"]
    response = officer.act(ref, "request_missing_items", {"missing": ["the roof"]})
    assert response.status_code == 422

    ok(
        officer.act(
            ref,
            "request_missing_items",
            {
                "missing": ["land", "community_support", "funding"],
                "note": "A plan of the land would help.",
            },
        ),
        "awaiting_information",
    )
    notice = _only(officer, ref, "missing_information")
    assert (notice["recipient"], notice["recipient_role"], notice["public"]) == (
        "Kinghorn Community Trust",
        "body",
        False,
    )
    text = notice_text(body, ref, notice)
    _assert_header(
        text,
        ref,
        "Wednesday 1 April 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "SSI 2016/357 reg 4",
    )
    for item in ("land", "community_support", "funding"):
        assert f"- {_item(item)}" in text
    assert "A plan of the land would help." in text
    assert "Outline information is enough" in text
    assert "the day the last required item arrives (SSI 2016/357 reg 5)" in _flat(text)
    assert f"Contact Fife Council at cer@fife.test, quoting reference {ref}." in text

    # The body replies on Wed 8 April 2026: that is the day the request counts as made.
    move(clock, "2026-04-08")
    ok(
        body.act(
            ref,
            "supply_information",
            {
                "land_description": "The hall and its car park",
                "community_support": "A petition of 812 residents.",
                "funding": "A Scottish Land Fund grant.",
            },
        ),
        "submitted",
    )
    response = officer.act(ref, "validate", {"validation_date": "2026-04-07"})
    assert response.status_code == 422, response.json
    assert "validation_date" in response.json["errors"]
    case = ok(officer.act(ref, "validate"), "validated")
    assert case["validation_date"] == "2026-04-08"


# -- the acknowledgement (reg 5, s.84) --------------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "officer", "route", "not_route"),
    [
        ("FIFE", "officer", ["elected members", "section 86", "section 88"], "section 85"),
        ("SWAT", "water_officer", ["appeal to the Scottish Ministers (section 85"], "section 86"),
        ("SGOV", "ministers_officer", ["Scottish Ministers to review", "section 87"], "section 85"),
    ],
)
def test_acknowledgement_gives_date_period_route_competition_and_freeze(
    world, clock, authority, officer, route, not_route
):
    officer = getattr(world, officer)
    land = _hall(world, officer)
    name = {"FIFE": "Fife Council", "SWAT": "Scottish Water", "SGOV": "The Scottish Ministers"}
    move(clock, "2026-08-31")
    ref = asset_request(world, authority=authority, land=land)
    ok(world.body.act(ref, "submit"))
    ok(officer.act(ref, "validate"), "validated")
    notice = _only(officer, ref, "acknowledgement")
    assert notice["recipient_role"] == "body"
    text = notice_text(world.body, ref, notice)
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Monday 31 August 2026",
        name[authority],
        "Kinghorn Community Trust",
        "SSI 2016/357 reg 5; s.84",
    )
    _assert_land(text)
    assert "The validation date is Monday 31 August 2026" in text
    # 6 months after Mon 31 August 2026: February 2027 has no 31st, so Sun 28 February 2027.
    assert (
        "We must give you a decision notice by Sunday 28 February 2027: 6 months after the "
        "validation date, as SSI 2016/357 reg 10 sets out."
    ) in flat
    assert "A longer period may be agreed with you before then." in flat
    # The month-end rule and the weekend rule, in plain words; not the officer's working.
    assert "February 2027 has no day 31, so the period ends on the last day of that month." in (
        flat
    )
    assert "That day is a Sunday. The date is not moved" in flat
    assert "Where this comes from" not in text and "How this date was worked out" not in text
    for words in route:
        assert words in flat
    assert not_route not in flat
    assert "20 working days beginning with the date of the decision notice" in flat
    assert "We have no other asset transfer request for this land." in text
    assert "must not sell, lease or otherwise dispose of the land to anyone other than you" in flat


def test_a_corrected_validation_date_reissues_the_acknowledgement(world, clock):
    officer = world.officer
    move(clock, "2026-04-01")
    ref = asset_request(world, land=_hall(world))
    ok(world.body.act(ref, "submit"))
    move(clock, "2026-04-10")
    ok(officer.act(ref, "validate"))
    response = officer.act(ref, "correct_validation_date", {"received_on": "2026-03-31"})
    assert response.status_code == 422 and "reason" in response.json["errors"]
    ok(
        officer.act(
            ref,
            "correct_validation_date",
            {
                "received_on": "2026-03-31",
                "received_by": "post",
                "reason": "The signed request arrived by post on 31 March.",
            },
        )
    )
    first, second = [n for n in notices_of(officer, ref) if n["kind"] == "acknowledgement"]
    # Validated on 10 April, the request counts as made on the day it was submitted online:
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026.
    text = _flat(notice_text(officer, ref, first))
    assert "1 April 2026" in text and "1 October 2026" in text
    text = _flat(notice_text(officer, ref, second))
    assert "corrects the validation date" in text
    assert "The signed request arrived by post on 31 March." in text
    # 6 months after Tue 31 March 2026 is Wed 30 September 2026.
    assert "31 March 2026" in text and "30 September 2026" in text
    assert "1 October 2026" not in text


# -- notices to owners and occupiers (reg 6) and the public notice (regs 7, 9) ---------------


def test_owners_and_public_notices(world, clock):
    officer = world.officer
    move(clock, "2026-04-01")
    ref = asset_request(world, land=_hall(world))
    ok(world.body.act(ref, "submit"))
    ok(officer.act(ref, "validate"))
    # 20 working days beginning with Wed 1 April 2026 (Good Friday and Easter Monday count):
    # 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-28 (20): Tue 28 April 2026.
    response = officer.act(ref, "publish_notices", {"representations_close": "2026-04-27"})
    assert response.status_code == 422
    assert (
        "not earlier than Tuesday 28 April 2026"
        in response.json["errors"]["representations_close"][0]
    )
    response = officer.act(ref, "publish_notices", {})
    assert response.status_code == 422 and "representations_close" in response.json["errors"]
    ok(
        officer.act(
            ref,
            "publish_notices",
            {
                "representations_close": "2026-04-28",
                "owners_and_occupiers": [
                    {"name": "Kinghorn Bowling Club", "address": "The pavilion"},
                    {"name": "Fife Libraries", "email": "libraries@fife.test"},
                ],
            },
        ),
        "representations_open",
    )
    owners = [n for n in notices_of(officer, ref) if n["kind"] == "owners_notice"]
    assert [(n["recipient"], n["recipient_role"], n["public"]) for n in owners] == [
        ("Kinghorn Bowling Club", "owners_and_occupiers", False),
        ("Fife Libraries", "owners_and_occupiers", False),
    ]
    public = _only(officer, ref, "public_notice")
    assert (public["recipient_role"], public["public"]) == ("public", True)

    club = notice_text(officer, ref, owners[0])
    _assert_header(
        club,
        ref,
        "Wednesday 1 April 2026",
        "Fife Council",
        "Kinghorn Bowling Club",
        "SSI 2016/357 reg 6",
    )
    assert "Address: The pavilion" in club
    assert "as an owner, tenant or occupier" in _flat(club)
    assert "Address:" not in notice_text(officer, ref, owners[1])

    text = notice_text(officer, ref, public)
    _assert_header(
        text,
        ref,
        "Wednesday 1 April 2026",
        "Fife Council",
        "Members of the public",
        "SSI 2016/357 regs 7, 9",
    )
    for notice in (club, text):
        flat = _flat(notice)
        _assert_land(notice)
        assert "Community transfer body: Kinghorn Community Trust" in notice
        assert "Type of transfer: ownership (to buy the land or building)" in notice
        for key in REQUEST_ITEMS:
            assert _flat(ASSET_REQUEST[key]) in flat
        assert "by Tuesday 28 April 2026" in flat or "is Tuesday 28 April 2026" in flat
        assert "without an account" in flat
        assert ref in flat
    assert "The closing date is Tuesday 28 April 2026, at least 20 working days" in _flat(text)
    assert "never published" in _flat(text)
    # The body's contact details are in no notice to the public.
    assert "secretary@kinghorn.test" not in text
    case = world.body.case(ref)
    assert (case["notice_date"], case["representations_close"]) == ("2026-04-01", "2026-04-28")


# -- the invitation to comment (reg 8) --------------------------------------------------------


def test_invitation_to_comment(world, clock):
    body, officer = world.body, world.officer
    ref = open_for_representations(world, clock, officer, land=_hall(world))
    for name, text in (("Ann", "I support it."), ("Bob", "I object.")):
        r = world.public.post(
            f"/api/v1/cases/{ref}/representations",
            json={"name": name, "email": f"{name}@example.test", "text": text},
        )
        assert r.status_code == 201
    move(clock, "2026-04-30")
    # Not while representations may still be made (the last day is Thu 30 April).
    r = officer.act(ref, "send_representations_to_body", {"comments_by": "2026-06-30"})
    assert r.status_code == 409, r.json
    move(clock, "2026-05-01")
    # At least 20 working days beginning with Fri 1 May 2026: Thu 28 May 2026.
    r = officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-27"})
    assert r.status_code == 422
    assert "Thursday 28 May 2026" in r.json["errors"]["comments_by"][0]
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    notice = _only(officer, ref, "invitation_to_comment")
    assert (notice["recipient"], notice["public"]) == ("Kinghorn Community Trust", False)
    text = notice_text(body, ref, notice)
    _assert_header(
        text,
        ref,
        "Friday 1 May 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "SSI 2016/357 reg 8",
    )
    assert "Representation 1, from Ann, received Wednesday 1 April 2026:\nI support it." in text
    assert "Representation 2, from Bob, received Wednesday 1 April 2026:\nI object." in text
    assert "@example.test" not in text
    assert "You may comment on these representations by Thursday 28 May 2026" in _flat(text)
    # A second set of copies is not sent; the decision waits for the comments or the date.
    assert (
        officer.act(ref, "send_representations_to_body", {"comments_by": "2026-06-30"}).status_code
        == 409
    )
    r = decide_atr(officer, ref, "refused")
    assert r.status_code == 409 and "until Thursday 28 May 2026" in r.json["detail"]
    ok(body.act(ref, "comment_on_representations", {"comments": "We answer the objection."}))
    ok(decide_atr(officer, ref, "refused"), "refused_pending")


# -- the decision notice (s.82, s.83, reg 10) -------------------------------------------------


def test_decision_notice_when_agreed(world, clock):
    officer = world.officer
    ref = ready_to_decide(world, clock, officer, land=_hall(world))
    # The offer date must be at least 6 months after the notice: 6 months after Fri 1 May
    # 2026 is Sun 1 November 2026 (a month period is not moved off a weekend).
    r = decide_atr(officer, ref, "agreed", offer_by="2026-10-31")
    assert r.status_code == 422
    assert "not earlier than Sunday 1 November 2026" in r.json["errors"]["offer_by"][0]
    r = decide_atr(officer, ref, "agreed", offer_by=None)
    assert r.status_code == 422 and "offer_by" in r.json["errors"]
    r = decide_atr(officer, ref, "agreed", terms="")
    assert r.status_code == 422 and "terms" in r.json["errors"]
    r = decide_atr(officer, ref, "agreed", reasons=" ")
    assert r.status_code == 422 and "reasons" in r.json["errors"]

    case = ok(
        decide_atr(
            officer,
            ref,
            "agreed",
            reasons="The community benefits are substantial.",
            terms="Sale for £1 with a community-use covenant for 25 years.",
            offer_by="2026-11-02",
        ),
        "agreed",
    )
    assert case["position"]["offer_by"] == "2026-11-02"
    notice = _only(officer, ref, "decision_notice")
    assert (notice["recipient"], notice["public"]) == ("Kinghorn Community Trust", True)
    text = notice_text(officer, ref, notice)
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Friday 1 May 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "s.82; SSI 2016/357 reg 10",
    )
    _assert_land(text)
    assert (
        "Fife Council has agreed the asset transfer request made by Kinghorn Community Trust "
        "on Wednesday 1 April 2026, for ownership (to buy the land or building)."
    ) in flat
    assert "The community benefits are substantial." in text
    assert "Sale for £1 with a community-use covenant for 25 years." in text
    assert "you must make an offer by Monday 2 November 2026 (section 83)" in flat
    # Agreed on the terms asked for: the route is described, with no date running.
    assert "against an agreement on terms that differ significantly" in flat
    assert "elected members (section 86" in flat
    for label in CONSIDERATIONS.values():
        assert f"- {label[:1].upper()}{label[1:]}: Considered: {label}" in text


def test_decision_notice_when_refused(world, clock):
    water = world.water_officer
    ref = ready_to_decide(world, clock, water, authority="SWAT", land=_hall(world, water))
    ok(decide_atr(water, ref, "refused", reasons="Needed for operations."), "refused_pending")
    text = notice_text(water, ref, "decision_notice")
    flat = _flat(text)
    assert "Scottish Water has refused the asset transfer request" in flat
    assert "Needed for operations." in text
    assert "Terms and conditions" not in text
    # 20 working days beginning with Fri 1 May 2026 (4 and 25 May are working days):
    # 1 (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20): Thu 28 May 2026.
    assert "you may appeal to the Scottish Ministers (section 85" in flat
    assert "You must apply by Thursday 28 May 2026" in flat


def test_decision_notice_on_significantly_different_terms_gives_the_review_date(world, clock):
    officer = world.officer
    ref = ready_to_decide(world, clock, officer, land=_hall(world))
    ok(
        decide_atr(
            officer, ref, "agreed", terms="Sale at £95,000.", terms_differ_significantly=True
        ),
        "agreed",
    )
    flat = _flat(notice_text(officer, ref, "decision_notice"))
    assert "These terms differ significantly from those in your request." in flat
    assert "You must apply by Thursday 28 May 2026" in flat
    assert "elected members (section 86" in flat


def test_decision_records_each_s82_3_consideration(world, clock):
    officer = world.officer
    ref = ready_to_decide(world, clock, officer)
    # s.82(3): the participation request's matters (s.24(3)) plus two of its own.
    assert set(CONSIDERATIONS) == set(PR_CONSIDERATIONS) | {
        "alternative_proposals",
        "legal_obligations",
    }
    for missing in ("alternative_proposals", "legal_obligations", "economic_development"):
        considerations = {k: v for k, v in atr_considerations().items() if k != missing}
        r = decide_atr(officer, ref, "refused", considerations=considerations)
        assert r.status_code == 422, r.json
        assert list(r.json["errors"]["considerations"]) == [missing]
        assert "s.82(3)" in r.json["errors"]["considerations"][missing][0]
    r = decide_atr(officer, ref, "refused", considerations={**atr_considerations(), "mood": "x"})
    assert r.status_code == 422
    r = decide_atr(
        officer, ref, "refused", considerations={**atr_considerations(), "legal_obligations": " "}
    )
    assert r.status_code == 422 and "legal_obligations" in r.json["errors"]["considerations"]

    case = ok(decide_atr(officer, ref, "refused"), "refused_pending")
    decision = case["decisions"][-1]
    assert (decision["stage"], decision["outcome"], decision["decided_on"]) == (
        "decision",
        "refused",
        "2026-05-01",
    )
    assert decision["considerations"] == atr_considerations()
    assert decision["reasons"] == "Reasons for the decision: refused."


# -- review and appeal outcomes ---------------------------------------------------------------


def test_review_outcome_notice_refused_offers_the_appeal(world, clock):
    body, officer = world.body, world.officer
    ref = ready_to_decide(world, clock, officer, land=_hall(world))
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    move(clock, "2026-05-11")
    ok(body.act(ref, "request_review", {**REASONS_FOR_REVIEW, "documents": ["plan.pdf"]}))
    application = _only(officer, ref, "review_application")
    assert application["public"] is True
    app_text = notice_text(officer, ref, application)
    assert "Applied on: Monday 11 May 2026" in app_text
    assert "The decision misjudges the benefits." in app_text
    assert "- hearing" in app_text and "- plan.pdf" in app_text

    # The members confirm on Mon 1 June 2026; the s.88 appeal is due 20 working days
    # beginning with that day: 1-5 (5), 8-12 (10), 15-19 (15), 22-26 (20): Fri 26 June 2026.
    move(clock, "2026-06-01")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "Storage is needed."},
        )
    )
    notice = _only(officer, ref, "review_outcome")
    assert (notice["recipient"], notice["public"]) == ("Kinghorn Community Trust", True)
    text = notice_text(body, ref, notice)
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Monday 1 June 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "s.86-87; SSI 2016/358 reg 5",
    )
    _assert_land(text)
    assert (
        "The review sought by Kinghorn Community Trust on Monday 11 May 2026 has been decided "
        "on Monday 1 June 2026. Result: the decision is confirmed."
    ) in flat
    assert "The request is refused." in text
    assert "Storage is needed." in text
    assert "You must appeal by Friday 26 June 2026" in flat and "(section 88)" in flat


def test_appeal_outcome_notice_agreed_gives_terms_and_offer_date(world, clock):
    body, water = world.body, world.water_officer
    ref = ready_to_decide(world, clock, water, authority="SWAT", land=_hall(world, water))
    ok(decide_atr(water, ref, "refused"), "refused_pending")
    ok(body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    move(clock, "2026-08-31")
    # The offer date is at least 6 months after the outcome: 6 months after Mon 31 August
    # 2026 is Sun 28 February 2027 (February has no 31st).
    payload = {
        "result": "varied",
        "decision": "agreed",
        "reasons": "Agreed on varied terms.",
        "terms": "A lease of 25 years with access kept for maintenance.",
        "offer_by": "2027-02-27",
    }
    r = water.act(ref, "record_appeal_outcome", payload)
    assert r.status_code == 422 and "Sunday 28 February 2027" in r.json["errors"]["offer_by"][0]
    ok(water.act(ref, "record_appeal_outcome", {**payload, "offer_by": "2027-02-28"}), "agreed")
    text = notice_text(body, ref, "appeal_outcome")
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Monday 31 August 2026",
        "Scottish Water",
        "Kinghorn Community Trust",
        "s.85, s.88; SSI 2016/359 reg 6",
    )
    assert "The appeal sought by Kinghorn Community Trust on Friday 1 May 2026" in flat
    assert "Result: the decision is varied or reversed." in flat
    assert "The request is agreed." in text
    assert "A lease of 25 years with access kept for maintenance." in text
    assert "You must make your offer by Sunday 28 February 2027 (section 83)." in flat
    assert "Appeal to the Scottish Ministers" not in text


# -- lapse ------------------------------------------------------------------------------------


def test_lapse_notice(world, app, session, clock):
    body, officer = world.body, world.officer
    ref = agreed_atr(world, clock, officer, land=_hall(world))
    # The offer date was Sun 1 November 2026; the sweep on Mon 2 November lapses it.
    move(clock, "2026-11-02")
    run_sweep(app, session, clock)
    notice = _only(officer, ref, "lapse_notice")
    assert (notice["recipient"], notice["public"], notice["issued_on"]) == (
        "Kinghorn Community Trust",
        True,  # the outcome of a request is published (issue 4: outcomes)
        "2026-11-02",
    )
    text = notice_text(body, ref, notice)
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Monday 2 November 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "s.83; s.84",
    )
    _assert_land(text)
    assert "Your asset transfer request has lapsed: no offer by the date in the notice" in flat
    assert "finally disposed of" in flat and "(section 84) no longer applies" in flat


def test_outcome_notice_when_the_contract_is_concluded(world, clock):
    """s.83(7): the contract concluded; the request is finally disposed of (s.84), and
    the outcome is published and counted for the annual report (s.95)."""
    body, officer = world.body, world.officer
    ref = offer_made_atr(world, clock, officer, land=_hall(world))
    move(clock, "2026-09-15")
    ok(
        officer.act(ref, "conclude_contract", {"concluded_on": "2026-09-14"}),
        "ownership_transferred",
    )
    notice = _only(officer, ref, "outcome_notice")
    assert (notice["recipient"], notice["public"], notice["issued_on"]) == (
        "Kinghorn Community Trust",
        True,
        "2026-09-15",
    )
    text = notice_text(body, ref, notice)
    flat = _flat(text)
    _assert_header(
        text,
        ref,
        "Tuesday 15 September 2026",
        "Fife Council",
        "Kinghorn Community Trust",
        "s.83(7); s.84; s.95",
    )
    _assert_land(text)
    assert "The contract for the transfer was concluded on Monday 14 September 2026" in flat
    assert "ownership of the land has been transferred to Kinghorn Community Trust" in flat
    assert "finally disposed of (section 84)" in flat
