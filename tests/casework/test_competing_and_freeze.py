"""Competing requests for one piece of land, and the disposal freeze (s.84) on the register.

From validation until a request is finally disposed of, the authority must not dispose of
the land to anyone else: the register of land shows the freeze (both the list and the
entry), and only the request's final state clears it. A refusal is not final while a
review or appeal may still be sought. The freeze does not apply where the land was already
advertised or under negotiation, recorded at validation. Where several requests cover the
same land, the earliest validated has priority.
"""

from __future__ import annotations

import pytest

from casework.sweep import Taken
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    asset_request,
    decide_atr,
    frozen,
    land_entry,
    move,
    notice_text,
    ok,
    ready_to_decide,
    run_sweep,
)


def _register_view(world, land: int) -> tuple[dict, dict]:
    """The entry as the public list shows it, and as the entry endpoint shows it."""
    listed = world.public.get("/api/v1/land", query_string={"authority": "FIFE"}).json
    item = world.public.get(f"/api/v1/land/{land}").json
    return next(e for e in listed if e["id"] == land), item


def _assert_register(world, land: int, frozen_by: list[str]) -> None:
    for view in _register_view(world, land):
        assert view["frozen"] is bool(frozen_by)
        assert view["frozen_by"] == frozen_by
    on_frozen_list = [
        e["id"] for e in world.public.get("/api/v1/land", query_string={"frozen": "true"}).json
    ]
    assert (land in on_frozen_list) is bool(frozen_by)


# -- competing requests -----------------------------------------------------------------------


def test_competing_requests_are_detected_listed_and_the_earliest_validated_has_priority(
    world, clock
):
    body, other, officer = world.body, world.other_body, world.officer
    land = land_entry(officer)
    elsewhere = land_entry(officer, "Kinghorn Library", address="5 Main Street")

    # The first request is received first but validated second: priority follows the day
    # each was received (its validation date, SSI 2016/357 reg 5), not the officer's order.
    move(clock, "2026-04-01")
    first = asset_request(world, land=land)
    ok(body.act(first, "submit"), "submitted")
    unrelated = asset_request(world, land=elsewhere)
    ok(body.act(unrelated, "submit"))
    ok(officer.act(unrelated, "validate"))

    move(clock, "2026-04-02")
    later = asset_request(world, land=land, caller=other)
    ok(other.act(later, "submit"), "submitted")
    ok(officer.act(later, "validate"), "validated")
    ack = notice_text(other, later, "acknowledgement")
    # At validation the other request is found, though not yet validated.
    assert "We have other asset transfer requests for the same land" in ack
    assert f"- {first}, not yet validated" in ack
    assert unrelated not in ack

    move(clock, "2026-04-03")
    ok(officer.act(first, "validate"), "validated")
    ack = notice_text(body, first, "acknowledgement")
    assert f"- {later}, validated on" in ack and "2 April 2026" in ack

    # Listed on each case for the authority, each with whether the other has priority over
    # it. Neither body sees the other's request: neither is public yet (no public notice;
    # tests/casework/test_competing_privacy.py).
    assert officer.case(first)["competing"] == [
        {
            "reference": later,
            "community_body": "Burntisland Development Trust",
            "notice_date": None,
            "state": "validated",
            "validation_date": "2026-04-02",
            "priority": False,
        }
    ]
    assert officer.case(later)["competing"] == [
        {
            "reference": first,
            "community_body": "Kinghorn Community Trust",
            "notice_date": None,
            "state": "validated",
            "validation_date": "2026-04-01",
            "priority": True,
        }
    ]
    assert body.case(first)["competing"] == [] and other.case(later)["competing"] == []
    assert officer.case(unrelated)["competing"] == []
    # The register names both, the earliest validated first.
    _assert_register(world, land, [first, later])

    # A third request for the land, not yet validated, comes last on each list.
    third = asset_request(world, land=land, transfer_type="lease")
    ok(body.act(third, "submit"))
    assert [c["reference"] for c in officer.case(first)["competing"]] == [later, third]
    assert [c["reference"] for c in officer.case(third)["competing"]] == [first, later]
    assert all(c["priority"] for c in officer.case(third)["competing"])

    # A request finally disposed of no longer competes, nor freezes the land.
    ok(body.act(first, "withdraw"), "withdrawn")
    assert [c["reference"] for c in officer.case(later)["competing"]] == [third]
    _assert_register(world, land, [later])


def test_same_day_validation_gives_priority_to_the_earlier_request(world, clock):
    land = land_entry(world.officer)
    a = asset_request(world, land=land)
    b = asset_request(world, land=land, caller=world.other_body)
    for caller, ref in ((world.body, a), (world.other_body, b)):
        ok(caller.act(ref, "submit"))
    # Validated in the reverse order, on the same day: the earlier request keeps priority.
    ok(world.officer.act(b, "validate"))
    ok(world.officer.act(a, "validate"))
    assert world.officer.case(a)["competing"][0]["priority"] is False
    assert world.officer.case(b)["competing"][0]["priority"] is True


