"""Following a case, an authority or a search by email (issue 14).

Anyone may follow, without an account; nothing is sent until they confirm from the first
email (confirmed opt-in), and an unconfirmed follow lapses. A signed-in user's follows
need no confirmation: their address is their account's, already confirmed. What a follower
is told comes only from the public register (notifications.following), so following
reveals nothing the register does not.

The address is personal data: it is kept while the person follows something, and removed
when they unsubscribe or their only follows lapse unconfirmed; a keyed hash of it stays,
so their next follow is recognised as theirs and must be confirmed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from casework import register
from casework.clock import now
from casework.eventlog import Actor, record
from casework.kinds import KINDS
from casework.models import Authority, Case, Follow, Follower, FollowPending, RegisterRecord, User
from casework.models.following import AUTHORITY, CASE, DAILY, IMMEDIATE, SEARCH
from casework.models.register import DOCUMENT_LABELS
from workflows.periods import in_words

MODES = (IMMEDIATE, DAILY)
CONFIRM_SALT = "follow-confirm"
MANAGE_SALT = "follow-manage"
FOLLOWING = Actor.system("following")
# The lists a search can be of, and the filters each keeps (anything else is dropped).
REGISTER, REPRESENTATIONS = "register", "representations"
SEARCH_FILTERS = {
    REGISTER: ("authority", "kind", "outcome", "document", "q", "date_from", "date_to"),
    REPRESENTATIONS: ("authority",),
}
# The document that opens an asset transfer request to representations (reg 6, SSI 2016/357).
OPENS_REPRESENTATIONS = "public_notice"


def normalise(email: str) -> str:
    return email.strip().lower()


def address_hash(email: str, secret_key: str) -> str:
    """Keyed, so the hash kept after unsubscribing cannot be matched against a list of
    addresses by anyone without the service's secret key."""
    key = hashlib.sha256(f"follower-address:{secret_key}".encode()).digest()
    return hmac.new(key, normalise(email).encode(), hashlib.sha256).hexdigest()


def address_of(follower: Follower) -> str | None:
    """Where a follower's mail goes: a signed-in user's current account address."""
    if follower.unsubscribed_at is not None:
        return None
    if follower.user is not None:
        return follower.user.email if follower.user.active else None
    return follower.email


@dataclass(frozen=True)
class Target:
    """What a follow is of, with its label in plain words."""

    kind: str
    label: str
    case_id: int | None = None
    authority_id: int | None = None
    search: dict[str, Any] | None = None


def of_case(case: Case) -> Target:
    what = f"{case.reference}: {case.title}" if case.title else case.reference
    return Target(CASE, f"The request {what}", case_id=case.id)


def of_authority(authority: Authority) -> Target:
    return Target(
        AUTHORITY,
        f"Every request and report {authority.name} publishes",
        authority_id=authority.id,
    )


def of_search(session: Session, list_: str, args: dict[str, Any]) -> Target:
    """A search of the register or of the requests open for representations, kept as its
    filters (and only those): the same record matches it tomorrow as today."""
    keep = SEARCH_FILTERS[list_]
    search: dict[str, Any] = {"list": list_}
    for k in keep:
        v = args.get(k)
        if isinstance(v, dt.date):
            v = v.isoformat()
        if isinstance(v, str):
            v = v.strip()
        if v:
            search[k] = v.upper() if k == "authority" else v
    return Target(SEARCH, search_label(session, search), search=search)


def search_label(session: Session, search: dict[str, Any]) -> str:
    """A search said as a person would say it."""
    authority = None
    if search.get("authority"):
        authority = session.scalar(
            select(Authority.name).where(Authority.code == search["authority"])
        )
    where = f" to {authority}" if authority else ""
    if search["list"] == REPRESENTATIONS:
        return f"Requests for land and buildings open for representations{where}"
    kind = search.get("kind")
    what = f"{KINDS[kind].workflow.title}s" if kind in KINDS else "Requests and reports"
    parts = [what + where]
    if search.get("document"):
        parts.append(f"with a {DOCUMENT_LABELS.get(search['document'], 'document').lower()}")
    if search.get("outcome"):
        parts.append(f"with the outcome “{search['outcome'].replace('_', ' ')}”")
    if search.get("q"):
        parts.append(f"that mention “{search['q']}”")
    if search.get("date_from"):
        parts.append(f"issued from {in_words(dt.date.fromisoformat(search['date_from']))}")
    if search.get("date_to"):
        parts.append(f"issued up to {in_words(dt.date.fromisoformat(search['date_to']))}")
    return " ".join(parts)


