"""Following pages: follow a request, an authority or a search; confirm; manage; stop.

Anyone may follow with an email address; signed-in users follow from their account. The
manage and unsubscribe pages are reached by the link in every email, which is the
follower's key: no account or cookie is needed. The unsubscribe address also takes the
one-click POST that mail clients send (RFC 8058), which carries no CSRF token and needs
none: the token in the address is the authority, and all it can do is stop mail.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from casework import following, ratelimit
from casework.api.register import RegisterQuery
from casework.context import db, services
from casework.models import Authority, Case, Follow, Follower, RegisterRecord
from casework.web import forms
from casework.web.forms import Problem
from casework.web.pages import page
from casework.web.security import client_ip
from casework.web.session import signed_in

bp = Blueprint("following", __name__)

FOLLOW = "follow"  # the rate limit's purpose: follow requests from one address an hour
FOLLOW_LIMIT = 20
MODE_CHOICES = [
    (following.IMMEDIATE, "Send me an email each time something is published"),
    (following.DAILY, "Send me one email a day, when something was published the day before"),
]


class FollowSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    mode = fields.String(load_default=following.IMMEDIATE, validate=validate.OneOf(following.MODES))


class ModeSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(following.MODES))


def _target_args() -> dict[str, str]:
    """What is to be followed, as the address or the hidden fields carry it."""
    source = request.form if request.method == "POST" else request.args
    wanted = {"case", "authority", "list", "kind", "outcome", "document", "q", "from", "to"}
    return {k: v for k, v in source.items() if k in wanted and v.strip()}


def _target(args: dict[str, str]) -> following.Target:
    """The thing to follow; 404 for a request that is not public or an unknown authority."""
    session = db()
    if args.get("case"):
        case = session.scalar(select(Case).where(Case.reference == args["case"]))
        public = case is not None and session.scalar(
            select(RegisterRecord.id).where(RegisterRecord.case_id == case.id).limit(1)
        )
        if not public:
            abort(404)
        return following.of_case(case)
    if args.get("list") in following.SEARCH_FILTERS:
        list_ = args["list"]
        try:
            loaded = RegisterQuery().load(
                {k: v for k, v in args.items() if k not in ("list", "case")}
            )
        except ValidationError:
            abort(404)
        if loaded.get("authority") and not _authority(loaded["authority"]):
            abort(404)
        return following.of_search(session, list_, loaded)
    if args.get("authority"):
        authority = _authority(args["authority"])
        if authority is None:
            abort(404)
        return following.of_authority(authority)
    abort(404)


def _authority(code: str) -> Authority | None:
    return db().scalar(select(Authority).where(Authority.code == code.strip().upper()))


def _fields(schema: Schema, problem: Problem | None) -> list[forms.FormField]:
    values = request.form if request.method == "POST" else {}
    built = forms.build(
        schema,
        values=values,
        errors=problem.fields if problem else None,
        options={"mode": MODE_CHOICES},
    )
    for f in built:
        if f.name == "email":
            f.label = "Your email address"
            f.hint = "We use it only to send you these emails, and delete it when you stop them."
            f.attrs = {"autocomplete": "email", "spellcheck": "false"}
        if f.name == "mode":
            f.label = "How often do you want to hear?"
            f.widget = "radios"
            f.value = f.value or following.IMMEDIATE
    return built


@bp.route("/follow", methods=["GET", "POST"])
def follow():
    args = _target_args()
    target = _target(args)
    user = g.get("user")
    schema = ModeSchema() if user else FollowSchema()
    problem = None
    if request.method == "POST":
        try:
            data = schema.load(forms.payload(schema, request.form))
        except ValidationError as exc:
            problem = Problem(forms.flatten(exc.normalized_messages()))
        else:
            return _start(target, data, user)
    return page(
        "web/following/follow.html",
        "Get emails about this",
        problem=problem,
        form_fields=_fields(schema, problem),
        target=target,
        hidden=args,
        signed_in=bool(user),
    )


def _start(target: following.Target, data: dict[str, Any], user):
    session = db()
    settings = services().settings
    if user is None:
        ip = client_ip()
        wait = ratelimit.retry_after(session, FOLLOW, ip, FOLLOW_LIMIT)
        if wait is not None:
            problem = Problem(
                general=[
                    "We have had too many requests for emails from your internet connection in "
                    f"the last hour. Try again in {ratelimit.wait_in_words(wait)}."
                ],
                status=429,
            )
            html, status = page(
                "web/following/follow.html",
                "Get emails about this",
                problem=problem,
                form_fields=_fields(FollowSchema(), problem),
                target=target,
                hidden=_target_args(),
                signed_in=False,
            )
            return html, status, {"Retry-After": str(wait)}
        ratelimit.count(session, FOLLOW, ip)
    follower = following.follower_for(session, data.get("email"), settings.secret_key, user)
    if user is not None or not following.follows_anything(session, follower):
        # A stranger typing someone's address cannot change how often they hear: only
        # the signed-in user, or the follower's own manage page, once they follow.
        follower.mode = data.get("mode") or follower.mode
    following.start(
        session,
        follower,
        target,
        settings.follow_confirm_days,
        confirmed=user is not None,
    )
    session.commit()
    if user is not None:
        flash(f"You now get emails about: {target.label}.", "success")
        return redirect(url_for("following.mine"))
    # The same page whoever the address belongs to, so it tells no one who follows what.
    return page(
        "web/following/sent.html",
        "Check your email",
        email=data["email"],
        days=settings.follow_confirm_days,
    )


@bp.route("/follow/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    settings = services().settings
    follow_ = following.follow_for_confirm_token(
        db(), token, settings.secret_key, settings.follow_confirm_days * 86400
    )
    if follow_ is None:
        return page("web/following/expired.html", "This link has expired", status=404)
    if request.method == "POST":
        following.confirm(follow_)
        manage = following.manage_token(follow_.follower, settings.secret_key)
        db().commit()
        return page(
            "web/following/confirmed.html",
            "You will now get these emails",
            follow=follow_,
            mode=follow_.follower.mode,
            manage=url_for("following.manage", token=manage),
        )
    return page("web/following/confirm.html", "Confirm you want these emails", follow=follow_)


def _follower(token: str) -> Follower:
    follower = following.follower_for_manage_token(db(), token, services().settings.secret_key)
    if follower is None or follower.unsubscribed_at is not None:
        abort(404)
    return follower


def _manage_page(follower: Follower, action: str, problem: Problem | None = None):
    follows = following.follows_of(db(), follower)
    values = {"mode": follower.mode}
    built = forms.build(
        ModeSchema(),
        values=request.form if problem else values,
        errors=problem.fields if problem else None,
        options={"mode": MODE_CHOICES},
    )
    for f in built:
        f.label = "How often do you want to hear?"
        f.widget = "radios"
    return page(
        "web/following/manage.html",
        "What you follow",
        problem=problem,
        follows=follows,
        form_fields=built,
        action=action,
        by_link=follower.user_id is None,
        unsubscribe=url_for("following.unsubscribe", token=_token(follower))
        if follower.user_id is None
        else None,
    )


def _token(follower: Follower) -> str:
    return following.manage_token(follower, services().settings.secret_key)


def _change(follower: Follower, after: str):
    """A post from the manage page: stop one follow, or change how often."""
    session = db()
    stop = request.form.get("stop", "")
    if stop:
        follow_ = session.get(Follow, int(stop)) if stop.isdigit() else None
        if follow_ is None or follow_.follower_id != follower.id:
            abort(404)
        following.end(follow_)
        session.commit()
        flash(f"You will no longer get emails about: {follow_.label}.", "success")
        return redirect(after)
    try:
        data = ModeSchema().load(forms.payload(ModeSchema(), request.form))
    except ValidationError as exc:
        return _manage_page(follower, after, Problem(forms.flatten(exc.normalized_messages())))
    follower.mode = data["mode"]
    session.commit()
    flash(
        "You will get one email a day."
        if follower.mode == following.DAILY
        else "You will get an email each time.",
        "success",
    )
    return redirect(after)


@bp.route("/following/<token>", methods=["GET", "POST"])
def manage(token: str):
    follower = _follower(token)
    here = url_for("following.manage", token=token)
    if request.method == "POST":
        return _change(follower, here)
    return _manage_page(follower, here)


@bp.route("/account/following", methods=["GET", "POST"])
@signed_in()
def mine():
    session = db()
    follower = session.scalar(select(Follower).where(Follower.user_id == g.user.id))
    here = url_for("following.mine")
    if request.method == "POST":
        if follower is None:
            abort(404)
        return _change(follower, here)
    if follower is None:
        return page("web/following/manage.html", "What you follow", follows=[], by_link=False)
    return _manage_page(follower, here)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET asks (a link scanner must not unsubscribe anyone); POST, from the button or a
    mail client's one-click (RFC 8058), stops everything at once."""
    follower = following.follower_for_manage_token(db(), token, services().settings.secret_key)
    if follower is None or follower.unsubscribed_at is not None:
        return page("web/following/unsubscribed.html", "You will get no more emails")
    if request.method == "POST":
        following.unsubscribe(db(), follower)
        db().commit()
        return page("web/following/unsubscribed.html", "You will get no more emails")
    return page(
        "web/following/unsubscribe.html",
        "Stop all emails",
        follows=following.follows_of(db(), follower),
    )
