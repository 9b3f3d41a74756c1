"""Telling followers (casework.following) what the register published, through the pipeline.

Each `document.published` event has a `followers` outbox row; its consumer finds every
confirmed follow the record matches, by follower, so a person following the case, its
authority and a search at once gets one message that names all three. Immediate followers
are sent it at once; daily followers have it kept for their digest, which the scheduler
claims once a day (FollowDigest) and this module sends as one email grouped by request,
never empty.

What a follower reads is the register's record and the request's public facts (the
closing date of representations), never anything from the case that the register does not
publish. Each message is proved by a FollowMessage keyed (follower, event) or (follower,
digest day) and committed as the mail server accepts it, so a redelivery sends nothing
twice. Every message carries RFC 8058 one-click unsubscribe headers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from casework import following
from casework.clock import now
from casework.eventlog import record
from casework.models import (
    AssetTransferRequest,
    Case,
    Event,
    Follow,
    FollowDigest,
    Follower,
    FollowMessage,
    FollowPending,
    Notice,
    RegisterRecord,
)
from casework.models.following import DAILY
from notifications import mail
from notifications.models import EventOutbox
from notifications.runtime import Runtime
from workflows.periods import in_words

SUBSCRIBER = "followers"
# What each published document means for a follower: a headline for the subject, and the
# words for a digest's first line ("PR-FIFE-2026-0001 was decided").
HEADLINES = {
    "public_notice": ("Open for representations", "opened for representations"),
    "decision_notice": ("Decided", "was decided"),
    "review_application": ("Review asked for", "had a review asked for"),
    "review_outcome": ("Review decided", "had its review decided"),
    "appeal_application": ("Appeal made", "was appealed to the Scottish Ministers"),
    "appeal_outcome": ("Appeal decided", "had its appeal decided"),
    "lapse_notice": ("Lapsed", "lapsed"),
    "outcome_notice": ("Outcome published", "had its outcome published"),
    "process_notice": ("Outcome improvement process set up", "had its process set up"),
    "process_change_notice": ("Outcome improvement process changed", "had its process changed"),
    "outcome_report": ("Outcome report published", "had its outcome report published"),
    "annual_report": ("Annual report published", "was published"),
}
OUTCOME_WORDS = {
    "agreed": "The request was agreed.",
    "refused": "The request was refused.",
    "confirm": "The review confirmed the decision.",
    "modify": "The review changed the decision.",
    "substitute": "The review made a different decision.",
}


@dataclass
class Item:
    """One published record, as a follower reads it."""

    group: str  # the request's reference (or the report's): a digest groups by it
    what: str  # the request or report, named
    headline: str
    verb: str
    lines: list[str]
    link: str
    because: list[str] = field(default_factory=list)


def item_for(session: Session, entry: RegisterRecord, base_url: str) -> Item:
    headline, verb = HEADLINES.get(entry.document, ("Published", "had a document published"))
    title = entry.request_title or entry.title.removesuffix(f": {entry.reference}")
    what = f"{entry.reference}: {title}" if entry.request_title else entry.title
    link = f"{base_url}/register/{entry.id}"
    if entry.case_id is None:
        lines = [f"{entry.authority_name} published {entry.title.lower()}."]
    else:
        lines = [
            f"{entry.authority_name} published the {headline_noun(entry)} on "
            f"{in_words(entry.issued_on)} for the request from {entry.body_name}."
        ]
        if entry.outcome in OUTCOME_WORDS:
            lines.append(OUTCOME_WORDS[entry.outcome])
        if entry.document == following.OPENS_REPRESENTATIONS:
            closes = session.scalar(
                select(AssetTransferRequest.representations_close).where(
                    AssetTransferRequest.id == entry.case_id
                )
            )
            if closes is not None:
                lines.append(f"Anyone may make a representation until {in_words(closes)}.")
                link = f"{base_url}/representations/{entry.reference}"
    return Item(entry.reference, what, headline, verb, lines, link)


def headline_noun(entry: RegisterRecord) -> str:
    return {
        "public_notice": "notice that it has received the request",
        "decision_notice": "decision notice",
        "review_application": "application for a review",
        "review_outcome": "outcome of the review",
        "appeal_application": "appeal",
        "appeal_outcome": "outcome of the appeal",
        "lapse_notice": "notice that the request has lapsed",
        "outcome_notice": "outcome of the request",
        "process_notice": "outcome improvement process",
        "process_change_notice": "change to the outcome improvement process",
        "outcome_report": "outcome report",
    }.get(entry.document, "document")


def _links(rt: Runtime, follower: Follower) -> dict[str, str]:
    token = following.manage_token(follower, rt.settings.secret_key)
    base = rt.settings.base_url
    return {"manage": f"{base}/following/{token}", "unsubscribe": f"{base}/unsubscribe/{token}"}


def _send(
    session: Session,
    rt: Runtime,
    follower: Follower,
    key: str,
    event: Event,
    subject: str,
    template: str,
    context: dict,
    done: EventOutbox | None = None,
    then=None,
) -> None:
    """One message to one follower, its proof (and `done`, `then`) committed as the server
    takes it. A follow confirmation carries no unsubscribe link: nothing is followed yet."""
    to = following.address_of(follower)
    if to is None:
        return
    links = _links(rt, follower)
    mid = mail.message_id(event.id, [f"follower:{follower.id}:{key}"], rt.settings.base_url)
    message = mail.build(
        sender=rt.settings.mail_from,
        to=[to],
        subject=subject,
        template=template,
        message_id=mid,
        event_id=event.id,
        context={
            "reference": None,  # the footer's: a follower's mail is the service's own
            "authority_name": None,
            "case_url": None,
            **context,
            **links,
            "subject": subject,
        },
    )
    if not key.startswith("confirm:"):
        # RFC 8058: a mail client's one-click unsubscribe POSTs to this address.
        message["List-Unsubscribe"] = f"<{links['unsubscribe']}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    def accepted(at: dt.datetime) -> None:
        if done is not None:
            done.done_at = now()
            done.failed_at = None
        if then is not None:
            then(at)
        session.add(
            FollowMessage(
                follower_id=follower.id, key=key, subject=subject, message_id=mid, accepted_at=at
            )
        )
        session.commit()

    rt.transport.send(message, accepted)


def _still_mine(session: Session, event_id: int, subscriber: str) -> bool:
    """Take the outbox row's lock again (a commit released it); False if another
    consumer has finished it meanwhile."""
    row = session.execute(
        select(EventOutbox.done_at)
        .where(EventOutbox.event_id == event_id, EventOutbox.subscriber == subscriber)
        .with_for_update()
    ).first()
    return row is not None and row.done_at is None


@dataclass
class Audience:
    """Who is to hear of a published record: by follower, what of theirs it matched;
    those to email now, and those who get it in tomorrow's digest."""

    matches: dict[int, list[Follow]]
    now: list[Follower]
    daily: list[Follower]

    def __bool__(self) -> bool:
        return bool(self.now or self.daily)