def follower_for(
    session: Session, email: str | None, secret_key: str, user: User | None = None
) -> Follower:
    """The follower for an address (or a signed-in user), made if new; one who had
    unsubscribed is the same follower again, their address kept again."""
    follower = None
    if user is not None:
        follower = session.scalar(select(Follower).where(Follower.user_id == user.id))
        email = user.email
    assert email
    digest = address_hash(email, secret_key)
    if follower is None:
        follower = session.scalar(select(Follower).where(Follower.email_hash == digest))
    if follower is None:
        follower = Follower(email_hash=digest, mode=IMMEDIATE, token_version=1)
        session.add(follower)
    if user is not None and follower.user_id is None:
        follower.user_id = user.id
    if user is None:
        follower.email = normalise(email)
    follower.unsubscribed_at = None
    session.flush()
    return follower


def follow_own(session: Session, case: Case, secret_key: str) -> None:
    """A community body follows its own request, once it is public: each of its active
    users, once. One who stopped following it, or stopped everything, stays stopped."""
    users = list(
        session.scalars(
            select(User).where(
                User.community_body_id == case.community_body_id, User.active.is_(True)
            )
        )
    )
    if not users:
        return
    followers = {
        f.user_id: f
        for f in session.scalars(
            select(Follower).where(Follower.user_id.in_([u.id for u in users]))
        )
    }
    had = set(
        session.scalars(
            select(Follow.follower_id).where(
                Follow.target == CASE,
                Follow.case_id == case.id,
                Follow.follower_id.in_([f.id for f in followers.values()]),
            )
        )
    )
    for user in users:
        follower = followers.get(user.id)
        if follower is not None and (follower.unsubscribed_at or follower.id in had):
            continue
        follower = follower or follower_for(session, None, secret_key, user)
        start(session, follower, of_case(case), 0, confirmed=True, automatic=True)


def live(at: dt.datetime):
    """A follow that is not ended, and is confirmed or still waiting to be."""
    return Follow.ended_at.is_(None) & or_(Follow.confirmed_at.is_not(None), Follow.expires_at > at)


def follows_of(session: Session, follower: Follower) -> list[Follow]:
    return list(
        session.scalars(
            select(Follow).where(Follow.follower_id == follower.id, live(now())).order_by(Follow.id)
        )
    )


def follows_anything(session: Session, follower: Follower) -> bool:
    return (
        session.scalar(
            select(Follow.id).where(Follow.follower_id == follower.id, live(now())).limit(1)
        )
        is not None
    )


def _same(follow: Follow, target: Target) -> bool:
    return (follow.target, follow.case_id, follow.authority_id, follow.search or None) == (
        target.kind,
        target.case_id,
        target.authority_id,
        target.search,
    )


def start(
    session: Session,
    follower: Follower,
    target: Target,
    confirm_days: int,
    *,
    confirmed: bool = False,
    automatic: bool = False,
) -> tuple[Follow, bool]:
    """Follow `target`; returns the follow and whether a confirmation email is on its
    way. Following the same thing again is the same follow (a fresh confirmation email
    if it was still unconfirmed)."""
    at = now()
    same = select(Follow).where(
        Follow.follower_id == follower.id, Follow.target == target.kind, live(at)
    )
    if target.case_id is not None:  # by the case's index: a body follows many of its own
        same = same.where(Follow.case_id == target.case_id)
    if target.authority_id is not None:
        same = same.where(Follow.authority_id == target.authority_id)
    existing = next((f for f in session.scalars(same) if _same(f, target)), None)
    if existing is not None and (existing.confirmed_at is not None or confirmed):
        existing.confirmed_at = existing.confirmed_at or at
        existing.expires_at = None
        return existing, False
    follow = existing or Follow(
        follower_id=follower.id,
        target=target.kind,
        case_id=target.case_id,
        authority_id=target.authority_id,
        search=target.search,
        label=target.label[:400],
        automatic=automatic,
    )
    if confirmed:
        follow.confirmed_at = at
    else:
        follow.expires_at = at + dt.timedelta(days=confirm_days)
    session.add(follow)
    session.flush()
    if confirmed:
        return follow, False
    record(session, None, "follow.requested", FOLLOWING, {"follow_id": follow.id})
    return follow, True


def confirm(follow: Follow) -> None:
    follow.confirmed_at = follow.confirmed_at or now()
    follow.expires_at = None


def end(follow: Follow) -> None:
    follow.ended_at = follow.ended_at or now()


def unsubscribe(session: Session, follower: Follower) -> None:
    """Stop everything: every follow ended, nothing waiting for a digest, the address
    removed (its hash kept), and every link sent before made useless."""
    at = now()
    session.execute(
        update(Follow)
        .where(Follow.follower_id == follower.id, Follow.ended_at.is_(None))
        .values(ended_at=at)
    )
    session.execute(
        update(FollowPending)
        .where(FollowPending.follower_id == follower.id, FollowPending.sent_at.is_(None))
        .values(sent_at=at)
    )
    follower.email = None
    follower.unsubscribed_at = at
    follower.token_version += 1


