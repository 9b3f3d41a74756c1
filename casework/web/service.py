"""The service's own pages, linked from every page's footer: accessibility, privacy,
cookies, help and contact, and feedback. No account is needed for any of them."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from sqlalchemy import select

from casework.access import party_for
from casework.context import db, services
from casework.models import AssetTransferRequest, Authority, Case, RegisterRecord
from casework.web.pages import KIND_LABELS, page

bp = Blueprint("service", __name__)


def _cookie_name() -> str:
    return current_app.config.get("SESSION_COOKIE_NAME") or "session"


@bp.get("/accessibility")
def accessibility():
    return page("web/service/accessibility.html", "Accessibility statement")


@bp.get("/privacy")
def privacy():
    return page(
        "web/service/privacy.html",
        "Privacy notice",
        follow_days=services().settings.follow_confirm_days,
    )


@bp.get("/cookies")
def cookies():
    return page(
        "web/service/cookies.html",
        "Cookies",
        cookie_name=_cookie_name(),
        lifetime=current_app.permanent_session_lifetime,
    )


@bp.get("/feedback")
def feedback():
    return page("web/service/feedback.html", "Give feedback on this service")


def _public_case(reference: str) -> Case | None:
    """A case by its reference, if the one asking may know of it: published (a document in
    the register, or open for representations), or theirs."""
    case = db().scalar(select(Case).where(Case.reference == reference.strip()))
    if case is None:
        return None
    user = g.get("user")
    if user is not None and party_for(user, case) is not None:
        return case
    published = db().scalar(select(RegisterRecord.id).where(RegisterRecord.case_id == case.id))
    noticed = isinstance(case, AssetTransferRequest) and case.notice_date is not None
    return case if published or noticed else None


@bp.get("/help")
def help():
    reference = request.args.get("reference", "").strip()[:40]
    case = _public_case(reference) if reference else None
    authorities = db().scalars(select(Authority).order_by(Authority.name)).all()
    return page(
        "web/service/help.html",
        "Help and contact",
        case=case,
        reference=reference,
        kind_label=KIND_LABELS.get(case.kind, "") if case else "",
        authorities=authorities,
    )
