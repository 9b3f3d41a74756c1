"""Community planning (Part 2 of the Act): the priorities of an authority's local outcomes
improvement plan (s.6) and its localities with locality plans (s.10), the cases an officer
links to them, and each annual report figure broken down by them.

Participation requests and asset transfers are meant to feed community planning, whose
plans set local priorities with a focus on reducing inequalities of outcome; linking each
case to the priorities and localities it concerns lets the reports say which priorities
the requests served and which places they came from.

Who may do what: an authority's managers record and retire its plan items; its officers
may read them. Linking a case is the authority's side of the case: its officers and
managers. Every change is written to the event log; an item's changes have no case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access import Role, party_for
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.eventlog import Actor, record
from casework.models import Authority, Case, CasePlanItem, PlanItem, User
from casework.models.planning import PLAN_ITEM_KINDS
from casework.schemas.common import MAX_ID
from workflows.rules import Party

if TYPE_CHECKING:  # annual_reports may come to show these breakdowns: no import cycle
    from casework.annual_reports import Figures

# The two kinds, as the pages and reports name them.
KIND_LABELS = {
    "priority": "Priorities of the local outcomes improvement plan",
    "locality": "Localities and their locality plans",
}
KIND_NAMES = {"priority": "priority", "locality": "locality"}
CITATIONS = {"priority": "s.6", "locality": "s.10"}
EDITABLE = ("name", "description", "plan_url")


# -- who may do what --------------------------------------------------------------------


def may_read(user: User | None, authority_id: int) -> bool:
    """The authority's officers and managers see its plan items."""
    return (
        user is not None
        and user.role in (Role.OFFICER, Role.MANAGER)
        and user.authority_id == authority_id
    )


def may_manage(user: User | None, authority_id: int) -> bool:
    """Only the authority's managers record, change and retire its plan items."""
    return user is not None and user.role == Role.MANAGER and user.authority_id == authority_id


def may_link(user: User | None, case: Case) -> bool:
    """Linking a case is the authority's side of it: its officers and managers."""
    return party_for(user, case) is Party.AUTHORITY


# -- reading ----------------------------------------------------------------------------


def items(
    session: Session, authority_id: int, kind: str | None = None, *, live: bool = False
) -> list[PlanItem]:
    """The authority's items in their order; with `live`, only those not retired."""
    query = select(PlanItem).where(PlanItem.authority_id == authority_id)
    if kind is not None:
        query = query.where(PlanItem.kind == kind)
    if live:
        query = query.where(PlanItem.retired_on.is_(None))
    return list(session.scalars(query.order_by(PlanItem.kind, PlanItem.position, PlanItem.id)))


def item_for(session: Session, user: User | None, item_id: int) -> PlanItem:
    """The item if `user` may see it (its authority's staff); otherwise not found."""
    # A number the database cannot hold is no item either (not an overflow in the query).
    item = session.get(PlanItem, item_id) if 0 < item_id <= MAX_ID else None
    if item is None or not may_read(user, item.authority_id):
        raise NotFound("There is no such priority or locality that you can see.")
    return item


def linked(session: Session, case: Case) -> list[PlanItem]:
    """The items a case is linked to, retired ones too, in their order."""
    return list(
        session.scalars(
            select(PlanItem)
            .join(CasePlanItem, CasePlanItem.plan_item_id == PlanItem.id)
            .where(CasePlanItem.case_id == case.id)
            .order_by(PlanItem.kind, PlanItem.position, PlanItem.id)
        )
    )


def case_counts(session: Session, authority_id: int) -> dict[int, int]:
    """How many cases each of the authority's items is linked to: one grouped query."""
    rows = session.execute(
        select(CasePlanItem.plan_item_id, func.count())
        .join(PlanItem, PlanItem.id == CasePlanItem.plan_item_id)
        .where(PlanItem.authority_id == authority_id)
        .group_by(CasePlanItem.plan_item_id)
    )
    return {item_id: n for item_id, n in rows}


# -- an authority's plan items ----------------------------------------------------------


def _manager(user: User | None, authority_id: int) -> User:
    if not may_manage(user, authority_id):
        raise Forbidden("Only a manager of the authority can change its priorities and localities.")
    assert user is not None
    return user


def _item_record(session: Session, item: PlanItem, what: str, user: User, **extra: Any) -> None:
    record(
        session,
        None,
        f"planning.item_{what}",
        Actor.of(user),
        {"plan_item_id": item.id, "kind": item.kind, "name": item.name, **extra},
    )


