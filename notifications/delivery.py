"""Consumers: what each subscriber does with an event, exactly once per (event, subscriber).

The outbox row is locked while the work is done and marked done in the same transaction,
so a redelivered message finds it done and does nothing. Email is the exception that SMTP
forces: a server's acceptance cannot be rolled back, so each message's proof of service
is committed the moment it is accepted, and a redelivery skips whoever was served.
Webhooks hold no lock or transaction across their HTTP request at all (on SQLite that would
stop the whole service): `webhooks.consume` logs each attempt, and marks the row done if it
succeeded, in one transaction after the request.
"""

from __future__ import annotations

import datetime as dt
import logging

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth import RESET_MAX_AGE, reset_token
from casework.clock import now
from casework.eventlog import Actor, record
from casework.kinds import KINDS
from casework.models import Authority, Case, DeadlineRow, Event, Notice, User
from casework.notices import text_to_fragment
from notifications import following, mail, publish, webhooks
from notifications.models import EmailRecord, EventOutbox
from notifications.runtime import Runtime, current
from workflows.periods import in_words

log = logging.getLogger(__name__)
MAIL = Actor.system("mail")


# session.info key: the outbox row `consume` holds locked, so the email it leads to need not
# lock it again for its first recipient, and can mark it done in that recipient's commit.
HELD = "notifications.outbox_row_held"


def consume(event_id: int, subscriber: str) -> str:
    rt = current()
    if subscriber.startswith("webhook:"):
        # A webhook holds no lock or transaction across its HTTP request: see webhooks.consume.
        return webhooks.consume(rt, event_id, subscriber)
    with rt.sessions() as session:
        found = session.execute(  # the row locked, and its event, in one round trip
            select(EventOutbox, Event)
            .join(Event, Event.id == EventOutbox.event_id)
            .where(EventOutbox.event_id == event_id, EventOutbox.subscriber == subscriber)
            .with_for_update(of=EventOutbox)
        ).first()
        if found is None:
            return "unknown"
        row, event = found
        if row.done_at is not None:
            return "already done"
        if subscriber == "email":
            session.info[HELD] = row
            send_email(session, event, rt)
        elif subscriber == "register":
            publish.publish(session, event, rt.settings.secret_key)
        elif subscriber == "followers":
            following.deliver(session, event, rt)
        else:
            raise ValueError(f"unknown subscriber {subscriber}")
        if row.done_at is None:  # email marks it done with its last proof of service
            row.done_at = now()
            row.failed_at = None
            session.commit()
        return "done"


def send_email(session: Session, event: Event, rt: Runtime) -> None:
    """Send the email the event calls for, each message's proof of service committed as the
    server takes it."""
    if event.type == "notice.issued":
        _send_notice(session, event, rt)
    elif event.type in ("deadline.reminder", "deadline.overdue"):
        _send_deadline(session, event, rt)
    elif event.type == "deadlines.moved":
        _send_deadlines_moved(session, event, rt)
    elif event.type in ("annual_report.reminder", "annual_report.overdue"):
        _send_report(session, event, rt)
    elif event.type == "account.password_reset_requested":
        _send_password_reset(session, event, rt)
    elif event.type in ("account.sign_up_requested", "account.sign_up_attempted"):
        _send_sign_up(session, event, rt)
    elif event.type in ("account.email_change_requested", "account.email_changed"):
        _send_email_change(session, event, rt)
    elif event.type in ("follow.requested", "follow.digest"):
        following.send(session, event, rt)


def _case_url(rt: Runtime, case: Case) -> str:
    return f"{rt.settings.base_url}/cases/{case.reference}"


def _deliver(
    session: Session,
    rt: Runtime,
    event: Event,
    case: Case | None,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    notice: Notice | None = None,
    contexts: dict[str, dict] | None = None,
) -> None:
    """Send a message of its own to each recipient, with its own Message-ID, so no one sees
    the others' addresses and each has a proof of service (one EmailRecord per message).
    `contexts`: what differs for some recipients (by lower-case address), over `context`.

    Each recipient is sent to while this consumer holds the outbox row's lock, and is
    skipped if already served; the proof is committed the moment the server accepts, which
    releases the lock, so it is taken again for the next. A redelivery after a crash, or
    a retry after one recipient's server refused, sends only to those not yet served.

    Called from `consume`, which holds the row locked already: the first recipient needs
    no second lock, and the last one's commit marks the row done with its proof."""
    held = session.info.pop(HELD, None)
    if held is not None and (held.event_id, held.subscriber) != (event.id, "email"):
        held = None
    recipients = sorted({t.strip().lower() for t in to if t and t.strip()})
    for i, recipient in enumerate(recipients):
        if not (i == 0 and held is not None):  # a commit since has released the lock
            row = session.execute(
                select(EventOutbox.done_at)
                .where(EventOutbox.event_id == event.id, EventOutbox.subscriber == "email")
                .with_for_update()
            ).first()
            if row is None or row.done_at is not None:  # another consumer finished it
                return
        served = session.scalar(
            select(EmailRecord.id).where(
                EmailRecord.event_id == event.id, EmailRecord.recipient == recipient
            )
        )
        if served is not None:
            continue
        last = held if i == len(recipients) - 1 else None
        own = {**context, **(contexts or {}).get(recipient, {})}
        _send_one(session, rt, event, case, recipient, subject, template, own, notice, last)


