"""The deadline sweep at scale: it pages through every case a system action may be waiting on.

Issue 9, 2a: the sweep used to take the 500 lowest case ids with *any* open deadline past
due. Requests whose representation period had closed (atr.representations stays open
until a decision) filled that list, their guards failed, and every run re-read them, so
requests past their decision period were never found to be not determined (SSI 2016/357
reg 10). These tests build more cases than one batch (the sweep is run with batch=5), the
blocking ones with the lower ids, through the service's own commands and schemas.

Dates are worked out by hand from docs/law.md: "6 months after D" is the same date 6 months
on, not moved off weekends; working days for the ATR instruments follow SSI 2017/39 reg 2.
- Validated Wed 1 April 2026: the decision is due Thu 1 October 2026.
- Validated Mon 1 June 2026, representations closing Tue 30 June 2026 (20 working days
  beginning with 1 June end Fri 26 June, so 30 June is allowed): the decision is due
  Tue 1 December 2026.
- The sweep runs on Fri 2 October 2026: the first are past their decision period, the
  second only past the close of representations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.commands import create_case, perform
from casework.eventlog import Actor
from casework.models import AssetTransferRequest, Case, DeadlineRow, Event, Notice, User
from casework.schemas import registry
from casework.schemas.common import fill_today
from casework.sweep import Taken, candidates, sweep
from tests.casework.conftest import ASSET_REQUEST, atr_considerations
from workflows.rules import Party

KIND = "asset_transfer_request"
BATCH = 5
EXPIRED_COUNT = 12  # more than two batches
WAITING_COUNT = 13  # more than two batches, all with lower ids than the expired ones

EARLY = dt.date(2026, 4, 1)  # validated; decision due Thu 1 October 2026
EARLY_CLOSE = dt.date(2026, 4, 30)
EARLY_DECISION_DUE = dt.date(2026, 10, 1)
LATE = dt.date(2026, 6, 1)  # validated; decision due Tue 1 December 2026
LATE_CLOSE = dt.date(2026, 6, 30)
LATE_DECISION_DUE = dt.date(2026, 12, 1)
SWEEP_DAY = dt.date(2026, 10, 2)


# -- building real cases with the service's own commands -----------------------------------


class Service:
    """The body's secretary and Fife's officer acting through the commands, as the API
    would: each payload is loaded by the action's own schema first."""

    def __init__(self, session: Session, law):
        self.session = session
        self.law = law
        self.body = Actor.of(self._user("secretary@kinghorn.test"))
        self.officer = Actor.of(self._user("officer@fife.test"))

    def _user(self, email: str) -> User:
        return self.session.scalar(select(User).where(User.email == email))

    def act(self, case: Case, trigger: str, data: dict[str, Any], party: Party, day: dt.date):
        schema = registry.ACTIONS[case.kind][trigger]()
        payload = fill_today(schema, schema.load(data), day)
        actor = self.body if party is Party.BODY else self.officer
        perform(self.session, case, trigger, payload, actor, party, today=day, law=self.law)

    def open_for_representations(self, validated: dt.date, closes: dt.date) -> Case:
        """Made, submitted and validated on `validated`; notices published that day."""
        data = registry.CREATE[KIND]().load(
            {
                **ASSET_REQUEST,
                "authority": "FIFE",
                "land_description": "The former library, Main Street",
            }
        )
        case = create_case(self.session, KIND, data, self.body, today=validated)
        self.act(case, "submit", {}, Party.BODY, validated)
        self.act(case, "validate", {}, Party.AUTHORITY, validated)
        self.act(
            case,
            "publish_notices",
            {"representations_close": closes.isoformat()},
            Party.AUTHORITY,
            validated,
        )
        assert case.state == "representations_open"
        return case

    def many(self, count: int, validated: dt.date, closes: dt.date) -> list[int]:
        ids = [self.open_for_representations(validated, closes).id for _ in range(count)]
        self.session.commit()
        return ids


def row(session: Session, case_id: int, rule: str) -> DeadlineRow:
    return session.scalar(
        select(DeadlineRow).where(DeadlineRow.case_id == case_id, DeadlineRow.rule == rule)
    )


