"""Secret calendar addresses: each party's deadlines, as a calendar their app subscribes to.

The account page shows the address, and gets, replaces or stops it (POST forms with the
CSRF token). The feed itself is read by calendar apps, which send no cookie and cannot
sign in: the address is the secret, looked up by its hash, and an unknown or stopped one
is a 404 like any page that is not there (casework.calendar_feeds).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, url_for

from casework.calendar_feeds import (
    FEED_ROLES,
    deadlines_calendar,
    feed_deadlines,
    feed_for_token,
    feed_scope,
    feed_token,
    live_feed,
    may_have_feed,
    new_feed,
    revoke_feed,
)
from casework.context import commit, db, law, services, today
from casework.crypto import KeyringError
from casework.eventlog import Actor, record
from casework.models import User
from casework.web.session import keyring, signed_in

bp = Blueprint("calendars", __name__)
ROLES = tuple(str(r) for r in FEED_ROLES)


def _account() -> str:
    return url_for("accounts.account") + "#calendar"


@bp.app_template_global("calendar_feed")
def calendar_feed(user: User | None) -> dict | None:
    """What the account page shows of the user's calendar address, or None when their
    role has none (an administrator)."""
    if not may_have_feed(user):
        return None
    feed = live_feed(db(), user)
    out: dict = {"scope": feed_scope(user), "feed": feed, "address": None}
    if feed is None:
        return out
    try:
        token = feed_token(feed, keyring())
    except KeyringError:  # its key was dropped: the address works, but cannot be shown
        return out
    path = url_for("calendars.feed", token=token)
    out["address"] = services().settings.base_url + path
    out["webcal"] = "webcal://" + out["address"].split("://", 1)[1]
    return out


@bp.post("/account/calendar")
@signed_in(*ROLES)
def make():
    """Get an address, or replace the one there is: the old one stops working at once."""
    user: User = g.user
    session = db()
    replaced = live_feed(session, user) is not None
    new_feed(session, user, keyring(), services().clock.now())
    record(
        session,
        None,
        "account.calendar_replaced" if replaced else "account.calendar_created",
        Actor.of(user),
        {"user_id": user.id},
    )
    commit()
    flash(
        "Your calendar has a new address. The old one no longer works: add the new one to "
        "your calendar app."
        if replaced
        else "Your calendar address is ready. Add it to your calendar app.",
        "success",
    )
    return redirect(_account(), 303)


@bp.post("/account/calendar/stop")
@signed_in(*ROLES)
def stop():
    user: User = g.user
    session = db()
    if revoke_feed(session, user, services().clock.now()):
        record(session, None, "account.calendar_stopped", Actor.of(user), {"user_id": user.id})
        commit()
        flash("Your calendar address no longer works. Nothing more is shared by it.", "success")
    return redirect(_account(), 303)


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The calendar. Two queries: the feed with its user, and the deadlines with their
    cases; and now and then a third, to write down when it was last read."""
    session = db()
    found = feed_for_token(session, token, services().clock.now())
    if found is None:
        abort(404)
    user = found.user
    settings = services().settings
    body = deadlines_calendar(
        user,
        feed_deadlines(session, user, today()),
        settings.base_url,
        law().rulebook,
        settings.reminder_offsets,
    )
    commit()  # the reading time, when it was written
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response.headers["Cache-Control"] = "private, no-store, max-age=0"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address is the secret
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
