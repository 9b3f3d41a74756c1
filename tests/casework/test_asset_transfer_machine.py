"""Every transition of the asset transfer machine, and every forbidden one, via the API.

The cases are read off the machine itself (`workflows.asset_transfer.WORKFLOW`): each
(action, source state) pair is taken once through the API, or by the deadline sweep for the
system's actions, and must land in the machine's destination; each (state, action) pair the
machine does not define is refused with 409 and changes nothing. A new action or state
without a recipe here fails the test, so the test cannot fall behind the machine.

Dates follow docs/law.md: validated on Wed 1 April 2026, the decision is due 6 months after,
Thu 1 October 2026; a refusal on Fri 1 May 2026 may be reviewed until Thu 28 May 2026 (20
working days); an offer made on Mon 1 June 2026 starts 6 months to Tue 1 December 2026 for
the contract, then 10 working days for a no-contract appeal, to Mon 14 December 2026.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from casework.sweep import Taken
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    Caller,
    World,
    asset_request,
    decide_atr,
    land_entry,
    move,
    ok,
    run_sweep,
)
from workflows.asset_transfer import WORKFLOW
from workflows.machine import Action
from workflows.rules import Party

OFFICERS = {"FIFE": "officer", "SWAT": "water_officer", "SGOV": "ministers_officer"}
REPRESENTATION = {"name": "Ann Neighbour", "email": "ann@example.test", "text": "I support it."}


@dataclass
class Journey:
    """One test's world, clock and sweep, and how to bring a new case to any state."""

    world: World
    app: object
    session: object
    clock: object
    authority: str = "FIFE"
    # The transition under test, for the recipes.
    trigger: str = ""
    src: str = ""
    dest: str = ""
    when: str = ""

    @property
    def officer(self) -> Caller:
        return getattr(self.world, OFFICERS[self.authority])

    @property
    def body(self) -> Caller:
        return self.world.body

    def state(self, ref: str) -> str:
        return self.body.case(ref)["state"]

    def sweep(self, day: str, ref: str, trigger: str) -> None:
        move(self.clock, day)
        taken = run_sweep(self.app, self.session, self.clock)
        assert Taken(ref, trigger) in taken, taken

    def reach(
        self,
        state: str,
        *,
        transfer_type: str = "ownership",
        differ: bool = False,
        late_notices: bool = False,
        repeat: bool = False,
    ) -> str:
        """A new case in `state`, every step through the API or the sweep."""
        body, officer = self.body, self.officer
        if state in ("ownership_transferred", "lease_granted", "rights_granted"):
            kind = {"ownership_transferred": "ownership", "lease_granted": "lease"}
            ref = self.reach("offer_made", transfer_type=kind.get(state, "other_rights"))
            ok(officer.act(ref, "conclude_contract"), state)
            return ref
        steps: dict[str, tuple[str, Callable[[str], None]]] = {
            "submitted": ("draft", lambda r: ok(body.act(r, "submit"))),
            "awaiting_information": (
                "submitted",
                lambda r: ok(officer.act(r, "request_missing_items", {"missing": ["funding"]})),
            ),
            "declined": (
                "submitted",
                lambda r: ok(officer.act(r, "decline_repeat_request", {"reasons": "Repeat."})),
            ),
            "validated": ("submitted", lambda r: ok(officer.act(r, "validate"))),
            "representations_open": (
                "validated",
                lambda r: ok(
                    officer.act(r, "publish_notices", {"representations_close": "2026-04-30"})
                ),
            ),
            "not_determined": ("validated", self._expire),
            "refused_pending": ("representations_open", lambda r: self._decide(r, "refused")),
            "agreed": ("representations_open", lambda r: self._decide(r, "agreed", differ)),
            "under_review": (
                "refused_pending",
                lambda r: ok(body.act(r, "request_review", REASONS_FOR_REVIEW)),
            ),
            "under_appeal": (
                "refused_pending",
                lambda r: ok(body.act(r, "appeal_to_ministers", REASONS_FOR_REVIEW)),
            ),
            # Reviewed from Fri 1 May 2026; the council's period to decide (6 months, ?)
            # ends Sun 1 November 2026, and the sweep on Mon 2 November finds it.
            "review_not_determined": (
                "under_review",
                lambda r: self.sweep("2026-11-02", r, "review_period_expired"),
            ),
            "offer_made": ("agreed", self._offer),
            "no_contract_appeal": ("offer_made", self._no_contract_appeal),
            "refused": (
                "refused_pending",
                lambda r: self.sweep("2026-05-29", r, "close_review_period"),
            ),
            "lapsed": ("agreed", lambda r: self.sweep("2026-11-02", r, "lapse")),
            "withdrawn": ("draft", lambda r: ok(body.act(r, "withdraw"))),
        }
        if state == "draft":
            move(self.clock, "2026-04-01")
            land = land_entry(officer, "The site")
            if repeat:
                # An earlier request for the same land and transfer, refused on 1 May 2026.
                earlier = asset_request(
                    self.world, self.authority, land, transfer_type=transfer_type
                )
                ok(body.act(earlier, "submit"))
                ok(officer.act(earlier, "validate"))
                ok(officer.act(earlier, "publish_notices", {"representations_close": "2026-04-30"}))
                self._decide(earlier, "refused")
            return asset_request(self.world, self.authority, land, transfer_type=transfer_type)
        previous, step = steps[state]
        ref = self.reach(previous, transfer_type=transfer_type, differ=differ, repeat=repeat)
        step(ref)
        if state == "not_determined" and late_notices:
            # Published after the period expired, on Fri 2 October 2026: at least 20 working
            # days beginning with that day end on Thu 29 October 2026.
            ok(officer.act(ref, "publish_notices", {"representations_close": "2026-10-30"}))
        assert self.state(ref) == state
        return ref

    def _expire(self, ref: str) -> None:
        self.sweep("2026-10-02", ref, "decision_period_expired")

    def _decide(self, ref: str, outcome: str, differ: bool = False) -> None:
        move(self.clock, "2026-05-01")
        extra = {"terms_differ_significantly": True} if differ else {}
        ok(decide_atr(self.officer, ref, outcome, **extra))

    def _offer(self, ref: str) -> None:
        move(self.clock, "2026-06-01")
        ok(self.body.act(ref, "make_offer", {"offer": "£1 on the agreed terms."}))

    def _no_contract_appeal(self, ref: str) -> None:
        move(self.clock, "2026-12-02")
        ok(self.body.act(ref, "appeal_no_contract", {"reasons": "No contract was offered."}))


