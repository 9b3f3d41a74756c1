"""The web pages: public registers, community bodies' requests, officers' caseload.

Server-rendered Jinja templates in the Scottish Government Design System. Every change
goes through the same commands and schemas as the API; the pages only draw the forms and
show the results, and work without JavaScript.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from casework.context import today
from casework.web import security
from casework.web.session import load_user


def longdate(value: dt.date | dt.datetime | str | None) -> str:
    """A date (and a time, for a moment) in words; an ISO string from an event's payload
    is read first, so no page shows it raw."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            return value
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.datetime):
        from casework.clock import LONDON

        local = value.astimezone(LONDON)
        return f"{local.day} {local:%B %Y}, {local:%H:%M}"
    return f"{value.day} {value:%B %Y}"


def paragraphs(text: str | None) -> Markup:
    """Plain text as paragraphs, escaped."""
    parts = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p).replace(chr(10), Markup('<br>'))}</p>" for p in parts))


def notice_html(text: str | None, top: int = 2) -> Markup:
    """A notice's text as HTML within a page, its headings below the page's own."""
    from casework.notices import text_to_fragment

    return Markup(text_to_fragment(text or "", top=top))


def init_web(app: Flask) -> None:
    from casework.web import (
        accounts,
        calendars,
        cases,
        community,
        following,
        officer,
        pdf,
        planning,
        profile,
        public,
        reports,
        service,
    )

    security.configure(app)
    app.before_request(load_user)
    blueprints = (
        public,
        accounts,
        profile,
        community,
        officer,
        cases,
        service,
        reports,
        planning,
        following,
    )
    for bp in (m.bp for m in blueprints):
        app.register_blueprint(bp)
    app.register_blueprint(pdf.bp)
    app.register_blueprint(calendars.bp)
    app.jinja_env.filters["longdate"] = longdate
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["notice_html"] = notice_html
    app.jinja_env.globals["today"] = today

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return app.extensions["casework.api"].handle_http_exception(exc)
        return error_page(exc.code or 500, exc.description or exc.name)


TITLES = {
    400: "There is a problem with the form",
    403: "You cannot do that",
    404: "Page not found",
    405: "That cannot be done here",
    409: "That cannot be done now",
    413: "The file is too large",
    422: "There is a problem",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def error_page(status: int, detail: str):
    """An error as a page, with the same status the API would give."""
    from casework.web.pages import page

    if status == 404:
        detail = (
            "If you typed the address, check it is correct. If you followed a link, the page "
            "may have moved, or it may be something only its owner can see."
        )
    return page(
        "web/error.html", TITLES.get(status, "There is a problem"), detail=detail, status=status
    )