def counts(session: Session, model, case_ids: list[int], *where) -> dict[int, int]:
    rows = session.execute(
        select(model.case_id, func.count())
        .where(model.case_id.in_(case_ids), *where)
        .group_by(model.case_id)
    ).all()
    return {case_id: n for case_id, n in rows}


def snapshot(session: Session, case_ids: list[int]) -> dict[int, tuple]:
    """What a sweep must not touch: state, version, events and notices of each case."""
    session.expire_all()
    events = counts(session, Event, case_ids)
    notices = counts(session, Notice, case_ids)
    return {
        i: (
            session.get(Case, i).state,
            session.get(Case, i).version,
            events.get(i, 0),
            notices.get(i, 0),
        )
        for i in case_ids
    }


def every_page(session: Session, today: dt.date) -> list[list[int]]:
    pages, last = [], 0
    while page := candidates(session, today, after=last, batch=BATCH):
        pages.append(page)
        last = page[-1]
    return pages


@pytest.fixture
def service(world, app, session) -> Service:
    return Service(session, app.extensions["casework"].law)


@pytest.fixture
def backlog(service, session) -> tuple[list[int], list[int]]:
    """(waiting, expired): requests only past the close of representations, made first so
    that they have the lower ids, then requests past their decision period."""
    waiting = service.many(WAITING_COUNT, LATE, LATE_CLOSE)
    expired = service.many(EXPIRED_COUNT, EARLY, EARLY_CLOSE)
    assert max(waiting) < min(expired)
    for i in waiting:
        # Past another deadline, one that stays open until a decision...
        representations = row(session, i, "atr.representations")
        assert representations.status == "open"
        assert representations.due_date == LATE_CLOSE < SWEEP_DAY
        # ...but not past the decision period.
        assert row(session, i, "atr.decision").due_date == LATE_DECISION_DUE
    for i in expired:
        decision = row(session, i, "atr.decision")
        assert (decision.status, decision.due_date) == ("open", EARLY_DECISION_DUE)
    return waiting, expired


def references(session: Session, case_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(Case.id, Case.reference).where(Case.id.in_(case_ids)))
    return {case_id: reference for case_id, reference in rows}


# -- the tests -------------------------------------------------------------------------------


def test_reg10_non_determination_every_case_in_one_sweep(session, service, backlog):
    waiting, expired = backlog
    refs = references(session, expired)

    taken = sweep(session, SWEEP_DAY, service.law, batch=BATCH)

    assert sorted(taken, key=lambda t: t.reference) == sorted(
        (Taken(refs[i], "decision_period_expired") for i in expired), key=lambda t: t.reference
    )
    session.expire_all()
    for i in expired:
        case = session.get(AssetTransferRequest, i)
        assert case.state == "not_determined"
        assert case.decision_period_expired_on == EARLY_DECISION_DUE
    # Each body is told, once.
    notices = session.scalars(
        select(Notice).where(
            Notice.case_id.in_(expired + waiting), Notice.kind == "non_determination_notice"
        )
    ).all()
    assert sorted(n.case_id for n in notices) == sorted(expired)
    assert {(n.recipient_role, n.recipient, n.issued_on) for n in notices} == {
        ("body", "Kinghorn Community Trust", SWEEP_DAY)
    }


def test_reg10_second_sweep_finds_nothing_to_do(session, service, backlog):
    waiting, expired = backlog
    assert len(sweep(session, SWEEP_DAY, service.law, batch=BATCH)) == len(expired)
    before = snapshot(session, waiting + expired)

    assert sweep(session, SWEEP_DAY, service.law, batch=BATCH) == []
    assert snapshot(session, waiting + expired) == before
    assert every_page(session, SWEEP_DAY) == []


def test_reg10_cases_past_other_deadlines_are_left_as_they_were(session, service, backlog):
    waiting, _ = backlog
    before = snapshot(session, waiting)
    assert {state for state, *_ in before.values()} == {"representations_open"}

    sweep(session, SWEEP_DAY, service.law, batch=BATCH)

    assert snapshot(session, waiting) == before
    for i in waiting:
        assert row(session, i, "atr.decision").status == "open"


