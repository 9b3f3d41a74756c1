"""The outbox: who must hear of each event, written in the same flush as the event.

Events are append-only; this table says, per subscriber, whether the work the event
calls for has been done. Subscribers: `email` (notices with an address, reminders,
escalations, account and follow emails), `register` (published documents), `followers`
(what the register published, to those who follow it), and `webhook:<id>` for each
active webhook of the case's authority.
"""

from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.models import Case, Event
from notifications.models import EventOutbox, Webhook

EMAIL_EVENTS = (
    "deadline.reminder",
    "deadline.overdue",
    "annual_report.reminder",
    "annual_report.overdue",
    "account.password_reset_requested",
    "account.sign_up_requested",
    "account.sign_up_attempted",
    "account.email_change_requested",
    "account.email_changed",
    "follow.requested",  # the confirmation a new follow asks for
    "follow.digest",  # a follower's daily digest
)


# What the pipeline notes on a case about its own deliveries. A webhook is not told that a
# webhook failed: the failing one would fail again, and note it again, for ever.
STAFF_NOTES = ("webhook.failed", "webhook.resent")


def subscribers(event: Event, webhooks: list[int]) -> list[str]:
    payload = event.payload or {}
    subs = []
    if event.type == "notice.issued":
        if payload.get("has_email"):
            subs.append("email")
        if payload.get("published"):
            subs.append("register")
    elif event.type in EMAIL_EVENTS:
        subs.append("email")
    elif event.type == "annual_report.publish":  # s.32(1), s.95(1): onto the register
        subs.append("register")
    elif event.type == "document.published" and getattr(event, "to_followers", False):
        # What the register shows, to its followers: marked (not stored) by the publication
        # that wrote it, when it found someone to tell.
        subs.append("followers")
    elif event.type == "deadlines.moved":  # a recompute moved dates: the parties are told
        subs.append("email")
    if event.type in STAFF_NOTES:  # the pipeline's own notes: never out to a webhook
        return subs
    subs.extend(f"webhook:{w}" for w in webhooks)
    return subs


def _webhooks_by_case(session: Session, case_ids: set[int]) -> dict[int, list[int]]:
    if not case_ids:
        return {}
    rows = session.connection().execute(
        select(Case.id, Webhook.id)
        .join(Webhook, Webhook.authority_id == Case.authority_id)
        .where(Case.id.in_(case_ids), Webhook.active.is_(True))
        .order_by(Webhook.id)
    )
    out: dict[int, list[int]] = {}
    for case_id, webhook_id in rows:
        out.setdefault(case_id, []).append(webhook_id)
    return out


def _after_flush(session: Session, _context) -> None:
    events = [o for o in session.new if isinstance(o, Event)]
    if not events:
        return
    hooks = _webhooks_by_case(session, {e.case_id for e in events if e.case_id})
    stamp = now()
    rows = [
        {"event_id": e.id, "subscriber": sub, "created_at": stamp, "dispatches": 0}
        for e in events
        for sub in subscribers(e, hooks.get(e.case_id, []) if e.case_id else [])
    ]
    if rows:
        session.connection().execute(insert(EventOutbox), rows)
        session.info["outbox_written"] = True


def _after_commit(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        from notifications.runtime import nudge

        nudge()


def _after_rollback(session: Session) -> None:
    session.info.pop("outbox_written", None)


_installed = False


def install() -> None:
    """Listen on every session, so no code path can write an event without its outbox rows."""
    global _installed
    if _installed:
        return
    sa_event.listen(Session, "after_flush", _after_flush)
    sa_event.listen(Session, "after_commit", _after_commit)
    sa_event.listen(Session, "after_rollback", _after_rollback)
    _installed = True
