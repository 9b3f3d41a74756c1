"""Errors the service raises. The API turns each into an application/problem+json reply."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 500
    title = "Error"
    headers: dict[str, str] = {}  # sent with the reply, e.g. a WWW-Authenticate challenge

    def __init__(self, detail: str, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(ServiceError):
    """An Authorization header that names no valid, active token (RFC 6750 s.3.1).

    Sending no header at all is not this: that caller is anonymous.
    """

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, error: str = "invalid_token"):
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": f'Bearer realm="casework", error="{error}"'}


class NotFound(ServiceError):
    """Also what a user gets for something that exists but is not theirs to see."""

    status = 404
    title = "Not Found"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class Conflict(ServiceError):
    """Not allowed in the current state, or the case changed underneath."""

    status = 409
    title = "Conflict"


class Invalid(ServiceError):
    """Bad input, with the errors for each field."""

    status = 422
    title = "Unprocessable Content"

    def __init__(self, errors: dict[str, Any], detail: str = "Some details need correcting."):
        super().__init__(detail, errors=errors)
        self.errors = errors


def nest(flat: dict[str, list[str]]) -> dict[str, Any]:
    """{"considerations.regeneration": [...]} -> {"considerations": {"regeneration": [...]}}."""
    out: dict[str, Any] = {}
    for key, messages in flat.items():
        *parents, leaf = key.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node.setdefault(leaf, []).extend(messages)
    return out
