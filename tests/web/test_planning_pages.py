"""The community planning pages (Part 2 of the Act): a manager records the authority's LOIP
priorities (s.6) and localities (s.10) and retires one; an officer reads them and links a
case to them from its page; no one else sees or changes them. Through the Flask test
client, then in a real browser at 1280 and 375 px, axe clean."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import render_template
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from casework import annual_reports as ar
from casework import planning
from casework.crypto import Keyring, configured_keys
from casework.models import Authority, Case, CasePlanItem, Event, PlanItem, User
from tests.casework.conftest import World, submitted
from tests.web.conftest import PASSWORD
from tests.web.test_case_pages import submitted_request
from tests.web.test_hardening import token_of, web_client
from tests.web.test_journeys import choose, click, sign_in
from tests.web.test_officer_pages import signed_in_manager, text_of
from tests.web.test_phone import assert_fits
from workflows import participation as pr


def _item(session, world: World, kind: str, name: str) -> PlanItem:
    manager = session.scalar(select(User).where(User.email == world.manager.email))
    item = planning.create(session, manager, {"kind": kind, "name": name})
    session.commit()
    return item


def _post(client, path: str, data: dict | list, token_from: str = "/sign-out"):
    token = token_of(client.get(token_from).get_data(as_text=True))
    form = list(data.items()) if isinstance(data, dict) else list(data)
    return client.post(path, data=MultiDict([("csrf_token", token), *form]))


def test_part2_a_manager_adds_a_priority_and_a_locality_and_the_form_says_what_is_wrong(
    app, world: World, session
):
    manager = signed_in_manager(app, world, session)
    empty = _post(manager, "/planning/new", {"kind": "priority", "name": ""})
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#f-name"' in html
    bad_url = _post(
        manager, "/planning/new", {"kind": "locality", "name": "Kirkcaldy", "plan_url": "nope"}
    )
    assert bad_url.status_code == 422 and 'href="#f-plan-url"' in bad_url.get_data(as_text=True)

    added = _post(
        manager,
        "/planning/new",
        {"kind": "priority", "name": "Opportunities for all", "description": "Less poverty"},
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/planning")
    _post(
        manager,
        "/planning/new",
        {"kind": "locality", "name": "Kirkcaldy", "plan_url": "https://fife.test/kirkcaldy"},
    )
    text = text_of(manager.get("/planning").get_data(as_text=True))
    assert "Opportunities for all Less poverty" in text
    assert "Kirkcaldy The published plan" in text
    assert "Add a priority" in text and "Add a locality" in text
    made = session.scalars(
        select(Event).where(Event.type == "planning.item_created").order_by(Event.id)
    ).all()
    assert [(e.case_id, e.payload["name"]) for e in made] == [
        (None, "Opportunities for all"),
        (None, "Kirkcaldy"),
    ]


def test_part2_a_manager_changes_and_retires_a_priority_and_cannot_retire_it_twice(
    app, world: World, session
):
    item = _item(session, world, "priority", "Inclusive growth and jobs")
    manager = signed_in_manager(app, world, session)
    page = manager.get(f"/planning/{item.id}").get_data(as_text=True)
    assert "Retire Inclusive growth and jobs" in page
    changed = _post(
        manager, f"/planning/{item.id}", {"name": "Inclusive growth", "description": ""}
    )
    assert changed.status_code == 302
    assert _post(manager, f"/planning/{item.id}", {"name": ""}).status_code == 422
    retired = _post(manager, f"/planning/{item.id}/retire", {})
    assert retired.status_code == 302
    text = text_of(manager.get("/planning").get_data(as_text=True))
    # The test clock's day: Wednesday 1 April 2026.
    assert "Inclusive growth 0 Retired on 1 April 2026" in text
    assert _post(manager, f"/planning/{item.id}/retire", {}).status_code == 409


def test_part2_an_officer_reads_the_plan_but_only_a_manager_changes_it(app, world: World, session):
    item = _item(session, world, "priority", "Opportunities for all")
    officer = web_client(app, session, world.officer.email)
    text = text_of(officer.get("/planning").get_data(as_text=True))
    assert "Opportunities for all" in text and "Only a manager can add" in text
    assert "Add a priority" not in text
    assert officer.get("/planning/new").status_code == 403
    assert officer.get(f"/planning/{item.id}").status_code == 403
    # Refused before the form is read: no name at all, still 403.
    assert _post(officer, "/planning/new", {}).status_code == 403
    assert _post(officer, f"/planning/{item.id}", {}).status_code == 403
    assert _post(officer, f"/planning/{item.id}/retire", {}).status_code == 403
    assert _post(officer, f"/planning/{item.id}/move", {"direction": "up"}).status_code == 403
    assert session.get(PlanItem, item.id).retired_on is None


def test_part2_another_authority_neither_sees_nor_changes_fifes_plan(app, world: World, session):
    item = _item(session, world, "priority", "Opportunities for all")
    highland = web_client(app, session, world.other_officer.email)
    assert "Opportunities for all" not in highland.get("/planning").get_data(as_text=True)
    assert highland.get(f"/planning/{item.id}").status_code == 404
    assert _post(highland, f"/planning/{item.id}/retire", {}).status_code == 404
    assert highland.get("/planning/999999").status_code == 404
    assert highland.get("/planning/99999999999999").status_code == 404  # beyond an integer
    body = web_client(app, session, world.body.email)
    assert body.get("/planning").status_code == 404
    assert web_client(app).get("/planning").status_code == 302  # sign in first


def test_part2_an_officer_links_a_case_from_its_page_and_unlinks_it(app, world: World, session):
    ref = submitted(world)
    priority = _item(session, world, "priority", "Opportunities for all")
    _item(session, world, "priority", "Thriving places")
    place = _item(session, world, "locality", "Kirkcaldy")
    officer = web_client(app, session, world.officer.email)
    case_page = officer.get(f"/cases/{ref}").get_data(as_text=True)
    assert f'href="/cases/{ref}/planning"' in case_page
    assert "Priorities None linked Localities None linked" in text_of(case_page)

    form = officer.get(f"/cases/{ref}/planning").get_data(as_text=True)
    assert "Which priorities of the local outcomes improvement plan does it concern?" in form
    saved = _post(
        officer,
        f"/cases/{ref}/planning",
        [("priority", ""), ("priority", str(priority.id)), ("locality", str(place.id))],
        token_from=f"/cases/{ref}/planning",
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/cases/{ref}#planning")
    text = text_of(officer.get(f"/cases/{ref}").get_data(as_text=True))
    assert "Priorities Opportunities for all Localities Kirkcaldy Change" in text
    # The form shows what is linked, ticked.
    form = officer.get(f"/cases/{ref}/planning").get_data(as_text=True)
    assert re.search(rf'value="{priority.id}" checked', form)

    # Nothing ticked (the hidden empty value only): every link is removed.
    cleared = _post(
        officer,
        f"/cases/{ref}/planning",
        [("priority", ""), ("locality", "")],
        token_from=f"/cases/{ref}/planning",
    )
    assert cleared.status_code == 302
    case = session.scalar(select(Case).where(Case.reference == ref))
    assert session.scalars(select(CasePlanItem).where(CasePlanItem.case_id == case.id)).all() == []
    types = session.scalars(
        select(Event.type)
        .where(Event.case_id == case.id, Event.type.like("planning.%"))
        .order_by(Event.id)
    ).all()
    assert types == ["planning.linked"] * 2 + ["planning.unlinked"] * 2


def test_part2_the_link_form_refuses_what_it_does_not_offer(app, world: World, session, clock):
    ref = submitted(world)
    retired = _item(session, world, "priority", "Inclusive growth and jobs")
    _item(session, world, "priority", "Thriving places")
    place = _item(session, world, "locality", "Kirkcaldy")
    manager = session.scalar(select(User).where(User.email == world.manager.email))
    planning.retire(session, retired, manager, clock.today())
    session.commit()
    officer = web_client(app, session, world.officer.email)
    assert "Inclusive growth and jobs" not in officer.get(f"/cases/{ref}/planning").get_data(
        as_text=True
    )
    for wrong in (str(retired.id), str(place.id), "abc", "99999999999"):
        answer = _post(
            officer,
            f"/cases/{ref}/planning",
            {"priority": wrong},
            token_from=f"/cases/{ref}/planning",
        )
        assert answer.status_code == 422, wrong
        html = answer.get_data(as_text=True)
        assert 'href="#f-priority"' in html and "Thriving places" in html, wrong


def test_part2_linking_is_for_the_cases_authority_only(app, world: World, session):
    ref = submitted(world)
    item = _item(session, world, "priority", "Opportunities for all")
    body = web_client(app, session, world.body.email)
    # The body sees its case, and no planning section on it; linking is not its to do.
    assert "Community planning" not in body.get(f"/cases/{ref}").get_data(as_text=True)
    assert body.get(f"/cases/{ref}/planning").status_code == 403
    token = token_of(body.get(f"/cases/{ref}").get_data(as_text=True))
    posted = body.post(
        f"/cases/{ref}/planning", data={"csrf_token": token, "priority": str(item.id)}
    )
    assert posted.status_code == 403
    highland = web_client(app, session, world.other_officer.email)
    assert highland.get(f"/cases/{ref}/planning").status_code == 404
    assert highland.get("/cases/PR-NOPE-1/planning").status_code == 404
    assert session.scalars(select(CasePlanItem)).all() == []


def test_part2_the_community_planning_link_is_in_the_managers_navigation_only(
    app, world: World, session
):
    manager = signed_in_manager(app, world, session)
    assert 'href="/planning"' in manager.get("/queue").get_data(as_text=True)
    officer = web_client(app, session, world.officer.email)
    assert 'href="/planning"' not in officer.get("/queue").get_data(as_text=True)


# -- in a browser -------------------------------------------------------------------------


def _manager_signs_in(v, site) -> None:
    secret = pyotp.random_base32()
    with site.sessions() as s:
        manager = s.scalar(select(User).where(User.email == "manager@fife.test"))
        manager.totp_secret = Keyring(configured_keys({}, site.instance)).encrypt(secret)
        s.commit()
    v.go("/sign-in")
    v.page.get_by_label("Email").fill("manager@fife.test")
    v.page.get_by_label("Password").fill(PASSWORD)
    click(v, "Sign in")
    v.page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    click(v, "Continue")


@pytest.mark.parametrize("width", [1280, 375], ids=["desktop", "phone"])
def test_part2_a_manager_records_the_plan_and_an_officer_links_a_case(visit, site, width):
    ref = submitted_request(site)
    v = visit("manager")
    v.page.set_viewport_size({"width": width, "height": 900})
    _manager_signs_in(v, site)
    page = v.go("/planning")
    for kind, name in (
        ("priority", "Opportunities for all"),
        ("priority", "Inclusive growth and jobs"),
        ("locality", "Kirkcaldy"),
    ):
        page.get_by_role("link", name=f"Add a {kind}").click()
        v.check()
        page.get_by_label("Name", exact=True).fill(name)
        click(v, "Save")
        expect(page.locator("main")).to_contain_text(f"Added {name}.")
    if width < 768:
        assert_fits(page)
    page.get_by_role("link", name="Change Inclusive growth and jobs").click()
    v.check()
    click(v, "Retire Inclusive growth and jobs")
    expect(page.locator("main")).to_contain_text("Retired on 1 April 2026")
    page.get_by_role("button", name="Move down Opportunities for all").click()
    v.check()
    v.screenshot(f"planning-list-{width}")
    names = page.locator("#priority + .casework-table-wrap tbody tr strong").all_inner_texts()
    assert names == ["Inclusive growth and jobs", "Opportunities for all"]

    o = visit("officer")
    o.page.set_viewport_size({"width": width, "height": 900})
    sign_in(o, "officer@fife.test")
    page = o.go(f"/cases/{ref}")
    section = page.locator("#planning + dl")
    expect(section).to_contain_text("None linked")
    page.get_by_role(
        "link", name="Change the priorities and localities this request concerns"
    ).click()
    o.check()
    expect(page.locator("main")).not_to_contain_text("Inclusive growth and jobs")
    choose(page, "Opportunities for all")
    choose(page, "Kirkcaldy")
    o.screenshot(f"planning-case-links-{width}")
    if width < 768:
        assert_fits(page)
    click(o, "Save")
    expect(page.locator("main")).to_contain_text("The priorities and localities are saved.")
    expect(page.locator("#planning + dl")).to_contain_text("Opportunities for all")
    expect(page.locator("#planning + dl")).to_contain_text("Kirkcaldy")
    expect(page.locator("main")).to_contain_text(
        "Linked to a community planning priority or locality"
    )
    o.screenshot(f"planning-case-{width}")
    if width < 768:
        assert_fits(page)


def test_s32_the_breakdown_tables_the_reports_include_give_counts_and_no_references(
    app, world: World, session
):
    """`web/planning/_breakdown.html`, as a report includes it: one submitted request
    linked to Kirkcaldy, one to nothing; no priority recorded."""
    linked, unlinked = submitted(world), submitted(world)
    place = _item(session, world, "locality", "Kirkcaldy")
    officer = session.scalar(select(User).where(User.email == world.officer.email))
    case = session.scalar(select(Case).where(Case.reference == linked))
    planning.link(session, case, place, officer)
    fife = session.scalar(select(Authority).where(Authority.code == "FIFE"))
    shown = planning.lens(session, ar.figures(session, fife, pr.KIND, 2026))
    with app.test_request_context():
        html = render_template("web/planning/_breakdown.html", planning=shown)
    text = text_of(html)
    assert "By locality (s.10) Figure Kirkcaldy Not linked to any Requests received 1 1" in text
    assert "No priorities were recorded for this year." in text
    assert '<td data-label="Kirkcaldy">1</td>' in html
    assert linked not in html and unlinked not in html