def lapse(session: Session, at: dt.datetime) -> int:
    """End the follows never confirmed in time, and forget the address of anyone left
    with nothing confirmed: an address given and never confirmed is not kept."""
    lapsed = session.execute(
        update(Follow)
        .where(Follow.ended_at.is_(None), Follow.confirmed_at.is_(None), Follow.expires_at <= at)
        .values(ended_at=at)
    ).rowcount
    if lapsed:
        confirmed = exists().where(
            Follow.follower_id == Follower.id,
            Follow.ended_at.is_(None),
            or_(Follow.confirmed_at.is_not(None), Follow.expires_at > at),
        )
        session.execute(
            update(Follower)
            .where(Follower.email.is_not(None), Follower.user_id.is_(None), ~confirmed)
            .values(email=None, unsubscribed_at=at)
        )
    return lapsed or 0


# Links in emails. The confirmation link lapses with the follow; the manage and unsubscribe
# link lasts as long as the follower, until they unsubscribe (which raises token_version).
def confirm_token(follow: Follow, secret_key: str) -> str:
    return URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).dumps(follow.id)


def follow_for_confirm_token(
    session: Session, token: str, secret_key: str, max_age: int
) -> Follow | None:
    try:
        follow_id = URLSafeTimedSerializer(secret_key, salt=CONFIRM_SALT).loads(
            token, max_age=max_age
        )
    except BadSignature:
        return None
    follow = session.get(Follow, follow_id) if isinstance(follow_id, int) else None
    if follow is None or follow.ended_at is not None:
        return None
    return follow


def manage_token(follower: Follower, secret_key: str) -> str:
    return URLSafeSerializer(secret_key, salt=MANAGE_SALT).dumps(
        [follower.id, follower.token_version]
    )


def follower_for_manage_token(session: Session, token: str, secret_key: str) -> Follower | None:
    try:
        follower_id, version = URLSafeSerializer(secret_key, salt=MANAGE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    follower = session.get(Follower, follower_id) if isinstance(follower_id, int) else None
    if follower is None or follower.token_version != version:
        return None
    return follower


def matching(session: Session, entry: RegisterRecord) -> dict[int, list[Follow]]:
    """Every confirmed follow a newly published record matches, by follower: a follower
    of the case, its authority and a search it matches is one follower, told once."""
    confirmed = (
        Follow.ended_at.is_(None),
        Follow.confirmed_at.is_not(None),
        Follower.unsubscribed_at.is_(None),
    )
    wanted = (Follow.target == AUTHORITY) & (
        Follow.authority_id.in_(select(Authority.id).where(Authority.code == entry.authority_code))
    )
    if entry.case_id is not None:
        wanted = wanted | ((Follow.target == CASE) & (Follow.case_id == entry.case_id))
    found: dict[int, list[Follow]] = {}
    for follow in session.scalars(
        select(Follow).join(Follower, Follower.id == Follow.follower_id).where(*confirmed, wanted)
    ):
        found.setdefault(follow.follower_id, []).append(follow)
    searches = list(
        session.scalars(
            select(Follow)
            .join(Follower, Follower.id == Follow.follower_id)
            .where(*confirmed, Follow.target == SEARCH)
        )
    )
    verdicts: dict[str, bool] = {}  # each distinct search asked once, however many follow it
    dialect = session.get_bind().dialect.name
    for follow in searches:
        key = repr(sorted((follow.search or {}).items()))
        if key not in verdicts:
            verdicts[key] = search_matches(session, follow.search or {}, entry, dialect)
        if verdicts[key]:
            found.setdefault(follow.follower_id, []).append(follow)
    return found


def search_matches(
    session: Session, search: dict[str, Any], entry: RegisterRecord, dialect: str
) -> bool:
    """Whether the record is one the search would list: for the register, the register's
    own query (so search words match exactly as they do on the page) narrowed to it."""
    if search.get("list") == REPRESENTATIONS:
        return entry.document == OPENS_REPRESENTATIONS and (
            not search.get("authority") or search["authority"] == entry.authority_code
        )
    args = {k: v for k, v in search.items() if k != "list"}
    for k in ("date_from", "date_to"):
        if isinstance(args.get(k), str):
            args[k] = dt.date.fromisoformat(args[k])
    q, _ = register.filtered(args, documents=None, dialect=dialect)
    return bool(session.scalar(select(q.where(RegisterRecord.id == entry.id).exists())))