def _send_one(
    session: Session,
    rt: Runtime,
    event: Event,
    case: Case | None,
    recipient: str,
    subject: str,
    template: str,
    context: dict,
    notice: Notice | None,
    done: EventOutbox | None = None,
) -> None:
    """One message; `done`, the outbox row to mark done in the same commit as its proof."""
    mid = mail.message_id(event.id, [recipient], rt.settings.base_url)
    message = mail.build(
        sender=rt.settings.mail_from,
        to=[recipient],
        subject=subject,
        template=template,
        message_id=mid,
        event_id=event.id,
        context={
            **context,
            "subject": subject,
            "reference": case.reference if case else None,
            "authority_name": case.authority.name if case else None,
            "case_url": _case_url(rt, case) if case else None,
        },
    )

    def accepted(at: dt.datetime) -> None:
        if done is not None:  # every recipient served: one commit for the proof and the row
            done.done_at = now()
            done.failed_at = None
        session.add(
            EmailRecord(
                event_id=event.id,
                case_id=case.id if case else None,
                notice_id=notice.id if notice else None,
                recipient=recipient,
                subject=subject,
                message_id=mid,
                accepted_at=at,
                transport=rt.transport.name,
            )
        )
        if case is None:  # an account email: the EmailRecord is its whole record
            session.commit()
            return
        # The chain's queries need none of this unflushed: the commit flushes it all at once.
        with session.no_autoflush:
            record(
                session,
                case,
                "notice.served" if notice else "email.sent",
                MAIL,
                {
                    "event_id": event.id,
                    "notice_id": notice.id if notice else None,
                    "kind": notice.kind if notice else event.type,
                    "recipient": notice.recipient if notice else event.payload.get("to"),
                    "to": recipient,
                    "subject": subject,
                    "message_id": mid,
                    "accepted_at": at.isoformat(),
                    "transport": rt.transport.name,
                },
            )
        session.commit()

    rt.transport.send(message, accepted)


def _send_notice(session: Session, event: Event, rt: Runtime) -> None:
    found = session.execute(  # the notice and its case (with authority and body) at once
        select(Notice, Case)
        .join(Case, Case.id == Notice.case_id)
        .where(Notice.event_id == event.id)
    ).first()
    if found is None or not found[0].recipient_email:
        return
    notice, case = found
    _deliver(
        session,
        rt,
        event,
        case,
        [notice.recipient_email],
        notice.subject,
        "notice",
        {"notice": notice, "notice_html": Markup(text_to_fragment(notice.body_text))},
        notice,
    )


