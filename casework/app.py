"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from casework import extensions
from casework.api import init_api
from casework.auth import user_for_token
from casework.clock import Clock
from casework.config import Settings
from casework.context import Services, close_session, db
from casework.db import make_engine, make_sessionmaker
from casework.errors import Invalid
from casework.web import init_web


class BoundedInt(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    sessions: sessionmaker[Session] | None = None,
) -> Flask:
    """Build the app. Tests pass their own session factory and clock; nothing else differs."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False)
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    # Ids in URLs fit the database's integers: a longer number is simply not found.
    app.url_map.converters["int"] = BoundedInt
    pool = settings.database_pool_size
    engine = make_engine(settings.database_url, pool) if sessions is None else sessions.kw["bind"]
    read = settings.database_read_url
    app.extensions["casework"] = Services(
        settings=settings,
        engine=engine,
        sessions=sessions or make_sessionmaker(engine),
        clock=clock or Clock(),
        law=settings.law(),
        read_sessions=make_sessionmaker(make_engine(read, pool)) if read else None,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Routine chatter stays off the console: the state machine's every step, and the
    # scheduler's "Running job ... executed successfully" every minute.
    for name in ("transitions", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)

    @app.before_request
    def _refuse_nul():
        """PostgreSQL text cannot hold NUL: refuse it up front, as a 422, not a 500."""
        sent = [request.path, *(v for _, vs in request.args.lists() for v in vs)]
        sent += [v for _, vs in request.form.lists() for v in vs]  # files are not in .form
        if request.is_json and b"\\u0000" in request.get_data():
            sent.append("\x00")
        if any("\x00" in v for v in sent):
            raise Invalid({"_schema": ["Text may not contain the NUL character."]})

    @app.before_request
    def _identify():
        g.user = None
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            g.user = user_for_token(db(), header[7:].strip())

    @app.after_request
    def _allow(response):
        """Every 405 names the methods the resource allows (RFC 9110 s.15.5.6), whichever
        handler (problem JSON or page) rendered it."""
        if response.status_code == 405 and "Allow" not in response.headers:
            exc = request.routing_exception
            methods = getattr(exc, "valid_methods", None)
            if not methods:
                try:
                    app.url_map.bind_to_environ(request.environ).match(method="__none__")
                except MethodNotAllowed as refused:
                    methods = refused.valid_methods
                except HTTPException:
                    methods = None
            if methods:
                response.headers["Allow"] = ", ".join(sorted(methods))
        return response

    app.teardown_appcontext(close_session)
    app.extensions["casework.api"] = init_api(app)
    init_web(app)
    extensions.call("install", app)
    return app
