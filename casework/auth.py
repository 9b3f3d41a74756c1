"""Users, passwords and API tokens.

Tokens are random and shown once; only their SHA-256 is stored, which is enough for a
secret with 256 bits of entropy. Passwords are hashed with argon2.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.access import AUTHORITY_ROLES, Role
from casework.clock import now
from casework.errors import Invalid, Unauthorized
from casework.models import ApiToken, Authority, CommunityBody, User

_hasher = PasswordHasher()
TOKEN_PREFIX = "cw_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, label: str = "") -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label))
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    return row.user


def bearer_user(session: Session, header: str | None) -> User | None:
    """The user an Authorization header names; None when there is no header (anonymous).

    A header that does not name a valid, active token (unknown, revoked, malformed, of a
    deactivated user, or another scheme) is Unauthorized, never anonymous: a client with a
    broken token must hear so rather than see an empty list.
    """
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(
            "Send the API token as 'Authorization: Bearer TOKEN'.", error="invalid_request"
        )
    token = token.strip()
    user = user_for_token(session, token) if token and " " not in token else None
    if user is None:
        raise Unauthorized(
            "The API token is not valid: it is unknown, revoked or malformed, or its user "
            "is no longer active. Send a valid token, or no Authorization header at all."
        )
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    name: str = "",
    authority: Authority | None = None,
    body: CommunityBody | None = None,
    password: str | None = None,
) -> User:
    """A user with the links their role needs: an authority for officers and managers."""
    errors: dict[str, list[str]] = {}
    email = email.strip().lower()
    if role not in set(Role):
        errors["role"] = [f"Choose one of: {', '.join(Role)}."]
    elif role in AUTHORITY_ROLES and authority is None:
        errors["authority"] = ["Officers and managers belong to an authority."]
    elif role not in AUTHORITY_ROLES and authority is not None:
        errors["authority"] = ["Only officers and managers belong to an authority."]
    if body is not None and role != Role.COMMUNITY:
        errors["body"] = ["Only community users belong to a community body."]
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = ["A user with this email already exists."]
    if errors:
        raise Invalid(errors)
    user = User(
        email=email,
        role=role,
        name=name,
        authority=authority,
        community_body=body,
        password_hash=hash_password(password) if password else None,
        created_at=now(),
    )
    session.add(user)
    session.flush()
    return user


# -- password reset links ------------------------------------------------------------------

RESET_SALT = "casework.password-reset"
RESET_MAX_AGE = 3600


def _password_state(user: User) -> str:
    """Changes when the password does, so a reset link works once."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def reset_token(user: User, secret_key: str) -> str:
    """A signed link token for `user`, good for an hour and for one change of password."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt=RESET_SALT).dumps(
        {"u": user.id, "p": _password_state(user)}
    )


def user_for_reset_token(
    session: Session, token: str, secret_key: str, max_age: int = RESET_MAX_AGE
) -> User | None:
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    try:
        data = URLSafeTimedSerializer(secret_key, salt=RESET_SALT).loads(token, max_age=max_age)
    except BadSignature:
        return None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or _password_state(user) != data.get("p"):
        return None
    return user


def set_password(user: User, password: str) -> None:
    """Change the password after checking it is long enough to be worth having."""
    problems = password_problems(password, user.email)
    if problems:
        raise Invalid({"password": problems})
    user.password_hash = hash_password(password)


MIN_PASSWORD = 10


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"Use at least {MIN_PASSWORD} characters.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("Do not use your email address as your password.")
    return problems
