"""SQL statements per API request, with a ceiling for each endpoint (issue 13, "Every
request lighter").

Each endpoint is read for a case with one of each thing (representation, late copy and
its deadline, notice, document, event) and for a case with five of each: the counts must
be the same, or some collection is being read a row at a time (an N+1). The ceilings are
the counts as they stand; a change that adds a query must raise one on purpose.

Statements are counted on the test's own connection, which the app's sessions share
(tests/conftest.py). The SAVEPOINTs that stand in for the app's transactions there are
not counted: in production those are the BEGIN and COMMIT or ROLLBACK of each request.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, func, select

from casework.models import Case, ExtensionRow
from tests.casework.conftest import (
    ASSET_REQUEST,
    Caller,
    World,
    asset_request,
    deadline,
    land_entry,
    move,
    new_request,
    notices_of,
    ok,
    open_for_representations,
)
from tests.world import REQUEST

# -- the ceilings -----------------------------------------------------------------------
# Every request first reads the caller's API token (with its user, authority and body).

# An asset transfer request with deadlines, extensions and representations: the token;
# the case with its kind's own table, its land, and whether each collection the detail
# shows has any rows (one query: casework.api.cases.load_case); one query for each of
# the three collections that has rows; the other live requests for the same land (s.84
# priority). Its decisions and applications are empty, so they cost nothing: a case
# with rows in them costs one query more for each (8 at most).
CASE_DETAIL_ATR = 6
# A participation request's draft with other authorities named (s.22(6)): the token; the
# case (as above); its additional authorities, each with its authority.
CASE_DETAIL_PR = 3
# A draft: the token; the authority named by its code; the reference counter (one
# upsert); the case's two rows (cases and its kind's table); the event chain's lock, its
# last hash and the "case.created" event; the outbox's webhooks for the authority. The
# response is built from what was written: nothing is read back.
CREATE_DRAFT = 9
# The timeline: the token; the case; the page of events (it has no total to count).
CASE_EVENTS = 3
# The notices: the token; the case; the notices.
CASE_NOTICES = 3
# The officer's queue: the token; the count of the filtered cases; the page, each case
# with its assignee and whether a duty is overdue, in the same query.
OFFICER_QUEUE = 3

SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def statements(connection) -> Iterator[list[str]]:
    """The SQL statements sent on the test's connection, as they are sent."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.startswith(SAVEPOINTS):
            sent.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    yield sent
    event.remove(connection, "before_cursor_execute", record)


def count(statements: list[str], request: Callable, status: int = 200) -> int:
    """How many statements one request sends."""
    statements.clear()
    response = request()
    assert response.status_code == status, response.json
    return len(statements)


