"""A small world for API tests: two authorities, two bodies, and a user for each role."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event

from casework.auth import create_user, issue_token
from casework.models import Authority, CommunityBody
from tests.world import ALL_TRUE, REQUEST
from workflows import participation as pr


@dataclass
class Caller:
    """A test client that sends one user's bearer token."""

    client: FlaskClient
    token: str | None
    email: str = ""

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw):
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url: str, json: Any = None, headers: dict[str, str] | None = None, **kw):
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def patch(self, url: str, json: Any = None, headers: dict[str, str] | None = None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kw)

    def act(self, reference: str, action: str, payload: dict | None = None, **kw):
        return self.post(f"/api/v1/cases/{reference}/actions/{action}", json=payload or {}, **kw)

    def case(self, reference: str) -> dict:
        response = self.get(f"/api/v1/cases/{reference}")
        assert response.status_code == 200, response.json
        return response.json


@dataclass
class World:
    admin: Caller
    officer: Caller  # Fife Council
    manager: Caller  # Fife Council
    other_officer: Caller  # The Highland Council
    body: Caller  # Kinghorn Community Trust
    other_body: Caller  # Burntisland Development Trust
    public: Caller
    body_id: int
    other_body_id: int
    water_officer: Caller  # Scottish Water: appeals go to the Scottish Ministers (s.85)
    ministers_officer: Caller  # The Scottish Ministers: review by Ministers (s.87)


# A new community body, as the API registers one.
NEW_BODY = {
    "name": "Aberdour Community Trust",
    "contact_address": "1 Shore Road, Aberdour KY3 0TR",
    "community_definition": "People living in Aberdour",
    "legal_form": "company",
    "member_count": 31,
    "constitution": {
        "defines_community": True,
        "majority_from_community": True,
        "community_controls": True,
        "open_membership": True,
        "community_benefit_aims": True,
        "surplus_for_community": True,
        "asset_lock": False,
    },
}


def considerations(text: str = "Considered") -> dict[str, str]:
    return {k: f"{text}: {label}" for k, label in pr.CONSIDERATIONS.items()}


@pytest.fixture
def world(app, session) -> World:
    fife = Authority(
        code="FIFE", name="Fife Council", type="local_authority", email="cer@fife.test"
    )
    high = Authority(
        code="HIGH", name="The Highland Council", type="local_authority", email="cer@highland.test"
    )
    nhs = Authority(code="NHSF", name="NHS Fife", type="health_board", email="cer@nhsfife.test")
    sepa = Authority(
        code="SEPA",
        name="Scottish Environment Protection Agency",
        type="sepa",
        email="cer@sepa.test",
    )
    water = Authority(
        code="SWAT", name="Scottish Water", type="scottish_water", email="assets@water.test"
    )
    ministers = Authority(
        code="SGOV", name="The Scottish Ministers", type="scottish_ministers", email="cat@gov.test"
    )
    trust = CommunityBody(
        name="Kinghorn Community Trust",
        legal_form="company",
        member_count=46,
        contact_address="1 High Street, Kinghorn KY3 9UE",
        contact_email="secretary@kinghorn.test",
        community_definition="People living in KY3 9",
        **ALL_TRUE,
    )
    other = CommunityBody(
        name="Burntisland Development Trust",
        legal_form="scio",
        member_count=30,
        contact_address="2 Kirkgate, Burntisland KY3 9DB",
        contact_email="secretary@burntisland.test",
        community_definition="People living in Burntisland",
        **ALL_TRUE,
    )
    session.add_all([fife, high, nhs, sepa, water, ministers, trust, other])
    session.flush()

    client = app.test_client()

    def caller(email, role, **links) -> Caller:
        user = create_user(session, email=email, role=role, **links)
        return Caller(client, issue_token(session, user), email)

    world = World(
        admin=caller("admin@test", "admin"),
        officer=caller("officer@fife.test", "officer", authority=fife),
        manager=caller("manager@fife.test", "manager", authority=fife),
        other_officer=caller("officer@highland.test", "officer", authority=high),
        body=caller("secretary@kinghorn.test", "community", body=trust),
        other_body=caller("secretary@burntisland.test", "community", body=other),
        public=Caller(client, None),
        body_id=trust.id,
        other_body_id=other.id,
        water_officer=caller("officer@water.test", "officer", authority=water),
        ministers_officer=caller("officer@gov.test", "officer", authority=ministers),
    )

    session.commit()
    return world


