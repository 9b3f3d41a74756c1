"""Commands on community bodies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.access import Role
from casework.errors import Conflict, Forbidden
from casework.eventlog import Actor, record
from casework.models import CommunityBody, User
from workflows import eligibility
from workflows.eligibility import CONSTITUTION_FIELDS
from workflows.machine import Law


def _apply(body: CommunityBody, data: dict[str, Any]) -> list[str]:
    changed = []
    for key, value in data.items():
        if key == "constitution":
            for name in CONSTITUTION_FIELDS:
                if name in value and getattr(body, name) != value[name]:
                    setattr(body, name, value[name])
                    changed.append(f"constitution.{name}")
        elif getattr(body, key) != value:
            setattr(body, key, value)
            changed.append(key)
    return changed


def _designation(user: User, data: dict[str, Any], body: CommunityBody | None) -> None:
    """Designation is the Scottish Ministers' act (s.20, s.77), so a body cannot claim it:
    only an administrator records it."""
    current = bool(body.designated) if body is not None else False
    if "designated" in data and bool(data["designated"]) != current and user.role != Role.ADMIN:
        raise Forbidden(
            "Only an administrator can record that the Scottish Ministers designated a body."
        )


def create_body(session: Session, data: dict[str, Any], user: User | None) -> CommunityBody:
    if user is None or user.role not in (Role.ADMIN, Role.COMMUNITY):
        raise Forbidden("Only an administrator or a community member can register a body.")
    if user.role == Role.COMMUNITY and user.community_body_id is not None:
        raise Conflict("You already belong to a community body.")
    _designation(user, data, None)
    body = CommunityBody()
    _apply(body, data)
    session.add(body)
    session.flush()
    if user.role == Role.COMMUNITY:
        user.community_body = body
    record(session, None, "body.created", Actor.of(user), {"body_id": body.id, "name": body.name})
    return body


def update_body(
    session: Session, body: CommunityBody, data: dict[str, Any], user: User | None
) -> CommunityBody:
    if user is None or not (user.role == Role.ADMIN or user.community_body_id == body.id):
        raise Forbidden("Only the body's own members can change its details.")
    _designation(user, data, body)
    changed = _apply(body, data)
    if changed:
        record(
            session, None, "body.updated", Actor.of(user), {"body_id": body.id, "fields": changed}
        )
    return body


def standing(body: CommunityBody, law: Law) -> list[eligibility.Result]:
    """The body's standing for each kind of request, with each failed test named."""
    facts = body.facts()
    return [
        eligibility.participation_body(facts, unconstituted_groups=law.unconstituted_groups),
        eligibility.transfer_body(facts),
        eligibility.ownership_body(facts),
    ]
