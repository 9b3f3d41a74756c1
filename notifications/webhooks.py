"""Webhooks: an authority registers a URL and gets a secret; each event on its cases is
POSTed as JSON, signed with HMAC-SHA256 of the body in X-Casework-Signature.

Deliveries run on their own queue and worker threads, time out quickly and back off, so a
failing endpoint never holds up email, publication or anyone else's webhooks. No
transaction is open while a delivery waits on the network, and only public addresses are
ever contacted: checked at registration, and again at delivery after resolving the name.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.access import AUTHORITY_ROLES
from casework.api import json_body, load
from casework.api.pagination import paginate
from casework.clock import now
from casework.context import commit, current_user, db, services
from casework.errors import Forbidden, Invalid, NotFound
from casework.eventlog import Actor, record
from casework.models import Case, Event
from casework.schemas.common import PageSchema
from notifications.models import EventOutbox, Webhook, WebhookDelivery

TIMEOUT_SECONDS = 5

# What the delivery log tells the officer: what happened, in general terms. Never the
# system's reason, the receiver's reason phrase or its body, which would let the log be used
# to map what answers where.
NOT_ALLOWED = "the receiver's address is not allowed"
UNREACHABLE = "the receiver could not be reached"
REDIRECTED = "the receiver answered with a redirect, which is not followed"
ERROR_ANSWER = "the receiver answered with an error"
REFUSED_URL = (
    "Webhooks are sent only to public internet addresses: this address is loopback, "
    "private, link-local, reserved or a cloud metadata address, or its name does not resolve."
)


class WebhookFailed(Exception):
    pass


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- which addresses a webhook may reach ---------------------------------------------------

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def refused(address: str, allow_loopback: bool = False) -> bool:
    """Whether a webhook may not be sent to this address: anything but a public one (and
    loopback, when WEBHOOK_ALLOW_LOOPBACK says so)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo or (None, None))[1]
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and refused(str(embedded), allow_loopback):
            return True
    if ip in METADATA:
        return True
    if ip.is_loopback:
        return not allow_loopback
    return (
        ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def _target(url: str) -> tuple[str, str, int, str]:
    """scheme, host, port and the path with its query; ValueError if there is no host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http or https URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def allowed_addresses(
    url: str, allow_loopback: bool, resolver: Resolver = resolve
) -> list[str] | None:
    """The URL's host resolved once, or None if it does not resolve or any of its addresses
    is refused (a name with one public and one private address is refused)."""
    try:
        _, host, port, _ = _target(url)
        addresses = resolver(host, port)
    except (OSError, UnicodeError, ValueError):
        return None
    if not addresses or any(refused(a, allow_loopback) for a in addresses):
        return None
    return addresses


def url_problem(url: str, allow_loopback: bool) -> str | None:
    """Why a webhook may not be registered with this URL, or None."""
    return None if allowed_addresses(url, allow_loopback) is not None else REFUSED_URL


# -- sending ---------------------------------------------------------------------------------


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address")


class _Pinned(http.client.HTTPConnection):
    """HTTP to the addresses that were checked, not to whatever the name resolves to
    now; the Host header is still the name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """HTTPS to the checked addresses, with the name for SNI and certificate checking."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = _connect(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def send(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_loopback: bool,
    resolve: Resolver = resolve,
    timeout: float = TIMEOUT_SECONDS,
) -> Outcome:
    """POST the body once: the name resolved once, every address checked, the connection
    made to a checked address. Redirects are not followed: a 3xx is a failed delivery."""
    try:
        scheme, host, port, path = _target(url)
    except ValueError:
        return Outcome(None, UNREACHABLE)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return Outcome(None, UNREACHABLE)
    if not addresses or any(refused(a, allow_loopback) for a in addresses):
        return Outcome(None, NOT_ALLOWED)
    kind = _PinnedTLS if scheme == "https" else _Pinned
    connection = kind(host, port, addresses, timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status  # its body is never read
    except (OSError, http.client.HTTPException, ValueError):
        return Outcome(None, UNREACHABLE)
    finally:
        connection.close()
    if 200 <= status < 300:
        return Outcome(status, None)
    return Outcome(status, REDIRECTED if 300 <= status < 400 else ERROR_ANSWER)


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


_in_flight: set[tuple[int, str]] = set()
_in_flight_lock = threading.Lock()


def consume(rt, event_id: int, subscriber: str) -> str:
    """Deliver one event to one webhook, holding no transaction while the network is used
    (on SQLite a transaction holds the write lock on the whole database): one short
    transaction reads what to send, the request is made with none open, and a second one
    logs the attempt and, if it succeeded, marks the outbox row done, together.

    A copy of the same message in this process while the first is in flight does nothing;
    the first one's outcome (done, or failed and retried) stands for both."""
    key = (event_id, subscriber)
    with _in_flight_lock:
        if key in _in_flight:
            return "in progress"
        _in_flight.add(key)
    try:
        return _consume(rt, event_id, subscriber)
    finally:
        with _in_flight_lock:
            _in_flight.discard(key)


def _outbox_row(session: Session, event_id: int, subscriber: str, lock: bool = False):
    query = select(EventOutbox).where(
        EventOutbox.event_id == event_id, EventOutbox.subscriber == subscriber
    )
    return session.scalar(query.with_for_update() if lock else query)


def _consume(rt, event_id: int, subscriber: str) -> str:
    webhook_id = int(subscriber.split(":", 1)[1])
    with rt.sessions() as session:
        row = _outbox_row(session, event_id, subscriber)
        if row is None:
            return "unknown"
        if row.done_at is not None:
            return "already done"
        hook = session.get(Webhook, webhook_id)
        if hook is None or not hook.active:
            row.done_at, row.failed_at = now(), None
            session.commit()
            return "done"
        event = session.get(Event, event_id)
        body = json.dumps(envelope(session, event), separators=(",", ":"), sort_keys=True).encode()
        url = hook.url
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "casework-webhooks/1",
            "X-Casework-Event": event.type,
            "X-Casework-Delivery": f"{event.id}.{hook.id}",
            "X-Casework-Signature": sign(hook.secret, body),
        }
        session.rollback()  # only read: end the transaction before the network is used

    started = time.monotonic()
    outcome = send(url, body, headers, allow_loopback=rt.settings.webhook_allow_loopback)
    duration_ms = int((time.monotonic() - started) * 1000)

    # The attempt is logged, and the row marked done if it succeeded, in one transaction.
    with rt.sessions() as session:
        row = _outbox_row(session, event_id, subscriber, lock=True)
        attempt = 1 + (
            session.scalar(
                select(func.count()).where(
                    WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.event_id == event_id
                )
            )
            or 0
        )
        session.add(
            WebhookDelivery(
                webhook_id=webhook_id,
                event_id=event_id,
                attempt=attempt,
                status_code=outcome.status,
                error=outcome.error,
                duration_ms=duration_ms,
            )
        )
        if outcome.ok and row is not None and row.done_at is None:
            row.done_at, row.failed_at = now(), None
        session.commit()
    if not outcome.ok:
        raise WebhookFailed(f"webhook {webhook_id}: {outcome.error} ({outcome.status or '-'})")
    return "done"


