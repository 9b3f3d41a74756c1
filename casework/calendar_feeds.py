"""Calendar feeds (RFC 5545): the public calendar of the days representations close on asset
transfer requests, and each user's secret calendar of the deadlines of their cases.

Written with icalendar, a maintained library that writes and parses RFC 5545 (folding,
escaping, dates, alarms), rather than string templates. Each event has a UID that stays the
same for what it is about (a request's closing day, a deadline row), so a date that moves
updates the same event, and a SEQUENCE that rises with each change; an all-day event on the
day, with an alarm at the first reminder point before it.

The public calendar has what the register publishes of a request. A secret calendar has
what its owner sees on their case pages of each deadline (what must be done, the rule, the
law it comes from and how the date was worked out), and nothing of representers, owners
or contacts: deadline rows hold none.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event, vDuration
from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm import Session

from casework.access import Role, scope_cases
from casework.auth import hash_token
from casework.clock import LONDON, now
from casework.crypto import Keyring
from casework.models import AssetTransferRequest, CalendarFeed, Case, DeadlineRow, User
from workflows.periods import in_words, working_days_before
from workflows.rules import Rule, Rulebook, UnknownRule

PRODID = "-//Community empowerment casework//Representations//EN"
DEADLINES_PRODID = "-//Community empowerment casework//Deadlines//EN"
# A deadline that was met or no longer applies stays in a secret calendar this long, marked
# cancelled, so a calendar that last read the feed before it was settled hears so.
KEEP_SETTLED = dt.timedelta(days=90)
REFRESH = dt.timedelta(hours=1)
# Who may have a secret calendar: the parties to cases. An administrator sees every case
# and works through the API and the command line; a calendar of everything is not theirs.
FEED_ROLES = (Role.COMMUNITY, Role.OFFICER, Role.MANAGER)


def _calendar(prodid: str, name: str, description: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if description:
        calendar.add("x-wr-caldesc", description)
    return calendar


def _all_day(uid: str, sequence: int, stamp: dt.datetime, day: dt.date) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a day something is due, not a busy day
    return event


def _alarm(event: Event, day: dt.date, offsets: Sequence[int], text: str) -> None:
    """An alarm at 09:00 in Scotland on the first reminder point (the largest offset, in
    working days before `day`), when the reminder emails start."""
    first = max(offsets, default=None)
    if first is None:
        return
    remind_on = working_days_before(day, first)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    at = dt.datetime.combine(remind_on, dt.time(9), LONDON).astimezone(dt.UTC)
    alarm.add("trigger", at)  # an absolute trigger is in UTC (RFC 5545 3.8.6.3)
    event.add_component(alarm)


def representations_calendar(
    requests: Iterable[AssetTransferRequest],
    base_url: str,
    rule: Rule,
    reminder_offsets: Sequence[int],
) -> bytes:
    """Every request open for representations, as one all-day event on its closing day."""
    host = urlsplit(base_url).hostname or "casework"
    calendar = _calendar(PRODID, "Asset transfer requests: representations close")
    stamp = now()
    for case in requests:
        closes: dt.date = case.representations_close
        link = f"{base_url}/representations/{case.reference}"
        what = case.title or (case.land.name if case.land else case.land_description[:80])
        event = _all_day(f"{case.reference}-representations@{host}", case.version, stamp, closes)
        event.add("summary", f"Representations close: {what} ({case.reference})")
        event.add(
            "description",
            "\n".join(
                (
                    f"{case.community_body.name} asks {case.authority.name} about {what}.",
                    f"Anyone may make a representation until {in_words(closes)}: {link}",
                    f"Where this comes from: {rule.citation}, the Asset Transfer Request "
                    "(Procedure) (Scotland) Regulations 2016.",
                )
            ),
        )
        event.add("url", link)
        _alarm(event, closes, reminder_offsets, f"Representations close on {in_words(closes)}")
        calendar.add_component(event)
    return calendar.to_ical()


# -- each user's secret calendar of deadlines --------------------------------------------


def may_have_feed(user: User | None) -> bool:
    return user is not None and user.active and user.role in FEED_ROLES


def live_feed(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
        .limit(1)
    )


def feed_token(feed: CalendarFeed, keyring: Keyring) -> str:
    """The secret part of the address, decrypted, so the account page can show it again."""
    return keyring.decrypt(feed.token_encrypted)


def revoke_feed(session: Session, user: User, at: dt.datetime) -> bool:
    """End the user's live address (any, should two ever be live); whether one was."""
    ended = session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=at)
        .returning(CalendarFeed.id)
    ).all()
    return bool(ended)


