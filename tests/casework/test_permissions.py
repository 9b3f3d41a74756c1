"""Who may see and act on what, across two authorities and two bodies.

The rule (issue 2, "Identity and permissions"): officers and managers act only on their
own authority's submitted cases; community users see and act only on their own body's
cases; a draft is the body's own. Anything a user may not see is a 404, so nobody learns
that it exists. A user who can see a case but tries an action that belongs to the other
side gets a 403.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.auth import create_user, issue_token
from casework.models import Case, Event, User
from tests.casework.conftest import (
    NEW_BODY,
    REQUEST,
    Caller,
    World,
    considerations,
    decide,
    new_request,
    submitted,
    validated,
)


def _urls(ref: str, notice_id: int | None = None) -> list[str]:
    urls = [
        f"/api/v1/cases/{ref}",
        f"/api/v1/cases/{ref}/events",
        f"/api/v1/cases/{ref}/notices",
    ]
    if notice_id is not None:
        urls.append(f"/api/v1/cases/{ref}/notices/{notice_id}")
    return urls


def _assert_invisible(caller: Caller, ref: str, notice_id: int | None = None) -> None:
    """Every way of reading or changing the case is a 404, and the list leaves it out."""
    for url in _urls(ref, notice_id):
        r = caller.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert r.mimetype == "application/problem+json"
    assert caller.act(ref, "withdraw").status_code == 404
    assert caller.act(ref, "validate").status_code == 404
    assert caller.patch(f"/api/v1/cases/{ref}", json={"reasons": "x"}).status_code == 404
    listed = caller.get("/api/v1/cases?page_size=200")
    if listed.status_code == 200:
        assert ref not in [c["reference"] for c in listed.json["items"]]


def _acknowledgement_id(world: World, ref: str) -> int:
    notices = world.officer.get(f"/api/v1/cases/{ref}/notices").json
    return next(n["id"] for n in notices if n["kind"] == "acknowledgement")


# -- two authorities --------------------------------------------------------------------


def test_officer_of_another_authority_gets_404_on_every_part_of_a_case(world: World):
    ref = validated(world)
    _assert_invisible(world.other_officer, ref, _acknowledgement_id(world, ref))
    assert world.officer.case(ref)["state"] == "under_consideration"


def test_officers_act_only_on_their_own_authoritys_cases(world: World):
    fife = submitted(world)
    highland = submitted(world, authority="HIGH")
    assert highland.startswith("PR-HIGH-2026-")

    assert world.officer.act(highland, "validate").status_code == 404
    assert world.other_officer.act(fife, "validate").status_code == 404
    assert world.other_officer.act(highland, "validate").json["state"] == "under_consideration"
    assert world.officer.act(fife, "validate").json["state"] == "under_consideration"

    def listed(caller: Caller) -> set[str]:
        return {c["reference"] for c in caller.get("/api/v1/cases?page_size=200").json["items"]}

    assert listed(world.officer) == {fife}
    assert listed(world.manager) == {fife}
    assert listed(world.other_officer) == {highland}


def test_manager_acts_on_the_authoritys_cases_and_is_recorded_as_the_actor(world: World):
    ref = validated(world)
    r = world.manager.act(
        ref,
        "decide",
        {"outcome": "refused", "reasons": "No capacity.", "considerations": considerations()},
    )
    assert r.json["state"] == "refused"
    events = world.manager.get(f"/api/v1/cases/{ref}/events").json
    (decided,) = [e for e in events if e["type"] == "action.decide"]
    assert "manager@fife.test" in decided["actor"]


# -- two bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "submitted", "validated"])
def test_other_bodys_member_gets_404_on_every_part_of_a_case(world: World, stage: str):
    ref = {"draft": new_request, "submitted": submitted, "validated": validated}[stage](world)
    notice_id = _acknowledgement_id(world, ref) if stage == "validated" else None
    _assert_invisible(world.other_body, ref, notice_id)
    assert world.body.case(ref)["reference"] == ref


def test_a_body_cannot_make_a_request_in_another_bodys_name(world: World):
    r = world.other_body.post("/api/v1/cases", json={**REQUEST, "community_body": world.body_id})
    assert r.status_code == 404
    assert world.body.get("/api/v1/cases").json["total"] == 0


def test_a_request_is_always_made_in_the_members_own_bodys_name(world: World):
    r = world.other_body.post("/api/v1/cases", json=REQUEST)
    assert r.json["community_body"]["name"] == "Burntisland Development Trust"
    assert world.body.get(f"/api/v1/cases/{r.json['reference']}").status_code == 404


def test_other_bodys_member_gets_404_on_the_body_itself(world: World):
    url = f"/api/v1/community-bodies/{world.body_id}"
    assert world.other_body.get(url).status_code == 404
    assert world.other_body.get(f"{url}/eligibility").status_code == 404
    assert world.other_body.patch(url, json={"name": "Renamed"}).status_code == 404
    assert world.body.get(url).json["name"] == "Kinghorn Community Trust"


# -- community bodies: who may register one -------------------------------------------

BODY = NEW_BODY


def _newcomer(world: World, session) -> Caller:
    """A community user who has no body yet."""
    user = create_user(session, email="new@aberdour.test", role="community")
    caller = Caller(world.body.client, issue_token(session, user), "new@aberdour.test")
    session.commit()
    return caller


def test_a_community_user_with_no_body_registers_one_and_becomes_its_member(world, session):
    newcomer = _newcomer(world, session)
    r = newcomer.post("/api/v1/community-bodies", json=BODY)
    assert r.status_code == 201, r.json
    body = r.json
    assert {k: body[k] for k in BODY} == BODY
    assert newcomer.get(f"/api/v1/community-bodies/{body['id']}").json["name"] == BODY["name"]
    # As its member, the user makes requests in its name, and only its name.
    case = newcomer.post("/api/v1/cases", json=REQUEST)
    assert case.json["community_body"]["id"] == body["id"]
    assert world.body.get(f"/api/v1/community-bodies/{body['id']}").status_code == 404


def test_a_community_user_who_has_a_body_cannot_register_another(world: World):
    r = world.body.post("/api/v1/community-bodies", json=BODY)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"


def test_an_admin_registers_a_body_without_joining_it(world: World):
    r = world.admin.post("/api/v1/community-bodies", json=BODY)
    assert r.status_code == 201
    assert world.admin.get(f"/api/v1/community-bodies/{r.json['id']}").status_code == 200
    assert world.admin.post("/api/v1/community-bodies", json=BODY).status_code == 201


@pytest.mark.parametrize("who", ["officer", "manager", "public"])
def test_officers_and_the_public_cannot_register_a_body(world: World, who: str):
    r = getattr(world, who).post("/api/v1/community-bodies", json=BODY)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


@pytest.mark.parametrize("field", ["name", "contact_address", "legal_form", "member_count"])
def test_a_body_without_a_required_field_is_422_naming_it(world, session, field):
    newcomer = _newcomer(world, session)
    r = newcomer.post(
        "/api/v1/community-bodies", json={k: v for k, v in BODY.items() if k != field}
    )
    assert field in r.json["errors"] and r.status_code == 422


# -- drafts -----------------------------------------------------------------------------


def test_a_draft_is_invisible_to_every_officer_until_it_is_submitted(world: World):
    ref = new_request(world)
    for officer in (world.officer, world.manager, world.other_officer):
        _assert_invisible(officer, ref)
    world.body.act(ref, "submit")
    assert world.officer.case(ref)["state"] == "submitted"
    assert world.manager.case(ref)["state"] == "submitted"
    _assert_invisible(world.other_officer, ref)


def test_a_draft_withdrawn_before_submission_stays_private(world: World):
    ref = new_request(world)
    assert world.body.act(ref, "withdraw").json["state"] == "withdrawn"
    _assert_invisible(world.officer, ref)


def test_a_body_with_only_a_draft_is_not_shown_to_the_authority(world: World):
    """Drafts are private: an officer must not learn of a body from its unsent draft."""
    ref = new_request(world)
    url = f"/api/v1/community-bodies/{world.body_id}"
    assert world.officer.get(url).status_code == 404
    world.body.act(ref, "submit")
    assert world.officer.get(url).json["name"] == "Kinghorn Community Trust"
    assert world.other_officer.get(url).status_code == 404


# -- the public -------------------------------------------------------------------------


def test_the_public_gets_404_on_cases(world: World):
    """Without a token. A bad token is a 401, not the public (tests/casework/test_bad_tokens.py)."""
    public = Caller(world.public.client, None)
    ref = validated(world)
    _assert_invisible(public, ref, _acknowledgement_id(world, ref))
    listed = public.get("/api/v1/cases")
    assert listed.status_code == 404 or listed.json["items"] == []
    # Making a request is an action the public may not take (403), whatever it sends.
    r = public.post("/api/v1/cases", json=REQUEST)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_the_public_gets_404_on_community_bodies(world: World):
    assert world.public.get(f"/api/v1/community-bodies/{world.body_id}").status_code == 404


# -- the wrong side's action on a visible case: 403 -------------------------------------


BODY_ACTIONS = [
    ("supply_information", {"reasons": "x"}, "awaiting_information"),
    ("comment_on_process", {"comments": "x"}, "awaiting_process_comments"),
    ("withdraw", {}, "submitted"),
]
OFFICER_ACTIONS = [
    ("validate", {}, "submitted"),
    ("request_missing_items", {"missing": ["reasons"]}, "submitted"),
    (
        "decide",
        {"outcome": "refused", "reasons": "x", "considerations": considerations()},
        "under_consideration",
    ),
    ("agree_extension", {"new_due_date": "2026-12-31"}, "under_consideration"),
]


def _at(world: World, state: str) -> str:
    if state == "submitted":
        return submitted(world)
    if state == "awaiting_information":
        ref = submitted(world)
        world.officer.act(ref, "request_missing_items", {"missing": ["reasons"]})
        return ref
    ref = validated(world)
    if state == "awaiting_process_comments":
        decide(world, ref)
    return ref


@pytest.mark.parametrize(("action", "payload", "state"), OFFICER_ACTIONS)
def test_community_user_cannot_take_an_officer_action_on_its_own_case(
    world: World, action, payload, state
):
    ref = _at(world, state)
    r = world.body.act(ref, action, payload)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert world.body.case(ref)["state"] == state
    assert action not in [a["action"] for a in world.body.case(ref)["available_actions"]]


@pytest.mark.parametrize(("action", "payload", "state"), BODY_ACTIONS)
def test_officer_cannot_take_the_bodys_action(world: World, action, payload, state):
    ref = _at(world, state)
    for officer in (world.officer, world.manager):
        r = officer.act(ref, action, payload)
        assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert world.officer.case(ref)["state"] == state


def test_officer_cannot_edit_the_bodys_request(world: World):
    ref = submitted(world)
    r = world.officer.patch(f"/api/v1/cases/{ref}", json={"reasons": "Officer's words"})
    assert r.status_code == 403
    assert world.body.case(ref)["reasons"] == REQUEST["reasons"]


def test_officer_cannot_make_a_request(world: World):
    r = world.officer.post("/api/v1/cases", json=REQUEST)
    assert r.status_code == 403 and r.mimetype == "application/problem+json"


def test_admin_sees_every_case_but_takes_no_party_action(world: World):
    draft, fife, highland = new_request(world), validated(world), submitted(world, authority="HIGH")
    listed = {c["reference"] for c in world.admin.get("/api/v1/cases").json["items"]}
    assert listed == {draft, fife, highland}
    case = world.admin.case(fife)
    assert case["available_actions"] == [] and case["blocked_actions"] == []
    assert world.admin.act(fife, "withdraw").status_code == 403
    assert world.admin.case(fife)["state"] == "under_consideration"


# -- the event log ----------------------------------------------------------------------


def test_the_orm_refuses_to_change_or_delete_an_event(world: World, session):
    ref = submitted(world)
    case = session.scalar(select(Case).where(Case.reference == ref))
    event = session.scalars(select(Event).where(Event.case_id == case.id)).first()
    event.actor = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(session.get(Event, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()


# -- every event records who acted ------------------------------------------------------


def test_every_event_records_who_acted(world: World, session):
    ref = validated(world, additional_authorities=["NHSF"])
    world.manager.act(ref, "notify_additional_authorities")
    world.officer.act(
        ref, "record_authority_reply", {"authority": "NHSF", "will_participate": True}
    )
    decide(world, ref)
    world.body.act(ref, "comment_on_process", {"comments": "Include the crossing patrol."})

    case = session.scalar(select(Case).where(Case.reference == ref))
    events = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id)).all()
    users = {u.id: u.email for u in session.scalars(select(User))}
    assert len(events) > 10
    # Each change is made by the user whose request made it, and says so.
    expected = {
        "action.submit": "secretary@kinghorn.test",
        "action.validate": "officer@fife.test",
        "action.notify_additional_authorities": "manager@fife.test",
        "action.record_authority_reply": "officer@fife.test",
        "action.decide": "officer@fife.test",
        "action.comment_on_process": "secretary@kinghorn.test",
    }
    acted = {}
    for e in events:
        assert e.actor, e.type
        assert e.actor_user_id is not None, e.type
        assert users[e.actor_user_id] in e.actor
        if e.type in expected:
            acted[e.type] = users[e.actor_user_id]
    assert acted == expected
    # Deadline and notice events carry the actor of the action that caused them.
    reply = {
        e.type: users[e.actor_user_id]
        for e in events
        if e.payload.get("rule") == "pr.additional_authority_reply"
    }
    assert reply == {"deadline.set": "manager@fife.test", "deadline.met": "officer@fife.test"}
    (notice,) = [e for e in events if e.payload.get("kind") == "decision_notice"]
    assert users[notice.actor_user_id] == "officer@fife.test"