def new_request(world: World, **overrides) -> str:
    response = world.body.post("/api/v1/cases", json={**REQUEST, **overrides})
    assert response.status_code == 201, response.json
    return response.json["reference"]


def submitted(world: World, **overrides) -> str:
    ref = new_request(world, **overrides)
    response = world.body.act(ref, "submit")
    assert response.status_code == 200, response.json
    return ref


def validated(world: World, **overrides) -> str:
    ref = submitted(world, **overrides)
    response = world.officer.act(ref, "validate", {})
    assert response.status_code == 200, response.json
    return ref


def decide(world: World, ref: str, outcome: str = "agreed", process: str = "new", **extra):
    payload = {"outcome": outcome, "considerations": considerations(), **extra}
    if outcome == "agreed":
        payload.setdefault("process", process)
        payload.setdefault("process_description", "A working group meeting monthly.")
        payload.setdefault("other_participants", "Parents' council members join the group.")
        if process == "existing":
            payload.setdefault("process_stage", "Consultation on the draft plan")
            payload.setdefault("participation_arrangements", "A seat on the steering group")
    else:
        payload.setdefault("reasons", "The service is being transferred to another body.")
    return world.officer.act(ref, "decide", payload)


ASSET_REQUEST = {
    "kind": "asset_transfer_request",
    "title": "Ownership of Kinghorn Town Hall",
    "transfer_type": "ownership",
    "reasons": "The hall is closing; the trust will run it as a community centre.",
    "benefits": "A warm space, a youth club and a weekly lunch club for older people.",
    "proposed_price": "£1",
    "other_terms": "None",
    "community_support": "A petition of 812 residents and letters from four groups.",
    "funding": "A Scottish Land Fund grant of £150,000 and local fundraising.",
}


