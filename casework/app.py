"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask, g, request
from sqlalchemy.orm import Session, sessionmaker

from casework import extensions
from casework.api import init_api
from casework.auth import user_for_token
from casework.clock import Clock
from casework.config import Settings
from casework.context import Services, close_session, db
from casework.db import make_engine, make_sessionmaker
from casework.web import init_web


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
    engine = make_engine(settings.database_url) if sessions is None else sessions.kw["bind"]
    app.extensions["casework"] = Services(
        settings=settings,
        engine=engine,
        sessions=sessions or make_sessionmaker(engine),
        clock=clock or Clock(),
        law=settings.law(),
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)

    @app.before_request
    def _identify():
        g.user = None
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            g.user = user_for_token(db(), header[7:].strip())

    app.teardown_appcontext(close_session)
    app.extensions["casework.api"] = init_api(app)
    init_web(app)
    extensions.call("install", app)
    return app
