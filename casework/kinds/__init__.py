"""Each kind of case: its model, workflow, facts, and what each action does to the row.

The workflow (in `workflows/`) decides whether an action may happen; the kind says what
happening means for the stored case. `casework.commands` drives both the same way for
every kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import Invalid
from casework.eventlog import Actor, jsonable
from casework.models import Authority, Case, CommunityBody, Decision, ExtensionRow
from workflows import receipt
from workflows.deadlines import DeadlineState
from workflows.machine import Action, Law, Workflow
from workflows.notices import Addressee, NoticeSpec


@dataclass
class Recipient:
    name: str
    email: str | None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Run:
    """One action being carried out on one case."""

    session: Session
    case: Case
    action: Action
    payload: dict[str, Any]
    actor: Actor
    today: dt.date
    law: Law
    context: dict[str, Any] = field(default_factory=dict)
    recipients: dict[str, list[Recipient]] = field(default_factory=dict)


Effect = Callable[[Run], None]


def add_extension(
    run: Run, rule: str, new_due: dt.date, agreed_on: dt.date, by: str, note: str = ""
) -> None:
    """Keep an agreed (or directed) longer period in the extension history."""
    run.case.extensions.append(
        ExtensionRow(
            rule=rule,
            key="",
            agreed_on=agreed_on,
            new_due_date=new_due,
            agreed_by=by,
            note=note,
            recorded_by_id=run.actor.user.id if run.actor.user else None,
        )
    )


def received_online(run: Run) -> None:
    """A request submitted, or missing information sent, through this service arrives on
    the day it is sent (SSI 2017/39 reg 5; SSI 2016/357 reg 5)."""
    run.case.received_on = run.today
    run.case.received_by = "online"


def information_requested(run: Run, labels: Mapping[str, str]) -> None:
    """A notice of missing information: what was received before it was not complete."""
    run.case.information_requested_on = run.today
    run.context["missing"] = [labels[k] for k in run.payload["missing"]]
    run.context["note"] = run.payload.get("note") or ""


def take_receipt(run: Run, *, correcting: bool = False) -> None:
    """The validation date is the day the last required item was received: as sent online,
    or as the officer records it for something that came by post, email or by hand."""
    case, p = run.case, run.payload
    if p.get("received_on") is not None:
        case.received_on = p["received_on"]
        case.received_by = p.get("received_by") or case.received_by
    case.validation_date = case.received_on
    if correcting:
        run.context["correction"] = p["reason"]
    else:
        case.validated_on = run.today
    run.context["received_by"] = receipt.CHANNELS[case.received_by or "online"]


def agree_extension(run: Run) -> None:
    p = run.payload
    add_extension(
        run,
        p["rule"],
        p["new_due_date"],
        p["agreed_on"],
        p.get("by") or "agreement with the body",
        p.get("note") or "",
    )


def record_decision(
    run: Run, stage: str, outcome: str, considerations: dict | None = None, **details: Any
) -> Decision:
    """A decision, review or appeal result, with its reasons, on the case's record."""
    decision = Decision(
        stage=stage,
        outcome=outcome,
        reasons=run.payload.get("reasons") or "",
        considerations=considerations or {},
        details=jsonable(details),
        decided_on=run.today,
        decided_by_id=run.actor.user.id if run.actor.user else None,
    )
    run.case.decisions.append(decision)
    return decision


class CaseKind:
    kind: ClassVar[str]
    prefix: ClassVar[str]
    model: ClassVar[type[Case]]
    workflow: ClassVar[Workflow]
    # The request's own text fields: editable in a draft, and when supplying information.
    request_fields: ClassVar[tuple[str, ...]]
    effects: ClassVar[dict[str, Effect]]

    def build(self, session: Session, data: dict[str, Any]) -> Case:
        """A new draft from validated input (authority code, body id and the request)."""
        case = self.model(
            authority=lookup_authority(session, data["authority"], "authority"),
            community_body=lookup_body(session, data.get("community_body")),
        )
        self.edit(session, case, data)
        return case

    def edit(self, session: Session, case: Case, data: dict[str, Any]) -> set[str]:
        """Apply the request's own fields; return the names of those that changed."""
        changed = set()
        for name in self.request_fields:
            if name in data and getattr(case, name) != data[name]:
                setattr(case, name, data[name])
                changed.add(name)
        return changed

    def notice_context(self) -> dict[str, Any]:
        """What every notice of this kind may quote, besides the case itself."""
        return {}

    def loggable(self, trigger: str, payload: dict[str, Any]) -> dict[str, Any]:
        """What of an action's payload goes into the event log."""
        return payload

    def facts(self, case: Case) -> Any:
        raise NotImplementedError

    def deadlines(self, facts: Any, law: Law) -> list[DeadlineState]:
        raise NotImplementedError

    def recipients(self, run: Run, spec: NoticeSpec) -> list[Recipient]:
        """Who a notice goes to. Notices to the body go to its contact address."""
        if spec.kind in run.recipients:
            return run.recipients[spec.kind]
        if spec.recipient is Addressee.BODY:
            body = run.case.community_body
            return [Recipient(body.name, body.contact_email)]
        raise ValueError(f"no recipients for {spec.kind}")


def lookup_authority(session: Session, code: str, field: str) -> Authority:
    authority = session.scalar(select(Authority).where(Authority.code == code))
    if authority is None:
        raise Invalid({field: [f"There is no authority with the code {code!r}."]})
    return authority


def lookup_body(session: Session, body_id: int | None) -> CommunityBody:
    body = session.get(CommunityBody, body_id) if body_id is not None else None
    if body is None:
        raise Invalid({"community_body": ["Give the id of an existing community body."]})
    return body


KINDS: dict[str, CaseKind] = {}


def register(kind: CaseKind) -> CaseKind:
    KINDS[kind.kind] = kind
    return kind


def kind_of(case: Case) -> CaseKind:
    return KINDS[case.kind]


# The kinds register themselves on import; importing this package loads them all.
from casework.kinds import asset_transfer, participation  # noqa: E402, F401