def land_entry(officer: Caller, name: str = "Kinghorn Town Hall", **extra) -> int:
    response = officer.post(
        "/api/v1/land",
        json={
            "name": name,
            "address": "1 High Street, Kinghorn KY3 9UE",
            "tenure": "owned",
            "description": "Victorian hall and car park",
            **extra,
        },
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def asset_request(
    world: World,
    authority: str = "FIFE",
    land: int | None = None,
    caller: Caller | None = None,
    **overrides,
) -> str:
    payload = {**ASSET_REQUEST, "authority": authority, **overrides}
    if land is not None:
        payload["land"] = land
    elif "land_description" not in payload:
        payload["land_description"] = "The former library, Main Street"
    response = (caller or world.body).post("/api/v1/cases", json=payload)
    assert response.status_code == 201, response.json
    return response.json["reference"]


def atr_considerations(text: str = "Considered") -> dict[str, str]:
    from workflows.asset_transfer import CONSIDERATIONS

    return {k: f"{text}: {label}" for k, label in CONSIDERATIONS.items()}


# -- asset transfer helpers, shared by the tests/casework/test_asset_transfer_* files -------
# Dates in those tests are worked out by hand from docs/law.md; these helpers only move the
# clock and read the API, so an expected value never comes from the code under test.


REASONS_FOR_REVIEW = {"reasons": "The decision misjudges the benefits.", "procedure": ["hearing"]}


def move(clock, day: str) -> None:
    """Set the test clock to 09:00 UTC on `day` (YYYY-MM-DD)."""
    clock.fixed = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def ok(response, state: str | None = None) -> dict:
    """The JSON of a 200 response, optionally checking the case's new state."""
    assert response.status_code == 200, response.json
    if state is not None:
        assert response.json["state"] == state
    return response.json


def deadline(case: dict, rule: str, key: str = "") -> dict:
    """One stored deadline of a case, as the API shows it."""
    return next(d for d in case["deadlines"] if d["rule"] == rule and d["key"] == key)


def has_deadline(case: dict, rule: str, key: str = "") -> bool:
    return any(d["rule"] == rule and d["key"] == key for d in case["deadlines"])


def frozen(world: World, land_id: int) -> bool:
    """Whether the public register of land shows the entry as frozen (s.84)."""
    response = world.public.get(f"/api/v1/land/{land_id}")
    assert response.status_code == 200, response.json
    return response.json["frozen"]


def notices_of(caller: Caller, ref: str) -> list[dict]:
    response = caller.get(f"/api/v1/cases/{ref}/notices")
    assert response.status_code == 200, response.json
    return response.json


def notice_text(caller: Caller, ref: str, notice: str | dict) -> str:
    """A notice's plain text: the latest of a kind (given its name), or the one given."""
    if isinstance(notice, str):
        notice = [n for n in notices_of(caller, ref) if n["kind"] == notice][-1]
    response = caller.get(f"/api/v1/cases/{ref}/notices/{notice['id']}?format=text")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def run_sweep(app, session, clock) -> list:
    """The deadline sweep, as the scheduler runs it, on the test clock's day."""
    from casework.sweep import sweep

    session.expire_all()  # the API's sessions changed the cases since this one last read them
    return sweep(session, clock.today(), app.extensions["casework"].law)


def ready_to_decide(world: World, clock, officer: Caller, authority: str = "FIFE", **fields) -> str:
    """Submitted and validated on Wed 1 April 2026, notices published with representations
    closing Thu 30 April 2026 (at least 20 working days: the minimum is Tue 28 April), and
    the clock on Fri 1 May 2026, when the authority may decide."""
    ref = open_for_representations(world, clock, officer, authority=authority, **fields)
    move(clock, "2026-05-01")
    return ref


def open_for_representations(
    world: World, clock, officer: Caller, authority: str = "FIFE", **fields
) -> str:
    """Validated on Wed 1 April 2026; notices published, representations close Thu 30 April."""
    move(clock, "2026-04-01")
    ref = asset_request(world, authority=authority, **fields)
    ok(world.body.act(ref, "submit"), "submitted")
    case = ok(officer.act(ref, "validate"), "validated")
    assert case["validation_date"] == "2026-04-01"
    ok(
        officer.act(ref, "publish_notices", {"representations_close": "2026-04-30"}),
        "representations_open",
    )
    return ref


def decide_atr(officer: Caller, ref: str, outcome: str, **extra):
    """The decision on an asset transfer request, with every s.82(3) matter considered."""
    payload = {
        "outcome": outcome,
        "reasons": f"Reasons for the decision: {outcome}.",
        "considerations": atr_considerations(),
        **extra,
    }
    if outcome == "agreed":
        payload.setdefault("terms", "A 25-year lease at a peppercorn rent.")
        # 6 months after Fri 1 May 2026 is Sun 1 November 2026 (not moved off the weekend).
        payload.setdefault("offer_by", "2026-11-01")
    return officer.act(ref, "decide", payload)


def agreed_atr(world: World, clock, officer: Caller, **fields) -> str:
    """Agreed on Fri 1 May 2026, offer by Sun 1 November 2026 (6 months after 1 May)."""
    ref = ready_to_decide(world, clock, officer, **fields)
    ok(
        decide_atr(
            officer,
            ref,
            "agreed",
            reasons="The benefits are clear.",
            terms="Sale for £1 with a community-use covenant.",
        ),
        "agreed",
    )
    return ref


def offer_made_atr(world: World, clock, officer: Caller, **fields) -> str:
    """The offer is made on Mon 1 June 2026: the contract is due 6 months after, Tue 1 Dec."""
    ref = agreed_atr(world, clock, officer, **fields)
    move(clock, "2026-06-01")
    case = ok(world.body.act(ref, "make_offer", {"offer": "£1 on the agreed terms."}), "offer_made")
    assert deadline(case, "atr.contract")["due_date"] == "2026-12-01"
    return ref


OWNER = {"name": "Ms A Tenant", "address": "7 Quiet Close, Kinghorn", "email": "a@tenant.test"}


def notified_owner(world: World, clock) -> str:
    """Validated on Wed 1 April 2026 and its notices published, one of them to OWNER, a
    private person (SSI 2016/357 reg 6); representations close Thu 30 April."""
    move(clock, "2026-04-01")
    ref = asset_request(world)
    ok(world.body.act(ref, "submit"), "submitted")
    ok(world.officer.act(ref, "validate"), "validated")
    ok(
        world.officer.act(
            ref,
            "publish_notices",
            {"representations_close": "2026-04-30", "owners_and_occupiers": [OWNER]},
        ),
        "representations_open",
    )
    return ref


@contextlib.contextmanager
def selects_sent(connection, table: str):
    """The SELECT statements naming `table` (with their parameters) sent on `connection`
    while the block runs, for a test to EXPLAIN as PostgreSQL would run them."""
    caught: list[tuple[str, Any]] = []

    def catch(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and table in statement:
            caught.append((statement, parameters))

    sa_event.listen(connection, "before_cursor_execute", catch)
    try:
        yield caught
    finally:
        sa_event.remove(connection, "before_cursor_execute", catch)