def test_sweep_candidates_skip_deadlines_no_system_action_waits_on(session, backlog):
    waiting, expired = backlog
    pages = every_page(session, SWEEP_DAY)

    # Every case past its decision period, a batch at a time, in order, none twice.
    assert all(1 <= len(p) <= BATCH for p in pages)
    flat = [i for p in pages for i in p]
    assert flat == sorted(expired)
    # None only past the close of representations (atr.representations), though they
    # are in a state the system can act from and have the lower ids.
    assert not set(flat) & set(waiting)
    assert set(candidates(session, SWEEP_DAY)) == set(expired)
    # The day the decision period ends is not past it.
    assert candidates(session, EARLY_DECISION_DUE) == []


def test_reg10_cases_whose_guards_fail_do_not_block_the_rest(session, service, backlog):
    """A stored decision date can be behind the rules (say the rules changed and `deadlines
    recompute` has not run yet): those cases are candidates, but their guards fail. With
    more of them than a batch, and lower ids, the sweep still reaches every other case."""
    waiting, expired = backlog
    for i in waiting:
        row(session, i, "atr.decision").due_date = dt.date(2026, 9, 1)
    session.commit()
    flat = [i for p in every_page(session, SWEEP_DAY) for i in p]
    assert flat == sorted(waiting + expired)
    before = snapshot(session, waiting)

    taken = sweep(session, SWEEP_DAY, service.law, batch=BATCH)

    refs = references(session, expired)
    assert sorted(t.reference for t in taken) == sorted(refs.values())
    assert {t.action for t in taken} == {"decision_period_expired"}
    assert snapshot(session, waiting) == before


def test_s83_agreed_case_past_its_review_window_waits_for_the_offer_date(session, service):
    """An agreed request (a source state of `lapse`, which waits on atr.offer) whose review
    window (atr.review_or_appeal, which only `close_review_period` from refused_pending
    waits on) has passed is not a candidate until the offer date passes.

    Decided Fri 1 May 2026 on terms that differ significantly: a review may be sought for
    20 working days beginning with that day, to Thu 28 May 2026; the offer is due by Sun
    1 November 2026 (6 months after), so the request lapses on Mon 2 November 2026."""
    case = service.open_for_representations(EARLY, EARLY_CLOSE)
    service.act(
        case,
        "decide",
        {
            "outcome": "agreed",
            "reasons": "The benefits are clear.",
            "considerations": atr_considerations(),
            "terms": "A 25-year lease at a peppercorn rent.",
            "offer_by": "2026-11-01",
            "terms_differ_significantly": True,
        },
        Party.AUTHORITY,
        dt.date(2026, 5, 1),
    )
    session.commit()
    assert case.state == "agreed"
    window = row(session, case.id, "atr.review_or_appeal")
    assert (window.status, window.due_date) == ("open", dt.date(2026, 5, 28))
    assert row(session, case.id, "atr.offer").due_date == dt.date(2026, 11, 1)

    june = dt.date(2026, 6, 15)
    assert candidates(session, june) == []
    assert sweep(session, june, service.law, batch=BATCH) == []
    assert candidates(session, dt.date(2026, 11, 1)) == []

    november = dt.date(2026, 11, 2)
    assert candidates(session, november) == [case.id]
    assert sweep(session, november, service.law, batch=BATCH) == [Taken(case.reference, "lapse")]
    session.expire_all()
    assert session.get(Case, case.id).state == "lapsed"


def test_the_sweep_reads_a_batch_of_cases_in_a_fixed_number_of_queries(session, service, backlog):
    """Issue 13: the sweep used to read each candidate with a query for the case and more
    for each collection its guards look at. Now a batch of any size costs the same: one
    query for the cases and one for each collection."""
    from sqlalchemy import event

    from casework.commands import context_for
    from casework.sweep import load

    waiting, expired = backlog
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement)

    bind = session.get_bind()
    for ids in (waiting[:2], waiting + expired):
        session.expire_all()
        statements.clear()
        event.listen(bind, "before_cursor_execute", count)
        try:
            for case in load(session, ids):
                context_for(case, SWEEP_DAY, service.law)  # every fact the guards read
        finally:
            event.remove(bind, "before_cursor_execute", count)
        if len(ids) == 2:
            few = len(statements)
    assert len(statements) == few <= 7, statements
