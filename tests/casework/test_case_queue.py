"""The officer's queue: GET /api/v1/cases?state=&overdue=true&due_before=, paginated.

Due dates are worked out by hand in the tests (30 working days, SSI 2017/39 regs 2 and 7)."""

from __future__ import annotations

import datetime as dt

from tests.casework.conftest import World, new_request, submitted, validated


def _move(clock, day: str) -> None:
    clock.fixed = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def _refs(world: World, query: str = "", caller=None) -> list[str]:
    r = (caller or world.officer).get(f"/api/v1/cases?page_size=200&{query}")
    assert r.status_code == 200, r.json
    return [c["reference"] for c in r.json["items"]]


def _queue(world: World, clock) -> dict[str, str]:
    """Four requests at Fife Council at different stages, and one at Highland."""
    draft = new_request(world)
    early = validated(world)  # decision due Tue 12 May 2026
    _move(clock, "2026-05-01")
    late = validated(world)
    waiting = submitted(world)
    submitted(world, authority="HIGH")
    return {"draft": draft, "early": early, "late": late, "waiting": waiting}


def test_decision_due_dates_behind_the_queue(world: World, clock):
    refs = _queue(world, clock)
    due = {k: world.officer.case(refs[k])["next_due_date"] for k in ("early", "late", "waiting")}
    # 30 working days beginning Fri 1 May 2026: 1 (1), 4-8 (6), 11-15 (11), 18-22 (16),
    # 25-29 (21), 1-5 June (26), 8-11 June (30).
    assert due == {"early": "2026-05-12", "late": "2026-06-11", "waiting": None}


def test_queue_filters_by_state(world: World, clock):
    refs = _queue(world, clock)
    assert _refs(world, "state=under_consideration") == [refs["early"], refs["late"]]
    assert _refs(world, "state=submitted") == [refs["waiting"]]
    assert _refs(world, "state=draft") == []
    assert _refs(world, "kind=participation_request") == [
        refs["early"],
        refs["late"],
        refs["waiting"],
    ]
    assert _refs(world, "kind=asset_transfer_request") == []


def test_queue_overdue_is_an_authority_deadline_passed(world: World, clock):
    refs = _queue(world, clock)
    _move(clock, "2026-05-12")  # the last day for the early request: not yet overdue
    assert _refs(world, "overdue=true") == []
    _move(clock, "2026-05-13")
    assert _refs(world, "overdue=true") == [refs["early"]]
    assert _refs(world, "overdue=false") == [refs["late"], refs["waiting"]]
    items = world.officer.get("/api/v1/cases?overdue=true").json["items"]
    assert items[0]["overdue"] is True
    early = world.officer.case(refs["early"])
    assert [d["status"] for d in early["deadlines"] if d["rule"] == "pr.decision"] == ["overdue"]


def test_queue_due_before_is_strictly_before(world: World, clock):
    refs = _queue(world, clock)
    assert _refs(world, "due_before=2026-05-12") == []
    assert _refs(world, "due_before=2026-05-13") == [refs["early"]]
    assert _refs(world, "due_before=2026-06-12") == [refs["early"], refs["late"]]


def test_queue_is_sorted_by_next_due_date_with_undated_last(world: World, clock):
    refs = _queue(world, clock)
    assert _refs(world) == [refs["early"], refs["late"], refs["waiting"]]
    assert _refs(world, "sort=reference") == sorted([refs["early"], refs["late"], refs["waiting"]])


def test_queue_is_paginated_with_a_total(world: World, clock):
    refs = _queue(world, clock)
    pages = [world.officer.get(f"/api/v1/cases?page_size=2&page={n}").json for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    seen = [c["reference"] for p in pages for c in p["items"]]
    assert seen == [refs["early"], refs["late"], refs["waiting"]]


def test_a_bodys_list_has_its_own_requests_drafts_included(world: World, clock):
    refs = _queue(world, clock)
    mine = set(_refs(world, caller=world.body))
    assert {refs["draft"], refs["early"], refs["late"], refs["waiting"]} <= mine
    assert len(mine) == 5  # and the request to Highland
    assert _refs(world, caller=world.other_body) == []
