"""Competing requests for the same land, as each reader may see them (security test, issue
10, finding 7).

A rival body saw another body's unpublished request, with its state, in its own case's list
of competing requests, while that request was a 404 to it. Another body's request is shown
only once it is public (its public notice published, SSI 2016/357 reg 7), and then only
what the public sees of it: its reference, the body that made it and the date of its
notice. A body's own requests, and every request to the authority's officers, are shown
in full.
"""

from __future__ import annotations

from tests.casework.conftest import World, asset_request, land_entry, move, ok
from tests.web.test_hardening import web_client


def _competing(caller, ref: str) -> list[dict]:
    return caller.case(ref)["competing"]


def _two_requests(world: World, clock) -> tuple[str, str, int]:
    """The body's request for the hall, validated on Wed 1 April 2026, and a rival body's
    for the same hall, submitted on Thu 2 April and not yet public."""
    land = land_entry(world.officer)
    move(clock, "2026-04-01")
    ours = asset_request(world, land=land)
    ok(world.body.act(ours, "submit"), "submitted")
    ok(world.officer.act(ours, "validate"), "validated")
    move(clock, "2026-04-02")
    rival = asset_request(world, land=land, caller=world.other_body)
    ok(world.other_body.act(rival, "submit"), "submitted")
    return ours, rival, land


def test_a_rival_bodys_unpublished_request_is_not_shown_to_the_body(world: World, clock):
    ours, rival, _ = _two_requests(world, clock)
    assert world.body.get(f"/api/v1/cases/{rival}").status_code == 404
    assert _competing(world.body, ours) == []
    # Validated is not yet public either.
    ok(world.officer.act(rival, "validate"), "validated")
    assert _competing(world.body, ours) == []
    # Nor does the rival see the body's request, validated but with no public notice.
    assert _competing(world.other_body, rival) == []
    # The authority's officers see both, in full.
    assert _competing(world.officer, ours) == [
        {
            "reference": rival,
            "state": "validated",
            "validation_date": "2026-04-02",
            "priority": False,
            "community_body": "Burntisland Development Trust",
            "notice_date": None,
        }
    ]


def test_the_case_page_does_not_name_an_unpublished_rival_request(
    app, world: World, session, clock
):
    ours, rival, _ = _two_requests(world, clock)
    ok(world.officer.act(rival, "validate"), "validated")
    body_page = web_client(app, session, world.body.email).get(f"/cases/{ours}")
    assert body_page.status_code == 200
    assert rival not in body_page.get_data(as_text=True)
    officer_page = web_client(app, session, world.officer.email).get(f"/cases/{ours}")
    assert rival in officer_page.get_data(as_text=True)

    # Once public, the page names it with what the public sees, and not its state.
    move(clock, "2026-04-03")
    ok(
        world.officer.act(rival, "publish_notices", {"representations_close": "2026-05-01"}),
        "representations_open",
    )
    html = web_client(app, session, world.body.email).get(f"/cases/{ours}").get_data(as_text=True)
    assert f"{rival} (by Burntisland Development Trust, public notice" in html
    assert "3 April 2026" in html and "representations open" not in html


def test_a_rival_request_once_public_shows_only_what_the_public_sees(world: World, clock):
    ours, rival, _ = _two_requests(world, clock)
    ok(world.officer.act(rival, "validate"), "validated")
    move(clock, "2026-04-03")
    ok(
        world.officer.act(rival, "publish_notices", {"representations_close": "2026-05-01"}),
        "representations_open",
    )
    # The public may now read it: it is open for representations.
    assert world.public.get(f"/api/v1/open-for-representations/{rival}").status_code == 200
    assert _competing(world.body, ours) == [
        {
            "reference": rival,
            "community_body": "Burntisland Development Trust",
            "notice_date": "2026-04-03",
        }
    ]
    # The officers still see all of it.
    [full] = _competing(world.officer, ours)
    assert (full["state"], full["validation_date"], full["priority"]) == (
        "representations_open",
        "2026-04-02",
        False,
    )


def test_the_bodys_own_other_request_is_shown_in_full(world: World, clock):
    land = land_entry(world.officer)
    move(clock, "2026-04-01")
    first = asset_request(world, land=land)
    ok(world.body.act(first, "submit"))
    second = asset_request(world, land=land, transfer_type="lease")
    ok(world.body.act(second, "submit"))
    ok(world.officer.act(second, "validate"), "validated")
    assert _competing(world.body, first) == [
        {
            "reference": second,
            "state": "validated",
            "validation_date": "2026-04-01",
            "priority": True,
            "community_body": "Kinghorn Community Trust",
            "notice_date": None,
        }
    ]