# -- recipes: how to take each action, given the case is already in its source state ---------
# Each returns what reach() needs for the source state, and the step that takes the action.

Step = Callable[[Journey, str], None]


def _act(party: str, payload: dict | None = None, day: str | None = None) -> Step:
    def step(j: Journey, ref: str) -> None:
        if day:
            move(j.clock, day)
        caller = j.officer if party == "officer" else j.body
        assert caller.act(ref, j.trigger, payload or {}).status_code == 200

    return step


def _represent(j: Journey, ref: str) -> None:
    response = j.world.public.post(f"/api/v1/cases/{ref}/representations", json=REPRESENTATION)
    assert response.status_code == 201, response.json


def _send_copies(j: Journey, ref: str) -> None:
    _represent(j, ref)
    # After the representations close: Fri 1 May, or Sat 31 October after late notices.
    move(j.clock, "2026-05-01" if j.src == "representations_open" else "2026-10-31")
    response = j.officer.act(ref, "send_representations_to_body", {"comments_by": "2026-12-31"})
    assert response.status_code == 200, response.json


def _comment(j: Journey, ref: str) -> None:
    _send_copies(j, ref)
    assert j.body.act(ref, "comment_on_representations", {"comments": "Noted."}).status_code == 200


def _decide_now(j: Journey, ref: str) -> None:
    if j.src == "not_determined":
        move(j.clock, "2026-10-31")  # the late notices' period closed on Fri 30 October
    else:
        move(j.clock, "2026-05-01")
    payload = {"offer_by": "2027-12-31"} if j.when == "agreed" else {}
    response = decide_atr(j.officer, ref, j.when, **payload)
    assert response.status_code == 200, response.json