def test_a_request_with_no_competitor_says_so(world):
    land = land_entry(world.officer)
    ref = asset_request(world, land=land)
    ok(world.body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    assert "We have no other asset transfer request for this land." in notice_text(
        world.body, ref, "acknowledgement"
    )
    assert world.body.case(ref)["competing"] == []


# -- the freeze, step by step -----------------------------------------------------------------


def test_freeze_from_validation_to_a_refusal_whose_review_window_passes(world, app, session, clock):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land)
    _assert_register(world, land, [])
    ok(body.act(ref, "submit"), "submitted")
    _assert_register(world, land, [])

    case = ok(officer.act(ref, "validate"), "validated")
    assert case["freeze"] == {
        "applies": True,
        "active": True,
        "exception": None,
        "statement": case["freeze"]["statement"],
    }
    assert "must not sell, lease or otherwise dispose of the land" in case["freeze"]["statement"]
    _assert_register(world, land, [ref])
    ack = notice_text(body, ref, "acknowledgement")
    assert case["freeze"]["statement"] in ack.replace("\n", " ")

    ok(
        officer.act(ref, "publish_notices", {"representations_close": "2026-04-30"}),
        "representations_open",
    )
    _assert_register(world, land, [ref])

    move(clock, "2026-05-01")
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    # Refused, but a review may be sought until Thu 28 May 2026 (20 working days beginning
    # with Fri 1 May 2026; the bank holidays on 4 and 25 May are working days): still frozen.
    for day in ("2026-05-01", "2026-05-28"):
        move(clock, day)
        assert run_sweep(app, session, clock) == []
        _assert_register(world, land, [ref])
        assert body.case(ref)["freeze"]["active"] is True

    # The day after the window the sweep finds it unused: finally disposed of, freeze ends.
    move(clock, "2026-05-29")
    _assert_register(world, land, [ref])
    assert run_sweep(app, session, clock) == [Taken(ref, "close_review_period")]
    _assert_register(world, land, [])
    case = body.case(ref)
    assert (case["state"], case["freeze"]["active"], case["freeze"]["applies"]) == (
        "refused",
        False,
        True,
    )
    # The land may now be disposed of.
    ok(officer.post(f"/api/v1/land/{land}/retire"))


def test_freeze_holds_through_a_review_and_ends_with_the_final_refusal(world, clock):
    ministers = world.ministers_officer
    land = land_entry(ministers, name="Forestry depot")
    ref = ready_to_decide(world, clock, ministers, authority="SGOV", land=land)
    ok(decide_atr(ministers, ref, "refused"), "refused_pending")
    move(clock, "2026-05-20")
    ok(world.body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    assert frozen(world, land)
    assert ministers.post(f"/api/v1/land/{land}/retire").status_code == 409

    move(clock, "2026-07-01")
    ok(
        ministers.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The depot is in use."},
        ),
        "refused",
    )
    assert not frozen(world, land)


def test_a_declined_repeat_request_never_froze_the_land(world, app, session, clock):
    """A request declined under s.93 is never validated, so it never freezes anything."""
    body, officer = world.body, world.officer
    land = land_entry(officer)
    earlier = ready_to_decide(world, clock, officer, land=land)
    ok(decide_atr(officer, earlier, "refused"), "refused_pending")
    move(clock, "2026-05-29")  # the review window (to Thu 28 May) passed unused
    assert run_sweep(app, session, clock) == [Taken(earlier, "close_review_period")]
    assert not frozen(world, land)
    repeat = asset_request(world, land=land)
    ok(body.act(repeat, "submit"))
    ok(officer.act(repeat, "decline_repeat_request", {"reasons": "Nothing has changed."}))
    assert body.case(repeat)["state"] == "declined"
    assert not frozen(world, land)


# -- the exceptions: already advertised, or under negotiation ---------------------------------


@pytest.mark.parametrize(
    ("exception", "because"),
    [
        ("advertised", "the land had already been advertised for sale or lease"),
        ("negotiations", "negotiations with another party had already begun"),
    ],
)
def test_exception_recorded_at_validation_means_no_freeze(world, exception, because):
    body, officer = world.body, world.officer
    land = land_entry(officer)
    ref = asset_request(world, land=land)
    ok(body.act(ref, "submit"))
    case = ok(
        officer.act(
            ref,
            "validate",
            {
                "freeze_exception": exception,
                "freeze_exception_details": "Marketed by Shepherd Chartered Surveyors since "
                "January 2026.",
            },
        ),
        "validated",
    )
    freeze = case["freeze"]
    assert (freeze["applies"], freeze["active"], freeze["exception"]) == (False, False, exception)
    expected = (
        f"The bar on disposing of the land (section 84) does not apply, because {because} "
        "before your request was made. Marketed by Shepherd Chartered Surveyors since "
        "January 2026."
    )
    assert freeze["statement"] == expected
    assert expected in notice_text(body, ref, "acknowledgement").replace("\n", " ")
    _assert_register(world, land, [])
    # Nothing stops the authority going on with the disposal already under way.
    ok(officer.post(f"/api/v1/land/{land}/retire"))


def test_an_unknown_exception_is_refused(world):
    ref = asset_request(world, land=land_entry(world.officer))
    ok(world.body.act(ref, "submit"))
    response = world.officer.act(ref, "validate", {"freeze_exception": "inconvenient"})
    assert response.status_code == 422, response.json
    assert "freeze_exception" in response.json["errors"]
    assert world.officer.case(ref)["state"] == "submitted"


def test_a_later_request_without_the_exception_freezes_the_land(world):
    land = land_entry(world.officer)
    excepted = asset_request(world, land=land)
    ok(world.body.act(excepted, "submit"))
    ok(world.officer.act(excepted, "validate", {"freeze_exception": "advertised"}))
    _assert_register(world, land, [])
    second = asset_request(world, land=land, caller=world.other_body)
    ok(world.other_body.act(second, "submit"))
    ok(world.officer.act(second, "validate"))
    _assert_register(world, land, [second])
