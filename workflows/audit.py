"""The tamper-evident record's definition: what an event's hash covers, and an anchor.

Each event's hash covers its own content and the hash of the event before it in the same
chain (one chain per case, and one for events that belong to no case), so changing,
removing or reordering any event breaks every hash after it. An anchor is one digest over
the latest hash of every chain; once published, it fixes the whole record as it stood.

Pure functions: the service computes and stores them, `casework audit verify` recomputes.
SHA-256 from the standard library: a solved problem with no need for another dependency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a chain's first event


def canonical(value: Any) -> bytes:
    """One byte string for one value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(
    prev_hash: str,
    *,
    case_id: int | None,
    type_: str,
    actor: str,
    occurred_at: dt.datetime,
    payload: Mapping[str, Any],
) -> str:
    """The hash of one event, given the hash of the one before it in its chain."""
    if occurred_at.tzinfo is None:
        raise ValueError("an event's time must be timezone-aware")
    body = {
        "prev": prev_hash,
        "case": case_id,
        "type": type_,
        "actor": actor,
        "at": occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "payload": payload,
    }
    return hashlib.sha256(canonical(body)).hexdigest()


def hash_of(prev_hash: str, event: Any) -> str:
    """`event_hash` of anything with an event's fields: a stored row, or one being made."""
    return event_hash(
        prev_hash,
        case_id=event.case_id,
        type_=event.type,
        actor=event.actor,
        occurred_at=event.occurred_at,
        payload=event.payload,
    )


def anchor_digest(latest: Iterable[tuple[int | None, str]]) -> str:
    """One digest over each chain's latest hash, in order of case (no-case chain first)."""
    lines = sorted(latest, key=lambda pair: -1 if pair[0] is None else pair[0])
    return hashlib.sha256(canonical([[case, h] for case, h in lines])).hexdigest()