def _link(j: Journey, ref: str) -> None:
    other = land_entry(j.officer, "Another site")
    assert j.officer.act(ref, "link_land", {"land": other}).status_code == 200
    assert j.body.case(ref)["land"]["id"] == other


def _review_outcome(j: Journey, ref: str) -> None:
    move(j.clock, "2026-11-03" if j.src == "review_not_determined" else "2026-07-01")
    payload = {"result": "confirm", "decision": "refused", "reasons": "Confirmed."}
    if j.dest == "agreed":
        payload = {
            "result": "substitute",
            "decision": "agreed",
            "reasons": "Agreed on review.",
            "terms": "Sale for £1.",
            "offer_by": "2027-12-31",
        }
    assert j.officer.act(ref, "record_review_outcome", payload).status_code == 200


def _appeal_outcome(j: Journey, ref: str) -> None:
    move(j.clock, "2026-07-01")
    payload = {"result": "dismissed", "decision": "refused", "reasons": "Dismissed."}
    if j.dest == "agreed":
        payload = {
            "result": "allowed",
            "decision": "agreed",
            "reasons": "Allowed.",
            "terms": "Sale for £1.",
            "offer_by": "2027-12-31",
        }
    assert j.officer.act(ref, "record_appeal_outcome", payload).status_code == 200


def _no_contract_outcome(j: Journey, ref: str) -> None:
    move(j.clock, "2027-01-20")
    payload = {"result": "dismissed", "reasons": "Not pursued."}
    if j.dest == "offer_made":
        payload = {"result": "allowed", "reasons": "Allowed.", "contract_by": "2027-06-30"}
    response = j.officer.act(ref, "record_no_contract_appeal_outcome", payload)
    assert response.status_code == 200, response.json


def _response_receipt(j: Journey, ref: str) -> None:
    response = j.officer.act(ref, "record_no_contract_response", {"response": "Title issues."})
    assert response.status_code == 200, response.json
    move(j.clock, "2026-12-04")
    response = j.officer.act(ref, j.trigger, {"received_on": "2026-12-04"})
    assert response.status_code == 200, response.json


def _comment_on_response(j: Journey, ref: str) -> None:
    response = j.officer.act(ref, "record_no_contract_response", {"response": "Title issues."})
    assert response.status_code == 200, response.json
    assert j.body.act(ref, j.trigger, {"comments": "The title is clear."}).status_code == 200


def _sweep(day: dict[str, str]) -> Step:
    def step(j: Journey, ref: str) -> None:
        j.sweep(day[j.src], ref, j.trigger)

    return step


