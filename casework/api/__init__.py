"""The JSON API at /api/v1, built with flask-smorest. Errors are application/problem+json."""

from __future__ import annotations

import logging
from typing import Any

from apispec import BasePlugin
from flask import Flask, g, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from casework.errors import Invalid, ServiceError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, **extra: Any):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.content_type = PROBLEM
    return response


def load(schema: Schema, data: Any, **kwargs: Any) -> dict[str, Any]:
    """Validate input against a schema, or raise a 422 with the errors for each field."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid({"_schema": ["Send a JSON object."]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise Invalid(exc.normalized_messages()) from exc


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def json_body() -> Any:
    raw = request.get_data(cache=True)
    try:
        raw.decode("utf-8")  # JSON between systems is UTF-8 (RFC 8259 s.8.1), never UTF-16
    except UnicodeDecodeError:
        raise Invalid({"_schema": ["The body must be JSON in UTF-8."]}) from None
    data = request.get_json(silent=True)
    if data is None and request.content_length:
        raise Invalid({"_schema": ["The body must be JSON (Content-Type: application/json)."]})
    # JSON may escape half of a surrogate pair (\ud83d alone), which is not a character:
    # it cannot be stored or shown, so it is refused where it is, not at the database.
    if isinstance(data, dict):
        bad = {
            "_schema" if _has_surrogate(k) else k: [
                "This text holds a character that is not valid Unicode."
            ]
            for k, v in data.items()
            if _has_surrogate(k) or _has_surrogate(v)
        }
        if bad:
            raise Invalid(bad)
    elif _has_surrogate(data):
        raise Invalid({"_schema": ["The body holds a character that is not valid Unicode."]})
    return data


WRITES = {"post", "put", "patch", "delete"}
ERRORS = {
    "401": "The API token is not valid (send a valid one, or none).",
    "403": "You may not take this action (checked before the body is read).",
    "404": "There is no such record that you can see.",
    "409": "Not allowed in the current state, or the record changed since you read it.",
    "422": "The query or body is not valid: the errors for each field.",
}


def problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The errors an operation can give: any, a 401 for a bad token and a 422 for a bad
    query (or NUL in the path); one with an id in its path or that writes, a 404; a
    secured one or a write, a 403; a write, a 409."""
    write = method in WRITES
    statuses = ["401", "422"]
    if write or "{" in path:
        statuses.append("404")
    if write or operation.get("security"):
        statuses.append("403")
    if write:
        statuses.append("409")
    return sorted(statuses)


class ProblemErrors(BasePlugin):
    """Declares on every operation, as it is added, the errors it can give, each as
    application/problem+json (ProblemSchema), and a default for anything else; that a
    read needs no token; and that a POST or PUT needs its body unless it says otherwise."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if method not in {"get", "head", *WRITES}:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path or "", method, operation):
                responses.setdefault(status, problem_response(ERRORS[status]))
            responses["default"] = problem_response("Any other error, as a problem.")
            security = operation.get("security")
            if method in {"get", "head"} and security and {} not in security:
                # Reading needs no token: without one you see what the public may see.
                operation["security"] = [*security, {}]
            body = operation.get("requestBody")
            if method in {"post", "put"} and isinstance(body, dict):
                body.setdefault("required", True)


class ProblemApi(Api):
    # The default error response is ProblemErrors', as application/problem+json.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api/"):
            return error
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        if isinstance(errors, dict) and len(errors) == 1:
            # webargs nests errors under the location ("json", "query"): lift them out.
            only = next(iter(errors))
            if only in ("json", "query", "form", "headers", "view_args"):
                errors = errors[only]
        status = error.code or 500
        return problem(status, error.name, data.get("message") or error.description, errors=errors)


def init_api(app: Flask) -> ProblemApi:
    app.config.update(
        API_TITLE="Community Empowerment casework",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = ProblemApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Participation requests (Part 3) and asset transfer requests "
                "(Part 5) under the Community Empowerment (Scotland) Act 2015. Errors are "
                "application/problem+json. Text may not contain the NUL character (a 422)."
            },
        },
    )
    api.spec.plugins.append(ProblemErrors())
    from casework.schemas.common import ProblemSchema

    api.spec.components.schema("Problem", schema=ProblemSchema)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "an API token"}
    )

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        from casework.context import db

        db().rollback()
        if not request.path.startswith("/api/"):
            from casework.web import error_page

            return error_page(exc.status, exc.detail)
        response = problem(exc.status, exc.title, exc.detail, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.before_request
    def _authenticate():
        """On the API, a bad token is a 401, not an anonymous caller (RFC 6750 s.3.1)."""
        # The app has already read a valid bearer token (casework.app._identify): the
        # same header names the same user, so only a missing or bad one is read again.
        if request.path.startswith("/api/") and g.get("user") is None:
            from casework.auth import bearer_user
            from casework.context import db

            g.user = bearer_user(db(), request.headers.get("Authorization"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return api.handle_http_exception(exc)
        log.exception("unhandled error")
        from casework.context import db

        db().rollback()
        if not request.path.startswith("/api/"):
            from casework.web import error_page

            return error_page(500, "Something went wrong on our side. Nothing was saved.")
        return problem(500, "Internal Server Error", "Something went wrong; nothing was saved.")

    from casework.api import (
        assignment,
        audit,
        authorities,
        bodies,
        cases,
        documents,
        land,
        register,
        representations,
    )

    for module in (
        authorities,
        bodies,
        cases,
        assignment,
        documents,
        land,
        representations,
        register,
        audit,
    ):
        api.register_blueprint(module.blp)
    # Registered as plain JSON Schema: one class may serve several actions, and the
    # marshmallow plugin keeps only one name per class.
    for name, schema in cases.payload_components().items():
        api.spec.components.schema(name, api.ma_plugin.converter.schema2jsonschema(schema))
    for name, schema in cases.output_components().items():
        api.spec.components.schema(name, schema=schema)
    app.register_blueprint(register.feeds)

    return api
