"""Who is signed in to the pages, kept in the signed session cookie.

The cookie holds the user's id and a fingerprint of their password hash and TOTP secret,
so changing either signs out every other session. The fingerprint is made from the
decrypted secret, so re-encrypting it with a new key (`casework keys rotate`) signs no one
out. A user who still owes a one-time code is held in a separate, short-lived slot and is
not signed in until the code is right.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from casework.access import AUTHORITY_ROLES, Role
from casework.context import db, services
from casework.crypto import Keyring, keyring_for
from casework.models import User
from casework.web.security import csrf_token

PENDING_SECONDS = 300


def keyring() -> Keyring:
    """The keys secrets at rest are encrypted with (casework.crypto)."""
    return keyring_for(services().settings.encryption_keys)


def totp_key(user: User) -> str | None:
    """The user's one-time-code key, decrypted; None when they have not set one up."""
    return keyring().decrypt(user.totp_secret) if user.totp_secret else None


def fingerprint(user: User) -> str:
    """Changes whenever the password or the TOTP secret changes."""
    key = current_app.config["SECRET_KEY"].encode()
    material = f"{user.id}:{user.password_hash or ''}:{totp_key(user) or ''}".encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def sign_in(user: User) -> None:
    session.clear()  # a fresh session, and a fresh CSRF token: nothing carries over
    session["uid"] = user.id
    session["fp"] = fingerprint(user)
    session.permanent = True
    csrf_token()  # made now, not by whichever page asks first, so no two pages race for it


def hold_for_code(user: User) -> None:
    """Password right; now the one-time code."""
    session.clear()
    session["pending_uid"] = user.id
    session["pending_fp"] = fingerprint(user)
    session["pending_at"] = int(time.time())


def pending_user() -> User | None:
    uid = session.get("pending_uid")
    if uid is None or time.time() - session.get("pending_at", 0) > PENDING_SECONDS:
        return None
    user = db().get(User, uid)
    if user is None or not user.active or session.get("pending_fp") != fingerprint(user):
        return None
    return user


def sign_out() -> None:
    session.clear()


def load_user() -> None:
    """Before each page request: the signed-in user, if the session is still good."""
    if g.get("user") is not None or request.path.startswith("/api/"):
        return
    uid = session.get("uid")
    if uid is None:
        return
    user = db().get(User, uid)
    if user is None or not user.active or session.get("fp") != fingerprint(user):
        session.pop("uid", None)
        return
    g.user = user


def needs_totp_setup(user: User) -> bool:
    """Managers must use one-time codes; the pages send them to set it up first."""
    return user.role == Role.MANAGER and not user.totp_secret


def signed_in(*roles: str) -> Callable:
    """Pages for signed-in users of these roles. Others are sent to sign in; a user of
    another role gets a 404, as the API does for what is not theirs."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            user = g.get("user")
            if user is None:
                return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(404)
            if needs_totp_setup(user) and request.endpoint != "accounts.two_factor":
                return redirect(url_for("accounts.two_factor"))
            return view(*args, **kwargs)

        return wrapper

    return decorate


COMMUNITY = (Role.COMMUNITY,)
AUTHORITY = tuple(AUTHORITY_ROLES)


def home_for(user: User | None) -> str:
    if user is None:
        return url_for("public.start")
    if user.role in AUTHORITY_ROLES:
        return url_for("officer.queue")
    if user.role == Role.COMMUNITY:
        return url_for("community.dashboard")
    return url_for("public.start")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host: no scheme, no host, no control
    characters or backslashes that a browser might read as '//'."""
    if not target or any(c <= " " or c in "\x7f\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