# -- deliveries that failed for good ------------------------------------------------------

PIPELINE = Actor.system("webhooks")


def note_failed(session: Session, event_id: int, subscriber: str) -> None:
    """A delivery whose retries ran out is noted on its case (`webhook.failed`), so the
    authority's officers and managers see it there, not only in `casework jobs failed`.
    The note is the authority's: the body and the public never see it (event_view), and no
    webhook is sent it (outbox.STAFF_NOTES)."""
    webhook_id = int(subscriber.split(":", 1)[1])
    event, hook = session.get(Event, event_id), session.get(Webhook, webhook_id)
    if event is None or event.case_id is None or hook is None:
        return
    last = session.scalar(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id, WebhookDelivery.event_id == event_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(1)
    )
    record(
        session,
        session.get(Case, event.case_id),
        "webhook.failed",
        PIPELINE,
        {
            "event_id": event_id,
            "event_type": event.type,
            "event_at": event.occurred_at.isoformat(),
            "webhook_id": webhook_id,
            "url": hook.url,
            "attempts": last.attempt if last else 0,
            "problem": (last.error if last else None) or UNREACHABLE,
        },
    )


def note_resent(session: Session, event_id: int, subscriber: str, actor: Actor) -> None:
    """A failed delivery sent again (a manager's button, or `casework jobs retry`): noted on
    the case, so its failure is no longer shown as waiting."""
    event = session.get(Event, event_id)
    if event is None or event.case_id is None:
        return
    record(
        session,
        session.get(Case, event.case_id),
        "webhook.resent",
        actor,
        {"event_id": event_id, "webhook_id": int(subscriber.split(":", 1)[1])},
    )


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


def _own(webhook_id: int, *, deleted: bool = True) -> Webhook:
    """One of the caller's authority's webhooks; a deleted one only where `deleted`."""
    hook = db().get(Webhook, webhook_id)
    if hook is None or hook.authority_id != _authority_id() or not (deleted or hook.active):
        raise NotFound("There is no such webhook.")
    return hook


@blp.route("")
class Webhooks(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, WebhookSchema(many=True))
    def get(self):
        """Your authority's webhooks; a deleted one is no longer listed."""
        return db().scalars(
            select(Webhook)
            .where(Webhook.authority_id == _authority_id(), Webhook.active.is_(True))
            .order_by(Webhook.id)
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
        # The name is resolved with no transaction open (on SQLite it would hold the lock).
        commit()
        problem = url_problem(data["url"], services().settings.webhook_allow_loopback)
        if problem is not None:
            raise Invalid({"url": [problem]})
        hook = Webhook(authority_id=authority_id, url=data["url"], secret=secrets.token_urlsafe(32))
        db().add(hook)
        commit()
        return hook


@blp.route("/<int:webhook_id>", methods=["DELETE"])
@blp.doc(
    security=[{"bearer": []}],
    description="A deleted webhook is no longer listed nor delivered to; its delivery log "
    "stays readable at /api/v1/webhooks/{webhook_id}/deliveries. Deleting it again is a 404.",
)
@blp.response(204)
def remove(webhook_id: int):
    """Delete a webhook: nothing more is sent to it."""
    _own(webhook_id, deleted=False).active = False
    commit()


@blp.route("/<int:webhook_id>/deliveries")
@blp.doc(security=[{"bearer": []}])
@blp.arguments(PageSchema, location="query")
@blp.response(200, DeliverySchema(many=True))
def deliveries(args, webhook_id: int):
    """Every delivery attempt, newest first; kept after the webhook is deleted."""
    hook = _own(webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return paginate(db(), query, args["page"], args["page_size"])["items"]
