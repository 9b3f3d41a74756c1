"""PDF copies of the print pages, of the register's records and of the published annual
reports.

Each route runs the HTML page's own view, so the access checks, the context and the
template are the page's, and turns the page the view draws into a tagged PDF
(casework.pdf). Whatever the view answers instead (a sign-in redirect, a 404) is the
answer here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from casework.pdf import render_pdf
from casework.register import report_reference
from casework.web import cases, public, reports
from casework.web.pages import page

bp = Blueprint("pdf", __name__)


def as_pdf(name: Callable[[dict[str, Any]], tuple[str, str]]) -> Callable[..., Response]:
    """A `render` for a page view: the page it draws, as a PDF shown in the browser.
    `name` gives the reference and the document's name, from the page's context, for the
    file name."""

    def render(template: str, title: str, **context: Any) -> Response:
        html, _ = page(template, title, **context)
        response = Response(render_pdf(html, request.url, title), mimetype="application/pdf")
        reference, document = name(context)
        filename = f"{reference}-{document.replace('_', '-')}.pdf"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
        return response

    return render


@bp.get("/cases/<reference>/print.pdf")
def print_request(reference: str):
    return cases.print_request(reference, render=as_pdf(lambda c: (c["case"].reference, "request")))


@bp.get("/cases/<reference>/notices/<int:notice_id>/print.pdf")
def print_notice(reference: str, notice_id: int):
    render = as_pdf(lambda c: (c["case"].reference, c["notice"].kind))
    return cases.print_notice(reference, notice_id, render=render)


@bp.get("/register/<int:record_id>.pdf")
def record(record_id: int):
    render = as_pdf(lambda c: (c["record"].reference, c["record"].document))
    return public.record(record_id, render=render)


@bp.get("/annual-reports/<code>/<kind>/<int:year>.pdf")
def annual_report(code: str, kind: str, year: int):
    """The published report (s.32, s.95), at the version asked for (`?version=`)."""

    def name(c: dict[str, Any]) -> tuple[str, str]:
        report = c["report"]
        return f"{report_reference(report)}-v{report.version}", "annual_report"

    return reports.published(code, kind, year, render=as_pdf(name))