def create(session: Session, user: User | None, data: dict[str, Any]) -> PlanItem:
    """A new priority or locality, placed after the others of its kind."""
    if user is None or user.authority_id is None:
        raise Forbidden("Only a manager of an authority can record priorities and localities.")
    manager = _manager(user, user.authority_id)
    kind = data["kind"]
    if kind not in PLAN_ITEM_KINDS:
        raise Invalid({"kind": ["Choose a priority or a locality."]})
    last = session.scalar(
        select(func.max(PlanItem.position)).where(
            PlanItem.authority_id == manager.authority_id, PlanItem.kind == kind
        )
    )
    item = PlanItem(
        authority_id=manager.authority_id,
        kind=kind,
        name=data["name"].strip(),
        description=(data.get("description") or "").strip(),
        plan_url=data.get("plan_url") or None,
        position=(last + 1) if last is not None else 0,
    )
    if not item.name:
        raise Invalid({"name": ["Enter the name."]})
    session.add(item)
    session.flush()
    _item_record(session, item, "created", manager)
    return item


def update(session: Session, item: PlanItem, user: User | None, data: dict[str, Any]) -> PlanItem:
    """Change an item's name, description or plan address (not its kind)."""
    manager = _manager(user, item.authority_id)
    if "name" in data and not (data["name"] or "").strip():
        raise Invalid({"name": ["Enter the name."]})
    changed = []
    for name in EDITABLE:
        if name not in data:
            continue
        value = data[name]
        value = value.strip() if isinstance(value, str) else value
        if name == "plan_url":
            value = value or None
        elif name == "description":
            value = value or ""
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    if changed:
        session.flush()
        _item_record(session, item, "updated", manager, fields=changed)
    return item


def retire(session: Session, item: PlanItem, user: User | None, today: dt.date) -> PlanItem:
    """No longer offered for new links; its links stay, so past years still count it."""
    manager = _manager(user, item.authority_id)
    if item.retired_on is not None:
        raise Conflict(f"{item.name} was retired on {item.retired_on.isoformat()}.")
    item.retired_on = today
    session.flush()
    _item_record(session, item, "retired", manager, retired_on=today)
    return item


def move(session: Session, item: PlanItem, user: User | None, direction: str) -> PlanItem:
    """Move an item one place up or down among those of its kind."""
    manager = _manager(user, item.authority_id)
    if direction not in ("up", "down"):
        raise Invalid({"direction": ["Choose up or down."]})
    order = items(session, item.authority_id, item.kind)
    at = next(i for i, other in enumerate(order) if other.id == item.id)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(order):
        raise Conflict(f"{item.name} is already {'first' if direction == 'up' else 'last'}.")
    order[at], order[to] = order[to], order[at]
    for position, other in enumerate(order):
        other.position = position
    session.flush()
    _item_record(session, item, "moved", manager, position=to)
    return item


# -- a case's links ---------------------------------------------------------------------


def _linker(user: User | None, case: Case) -> User:
    if not may_link(user, case):
        raise Forbidden("Only the authority's officers and managers can link a case.")
    assert user is not None
    return user


def _link_record(session: Session, case: Case, item: PlanItem, what: str, user: User) -> None:
    record(
        session,
        case,
        f"planning.{what}",
        Actor.of(user),
        {"plan_item_id": item.id, "kind": item.kind, "name": item.name},
    )


def link(session: Session, case: Case, item: PlanItem, user: User | None) -> bool:
    """Link the case to a priority or locality of its own authority. A retired item is not
    offered for new links (409). Linking twice changes nothing; returns whether it did."""
    who = _linker(user, case)
    if item.authority_id != case.authority_id:
        raise NotFound("There is no such priority or locality at the case's authority.")
    if session.get(CasePlanItem, (case.id, item.id)) is not None:
        return False
    if item.retired_on is not None:
        raise Conflict(f"{item.name} was retired on {item.retired_on.isoformat()}.")
    session.add(CasePlanItem(case_id=case.id, plan_item_id=item.id))
    session.flush()
    _link_record(session, case, item, "linked", who)
    return True