def audience(session: Session, entry: RegisterRecord, secret_key: str) -> Audience:
    """Everyone a newly published record is for. The body's own users follow its request
    from its first published document on (casework.following.follow_own). Whoever the
    document itself is addressed to (the body, by its notice) is not told it twice."""
    if entry.case_id is not None:
        following.follow_own(session, session.get(Case, entry.case_id), secret_key)
    matches = following.matching(session, entry)
    if not matches:
        return Audience({}, [], [])
    followers = session.scalars(
        select(Follower).where(Follower.id.in_(matches)).order_by(Follower.id)
    ).all()
    served = {
        address.strip().lower()
        for address in session.scalars(
            select(Notice.recipient_email).where(
                Notice.event_id == entry.event_id, Notice.recipient_email.is_not(None)
            )
        )
    }
    daily = [f for f in followers if f.mode == DAILY]
    now_ = [
        f
        for f in followers
        if f.mode != DAILY and (following.address_of(f) or "").lower() not in served
    ]
    return Audience(matches, now_, daily)


def deliver(session: Session, event: Event, rt: Runtime) -> None:
    """The `followers` consumer of a `document.published` event: the publication found
    someone to tell (notifications.publish asks `audience` first, so a record no one
    follows costs no message)."""
    from notifications.delivery import HELD

    held = session.info.pop(HELD, None)
    entry = session.get(RegisterRecord, (event.payload or {}).get("register_id"))
    if entry is None:
        return
    told = audience(session, entry, rt.settings.secret_key)
    if not told:
        return
    matches = told.matches
    key = f"event:{event.id}"
    sent = set(
        session.scalars(
            select(FollowMessage.follower_id).where(
                FollowMessage.follower_id.in_(matches), FollowMessage.key == key
            )
        )
    )
    waiting = set(
        session.scalars(
            select(FollowPending.follower_id).where(
                FollowPending.event_id == event.id, FollowPending.follower_id.in_(matches)
            )
        )
    )
    day = rt.clock.today()  # the day in Scotland it reached its followers
    daily = [f for f in told.daily if f.id not in waiting]
    if daily:
        session.execute(
            insert(FollowPending),
            [{"follower_id": f.id, "event_id": event.id, "day": day} for f in daily],
        )
    now_ = [f for f in told.now if f.id not in sent]
    item = item_for(session, entry, rt.settings.base_url)
    for i, follower in enumerate(now_):
        if i > 0 and not _still_mine(session, event.id, SUBSCRIBER):
            return
        if i > 0 and session.scalar(
            select(FollowMessage.id).where(
                FollowMessage.follower_id == follower.id, FollowMessage.key == key
            )
        ):
            continue
        item.because = [f.label for f in matches[follower.id]]
        last = held if i == len(now_) - 1 and held is not None else None
        _send(
            session,
            rt,
            follower,
            key,
            event,
            f"{item.headline}: {item.what}",
            "follow_update",
            {"item": item},
            done=last,
        )


