"""The small world the tests and the benchmark share: a constitution that passes every
s.19 test, a complete participation request, and requests made ready to decide.

Plain code, no pytest, so that `bench/` can use it too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from casework.auth import create_user
from casework.commands import create_case, perform
from casework.eventlog import Actor
from casework.models import Authority, Case, CommunityBody, User
from workflows.eligibility import CONSTITUTION_FIELDS
from workflows.machine import Law
from workflows.rules import Party

ALL_TRUE = dict.fromkeys(CONSTITUTION_FIELDS, True)

REQUEST = {
    "kind": "participation_request",
    "authority": "FIFE",
    "title": "Safer walking routes to Kinghorn Primary School",
    "outcome": "Safer walking routes to Kinghorn Primary School",
    "reasons": "Parents in the trust walk the routes every day and know where the danger is.",
    "knowledge_and_experience": "A survey of 140 families and two years of walking-bus records.",
    "expected_improvement": "Two new crossings and a 20 mph zone by the school.",
}


def seed_fife(s: Session) -> User:
    """Fife Council, an eligible community body with its secretary, and an officer, whom
    it returns. Not committed: the caller adds what it needs and commits."""
    fife = Authority(
        code="FIFE", name="Fife Council", type="local_authority", email="cer@fife.test"
    )
    body = CommunityBody(
        name="Kinghorn Community Trust",
        legal_form="company",
        member_count=46,
        contact_address="1 High Street, Kinghorn",
        contact_email="secretary@kinghorn.test",
        community_definition="KY3 9",
        **ALL_TRUE,
    )
    s.add_all([fife, body])
    s.flush()
    create_user(s, email="secretary@kinghorn.test", role="community", body=body)
    return create_user(
        s, email="officer@fife.test", role="officer", authority=fife, name="Morag Officer"
    )


def seed_validated(
    sessions: sessionmaker[Session], law: Law, count: int, today: dt.date
) -> list[Case]:
    """Validated participation requests, made through the commands, ready to decide: by
    the first community user, validated by the first officer."""
    cases = []
    with sessions() as s:
        body_user = s.scalar(select(User).where(User.role == "community").order_by(User.id))
        officer = s.scalar(select(User).where(User.role == "officer").order_by(User.id))
        for _ in range(count):
            case = create_case(
                s, "participation_request", dict(REQUEST), Actor.of(body_user), today=today
            )
            perform(s, case, "submit", {}, Actor.of(body_user), Party.BODY, today=today, law=law)
            perform(
                s,
                case,
                "validate",
                {},
                Actor.of(officer),
                Party.AUTHORITY,
                today=today,
                law=law,
            )
            cases.append(case)
        s.commit()
    return cases
