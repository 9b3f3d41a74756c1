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
from casework.errors import Invalid
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
