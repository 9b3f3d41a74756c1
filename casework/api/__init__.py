"""The JSON API at /api/v1, built with flask-smorest. Errors are application/problem+json."""

from __future__ import annotations

import logging
from typing import Any

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


def json_body() -> Any:
    data = request.get_json(silent=True)
    if data is None and request.content_length:
        raise Invalid({"_schema": ["The body must be JSON (Content-Type: application/json)."]})
    return data


class ProblemApi(Api):
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
                "(Part 5) under the Community Empowerment (Scotland) Act 2015."
            },
        },
    )
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
        if request.path.startswith("/api/"):
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
    app.register_blueprint(register.feeds)

    return api
