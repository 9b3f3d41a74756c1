"""What keeps the pages safe: cookie settings, CSRF tokens, security headers and the
sign-in rate limit.

The API authenticates with bearer tokens, which a browser never sends by itself, so CSRF
only concerns the pages: every form carries a token tied to the session.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from flask import Flask, abort, request, session
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.models import SignInAttempt

CSRF_FIELD = "csrf_token"
# The API (bearer tokens, which a browser never sends by itself) and the one-click
# unsubscribe address (RFC 8058: a mail client POSTs to it with no token; the address's own
# token is the key, and all it can do is stop mail).
CSRF_EXEMPT = ("/api/", "/unsubscribe/")

# Content-Security-Policy: scripts, styles and fonts only from here, and nothing inline.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)

# Sign-in limits: failures per email and per address within the window.
WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 20


def configure(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="casework_session",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        # The cookie is written only when the session changes. Rewriting it on every
        # response let a slow stylesheet's response put back an older cookie, without the
        # form token a page had just issued.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
    )

    @app.before_request
    def _check_csrf():
        if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(CSRF_EXEMPT):
            return
        sent = request.form.get(CSRF_FIELD, "")
        expected = session.get(CSRF_FIELD, "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(400, "This form has expired. Go back, reload the page and send it again.")

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "text/html" in (response.content_type or "") and session.get("uid"):
            h.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def client_ip() -> str:
    return (request.remote_addr or "unknown")[:64]


def sign_in_blocked(db: Session, email: str, ip: str, purpose: str = "sign_in") -> bool:
    """True when this email or this address has failed too often lately, for this purpose
    (signing in, or asking for reset links: one never locks the other out)."""
    since = now() - WINDOW
    failures = select(func.count()).where(
        SignInAttempt.purpose == purpose,
        SignInAttempt.succeeded.is_(False),
        SignInAttempt.attempted_at >= since,
    )
    by_email = db.scalar(failures.where(SignInAttempt.email == email))
    by_ip = db.scalar(failures.where(SignInAttempt.ip == ip))
    return by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP


def record_attempt(
    db: Session, email: str, ip: str, succeeded: bool, purpose: str = "sign_in"
) -> None:
    db.add(SignInAttempt(email=email[:254], ip=ip, succeeded=succeeded, purpose=purpose))