def new_feed(session: Session, user: User, keyring: Keyring, at: dt.datetime) -> str:
    """A new secret address for the user, ending the old one: one live address each. The
    user's row is locked first, so two at once cannot leave two live. The token is random
    (256 bits); only its SHA-256 is looked up, and it is kept encrypted to be shown again."""
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    revoke_feed(session, user, at)
    token = secrets.token_urlsafe(32)
    session.add(
        CalendarFeed(
            user_id=user.id,
            token_hash=hash_token(token),
            token_encrypted=keyring.encrypt(token),
            created_at=at,
        )
    )
    session.flush()
    return token


def rotate_feed_tokens(session: Session, keyring: Keyring) -> int:
    """Re-encrypt every live address's token with the keyring's newest key, for `casework
    keys rotate` (as the one-time-code keys are); KeyringError if one cannot be read."""
    feeds = session.scalars(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))).all()
    rotated = [(feed, keyring.rotate(feed.token_encrypted)) for feed in feeds]
    for feed, token in rotated:
        feed.token_encrypted = token
    return len(rotated)


# How often reading a feed is written down: calendars poll, and a write on every poll
# would be a write on every read.
READ_RECORDED_EVERY = dt.timedelta(minutes=1)


def feed_for_token(session: Session, token: str, at: dt.datetime) -> CalendarFeed | None:
    """The live feed a token opens, with its user (one query), or None: unknown, revoked,
    or its user may no longer have one. Its reading time is recorded at most once a
    READ_RECORDED_EVERY, by an UPDATE that does nothing if another reader was first."""
    if not token or len(token) > 100:
        return None
    feed = session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == hash_token(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None or not may_have_feed(feed.user):
        return None
    stale = at - READ_RECORDED_EVERY
    if feed.last_read_at is None or feed.last_read_at < stale:
        session.execute(
            update(CalendarFeed)
            .where(
                CalendarFeed.id == feed.id,
                or_(CalendarFeed.last_read_at.is_(None), CalendarFeed.last_read_at < stale),
            )
            .values(last_read_at=at)
            .execution_options(synchronize_session=False)
        )
    return feed


def feed_scope(user: User) -> str:
    """What the user's calendar holds, in words, for the account page and the calendar."""
    if user.role == Role.COMMUNITY:
        body = user.community_body.name if user.community_body else "your community body"
        return (
            f"Every deadline on {body}'s requests: your own, and the authority's, so you "
            "know when to expect a decision."
        )
    authority = user.authority.name if user.authority else "your authority"
    if user.role == Role.OFFICER:
        return f"The deadlines of the cases at {authority} that are assigned to you."
    return f"The deadlines of every case at {authority}."


def _feed_name(user: User) -> str:
    if user.role == Role.COMMUNITY and user.community_body:
        return f"Deadlines: {user.community_body.name}"
    authority = user.authority.name if user.authority else "your authority"
    if user.role == Role.OFFICER:
        return f"Deadlines of your cases at {authority}"
    return f"Deadlines at {authority}"


def feed_deadlines(session: Session, user: User, today: dt.date) -> list[tuple[DeadlineRow, Case]]:
    """The deadlines `user` may see, in one query: the open ones, and those met or closed
    in the last KEEP_SETTLED (from when it was met, else when the case closed, else its
    date). Never more than the user's case pages show: the cases come from scope_cases,
    and an officer's only from those assigned to them."""
    query = scope_cases(select(DeadlineRow, Case).join(Case, DeadlineRow.case_id == Case.id), user)
    if not may_have_feed(user):
        query = query.where(false())
    elif user.role == Role.OFFICER:
        query = query.where(Case.assigned_to_id == user.id)
    settled = func.coalesce(DeadlineRow.settled_on, Case.closed_on, DeadlineRow.due_date)
    query = query.where(
        or_(DeadlineRow.status == "open", settled >= today - KEEP_SETTLED)
    ).order_by(DeadlineRow.due_date, DeadlineRow.id)
    return [(row, case) for row, case in session.execute(query)]


# The subjects of the rules' titles, said with the party's name.
_SUBJECTS = (("The authority ", "authority"), ("The council ", "authority"), ("The body ", "body"))
_BASIS_WORDS = {
    "G": " (from the Scottish Government's guidance)",
    "?": " (the period is not yet confirmed in the legal text)",
}


def _what(rule_title: str, case: Case) -> str:
    """The rule's title with the party named: "Fife Council gives its decision notice on
    the asset transfer request"."""
    title = rule_title.rstrip(".")
    for prefix, party in _SUBJECTS:
        if title.startswith(prefix):
            name = case.authority.name if party == "authority" else case.community_body.name
            return f"{name} {title[len(prefix) :]}"
    return title


def _by(what: str, due: dt.date) -> str:
    if what.endswith(" until"):
        return f"{what} {in_words(due)}."
    return f"{what}, by {in_words(due)}."


def _description(row: DeadlineRow, case: Case, what: str, settled: str, link: str) -> str:
    """What must be done, the rule, where it comes from, how the date was worked out (the
    row's own explanation, as the case page shows it), and the case's address."""
    explanation = [line for line in (row.explanation or "").splitlines() if line.strip()]
    citation = next((x for x in explanation if x.startswith("Where this comes from:")), None)
    period = next(
        (x for x in explanation if x.startswith(("The period is ", "The report is due "))), None
    )
    working = [x for x in explanation[1:] if x not in (citation, period)]
    lines = [f"What must be done: {_by(what, row.due_date)}"]
    if settled:
        lines.append(settled)
    if period:
        lines.append(f"The rule: {period[0].lower()}{period[1:]}")
    lines.append(
        citation or f"Where this comes from: {row.citation}{_BASIS_WORDS.get(row.basis, '')}."
    )
    if working:
        lines.append("How the date was worked out:")
        lines.extend(working)
    lines.append(f"The case: {link}")
    return "\n".join(lines)


def deadlines_calendar(
    user: User,
    deadlines: Iterable[tuple[DeadlineRow, Case]],
    base_url: str,
    rulebook: Rulebook,
    reminder_offsets: Sequence[int],
) -> bytes:
    """One all-day event per deadline on its due day. The UID is the deadline row's, so a
    deadline that moves (an extension, a corrected date, a change of the rules) updates
    the same event, with the row's SEQUENCE, raised by casework.deadline_rows.sync on every
    change. A deadline met or no longer needed is kept for a while, cancelled."""
    host = urlsplit(base_url).hostname or "casework"
    calendar = _calendar(DEADLINES_PRODID, _feed_name(user), feed_scope(user))
    # How often to read it again (RFC 7986, and the older name many apps still read).
    every = vDuration(REFRESH)
    calendar.add("refresh-interval", every, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", every)
    stamp = now()
    for row, case in deadlines:
        try:
            title = rulebook.rule(row.rule).title
        except UnknownRule:
            title = "A deadline"
        link = f"{base_url}/cases/{case.reference}"
        what = _what(title, case)
        if row.status == "met":
            done = f" on {in_words(row.settled_on)}" if row.settled_on else ""
            settled, prefix = f"This was done{done}.", "Done: "
        elif row.status != "open":
            settled, prefix = "This no longer applies.", "No longer applies: "
        else:
            settled, prefix = "", ""
        event = _all_day(f"deadline-{row.id}@{host}", row.sequence or 0, stamp, row.due_date)
        event.add("summary", f"{prefix}{what} ({case.reference})")
        event.add("description", _description(row, case, what, settled, link))
        event.add("url", link)
        event.add("status", "CANCELLED" if settled else "CONFIRMED")
        if not settled:
            _alarm(
                event,
                row.due_date,
                reminder_offsets,
                f"{_by(what, row.due_date)[:-1]} ({case.reference}).",
            )
        calendar.add_component(event)
    return calendar.to_ical()