def _send_password_reset(session: Session, event: Event, rt: Runtime) -> None:
    """The link is made here, when the message is sent, so its secret is never stored."""
    user = session.get(User, event.payload.get("user_id"))
    if user is None or not user.active:
        return
    link = f"{rt.settings.base_url}/password/reset/{reset_token(user, rt.settings.secret_key)}"
    _deliver(
        session,
        rt,
        event,
        None,
        [user.email],
        "Reset your password for community empowerment requests",
        "password_reset",
        {"name": user.name or user.email, "link": link, "hours": RESET_MAX_AGE // 3600},
    )


def _send_sign_up(session: Session, event: Event, rt: Runtime) -> None:
    """A new address gets the link that finishes its account, made here so it is never
    stored; the owner of an address that has an account is told someone tried instead."""
    from casework.web.accounts import SIGN_UP_MAX_AGE, sign_up_token

    base, p = rt.settings.base_url, event.payload
    if event.type == "account.sign_up_requested":
        token = sign_up_token(p["email"], p.get("name", ""), rt.settings.secret_key)
        subject = "Finish creating your account for community empowerment requests"
        to, template = p["email"], "sign_up_confirm"
        # No name: it was typed by whoever asked, and this goes to an address not yet proven.
        context = {
            "link": f"{base}/sign-up/finish/{token}",
            "hours": SIGN_UP_MAX_AGE // 3600,
        }
    else:
        user = session.get(User, p.get("user_id"))
        if user is None or not user.active:
            return
        subject = "Someone tried to create an account with your address"
        to, template = user.email, "sign_up_attempted"
        context = {
            "name": user.name or user.email,
            "sign_in": f"{base}/sign-in",
            "forgot": f"{base}/password/forgot",
        }
    _deliver(session, rt, event, None, [to], subject, template, context)


def _send_email_change(session: Session, event: Event, rt: Runtime) -> None:
    """The new address gets the link that changes it (made here, so never stored); once
    changed, the old address is told."""
    from casework.web.accounts import EMAIL_CHANGE_MAX_AGE, email_change_token

    p = event.payload
    user = session.get(User, p.get("user_id"))
    if user is None or not user.active:
        return
    base = rt.settings.base_url
    if event.type == "account.email_change_requested":
        token = email_change_token(user, p["email"], rt.settings.secret_key)
        subject = "Confirm your new email address for community empowerment requests"
        to, template = p["email"], "email_change_confirm"
        context = {
            "link": f"{base}/account/email/confirm/{token}",
            "hours": EMAIL_CHANGE_MAX_AGE // 3600,
        }
    else:
        subject = "The email address for your account has changed"
        to, template = p["old_email"], "email_changed"
        context = {"name": user.name or p["old_email"]}
    _deliver(session, rt, event, None, [to], subject, template, context)


def _send_deadline(session: Session, event: Event, rt: Runtime) -> None:
    p = event.payload
    case = session.get(Case, event.case_id)
    deadline = session.get(DeadlineRow, p["deadline_id"])
    if case is None or deadline is None:
        return
    to_body = p.get("to") == "body"
    if to_body:
        to, greeting = [case.community_body.contact_email], f"Dear {case.community_body.name},"
    elif p.get("to") == "managers":
        to, greeting = _managers(session, case.authority), "Dear manager,"
    else:
        officer = case.assigned_to
        to = [officer.email if officer else case.authority.email]
        greeting = f"Dear {officer.name or officer.email}," if officer else "Dear colleague,"
    rule = rt.law.rulebook.rule(deadline.rule)
    overdue = event.type == "deadline.overdue"
    due, due_words = deadline.due_date, in_words(deadline.due_date)
    # The days left are counted on the day the message is sent, not at the reminder point,
    # so a reminder that goes out late does not promise days that have gone: the days after
    # today up to and including the due date, as the rule counts them (working days as its
    # instrument defines them; otherwise calendar days).
    today = rt.clock.today()
    if rule.unit == "working_days" and rule.instrument is not None:
        days = rt.law.rulebook.working_days(rule.instrument)
        later = (today + dt.timedelta(days=n) for n in range(1, (due - today).days + 1))
        left, unit = sum(1 for d in later if days.is_working_day(d)), "working day"
        meaning = days.summary
    else:
        left, unit, meaning = max((due - today).days, 0), "day", None
    subject = (
        f"Overdue: {rule.title} ({case.reference})"
        if overdue
        else f"Reminder: {rule.title} by {due_words} ({case.reference})"
    )
    context = {
        "greeting": greeting,
        "step": rule.title,
        "due_words": due_words,
        "today_words": in_words(today),
        "days_left": left,
        "left": f"{left} {unit}" if left == 1 else f"{left} {unit}s",
        "working_days_are": meaning,
        "due_today": today == due,
        "passed": today > due,
        "kind_label": KINDS[case.kind].workflow.title,
        "body_name": case.community_body.name,
        "to_body": to_body,
    }
    if not to_body:  # the officer's view: where the date comes from, and its working-out
        context.update(
            citation=deadline.citation,
            explanation=deadline.explanation,
            assigned=case.assigned_to.email if case.assigned_to else None,
        )
    _deliver(
        session,
        rt,
        event,
        case,
        [t for t in to if t],
        subject,
        "overdue" if overdue else "reminder",
        context,
    )


def _send_deadlines_moved(session: Session, event: Event, rt: Runtime) -> None:
    """`casework deadlines recompute` moved dates on an open case: one message each to the
    body and to the assigned officer (the managers when nobody is), listing every date
    that moved, old and new in words, and why. The officer's also says how each new date
    was worked out, as a reminder does."""
    p = event.payload
    case = session.get(Case, event.case_id)
    if case is None or case.closed_on is not None or not p.get("deadlines"):
        return
    rows = {
        r.id: r
        for r in session.scalars(
            select(DeadlineRow).where(
                DeadlineRow.id.in_([d["deadline_id"] for d in p["deadlines"]])
            )
        )
    }
    moved = []
    for d in p["deadlines"]:
        rule = rt.law.rulebook.rule(d["rule"])
        was, due = (
            dt.date.fromisoformat(d["previous_due_date"]),
            dt.date.fromisoformat(d["due_date"]),
        )
        row = rows.get(d["deadline_id"])
        moved.append(
            {
                "step": rule.title,
                "was_words": in_words(was),
                "due_words": in_words(due),
                "later": due > was,
                "citation": row.citation if row else rule.citation,
                "explanation": row.explanation if row else "",
            }
        )
    body, officer = case.community_body, case.assigned_to
    if officer is not None:
        staff = [officer.email]
        staff_greeting = f"Dear {officer.name or officer.email},"
    else:
        staff, staff_greeting = _managers(session, case.authority), "Dear manager,"
    contexts = {a.strip().lower(): {"greeting": staff_greeting} for a in staff if a}
    if body.contact_email:
        contexts[body.contact_email.strip().lower()] = {
            "greeting": f"Dear {body.name},",
            "to_body": True,
        }
    one = len(moved) == 1
    subject = (
        f"A date has changed on {case.reference}"
        if one
        else f"Dates have changed on {case.reference}"
    )
    _deliver(
        session,
        rt,
        event,
        case,
        [body.contact_email or "", *staff],
        subject,
        "deadlines_moved",
        {
            "greeting": "Dear colleague,",
            "to_body": False,
            "moved": moved,
            "one": one,
            "reason": (p.get("reason") or "").rstrip(".") + ".",
            "kind_label": KINDS[case.kind].workflow.title,
            "body_name": body.name,
        },
        contexts=contexts,
    )


def _managers(session: Session, authority: Authority) -> list[str]:
    """The authority's active managers; the authority's own address when it has none."""
    managers = session.scalars(
        select(User.email).where(
            User.authority_id == authority.id,
            User.role == "manager",
            User.active.is_(True),
        )
    ).all()
    return list(managers) or [authority.email or ""]


def _send_report(session: Session, event: Event, rt: Runtime) -> None:
    """An annual report reminder or escalation (s.32(3)-(4), s.95(3)-(4)) to the authority's
    managers: which report, for which year, due when, and how long is left."""
    from casework import annual_reports as ar
    from notifications.report_reminders import LAW
    from workflows.annual_report import WORKFLOW as report_workflow

    p = event.payload
    authority = session.get(Authority, p["authority_id"])
    if authority is None:
        return
    kind, year = p["kind"], p["year"]
    law, (first, last) = LAW[kind], ar.reporting_year(kind, year)
    due, today = ar.due_by(kind, year), rt.clock.today()
    overdue = event.type == "annual_report.overdue"
    found = ar.versions(session, authority, kind, year)
    # The days left are counted on the day the message is sent, as for case deadlines: the
    # days after today up to and including 30 June.
    left = max((due - today).days, 0)
    period = f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"
    subject = (
        f"Overdue: {law.name} for {period}, was due by {in_words(due)}"
        if overdue
        else f"Reminder: {law.name} for {period}, due by {in_words(due)}"
    )
    context = {
        "greeting": "Dear manager,",
        "authority": authority.name,
        "report": law.name,
        "law": law.law,
        "covers": law.covers,
        "first": first,
        "last": last,
        "due_words": in_words(due),
        "today_words": in_words(today),
        "left": f"{left} day" if left == 1 else f"{left} days",
        "due_today": today == due,
        "passed": today > due,
        "state": report_workflow.states[found[0].state].label if found else "Not started",
        "link": f"{rt.settings.base_url}/reports/{kind}/{year}",
    }
    _deliver(
        session,
        rt,
        event,
        None,
        [t for t in _managers(session, authority) if t],
        subject,
        "report_overdue" if overdue else "report_reminder",
        context,
    )


def on_failed(session: Session, event_id: int, subscriber: str, error: str) -> None:
    """A notice that could not be served is shown on the case, for the officer to act on;
    so is a webhook delivery whose retries ran out."""
    if subscriber.startswith("webhook:"):
        webhooks.note_failed(session, event_id, subscriber)
        return
    if subscriber != "email":
        return
    event = session.get(Event, event_id)
    if event is None or event.case_id is None:
        return
    notice = session.scalar(select(Notice).where(Notice.event_id == event_id))
    record(
        session,
        session.get(Case, event.case_id),
        "notice.service_failed",
        MAIL,
        {
            "event_id": event_id,
            "notice_id": notice.id if notice else None,
            "kind": notice.kind if notice else event.type,
            "recipient": notice.recipient if notice else None,
            "to": notice.recipient_email if notice else None,
            "error": error[:500],
        },
    )
