"""The page where an authority's staff see the webhook deliveries that failed for good, and
its managers send them again. It lives here, beside the pipeline that keeps the outbox, so
that `casework` never reads the pipeline's tables (dependencies point one way)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlalchemy import String, cast, literal, select

from casework.access import Role
from casework.context import db
from casework.eventlog import Actor
from casework.kinds import KINDS
from casework.models import Case, Event
from casework.web.forms import whole_number
from casework.web.pages import page
from casework.web.session import AUTHORITY, signed_in
from notifications import runtime
from notifications.models import EventOutbox, FailedJob, Webhook

bp = Blueprint("webhook_pages", __name__, template_folder="templates")

# The most a page lists: failures are few, and each is one endpoint's outage.
LIMIT = 200


def failed_query(authority_id: int):
    """Every delivery to one of the authority's webhooks that failed for good and has not
    been sent again: one query. The outbox's pending index (done_at, failed_at, ...) finds
    the few failed rows; each joins its event, case and webhook by primary key."""
    subscriber = literal("webhook:") + cast(Webhook.id, String)
    return (
        select(
            EventOutbox.event_id,
            EventOutbox.failed_at,
            Webhook.id.label("webhook_id"),
            Webhook.url,
            Event.type,
            Event.occurred_at,
            Case.reference,
            Case.kind,
        )
        .join(Event, Event.id == EventOutbox.event_id)
        .join(Case, Case.id == Event.case_id)
        .join(Webhook, EventOutbox.subscriber == subscriber)
        .where(
            EventOutbox.done_at.is_(None),
            EventOutbox.failed_at.is_not(None),
            EventOutbox.subscriber.like("webhook:%"),
            Webhook.authority_id == authority_id,
            Case.authority_id == authority_id,
        )
        .order_by(EventOutbox.failed_at.desc(), EventOutbox.event_id.desc())
        .limit(LIMIT)
    )


def _what(event_type: str, kind: str) -> str:
    """The event in words, as the case timeline names it."""
    from casework.web.cases import EVENT_LABELS

    if event_type.startswith("action."):
        trigger = event_type.removeprefix("action.")
        action = next((a for a in KINDS[kind].workflow.actions if a.trigger == trigger), None)
        return action.label if action else trigger.replace("_", " ").capitalize()
    if event_type == "notice.issued":
        return "a notice was issued"
    return EVENT_LABELS.get(event_type, event_type.replace(".", ": ").replace("_", " "))


@bp.get("/webhooks/failed")
@signed_in(*AUTHORITY)
def failed():
    rows = db().execute(failed_query(g.user.authority_id)).all()
    return page(
        "web/webhooks/failed.html",
        "Webhooks that could not be told",
        rows=[
            {
                "event_id": r.event_id,
                "webhook_id": r.webhook_id,
                "url": r.url,
                "what": _what(r.type, r.kind),
                "happened": r.occurred_at,
                "failed": r.failed_at,
                "reference": r.reference,
            }
            for r in rows
        ],
        manager=g.user.role == Role.MANAGER,
        limit=LIMIT,
    )


@bp.post("/webhooks/failed")
@signed_in(*AUTHORITY)
def send_again():
    """A manager sends one failed delivery again: the failed job is run again and the
    case notes it (`webhook.resent`), so the case page stops showing the failure."""
    if g.user.role != Role.MANAGER:
        abort(403)
    event_id = whole_number(request.form.get("event_id"))
    webhook_id = whole_number(request.form.get("webhook_id"))
    if event_id is None or webhook_id is None:
        abort(404)
    session = db()
    found = session.execute(
        failed_query(g.user.authority_id).where(
            EventOutbox.event_id == event_id, Webhook.id == webhook_id
        )
    ).first()
    if found is None:
        abort(404)
    subscriber = f"webhook:{webhook_id}"
    jobs = [
        j.id
        for j in session.scalars(
            select(FailedJob).where(
                FailedJob.actor == "deliver_webhook", FailedJob.retried_at.is_(None)
            )
        )
        if list(j.args) == [event_id, subscriber]
    ]
    if not jobs:
        abort(404)
    runtime.retry_failed(jobs, Actor.of(g.user))
    flash(f"Sent again to {found.url}, for {found.reference}.", "success")
    return redirect(url_for("webhook_pages.failed"))
