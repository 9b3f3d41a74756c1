"""Webhooks: an authority registers a URL and gets a secret; each event on its cases is
POSTed as JSON, signed with HMAC-SHA256 of the body in X-Casework-Signature.

Deliveries run on their own queue and worker threads, time out quickly and back off, so a
failing endpoint never holds up email, publication or anyone else's webhooks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access import AUTHORITY_ROLES
from casework.api import json_body, load
from casework.api.pagination import paginate
from casework.context import commit, current_user, db
from casework.errors import Forbidden, NotFound
from casework.models import Case, Event
from casework.schemas.common import PageSchema
from notifications.models import Webhook, WebhookDelivery

TIMEOUT_SECONDS = 5


class WebhookFailed(Exception):
    pass


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(session: Session, event: Event) -> dict[str, Any]:
    """The event as JSON, built only from what never changes, so every attempt at a
    delivery sends the same bytes with the same signature. (The case's state is not here:
    it would be the state at the time of sending, not of the event; an action's payload
    has the states it moved the case from and to.)"""
    case = session.get(Case, event.case_id) if event.case_id else None
    return {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "case": None
        if case is None
        else {"reference": case.reference, "kind": case.kind, "authority": case.authority.code},
        "payload": event.payload,
    }


def deliver(session: Session, event: Event, webhook_id: int, rt) -> None:
    hook = session.get(Webhook, webhook_id)
    if hook is None or not hook.active:
        return
    body = json.dumps(envelope(session, event), separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "casework-webhooks/1",
            "X-Casework-Event": event.type,
            "X-Casework-Delivery": f"{event.id}.{hook.id}",
            "X-Casework-Signature": sign(hook.secret, body),
        },
    )
    started = time.monotonic()
    status, error = None, None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))
    # The attempt is logged in its own transaction, so a failure is logged too.
    with rt.sessions() as log_session:
        attempt = 1 + (
            log_session.scalar(
                select(func.count()).where(
                    WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id == event.id
                )
            )
            or 0
        )
        log_session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event_id=event.id,
                attempt=attempt,
                status_code=status,
                error=error,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        )
        log_session.commit()
    if status is None or not 200 <= status < 300:
        raise WebhookFailed(f"{hook.url}: {error or status}")


# -- the API ----------------------------------------------------------------------------

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Webhooks: events on your authority's cases, signed",
)


class WebhookSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
    )
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class NewWebhookSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        metadata={"description": "shown once: the HMAC-SHA256 key for X-Casework-Signature"},
    )


class DeliverySchema(Schema):
    event_id = fields.Integer()
    attempt = fields.Integer()
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    duration_ms = fields.Integer()
    attempted_at = fields.DateTime()


def _authority_id() -> int:
    user = current_user()
    if user is None or user.role not in AUTHORITY_ROLES:
        raise Forbidden("Only an authority's officers and managers manage its webhooks.")
    return user.authority_id


def _own(webhook_id: int) -> Webhook:
    hook = db().get(Webhook, webhook_id)
    if hook is None or hook.authority_id != _authority_id():
        raise NotFound("There is no such webhook.")
    return hook


@blp.route("")
class Webhooks(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, WebhookSchema(many=True))
    def get(self):
        """Your authority's webhooks."""
        return db().scalars(
            select(Webhook).where(Webhook.authority_id == _authority_id()).order_by(Webhook.id)
        )

    @blp.doc(
        security=[{"bearer": []}],
        requestBody={"content": {"application/json": {"schema": WebhookSchema}}},
    )
    @blp.response(201, NewWebhookSchema)
    def post(self):
        """Register a URL. The secret is returned once."""
        authority_id = _authority_id()
        data = load(WebhookSchema(), json_body())
        hook = Webhook(authority_id=authority_id, url=data["url"], secret=secrets.token_urlsafe(32))
        db().add(hook)
        commit()
        return hook


@blp.route("/<int:webhook_id>", methods=["DELETE"])
@blp.doc(security=[{"bearer": []}])
@blp.response(204)
def remove(webhook_id: int):
    """Stop sending to a webhook."""
    _own(webhook_id).active = False
    commit()


@blp.route("/<int:webhook_id>/deliveries")
@blp.doc(security=[{"bearer": []}])
@blp.arguments(PageSchema, location="query")
@blp.response(200, DeliverySchema(many=True))
def deliveries(args, webhook_id: int):
    """Every delivery attempt, newest first."""
    hook = _own(webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return paginate(db(), query, args["page"], args["page_size"])["items"]
