"""Community planning (Part 2 of the Act): an authority's LOIP priorities (s.6) and its
localities with locality plans (s.10), kept by its managers; cases linked to them by its
officers; and each annual report figure (s.32) broken down by them, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select

from casework import annual_reports as ar
from casework import planning
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.models import Authority, Case, CasePlanItem, Event, User
from tests.casework.conftest import World, decide, move, ok, submitted
from workflows import participation as pr


def _user(session, caller) -> User:
    return session.scalar(select(User).where(User.email == caller.email))


def _case(session, reference: str) -> Case:
    return session.scalar(select(Case).where(Case.reference == reference))


def _fife(session) -> Authority:
    return session.scalar(select(Authority).where(Authority.code == "FIFE"))


def _item(session, manager, kind: str, name: str, **extra):
    return planning.create(session, manager, {"kind": kind, "name": name, **extra})


def test_part2_a_manager_records_priorities_and_localities_each_after_the_last(
    world: World, session
):
    manager = _user(session, world.manager)
    first = _item(session, manager, "priority", "Opportunities for all")
    second = _item(session, manager, "priority", "Thriving places", description="Homes")
    place = _item(session, manager, "locality", "Kirkcaldy", plan_url="https://fife.test/k")
    assert [i.name for i in planning.items(session, manager.authority_id, "priority")] == [
        "Opportunities for all",
        "Thriving places",
    ]
    assert (first.position, second.position, place.position) == (0, 1, 0)
    assert place.plan_url == "https://fife.test/k" and second.description == "Homes"
    made = session.scalars(
        select(Event).where(Event.type == "planning.item_created").order_by(Event.id)
    ).all()
    # A plan item's changes have no case: they are on the authority's own chain.
    assert [(e.case_id, e.payload["name"], e.actor_user_id) for e in made] == [
        (None, "Opportunities for all", manager.id),
        (None, "Thriving places", manager.id),
        (None, "Kirkcaldy", manager.id),
    ]


def test_part2_a_manager_changes_reorders_and_retires_an_item(world: World, session):
    manager = _user(session, world.manager)
    a = _item(session, manager, "priority", "Opportunities for all")
    b = _item(session, manager, "priority", "Thriving places")
    planning.update(session, a, manager, {"name": "Opportunities for all ", "plan_url": ""})
    assert not session.scalars(select(Event).where(Event.type == "planning.item_updated")).all()
    planning.update(session, a, manager, {"description": "Less poverty"})
    changed = session.scalar(select(Event).where(Event.type == "planning.item_updated"))
    assert changed.payload["fields"] == ["description"]
    planning.move(session, b, manager, "up")
    order = planning.items(session, manager.authority_id, "priority")
    assert [i.name for i in order] == ["Thriving places", "Opportunities for all"]
    with pytest.raises(Conflict):
        planning.move(session, b, manager, "up")  # already first
    planning.retire(session, a, manager, dt.date(2026, 5, 1))
    assert a.retired_on == dt.date(2026, 5, 1)
    with pytest.raises(Conflict):
        planning.retire(session, a, manager, dt.date(2026, 5, 2))
    assert [i.name for i in planning.items(session, manager.authority_id, live=True)] == [
        "Thriving places"
    ]
    with pytest.raises(Invalid):
        planning.update(session, b, manager, {"name": "  "})


def test_part2_only_the_authoritys_managers_change_its_items(world: World, session):
    manager, officer = _user(session, world.manager), _user(session, world.officer)
    other = _user(session, world.other_officer)
    item = _item(session, manager, "priority", "Opportunities for all")
    for who in (officer, other, _user(session, world.body), _user(session, world.admin)):
        with pytest.raises(Forbidden):
            planning.create(session, who, {"kind": "priority", "name": "Mine"})
        with pytest.raises(Forbidden):
            planning.update(session, item, who, {"name": "Changed"})
        with pytest.raises(Forbidden):
            planning.retire(session, item, who, dt.date(2026, 5, 1))
    # The officer reads them; Highland's officer is told there is no such item.
    assert planning.item_for(session, officer, item.id) is item
    with pytest.raises(NotFound):
        planning.item_for(session, other, item.id)
    assert item.name == "Opportunities for all" and item.retired_on is None


def test_part2_an_officer_links_and_unlinks_a_case_and_each_is_on_its_timeline(
    world: World, session
):
    manager, officer = _user(session, world.manager), _user(session, world.officer)
    ref = submitted(world)
    case = _case(session, ref)
    priority = _item(session, manager, "priority", "Opportunities for all")
    place = _item(session, manager, "locality", "Kirkcaldy")
    assert planning.link(session, case, priority, officer) is True
    assert planning.link(session, case, priority, officer) is False  # already linked
    assert planning.link(session, case, place, manager) is True  # managers may link too
    assert [i.name for i in planning.linked(session, case)] == [
        "Kirkcaldy",
        "Opportunities for all",
    ]
    assert planning.unlink(session, case, place, officer) is True
    assert planning.unlink(session, case, place, officer) is False
    logged = session.scalars(
        select(Event)
        .where(Event.case_id == case.id, Event.type.like("planning.%"))
        .order_by(Event.id)
    ).all()
    assert [(e.type, e.payload["name"], e.actor_user_id) for e in logged] == [
        ("planning.linked", "Opportunities for all", officer.id),
        ("planning.linked", "Kirkcaldy", manager.id),
        ("planning.unlinked", "Kirkcaldy", officer.id),
    ]


def test_part2_linking_is_the_authoritys_side_of_the_case(world: World, session):
    manager = _user(session, world.manager)
    case = _case(session, submitted(world))
    item = _item(session, manager, "priority", "Opportunities for all")
    for caller in (world.body, world.other_officer, world.admin):
        with pytest.raises(Forbidden):
            planning.link(session, case, item, _user(session, caller))
    # Highland's priority is not one a Fife case can be linked to.
    highland_manager = _user(session, world.other_officer)
    highland_manager.role = "manager"
    theirs = _item(session, highland_manager, "priority", "Highland outcomes")
    with pytest.raises(NotFound):
        planning.link(session, case, theirs, _user(session, world.officer))
    assert session.scalars(select(CasePlanItem)).all() == []


def test_part2_a_retired_item_keeps_its_links_but_is_not_offered_for_new_ones(
    world: World, session
):
    manager, officer = _user(session, world.manager), _user(session, world.officer)
    kept, fresh = _case(session, submitted(world)), _case(session, submitted(world))
    old = _item(session, manager, "priority", "Inclusive growth and jobs")
    live = _item(session, manager, "priority", "Thriving places")
    planning.link(session, kept, old, officer)
    planning.retire(session, old, manager, dt.date(2026, 5, 1))
    assert [i.name for i in planning.linked(session, kept)] == ["Inclusive growth and jobs"]
    with pytest.raises(Conflict):
        planning.link(session, fresh, old, officer)
    # The page's form offers the retired item only where the case already has it.
    with pytest.raises(Invalid) as refused:
        planning.set_links(session, fresh, {"priority": [old.id]}, officer)
    assert "priority" in refused.value.errors
    added, removed = planning.set_links(session, kept, {"priority": [old.id, live.id]}, officer)
    assert ([i.name for i in added], removed) == (["Thriving places"], [])
    added, removed = planning.set_links(session, kept, {"priority": [live.id]}, officer)
    assert (added, [i.name for i in removed]) == ([], ["Inclusive growth and jobs"])
    # A locality's id sent as a priority is refused too.
    place = _item(session, manager, "locality", "Kirkcaldy")
    with pytest.raises(Invalid):
        planning.set_links(session, kept, {"priority": [place.id]}, officer)


def test_s32_figures_by_priority_and_by_locality_worked_out_by_hand(world: World, session, clock):
    """Year 2026 runs from Wednesday 1 April 2026 to Wednesday 31 March 2027 (s.32(4)).

    D is received on 31 March 2026 (the year before); A, B and C on 1 April 2026. A is
    agreed and B refused on 10 April. Links: A to Opportunities for all, Thriving places
    and Kirkcaldy; B to Thriving places, Community led services and Levenmouth; C to
    nothing; D to Opportunities for all. Inclusive growth and jobs was retired on 1 March
    2026, before the year, and nothing counted is linked to it: it is no column. Community
    led services was retired on 1 June 2026, during the year: it is still a column.

    By priority:   received  A,B,C -> Opportunities 1 (A), Thriving 2 (A,B), Community
                   led 1 (B); not linked 1 (C).
                   agreed    A     -> 1, 1, 0; not linked 0.
                   refused   B     -> 0, 1, 1; not linked 0.
                   service changed: none -> 0, 0, 0; not linked 0.
    By locality:   received -> Kirkcaldy 1 (A), Levenmouth 1 (B); not linked 1 (C).
                   agreed -> 1, 0, 0; refused -> 0, 1, 0; service changed -> 0, 0, 0.
    """
    manager, officer = _user(session, world.manager), _user(session, world.officer)
    move(clock, "2026-03-31")
    d = submitted(world, title="D")
    move(clock, "2026-04-01")
    a, b, c = (submitted(world, title=t) for t in "ABC")
    for ref in (a, b):
        ok(world.officer.act(ref, "validate"))
    move(clock, "2026-04-10")
    ok(decide(world, a))
    ok(decide(world, b, "refused"))

    opportunities = _item(session, manager, "priority", "Opportunities for all")
    growth = _item(session, manager, "priority", "Inclusive growth and jobs")
    thriving = _item(session, manager, "priority", "Thriving places")
    community = _item(session, manager, "priority", "Community led services")
    kirkcaldy = _item(session, manager, "locality", "Kirkcaldy")
    levenmouth = _item(session, manager, "locality", "Levenmouth")
    for ref, linked_to in (
        (a, (opportunities, thriving, kirkcaldy)),
        (b, (thriving, community, levenmouth)),
        (d, (opportunities,)),
    ):
        for item in linked_to:
            planning.link(session, _case(session, ref), item, officer)
    planning.retire(session, growth, manager, dt.date(2026, 3, 1))
    planning.retire(session, community, manager, dt.date(2026, 6, 1))
    session.flush()

    found = ar.figures(session, _fife(session), pr.KIND, 2026)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        priorities = planning.by_plan_item(session, found, "priority")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 2  # the items, and the counted cases' links: no N+1

    def table(rows):
        return {r.key: ([c.count for c in r.by_item], r.unlinked) for r in rows}

    assert [c.name for c in priorities[0].by_item] == [
        "Opportunities for all",
        "Thriving places",
        "Community led services",
    ]
    assert table(priorities) == {
        "received": ([1, 2, 1], 1),
        "agreed": ([1, 1, 0], 0),
        "refused": ([0, 1, 1], 0),
        "service_changed": ([0, 0, 0], 0),
    }
    localities = planning.by_plan_item(session, found, "locality")
    assert [c.name for c in localities[0].by_item] == ["Kirkcaldy", "Levenmouth"]
    assert table(localities) == {
        "received": ([1, 1], 1),
        "agreed": ([1, 0], 0),
        "refused": ([0, 1], 0),
        "service_changed": ([0, 0], 0),
    }
    # The year before: D alone was received, linked to Opportunities for all. Growth was
    # retired on 1 March 2026, within that year, so it is a column there.
    before = planning.by_plan_item(session, ar.figures(session, _fife(session), pr.KIND, 2025))
    assert [c.name for c in before[0].by_item] == [
        "Opportunities for all",
        "Inclusive growth and jobs",
        "Thriving places",
        "Community led services",
    ]
    assert table(before)["received"] == ([1, 0, 0, 0], 0)

    # The snapshot's copy: names and counts, never the cases' references.
    shown = planning.lens(session, found)
    assert shown["locality"] == {
        "items": [
            {"name": "Kirkcaldy", "retired_on": None},
            {"name": "Levenmouth", "retired_on": None},
        ],
        "figures": [
            {"key": "received", "label": "Requests received", "by_item": [1, 1], "unlinked": 1},
            {"key": "agreed", "label": "Requests agreed", "by_item": [1, 0], "unlinked": 0},
            {"key": "refused", "label": "Requests refused", "by_item": [0, 1], "unlinked": 0},
            {
                "key": "service_changed",
                "label": "Requests that resulted in a change to a public service",
                "by_item": [0, 0],
                "unlinked": 0,
            },
        ],
    }
    assert all(ref not in str(shown) for ref in (a, b, c, d))


def test_s32_an_authority_with_no_plan_items_counts_every_case_as_not_linked(world: World, session):
    submitted(world)
    submitted(world)
    rows = planning.by_plan_item(session, ar.figures(session, _fife(session), pr.KIND, 2026))
    assert [(r.key, r.by_item, r.unlinked) for r in rows] == [
        ("received", (), 2),
        ("agreed", (), 0),
        ("refused", (), 0),
        ("service_changed", (), 0),
    ]
