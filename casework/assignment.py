"""Who in the authority is working on a case. Not a statutory step, but a change to the
case all the same: it is versioned and goes on the timeline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import AUTHORITY_ROLES, party_for
from casework.commands import _check_version as check_version
from casework.commands import stale_is_conflict
from casework.errors import Invalid, NotFound
from casework.eventlog import Actor, record
from casework.models import Case, User
from workflows.rules import Party


def colleagues(session: Session, authority_id: int) -> list[User]:
    """The officers and managers a case at this authority may be assigned to."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.authority_id == authority_id,
                User.role.in_([str(r) for r in AUTHORITY_ROLES]),
                User.active.is_(True),
            )
            .order_by(User.name, User.email)
        )
    )


def assign(
    session: Session,
    case: Case,
    assignee_email: str | None,
    actor: Actor,
    *,
    expected_version: int | None = None,
) -> Case:
    """Assign the case to an officer or manager of its authority, or to nobody."""
    if party_for(actor.user, case) is not Party.AUTHORITY:
        raise NotFound(f"There is no case {case.reference} that you can see.")
    assignee = None
    if assignee_email:
        assignee = next(
            (
                u
                for u in colleagues(session, case.authority_id)
                if u.email == assignee_email.strip().lower()
            ),
            None,
        )
        if assignee is None:
            raise Invalid({"assignee": [f"Choose an officer or manager of {case.authority.name}."]})
    check_version(case, expected_version)
    before = case.assigned_to.email if case.assigned_to else None
    with stale_is_conflict():
        case.assigned_to = assignee
        record(
            session,
            case,
            "case.assigned",
            actor,
            {"from": before, "to": assignee.email if assignee else None},
        )
        session.flush()
    return case