# trigger -> (reach() options for the source state, the step)
RECIPES: dict[str, tuple[dict, Step]] = {
    "submit": ({}, _act("body")),
    "request_missing_items": ({}, _act("officer", {"missing": ["funding", "land"]})),
    "supply_information": ({}, _act("body", {"funding": "A grant of £150,000."})),
    "decline_repeat_request": ({"repeat": True}, _act("officer", {"reasons": "A repeat."})),
    "validate": ({}, _act("officer")),
    "correct_validation_date": (
        {},
        _act("officer", {"received_on": "2026-03-31", "reason": "It came by post first."}),
    ),
    "link_land": ({}, _link),
    "publish_notices": (
        {},
        lambda j, ref: _act(
            "officer",
            {"representations_close": "2026-04-30" if j.src == "validated" else "2026-10-30"},
        )(j, ref),
    ),
    "make_representation": ({"late_notices": True}, _represent),
    "record_representation": (
        {"late_notices": True},
        _act("officer", {"name": "Bob", "address": "9 Quiet Close", "text": "I object."}),
    ),
    "send_representations_to_body": ({"late_notices": True}, _send_copies),
    "comment_on_representations": ({"late_notices": True}, _comment),
    "agree_extension": ({}, _act("officer", {"new_due_date": "2026-11-30"})),
    "decide": ({"late_notices": True}, _decide_now),
    "decision_period_expired": (
        {},
        _sweep({"validated": "2026-10-02", "representations_open": "2026-10-02"}),
    ),
    "request_review": ({"differ": True}, _act("body", REASONS_FOR_REVIEW)),
    "appeal_to_ministers": ({"differ": True}, _act("body", REASONS_FOR_REVIEW)),
    "record_review_outcome": ({}, _review_outcome),
    "record_appeal_outcome": ({}, _appeal_outcome),
    "close_review_period": ({}, _sweep({"refused_pending": "2026-05-29"})),
    "review_period_expired": ({}, _sweep({"under_review": "2026-11-02"})),
    "apply_for_direction": (
        {},
        _act("body", {"reasons": "The title needs three more months: to 30 June 2027."}),
    ),
    "make_offer": ({}, _act("body", {"offer": "£1."}, day="2026-06-01")),
    "lapse": ({}, _sweep({"agreed": "2026-11-02", "offer_made": "2026-12-15"})),
    "extend_contract_period": ({}, _act("officer", {"new_due_date": "2027-01-15"})),
    "conclude_contract": ({}, _act("officer")),
    "appeal_no_contract": ({}, _act("body", {"reasons": "No contract."}, day="2026-12-02")),
    "record_no_contract_response": ({}, _act("officer", {"response": "Title issues."})),
    "record_response_receipt": ({}, _response_receipt),
    "comment_on_no_contract_response": ({}, _comment_on_response),
    "record_no_contract_appeal_outcome": ({}, _no_contract_outcome),
    "withdraw": ({}, _act("body")),
}

# Which authority's route an action needs (s.85-88), by its `when` text where it has one.
AUTHORITY = {
    ("request_review", ""): "FIFE",
    ("appeal_to_ministers", ""): "SWAT",
    ("record_review_outcome", "refused by Ministers on review"): "SGOV",
    ("record_appeal_outcome", "agreed"): "SWAT",
    ("record_appeal_outcome", "refused"): "SWAT",
}
TRANSFER = {"ownership": "ownership", "lease": "lease", "other rights": "other_rights"}


def _transitions() -> list[tuple[Action, str]]:
    return [(a, src) for a in WORKFLOW.actions for src in a.source]


def _id(pair: tuple[Action, str]) -> str:
    action, src = pair
    when = f"[{action.when_text}]" if action.when_text else ""
    return f"{src}-{action.trigger}{when}->{action.dest or src}"


def test_every_action_has_a_recipe():
    assert set(WORKFLOW.triggers) == set(RECIPES)


@pytest.mark.parametrize("pair", _transitions(), ids=_id)
def test_transition(world, app, session, clock, pair):
    action, src = pair
    dest = action.dest or src
    authority = AUTHORITY.get((action.trigger, action.when_text)) or AUTHORITY.get(
        (action.trigger, "")
    )
    if src == "under_appeal":
        authority = "SWAT"
    if src == "review_not_determined":  # only a council's review has a period (s.88)
        authority = "FIFE"
    j = Journey(world, app, session, clock, authority or "FIFE")
    j.trigger, j.src, j.dest, j.when = action.trigger, src, dest, action.when_text
    options, step = RECIPES[action.trigger]
    options = dict(options)
    if action.trigger == "conclude_contract":
        options["transfer_type"] = TRANSFER[action.when_text]
    # Terms that differ matter only from `agreed`; late notices only from `not_determined`.
    if src != "agreed":
        options.pop("differ", None)
    if src != "not_determined":
        options.pop("late_notices", None)
    ref = j.reach(src, **options)
    before = j.body.case(ref)
    step(j, ref)
    after = j.body.case(ref)
    assert after["state"] == dest
    assert after["version"] > before["version"]
    events = j.body.get(f"/api/v1/cases/{ref}/events", query_string={"page_size": 200}).json
    taken = [e for e in events if e["type"] == f"action.{action.trigger}"][-1]
    assert (taken["payload"]["from"], taken["payload"]["to"]) == (src, dest)
    assert taken["payload"]["citation"] == action.citation
    if action.party is Party.SYSTEM:
        assert taken["actor"].startswith("system")
    if WORKFLOW.states[dest].final:
        assert after["closed_on"] == j.clock.today().isoformat()
        assert after["available_actions"] == []


