"""What each reader sees of an event on a case: built here, and only here.

The event log keeps what happened in full, for the authority that runs the case. Its
readers differ (ARCHITECTURE.md: "What a reader sees is built from one place per reader"):

- an officer of the authority, and an admin, see every event as it was recorded;
- the community body sees its case's timeline without the personal data of others that it
  may not read: the addresses a notice was emailed to (an owner's or occupier's, SSI
  2016/357 reg 6, an officer's, any but its own contact address), a mail server's error
  about any such address (which quotes it),
  and any contact details (email or postal address) of owners, occupiers or people who
  made representations, wherever in a payload they appear. Proof of service of a notice it
  may not read is still shown: that it was delivered, when, and its Message-ID;
- the public sees no case's timeline; of an event it sees only what is on the register.

The API's events route, the case page's timeline and notice pages read events only
through `visible_events` or `payload_for`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from casework.access import Role, party_for
from casework.models import Case, Event, User
from workflows.rules import Party


class Reader(StrEnum):
    PUBLIC = "public"
    BODY = "body"
    AUTHORITY = "authority"
    ADMIN = "admin"


def reader_for(user: User | None, case: Case) -> Reader:
    """Who `user` is to `case`, as a reader of its events."""
    if user is not None and user.role == Role.ADMIN:
        return Reader.ADMIN
    party = party_for(user, case)
    if party is Party.AUTHORITY:
        return Reader.AUTHORITY
    if party is Party.BODY:
        return Reader.BODY
    return Reader.PUBLIC


# Events of the mail pipeline: "to" is the address a message went to, "error" the mail
# server's answer (which names the address). The authority's to see, no one else's.
DELIVERY = ("notice.served", "notice.service_failed", "email.sent")
DELIVERY_PRIVATE = ("to", "error")

# The pipeline's notes to the authority about its own webhooks (their addresses, what
# failed): the authority's, never the body's.
STAFF_ONLY = ("webhook.failed", "webhook.resent")

# Keys that hold someone's contact details, wherever they appear in a payload (an action's
# payload as given, a list of owners and occupiers, ...). None is the body's to read.
CONTACT_KEYS = frozenset(
    {
        "email",
        "address",
        "recipient_email",
        "recipient_address",
        "contact_email",
        "contact_address",
    }
)

# What the public may see of an event, by type: only what the register publishes.
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "document.published": ("register_id", "document"),
}


def _without_contacts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_contacts(v) for k, v in value.items() if k not in CONTACT_KEYS}
    if isinstance(value, list):
        return [_without_contacts(v) for v in value]
    return value


def _to_the_body(payload: dict[str, Any], case: Case | None) -> bool:
    """Whether a message went to the body's own contact address: that is the body's."""
    body = case.community_body if case is not None else None
    own = (body.contact_email or "").strip().lower() if body is not None else ""
    return bool(own) and str(payload.get("to") or "").strip().lower() == own


def payload_for(
    event: Event, reader: Reader | User | None, case: Case | None = None
) -> dict[str, Any] | None:
    """The payload of `event` that `reader` may see, or None if the event is not theirs to
    see at all. `reader` is a Reader, or a user (None for the public) with the case."""
    if not isinstance(reader, Reader):
        if case is None:
            raise TypeError("give the case with the user, or a Reader")
        reader = reader_for(reader, case)
    payload = dict(event.payload or {})
    if reader in (Reader.AUTHORITY, Reader.ADMIN):
        return payload
    if reader is Reader.BODY:
        if event.type in STAFF_ONLY:
            return None
        if event.type in DELIVERY and not _to_the_body(payload, case):
            payload = {k: v for k, v in payload.items() if k not in DELIVERY_PRIVATE}
        return _without_contacts(payload)
    fields = PUBLIC_FIELDS.get(event.type)
    if fields is None:
        return None
    return {k: payload[k] for k in fields if k in payload}


def view(event: Event, reader: Reader, case: Case | None = None) -> dict[str, Any] | None:
    """The event as `reader` sees it (the API's EventSchema shape), or None. Give the
    case, so the body sees the address of what was sent to its own contact address."""
    payload = payload_for(event, reader, case)
    if payload is None:
        return None
    return {
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "actor": event.actor,
        "payload": payload,
        "case_id": event.case_id,
    }


def visible_events(
    events: Iterable[Event], reader: Reader, case: Case | None = None
) -> list[dict[str, Any]]:
    """The events `reader` may see, each as they may see it, in the order given."""
    return [v for v in (view(e, reader, case) for e in events) if v is not None]
