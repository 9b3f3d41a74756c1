"""Who may see and act on what. Anything a user may not see is reported as not found."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, exists, false, select

from casework.models import Case, CommunityBody, User
from workflows.machine import Workflow
from workflows.rules import Party


class Role(StrEnum):
    COMMUNITY = "community"
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"


AUTHORITY_ROLES = (Role.OFFICER, Role.MANAGER)


def scope_cases(query: Select, user: User | None) -> Select:
    """Limit a query on cases to those `user` may see."""
    if user is None:
        return query.where(false())
    if user.role == Role.ADMIN:
        return query
    if user.role in AUTHORITY_ROLES:
        # A draft is the body's own until it is submitted.
        return query.where(Case.authority_id == user.authority_id, Case.submitted_at.is_not(None))
    if user.role == Role.COMMUNITY and user.community_body_id is not None:
        return query.where(Case.community_body_id == user.community_body_id)
    return query.where(false())


def party_for(user: User | None, case: Case) -> Party | None:
    """The side `user` acts for on `case`, or None if they may not act on it."""
    if user is None:
        return Party.PUBLIC
    if (
        user.role in AUTHORITY_ROLES
        and user.authority_id == case.authority_id
        and case.submitted_at is not None
    ):
        return Party.AUTHORITY
    if user.role == Role.COMMUNITY and user.community_body_id == case.community_body_id:
        return Party.BODY
    return None


# -- who may act: each is checked before the payload is read, so that whether a caller may
# act never depends on what they sent (401 -> 404 -> 403 -> 422 -> 409).


def may_take(workflow: Workflow, trigger: str, state: str, party: Party) -> bool:
    """Whether `party` may take `trigger` on a case in `state`, whatever its payload.

    Where the trigger is open in this state, only the parties it is open to may take it, as
    `Workflow.select` decides. Where it is not open now, a party who takes it in another
    state may (and then hears 409, once its payload is valid); anyone else may not (403).
    """
    actions = workflow.actions_for(trigger, state) or [
        a for a in workflow.actions if a.trigger == trigger
    ]
    return any(a.party == party for a in actions)


def may_make_requests(user: User | None) -> bool:
    """A community body's members make requests; an administrator may for any body."""
    return user is not None and user.role in (Role.COMMUNITY, Role.ADMIN)


def may_register_bodies(user: User | None) -> bool:
    return user is not None and user.role in (Role.COMMUNITY, Role.ADMIN)


def may_edit_body(user: User | None, body: CommunityBody) -> bool:
    return user is not None and (user.role == Role.ADMIN or user.community_body_id == body.id)


def keeps_land_register(user: User | None) -> bool:
    """An authority's officers and managers keep its register of land."""
    return user is not None and user.role in AUTHORITY_ROLES


def scope_bodies(query: Select, user: User | None) -> Select:
    """Bodies a user may see: their own, or those with a case at their authority."""
    if user is None:
        return query.where(false())
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COMMUNITY:
        return query.where(CommunityBody.id == user.community_body_id)
    if user.role in AUTHORITY_ROLES:
        return query.where(
            exists(
                select(Case.id).where(
                    Case.community_body_id == CommunityBody.id,
                    Case.authority_id == user.authority_id,
                    Case.submitted_at.is_not(None),  # a draft is the body's own
                )
            )
        )
    return query.where(false())


# Notices to owners and occupiers carry private people's names and addresses: they are the
# authority's to see, not the body's (SSI 2016/357 reg 6). So is a receipt to a person who
# made a representation (casework.notices.representation_receipt).
PRIVATE_ADDRESSEES = ("owners_and_occupiers", "representer")


def scope_notices(query: Select, user: User | None, case: Case) -> Select:
    """Limit a query on a case's notices to those `user` may read."""
    from casework.models import Notice

    if party_for(user, case) is Party.AUTHORITY or (user is not None and user.role == Role.ADMIN):
        return query
    return query.where(Notice.recipient_role.not_in(PRIVATE_ADDRESSEES))