def upload(caller: Caller, ref: str, name: str) -> None:
    response = caller.client.post(
        f"/api/v1/cases/{ref}/documents",
        data={"file": (io.BytesIO(b"%PDF-1.4\n%" + name.encode() + b"\n%%EOF\n"), name)},
        headers={"Authorization": f"Bearer {caller.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json


def busy_case(world: World, clock, land: int, n: int) -> str:
    """An asset transfer request for `land` with `n` of each: representations made online
    (each receipted by a notice), late paper representations after the copies went to the
    body (each with its own notice and its own deadline for comment, SSI 2016/357 reg 8),
    agreed extensions of the decision period, and documents."""
    officer = world.officer
    ref = open_for_representations(world, clock, officer, land=land)
    move(clock, "2026-04-10")
    for i in range(n):
        response = world.public.post(
            f"/api/v1/cases/{ref}/representations",
            json={"name": f"Neighbour {i}", "email": f"n{i}@example.test", "text": "I support it."},
        )
        assert response.status_code == 201, response.json
    move(clock, "2026-05-01")
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-29"}))
    move(clock, "2026-05-12")
    for i in range(n):
        late = {"name": f"Late {i}", "text": "I object.", "received_on": "2026-05-11"}
        ok(officer.act(ref, "record_representation", late))
    for i in range(n):  # each agreed extension of the decision period is kept (reg 10)
        ok(officer.act(ref, "agree_extension", {"new_due_date": f"2026-11-{2 + i:02d}"}))
    for i in range(n):
        upload(world.body, ref, f"plan-{i}.pdf")
    return ref


@pytest.fixture
def two_cases(world: World, clock) -> tuple[str, str]:
    """Two requests for the same land (so each has a competing request), one with one of
    each thing and one with five."""
    land = land_entry(world.officer)
    return busy_case(world, clock, land, 1), busy_case(world, clock, land, 5)


def test_the_two_cases_differ_in_every_collection(world, session, two_cases):
    few, many = (world.officer.case(ref) for ref in two_cases)
    assert (len(few["representations"]), len(many["representations"])) == (2, 10)
    late = [
        sum(d["key"].startswith("representation-") for d in case["deadlines"])
        for case in (few, many)
    ]
    assert late == [1, 5]
    assert [len(c["competing"]) for c in (few, many)] == [1, 1]
    # The decision period ran to Thu 1 October 2026 (6 months from validation on 1 April);
    # the last extension agreed moved it to 2 November, or 6 November after five.
    assert [deadline(c, "atr.decision")["due_date"] for c in (few, many)] == [
        "2026-11-02",
        "2026-11-06",
    ]
    extensions = [
        session.scalar(
            select(func.count(ExtensionRow.id))
            .join(Case, Case.id == ExtensionRow.case_id)
            .where(Case.reference == ref)
        )
        for ref in two_cases
    ]
    assert extensions == [1, 5]
    few_notices, many_notices = (notices_of(world.officer, ref) for ref in two_cases)
    assert len(many_notices) - len(few_notices) == 8  # 4 more receipts, 4 more late copies
    documents = [len(world.body.get(f"/api/v1/cases/{r}/documents").json) for r in two_cases]
    assert documents == [1, 5]


@pytest.mark.parametrize("reader", ["officer", "body"])
def test_case_detail_reads_each_collection_once(world, two_cases, statements, reader):
    caller = getattr(world, reader)
    counts = [
        count(statements, lambda r=ref: caller.get(f"/api/v1/cases/{r}")) for ref in two_cases
    ]
    assert counts[0] == counts[1]
    assert counts[1] <= CASE_DETAIL_ATR


def test_participation_request_detail_reads_each_collection_once(world, statements):
    few = new_request(world, additional_authorities=["NHSF"])
    many = new_request(world, additional_authorities=["NHSF", "SEPA", "SWAT", "SGOV", "HIGH"])
    assert len(world.body.case(many)["additional_authorities"]) == 5
    counts = [
        count(statements, lambda r=ref: world.body.get(f"/api/v1/cases/{r}")) for ref in (few, many)
    ]
    assert counts[0] == counts[1]
    assert counts[1] <= CASE_DETAIL_PR


@pytest.mark.parametrize(
    "payload",
    [REQUEST, {**ASSET_REQUEST, "authority": "FIFE", "land_description": "The old library"}],
    ids=["participation", "asset_transfer"],
)
def test_create_draft_reads_nothing_back(world, statements, payload):
    n = count(statements, lambda: world.body.post("/api/v1/cases", json=payload), status=201)
    assert n <= CREATE_DRAFT
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT DEADLINES")]


def test_the_created_draft_is_shown_as_it_is_then_read(world):
    """The response to a create is built from what was written; it must say just what a
    read of the case says afterwards."""
    land = land_entry(world.officer)
    for created in (
        world.body.post("/api/v1/cases", json={**REQUEST, "additional_authorities": ["NHSF"]}),
        world.body.post("/api/v1/cases", json={**ASSET_REQUEST, "authority": "FIFE", "land": land}),
    ):
        assert created.status_code == 201, created.json
        read = world.body.get(f"/api/v1/cases/{created.json['reference']}")
        assert created.json == read.json
        assert created.headers["ETag"] == read.headers["ETag"] == '"1"'


@pytest.mark.parametrize("reader", ["officer", "body"])
def test_timeline_reads_the_events_in_one_query(world, two_cases, statements, reader):
    caller = getattr(world, reader)
    counts = [
        count(statements, lambda r=ref: caller.get(f"/api/v1/cases/{r}/events?page_size=200"))
        for ref in two_cases
    ]
    assert counts[0] == counts[1]
    assert counts[1] <= CASE_EVENTS


@pytest.mark.parametrize("reader", ["officer", "body"])
def test_notices_list_reads_the_notices_in_one_query(world, two_cases, statements, reader):
    caller = getattr(world, reader)
    counts = [
        count(statements, lambda r=ref: caller.get(f"/api/v1/cases/{r}/notices"))
        for ref in two_cases
    ]
    assert counts[0] == counts[1]
    assert counts[1] <= CASE_NOTICES


def test_officer_queue_reads_a_page_in_one_query(world, clock, statements):
    """Two open cases, then seven, some assigned: the same queries for the page."""
    move(clock, "2026-04-01")

    def submit(n: int) -> None:
        for i in range(n):
            ref = asset_request(world)
            ok(world.body.act(ref, "submit"), "submitted")
            assignee = ("manager@fife.test", "officer@fife.test")[i % 2]
            response = world.manager.client.put(
                f"/api/v1/cases/{ref}/assignee",
                json={"assignee": assignee},
                headers={"Authorization": f"Bearer {world.manager.token}"},
            )
            ok(response)

    submit(2)
    few = count(statements, lambda: world.officer.get("/api/v1/cases"))
    submit(5)
    page = world.officer.get("/api/v1/cases").json
    assert page["total"] == 7
    assert {c["assigned_to"] for c in page["items"]} == {"manager@fife.test", "officer@fife.test"}
    many = count(statements, lambda: world.officer.get("/api/v1/cases"))
    assert few == many
    assert many <= OFFICER_QUEUE