# -- forbidden transitions --------------------------------------------------------------------

# Payloads that pass each action's schema, so the answer is about the state, not the input.
VALID_INPUT: dict[str, dict] = {
    "link_land": {"land": 1},
    "correct_validation_date": {"received_on": "2026-03-31"},
    "publish_notices": {"representations_close": "2026-12-31"},
    "send_representations_to_body": {"comments_by": "2026-12-31"},
    "agree_extension": {"new_due_date": "2027-12-31"},
    "extend_contract_period": {"new_due_date": "2027-12-31"},
    "decide": {"outcome": "refused"},
    "record_review_outcome": {"result": "confirm", "decision": "refused"},
    "record_appeal_outcome": {"result": "dismissed", "decision": "refused"},
    "record_no_contract_appeal_outcome": {"result": "dismissed"},
    "record_response_receipt": {"received_on": "2026-04-01"},
}
REACH = {
    "not_determined": {"late_notices": True},
    "under_appeal": {},
    "declined": {"repeat": True},
}


@pytest.mark.parametrize("state", list(WORKFLOW.states))
def test_forbidden_transitions_are_409_and_change_nothing(world, app, session, clock, state):
    j = Journey(world, app, session, clock, "SWAT" if state == "under_appeal" else "FIFE")
    ref = j.reach(state, **REACH.get(state, {}))
    allowed = {a.trigger for a in WORKFLOW.actions if state in a.source}
    forbidden = [t for t in WORKFLOW.triggers if t not in allowed]
    if WORKFLOW.states[state].final:
        assert allowed == set()
    assert forbidden, state
    before = j.body.case(ref)
    visible_to_officers = before["submitted_at"] is not None  # a draft is the body's own
    for trigger in forbidden:
        # Each action is tried by a party who takes it in some state: the state refuses
        # it (409). An action no API caller may take here (the system's, the public's, or
        # an officer's on a draft) is refused as not theirs (403), before the state.
        parties = {a.party for a in WORKFLOW.actions if a.trigger == trigger}
        if Party.BODY in parties:
            caller, expected = j.body, 409
        elif Party.AUTHORITY in parties and visible_to_officers:
            caller, expected = j.officer, 409
        else:
            caller, expected = j.body, 403
        response = caller.act(ref, trigger, VALID_INPUT.get(trigger, {}))
        assert response.status_code == expected, (trigger, response.json)
        if expected == 403:
            continue
        assert response.json["state"] == state
        label = WORKFLOW.states[state].label.lower()
        assert f"'{trigger}' is not allowed while the case is {label}" in response.json["detail"]
    after = j.body.case(ref)
    assert (after["state"], after["version"]) == (state, before["version"])
    # Once the notices are out, the public endpoint refuses representations with a 409 in
    # every state where the machine does not take them (before the notices it is a 404).
    if before["notice_date"] is not None and "make_representation" not in allowed:
        response = j.world.public.post(f"/api/v1/cases/{ref}/representations", json=REPRESENTATION)
        assert response.status_code == 409, response.json

    # What the API offers each party is what the machine defines for it in this state.
    callers = {Party.BODY: j.body}
    if before["submitted_at"] is not None:  # a draft is the body's own until submitted
        callers[Party.AUTHORITY] = j.officer
    for party, caller in callers.items():
        case = caller.case(ref)
        offered = {a["action"] for a in case["available_actions"]} | {
            a["action"] for a in case["blocked_actions"]
        }
        defined = {a.trigger for a in WORKFLOW.actions if state in a.source and a.party is party}
        assert offered == defined, (party, state)


def test_an_action_the_machine_does_not_know_is_404(world):
    ref = asset_request(world)
    response = world.body.act(ref, "demolish")
    assert response.status_code == 404
    # A participation request's action is not an asset transfer action either.
    assert world.body.act(ref, "publish_outcome_report").status_code == 404
