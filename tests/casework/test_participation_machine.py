"""Every transition of the participation-request machine, and every forbidden one, via the API.

The cases are generated from the machine itself (`WORKFLOW`), so a new action or state is
covered without a second hand-written list. What each transition must do is written down
once, independently, in `STATUTE_ORDER` (from docs/law.md's "What happens, in order"), and
the machine is checked against it: a wrong destination, a missing transition or an extra
one fails a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.casework.conftest import REQUEST, Caller, World, considerations
from workflows import participation as pr
from workflows.rules import Party

BEFORE_DECISION = frozenset({"draft", "submitted", "awaiting_information", "under_consideration"})

# (trigger, routing) -> (party, source states, destination; None = stays where it is).
# Written from docs/law.md and the issue, not from the machine.
STATUTE_ORDER: dict[tuple[str, str], tuple[Party, frozenset[str], str | None]] = {
    # Draft and submission (s.22).
    ("submit", ""): (Party.BODY, frozenset({"draft"}), "submitted"),
    # 1. Incomplete request: a notice of what is missing (reg 4(1)), and the body's reply.
    ("request_missing_items", ""): (
        Party.AUTHORITY,
        frozenset({"submitted"}),
        "awaiting_information",
    ),
    ("supply_information", ""): (Party.BODY, frozenset({"awaiting_information"}), "submitted"),
    # 2. Validation (regs 4-5); a corrected date keeps the request where it is.
    ("validate", ""): (Party.AUTHORITY, frozenset({"submitted"}), "under_consideration"),
    ("correct_validation_date", ""): (
        Party.AUTHORITY,
        frozenset({"under_consideration"}),
        None,
    ),
    # 3. Other authorities (reg 6): notified, and their replies recorded, before the decision.
    ("notify_additional_authorities", ""): (
        Party.AUTHORITY,
        frozenset({"under_consideration"}),
        None,
    ),
    ("record_authority_reply", ""): (Party.AUTHORITY, frozenset({"under_consideration"}), None),
    # 4. A longer decision period agreed with the body (reg 7), then the decision (s.24).
    ("agree_extension", ""): (Party.AUTHORITY, frozenset({"under_consideration"}), None),
    ("decide", "refused"): (Party.AUTHORITY, frozenset({"under_consideration"}), "refused"),
    # 5. Agreed: a new process (s.25(3)) waits for comments (s.26); an existing one (s.25(2))
    # is already running.
    ("decide", "agreed, new process"): (
        Party.AUTHORITY,
        frozenset({"under_consideration"}),
        "awaiting_process_comments",
    ),
    ("decide", "agreed, existing process"): (
        Party.AUTHORITY,
        frozenset({"under_consideration"}),
        "process_running",
    ),
    ("comment_on_process", ""): (Party.BODY, frozenset({"awaiting_process_comments"}), None),
    ("issue_process_notice", ""): (
        Party.AUTHORITY,
        frozenset({"awaiting_process_comments"}),
        "establishing_process",
    ),
    ("establish_process", ""): (
        Party.AUTHORITY,
        frozenset({"establishing_process"}),
        "process_running",
    ),
    # 6. Changes (s.29) and completion with the outcome report (s.31).
    ("record_process_change", ""): (Party.AUTHORITY, frozenset({"process_running"}), None),
    # s.31(3)-(4): the views of the participating bodies are sought before the report.
    ("record_outcome_views", ""): (Party.AUTHORITY, frozenset({"process_running"}), None),
    # ... and the body may give its own through its pages.
    ("give_outcome_views", ""): (Party.BODY, frozenset({"process_running"}), None),
    ("publish_outcome_report", ""): (Party.AUTHORITY, frozenset({"process_running"}), "completed"),
    # Withdrawal by the body at any point before the decision.
    ("withdraw", ""): (Party.BODY, BEFORE_DECISION, "withdrawn"),
}

# Participation requests have no deemed decision and no appeal: these end the case.
FINAL = frozenset({"refused", "completed", "withdrawn"})

# A payload that passes every guard of each action, on a case built by `reach` below.
DECIDE: dict[str, dict[str, Any]] = {
    "refused": {
        "outcome": "refused",
        "reasons": "The service is being transferred to another body.",
        "considerations": considerations(),
    },
    "agreed, new process": {
        "outcome": "agreed",
        "process": "new",
        "process_description": "A working group meeting monthly.",
        "other_participants": "No one else takes part.",
        "considerations": considerations(),
    },
    "agreed, existing process": {
        "outcome": "agreed",
        "process": "existing",
        "process_description": "The school travel plan steering group.",
        "process_stage": "Consultation on the draft plan",
        "participation_arrangements": "A seat on the steering group",
        "other_participants": "Parents' council members sit on the group.",
        "considerations": considerations(),
    },
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "submit": {},
    "request_missing_items": {"missing": ["expected_improvement"]},
    "supply_information": {"expected_improvement": "Two crossings by the school gate."},
    "validate": {},
    "correct_validation_date": {"received_on": "2026-03-31", "reason": "Typing error."},
    "notify_additional_authorities": {},
    "record_authority_reply": {"authority": "NHSF", "will_participate": True},
    "agree_extension": {"new_due_date": "2026-12-31"},
    "decide": DECIDE["refused"],
    "comment_on_process": {"comments": "Please include the crossing patrol."},
    "issue_process_notice": {"process_description": "A working group with the crossing patrol."},
    "establish_process": {},
    "record_process_change": {"description": "Meetings move to the community centre."},
    "record_outcome_views": {"views_of_body": "The trust found the group worked well."},
    "give_outcome_views": {"views": "The group listened to us."},
    "publish_outcome_report": {
        "what_changed": "Two crossings were built.",
        "influence_of_body": "The trust's survey chose the sites.",
        "keeping_informed": "Quarterly updates.",
    },
    "withdraw": {"reason": "We have merged with another trust."},
}


@dataclass(frozen=True)
class Step:
    trigger: str
    routing: str = ""

    def payload(self) -> dict[str, Any]:
        if self.trigger == "decide" and self.routing:
            return DECIDE[self.routing]
        return PAYLOADS[self.trigger]


# How to bring a request (naming one other authority) to each state, in the statute's order.
_UC = (Step("submit"), Step("validate"))
_AGREED_NEW = (*_UC, Step("notify_additional_authorities"), Step("decide", "agreed, new process"))
_ESTABLISHING = (*_AGREED_NEW, Step("comment_on_process"), Step("issue_process_notice"))
PATHS: dict[str, tuple[Step, ...]] = {
    "draft": (),
    "submitted": (Step("submit"),),
    "awaiting_information": (Step("submit"), Step("request_missing_items")),
    "under_consideration": _UC,
    "refused": (*_UC, Step("notify_additional_authorities"), Step("decide", "refused")),
    "awaiting_process_comments": _AGREED_NEW,
    "establishing_process": _ESTABLISHING,
    "process_running": (*_ESTABLISHING, Step("establish_process")),
    "completed": (
        *_ESTABLISHING,
        Step("establish_process"),
        Step("record_outcome_views"),
        Step("publish_outcome_report"),
    ),
    "withdrawn": (Step("submit"), Step("withdraw")),
}

# What must already have happened, in the same state, before an action's guards can hold.
PREPARE: dict[str, tuple[Step, ...]] = {
    "record_authority_reply": (Step("notify_additional_authorities"),),
    "decide": (Step("notify_additional_authorities"),),  # reg 6(1)
    "issue_process_notice": (Step("comment_on_process"),),  # s.26
    "publish_outcome_report": (Step("record_outcome_views"),),  # s.31(3)
}


def caller_for(world: World, trigger: str) -> Caller:
    party, _, _ = next(v for (t, _), v in STATUTE_ORDER.items() if t == trigger)
    return world.body if party is Party.BODY else world.officer


def take(world: World, ref: str, step: Step) -> dict:
    response = caller_for(world, step.trigger).act(ref, step.trigger, step.payload())
    assert response.status_code == 200, (step, response.json)
    return response.json


def reach(world: World, state: str) -> str:
    """A request in `state`, got there through the API alone."""
    response = world.body.post(
        "/api/v1/cases", json={**REQUEST, "additional_authorities": ["NHSF"]}
    )
    assert response.status_code == 201, response.json
    ref = response.json["reference"]
    for step in PATHS[state]:
        take(world, ref, step)
    assert world.body.case(ref)["state"] == state
    return ref


def machine_transitions() -> set[tuple[str, str, str]]:
    """(trigger, routing, source) for every transition the machine defines."""
    return {(a.trigger, a.when_text, s) for a in pr.WORKFLOW.actions for s in a.source}


ALLOWED = sorted(machine_transitions(), key=lambda t: (t[2], t[0], t[1]))
FORBIDDEN = sorted(
    (state, trigger)
    for state in pr.WORKFLOW.states
    for trigger in pr.WORKFLOW.triggers
    if not pr.WORKFLOW.actions_for(trigger, state)
)


def _id(value: Any) -> str:
    return "-".join(v.replace(", ", "_").replace(" ", "_") for v in value if v)


# -- the machine against the statute ---------------------------------------------------


def test_machine_has_exactly_the_statutory_transitions():
    expected = {(t, r, s) for (t, r), (_, sources, _) in STATUTE_ORDER.items() for s in sources}
    assert machine_transitions() == expected


def test_machine_destinations_and_parties_follow_the_statute():
    for action in pr.WORKFLOW.actions:
        party, _, dest = STATUTE_ORDER[(action.trigger, action.when_text)]
        assert (action.party, action.dest) == (party, dest), action.trigger


def test_refused_completed_and_withdrawn_are_final_with_no_way_out():
    """No deemed decision and no appeal for participation requests (docs/law.md, step 4)."""
    assert {n for n, s in pr.WORKFLOW.states.items() if s.final} == FINAL
    assert not any(set(a.source) & FINAL for a in pr.WORKFLOW.actions)


def test_withdrawal_is_open_at_every_point_before_the_decision_and_none_after():
    (withdraw,) = [a for a in pr.WORKFLOW.actions if a.trigger == "withdraw"]
    assert set(withdraw.source) == BEFORE_DECISION
    assert (withdraw.party, withdraw.dest) == (Party.BODY, "withdrawn")


def test_every_state_is_reachable_by_the_test_paths():
    assert set(PATHS) == set(pr.WORKFLOW.states)


# -- every allowed transition, through the API ------------------------------------------


@pytest.mark.parametrize(("trigger", "routing", "source"), ALLOWED, ids=map(_id, ALLOWED))
def test_allowed_transition_works_through_the_api(
    world: World, trigger: str, routing: str, source: str
):
    ref = reach(world, source)
    for step in PREPARE.get(trigger, ()):
        take(world, ref, step)
    caller = caller_for(world, trigger)
    before = caller.case(ref)
    assert trigger in [a["action"] for a in before["available_actions"]], before["blocked_actions"]

    response = caller.act(ref, trigger, Step(trigger, routing).payload())

    assert response.status_code == 200, response.json
    _, _, dest = STATUTE_ORDER[(trigger, routing)]
    assert response.json["state"] == (dest or source)
    assert response.json["version"] > before["version"]
    events = world.admin.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    last = [e for e in events if e["type"].startswith("action.")][-1]
    assert last["type"] == f"action.{trigger}"
    assert (last["payload"]["from"], last["payload"]["to"]) == (source, dest or source)
    assert caller.email in last["actor"]


# -- every forbidden (state, trigger) pair: 409, nothing changes -------------------------


@pytest.mark.parametrize(("state", "trigger"), FORBIDDEN, ids=map(_id, FORBIDDEN))
def test_forbidden_transition_is_409_and_changes_nothing(world: World, state: str, trigger: str):
    assert not any(
        state in sources for (t, _), (_, sources, _) in STATUTE_ORDER.items() if t == trigger
    )
    ref = reach(world, state)
    caller = caller_for(world, trigger)
    # A draft is invisible to officers (404); an action that is not the body's own is one
    # the body may not take (403), checked before the state; otherwise the state refuses it.
    expected = 409
    if state == "draft" and caller is not world.body:
        caller, expected = world.body, 403
    before = world.admin.case(ref)
    events_before = world.admin.get(f"/api/v1/cases/{ref}/events?page_size=200").json

    response = caller.act(ref, trigger, Step(trigger).payload())

    assert response.status_code == expected, response.json
    assert response.mimetype == "application/problem+json"
    if expected == 409:
        assert response.json["state"] == state
    after = world.admin.case(ref)
    assert (after["state"], after["version"]) == (state, before["version"])
    assert world.admin.get(f"/api/v1/cases/{ref}/events?page_size=200").json == events_before


def test_final_states_offer_no_actions_to_anyone(world: World):
    for state in FINAL:
        ref = reach(world, state)
        for caller in (world.body, world.officer, world.manager):
            case = caller.case(ref)
            assert case["available_actions"] == [] and case["blocked_actions"] == [], state


OFFERED_TO: dict[Party, Callable[[World], Caller]] = {
    Party.BODY: lambda w: w.body,
    Party.AUTHORITY: lambda w: w.officer,
}


@pytest.mark.parametrize("state", sorted(set(pr.WORKFLOW.states) - FINAL - {"draft"}))
def test_each_party_is_offered_exactly_its_own_actions_from_the_state(world: World, state: str):
    """The API lists the actions from the machine; nothing keeps a second list by hand."""
    ref = reach(world, state)
    for party, who in OFFERED_TO.items():
        case = who(world).case(ref)
        offered = {a["action"] for a in case["available_actions"]} | {
            a["action"] for a in case["blocked_actions"]
        }
        expected = {
            t
            for (t, _), (p, sources, _) in STATUTE_ORDER.items()
            if p is party and state in sources
        }
        assert offered == expected, (state, party)
