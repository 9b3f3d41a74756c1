"""A case as one user sees it: its fields, deadlines, and the actions the machine offers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import object_session

from casework.access import Role, party_for
from casework.commands import context_for
from casework.kinds import kind_of
from casework.kinds.asset_transfer import competing, freeze_statement, is_frozen, refused_on
from casework.models import AssetTransferRequest, Case, DeadlineRow, ParticipationRequest, User
from workflows import asset_transfer as atr
from workflows.calendars import SCOTTISH_BANK_HOLIDAYS, WorkingDays
from workflows.machine import Law
from workflows.periods import in_words
from workflows.rules import Party, Rule, Rulebook


def summary(case: Case, today: dt.date, *, overdue: bool | None = None) -> dict[str, Any]:
    workflow = kind_of(case).workflow
    if overdue is None:
        overdue = any(r.display_status(today) == "overdue" for r in case.deadlines)
    return {
        "reference": case.reference,
        "kind": case.kind,
        "state": case.state,
        "state_label": workflow.states[case.state].label,
        "version": case.version,
        "authority": case.authority,
        "community_body": case.community_body,
        "assigned_to": case.assigned_to.email if case.assigned_to else None,
        "submitted_at": case.submitted_at,
        "next_due_date": case.next_due_date,
        "overdue": overdue,
        "url": f"/api/v1/cases/{case.reference}",
    }


def detail(case: Case, user: User | None, today: dt.date, law: Law) -> dict[str, Any]:
    kind = kind_of(case)
    data = summary(case, today)
    deadlines = [
        {
            **{
                c: getattr(r, c)
                for c in (
                    "rule",
                    "key",
                    "party",
                    "start_date",
                    "statutory_due_date",
                    "due_date",
                    "explanation",
                    "citation",
                    "basis",
                )
            },
            "status": r.display_status(today),
        }
        for r in case.deadlines
    ]
    party = party_for(user, case)
    offers = kind.workflow.offers(case.state, party, context_for(case, today, law)) if party else []
    data.update(
        created_at=case.created_at,
        received_on=case.received_on,
        validation_date=case.validation_date,
        decided_on=case.decided_on,
        closed_on=case.closed_on,
        decisions=case.decisions,
        deadlines=deadlines,
        available_actions=[o for o in offers if o.allowed],
        blocked_actions=[
            {
                "trigger": o.trigger,
                "label": o.label,
                "citation": o.citation,
                "blocked_by": [f.as_dict() for f in o.blocked_by],
            }
            for o in offers
            if not o.allowed
        ],
    )
    if isinstance(case, ParticipationRequest):
        data.update(_participation(case))
    if isinstance(case, AssetTransferRequest):
        full = party is Party.AUTHORITY or (user is not None and user.role == Role.ADMIN)
        data.update(_asset_transfer(case, party, today, law, sees_all_competing=full))
    return data


def competing_view(
    case: AssetTransferRequest, others: list[AssetTransferRequest], *, sees_all: bool
) -> list[dict[str, Any]]:
    """The other live requests for the case's land, as this reader may see them.

    The authority's officers (and an admin) see every one in full, and so does the body
    for its own other requests. Another body's request is shown to the body only once it
    is public, that is once its public notice is published (SSI 2016/357 reg 7: the
    notice date is set, and the request is on the register and open for representations),
    and then only what the public sees of it: its reference, the body that made it and
    the date of the notice. Before then, as the case itself, it is not the body's to see."""
    out = []
    for c in others:
        entry = {
            "reference": c.reference,
            "community_body": c.community_body.name,
            "notice_date": c.notice_date,
        }
        if sees_all or c.community_body_id == case.community_body_id:
            entry.update(
                state=c.state,
                validation_date=c.validation_date,
                priority=c.validation_date is not None
                and (
                    case.validation_date is None
                    or c.validation_date < case.validation_date
                    or (c.validation_date == case.validation_date and c.id < case.id)
                ),
            )
        elif c.notice_date is None:
            continue
        out.append(entry)
    return out


def _asset_transfer(
    case: AssetTransferRequest,
    party: Party | None,
    today: dt.date,
    law: Law,
    *,
    sees_all_competing: bool = False,
) -> dict[str, Any]:
    session = object_session(case)
    out: dict[str, Any] = {k: getattr(case, k) for k in kind_of(case).request_fields}
    out["land"] = case.land
    out["review_route"] = atr.route_description(case.authority.type)
    out["freeze"] = {
        "applies": case.freeze_applies,
        "active": is_frozen(case),
        "exception": case.freeze_exception,
        "statement": freeze_statement(case) if case.validation_date else None,
    }
    out["repeat_of"] = None
    refused = refused_on(case.repeat_of) if case.repeat_of is not None else None
    if refused is not None and case.repeat_of.validation_date is not None:
        # The two years run from the day the earlier request was made (s.93).
        bar = law.rulebook.compute("atr.repeat_request_bar", case.repeat_of.validation_date)
        out["repeat_of"] = {
            "reference": case.repeat_of.reference,
            "made_on": case.repeat_of.validation_date,
            "refused_on": refused,
            "bar_until": bar.due,
            "explanation": bar.explanation,
        }
    out["competing"] = (
        competing_view(case, competing(session, case), sees_all=sees_all_competing)
        if session is not None
        else []
    )
    out["notice_date"] = case.notice_date
    out["representations_close"] = case.representations_close
    private = ("email", "address")
    out["representations"] = (
        [
            {
                k: getattr(r, k)
                for k in (
                    "id",
                    "name",
                    "text",
                    "received_on",
                    "source",
                    *(private if party is Party.AUTHORITY else ()),
                )
            }
            for r in case.representations
        ]
        if party in (Party.AUTHORITY, Party.BODY)
        else []
    )
    out["applications"] = case.applications
    out["position"] = {
        k: getattr(case, k)
        for k in (
            "decision",
            "agreed_on",
            "terms",
            "terms_differ_significantly",
            "offer_by",
            "decision_period_expired_on",
            "offer_made_on",
            "offer",
            "contract_concluded_on",
        )
    }
    return out