def send(session: Session, event: Event, rt: Runtime) -> None:
    """The `email` consumer's share: a follow's confirmation, a follower's digest."""
    if event.type == "follow.requested":
        _send_confirmation(session, event, rt)
    else:
        _send_digest(session, event, rt)


def _send_confirmation(session: Session, event: Event, rt: Runtime) -> None:
    follow = session.get(Follow, (event.payload or {}).get("follow_id"))
    if follow is None or follow.confirmed_at is not None or follow.ended_at is not None:
        return
    follower = follow.follower
    token = following.confirm_token(follow, rt.settings.secret_key)
    _send(
        session,
        rt,
        follower,
        f"confirm:{follow.id}:{event.id}",
        event,
        "Confirm that you want emails about community empowerment requests",
        "follow_confirm",
        {
            "label": follow.label,
            "link": f"{rt.settings.base_url}/follow/confirm/{token}",
            "days": rt.settings.follow_confirm_days,
        },
    )


def _send_digest(session: Session, event: Event, rt: Runtime) -> None:
    claim = session.get(FollowDigest, (event.payload or {}).get("digest_id"))
    if claim is None:
        return
    follower = session.get(Follower, claim.follower_id)
    if follower is None or following.address_of(follower) is None:
        return
    waiting = session.execute(
        select(FollowPending, Event)
        .join(Event, Event.id == FollowPending.event_id)
        .where(
            FollowPending.follower_id == follower.id,
            FollowPending.sent_at.is_(None),
            FollowPending.day <= claim.day,
        )
        .order_by(FollowPending.event_id)
    ).all()
    ids = {(e.payload or {}).get("register_id") for _, e in waiting}
    entries = {
        r.id: r for r in session.scalars(select(RegisterRecord).where(RegisterRecord.id.in_(ids)))
    }
    base = rt.settings.base_url
    items = [
        item_for(session, entries[e.payload["register_id"]], base)
        for _, e in waiting
        if e.payload.get("register_id") in entries
    ]
    if not items:  # a digest is never sent empty
        return
    groups = [
        (ref, list(its))
        for ref, its in groupby(sorted(items, key=lambda i: i.group), key=lambda i: i.group)
    ]
    said = [f"{ref} {its[-1].verb}" for ref, its in groups[:3]]
    more = len(groups) - len(said)
    first = "; ".join(said) + (f"; and {more} more" if more else "") + "."
    changes = f"{len(items)} change{'s' if len(items) != 1 else ''}"
    requests = f"{len(groups)} request{'s' if len(groups) != 1 else ''}"
    follows = {
        f.id: f.label
        for f in session.scalars(
            select(Follow).where(Follow.follower_id == follower.id, Follow.ended_at.is_(None))
        )
    }
    rows = [p for p, _ in waiting]

    def mark(at: dt.datetime) -> None:
        for p in rows:
            p.sent_at = at

    _send(
        session,
        rt,
        follower,
        f"digest:{claim.day.isoformat()}",
        event,
        f"Your daily update for {in_words(claim.day)}: {changes} to {requests}",
        "follow_digest",
        {
            "first": first[0].upper() + first[1:],
            "groups": groups,
            "follows": list(follows.values()),
        },
        then=mark,
    )


def claim_digests(session: Session, today: dt.date) -> int:
    """Once a day for each follower with anything waiting from before today: one claim,
    and one `follow.digest` event for the pipeline. Also lets unconfirmed follows lapse."""
    following.lapse(session, now())
    day = today - dt.timedelta(days=1)
    claimed = exists().where(
        FollowDigest.follower_id == FollowPending.follower_id, FollowDigest.day == day
    )
    ids = list(
        session.scalars(
            select(FollowPending.follower_id)
            .where(FollowPending.sent_at.is_(None), FollowPending.day <= day, ~claimed)
            .distinct()
        )
    )
    for follower_id in ids:
        claim = FollowDigest(follower_id=follower_id, day=day)
        session.add(claim)
        session.flush()
        record(session, None, "follow.digest", following.FOLLOWING, {"digest_id": claim.id})
    session.commit()
    return len(ids)