def unlink(session: Session, case: Case, item: PlanItem, user: User | None) -> bool:
    """Remove a link (a retired item's too); returns whether there was one."""
    who = _linker(user, case)
    row = session.get(CasePlanItem, (case.id, item.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _link_record(session, case, item, "unlinked", who)
    return True


def set_links(
    session: Session, case: Case, wanted: dict[str, list[int]], user: User | None
) -> tuple[list[PlanItem], list[PlanItem]]:
    """Make the case's links of each kind exactly `wanted` (the form's ticked boxes):
    returns the items linked and unlinked. Only the items the form offers may be ticked:
    the authority's live items, and retired ones the case is already linked to."""
    _linker(user, case)
    current = {i.id: i for i in linked(session, case)}
    offered = {i.id: i for i in items(session, case.authority_id, live=True)} | current
    errors = {}
    for kind in PLAN_ITEM_KINDS:
        wrong = [i for i in wanted.get(kind, []) if i not in offered or offered[i].kind != kind]
        if wrong:
            errors[kind] = [f"Choose from the {KIND_NAMES[kind]} list."]
    if errors:
        raise Invalid(errors)
    keep = {i for kind in PLAN_ITEM_KINDS for i in wanted.get(kind, [])}
    added = [offered[i] for i in sorted(keep - current.keys(), key=lambda i: _order(offered[i]))]
    removed = [current[i] for i in sorted(current.keys() - keep, key=lambda i: _order(current[i]))]
    for item in removed:
        unlink(session, case, item, user)
    for item in added:
        link(session, case, item, user)
    return added, removed


def _order(item: PlanItem) -> tuple[str, int, int]:
    return (item.kind, item.position, item.id)


# -- the annual reports' figures by priority and by locality ---------------------------


@dataclass(frozen=True)
class ItemCount:
    """One plan item's share of a figure: the counted cases linked to it."""

    item_id: int
    name: str
    retired_on: dt.date | None
    count: int


@dataclass(frozen=True)
class PlanBreakdown:
    """One figure by plan item. A case linked to two priorities counts under each, so the
    items may add up to more than the figure; `unlinked` is the counted cases linked to
    none of this kind."""

    key: str
    label: str
    by_item: tuple[ItemCount, ...]
    unlinked: int


def by_plan_item(session: Session, found: Figures, kind: str = "priority") -> list[PlanBreakdown]:
    """Each figure of an annual report (`annual_reports.figures(...)`) broken down by the
    authority's priorities (`kind="priority"`, s.6) or localities (`"locality"`, s.10).

    The columns are the items in their order: every item not retired before the reporting
    year began, and any retired earlier that a counted case is still linked to. Two
    queries, whatever the number of cases: the items, and the links of the counted cases.
    """
    if kind not in PLAN_ITEM_KINDS:
        raise ValueError(f"kind is one of {PLAN_ITEM_KINDS}")
    every = list(
        session.scalars(
            select(PlanItem)
            .join(Authority, Authority.id == PlanItem.authority_id)
            .where(Authority.code == found.authority, PlanItem.kind == kind)
            .order_by(PlanItem.position, PlanItem.id)
        )
    )
    refs = {r for f in found.figures for r in f.references}
    links: dict[str, set[int]] = {}
    if refs and every:
        rows = session.execute(
            select(Case.reference, CasePlanItem.plan_item_id)
            .join(CasePlanItem, CasePlanItem.case_id == Case.id)
            .where(
                Case.reference.in_(refs),
                Case.authority_id == every[0].authority_id,
                CasePlanItem.plan_item_id.in_([i.id for i in every]),
            )
        )
        for reference, item_id in rows:
            links.setdefault(reference, set()).add(item_id)
    counts = {
        f.key: {i.id: sum(1 for r in f.references if i.id in links.get(r, ())) for i in every}
        for f in found.figures
    }
    used = {i for per in counts.values() for i, n in per.items() if n}
    shown = [
        i for i in every if i.id in used or i.retired_on is None or i.retired_on >= found.first_day
    ]
    return [
        PlanBreakdown(
            f.key,
            f.label,
            tuple(ItemCount(i.id, i.name, i.retired_on, counts[f.key][i.id]) for i in shown),
            sum(1 for r in f.references if not links.get(r)),
        )
        for f in found.figures
    ]


def lens(session: Session, found: Figures) -> dict[str, Any]:
    """Both breakdowns as plain data, for a report's published snapshot and its JSON: the
    items' names and counts, never the cases behind them."""
    out: dict[str, Any] = {}
    for kind in PLAN_ITEM_KINDS:
        rows = by_plan_item(session, found, kind)
        out[kind] = {
            "items": [
                {"name": c.name, "retired_on": c.retired_on.isoformat() if c.retired_on else None}
                for c in (rows[0].by_item if rows else ())
            ],
            "figures": [
                {
                    "key": r.key,
                    "label": r.label,
                    "by_item": [c.count for c in r.by_item],
                    "unlinked": r.unlinked,
                }
                for r in rows
            ],
        }
    return out