def _participation(case: ParticipationRequest) -> dict[str, Any]:
    out: dict[str, Any] = {k: getattr(case, k) for k in kind_of(case).request_fields}
    out["additional_authorities"] = [
        {
            "code": a.authority.code,
            "name": a.authority.name,
            "notified_on": a.notified_on,
            "replied_on": a.replied_on,
            "will_participate": a.will_participate,
            "reasons": a.reasons,
        }
        for a in case.additional_authorities
    ]
    out["process"] = (
        None
        if case.process_type is None
        else {
            "type": case.process_type,
            "description": case.process_description,
            "stage": case.process_stage,
            "participation_arrangements": case.participation_arrangements,
            "body_commented_on": case.body_commented_on,
            "notice_on": case.process_notice_on,
            "established_on": case.process_established_on,
        }
    )
    return out


# -- deadlines in words -------------------------------------------------------------------
# One helper for the queue and the case page, so both say the same thing the same way.


def calendar_for(rule: Rule, rulebook: Rulebook) -> WorkingDays:
    """The working days a rule's own instrument counts, or the bank-holiday calendar for a
    rule that names none."""
    if rule.instrument is not None:
        return rulebook.working_days(rule.instrument)
    return SCOTTISH_BANK_HOLIDAYS


def working_days_after(first: dt.date, last: dt.date, days: WorkingDays) -> int:
    """How many working days fall after `first`, up to and including `last`."""
    count, day = 0, first + dt.timedelta(days=1)
    while day <= last:
        count += days.is_working_day(day)
        day += dt.timedelta(days=1)
    return count


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _lead(rule: Rule) -> str:
    return "Decide by" if rule.id.endswith(".decision") or "_decision" in rule.id else "Due by"


def deadline_status(row: DeadlineRow, today: dt.date, rulebook: Rulebook) -> dict[str, str]:
    """A deadline as a person reads it: "Decide by Tuesday 12 May 2026 (8 working days
    left)", with a colour for its tag and the working-out as sentences."""
    rule = rulebook.rule(row.rule)
    when = in_words(row.due_date)
    lines = [line for line in (row.explanation or "").splitlines() if line.strip()]
    out = {"title": rule.title, "lines": lines, "due": when}
    if row.status == "met":
        settled = f" on {in_words(row.settled_on)}" if row.settled_on else ""
        return {**out, "text": f"Done{settled} (it was due by {when})", "colour": "green"}
    if row.status != "open":
        return {**out, "text": f"No longer applies (it was due by {when})", "colour": "grey"}
    days = calendar_for(rule, rulebook)
    if row.due_date == today:
        return {**out, "text": f"{_lead(rule)} {when} (due today)", "colour": "orange"}
    if row.due_date > today:
        left = working_days_after(today, row.due_date, days)
        colour = "orange" if left <= 5 else "green"
        return {
            **out,
            "text": f"{_lead(rule)} {when} ({_plural(left, 'working day')} left)",
            "colour": colour,
        }
    late = working_days_after(row.due_date, today, days)
    if not row.duty:  # a period for the body or the public that has run out
        return {
            **out,
            "text": f"Ended {when} ({_plural(late, 'working day')} ago)",
            "colour": "grey",
        }
    return {
        **out,
        "text": f"{_lead(rule)} {when} ({_plural(late, 'working day')} overdue)",
        "colour": "red",
    }


def next_step(case: Case, today: dt.date, rulebook: Rulebook) -> dict[str, str]:
    """What is due next on a case, in the same words on the queue and the case page: its
    soonest open deadline, or for a request awaiting validation the check itself."""
    open_rows = sorted(
        (r for r in case.deadlines if r.status == "open"), key=lambda r: (r.due_date, r.id or 0)
    )
    if open_rows:
        return deadline_status(open_rows[0], today, rulebook)
    received = case.received_on or (case.submitted_at.date() if case.submitted_at else None)
    if case.state == "submitted" and received is not None:
        text = f"Check and validate: received on {in_words(received)}"
        return {"title": "", "lines": [], "due": "", "text": text, "colour": "blue"}
    if case.state == "awaiting_information" and case.information_requested_on:
        text = (
            "Waiting for the missing information, asked for on "
            f"{in_words(case.information_requested_on)}"
        )
        return {"title": "", "lines": [], "due": "", "text": text, "colour": "grey"}
    if case.closed_on is not None:
        text = f"Closed on {in_words(case.closed_on)}"
        return {"title": "", "lines": [], "due": "", "text": text, "colour": "grey"}
    return {"title": "", "lines": [], "due": "", "text": "No deadline running", "colour": "grey"}
