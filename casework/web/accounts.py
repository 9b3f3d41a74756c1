"""Signing up, in and out; resetting a password; one-time codes (TOTP).

Managers must use one-time codes; officers and community members may. Sign-in is
rate-limited per email and per address, and says the same thing whether the email or the
password was wrong. Signing up, too, says the same thing whether or not the address has an
account ("Check your email"): the account is made only when the link emailed to a new
address is followed, and the owner of an address that has one is told by email instead.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time

import pyotp
from flask import Blueprint, flash, g, redirect, request, url_for
from flask import session as cookie
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from casework.auth import (
    check_password,
    create_user,
    password_problems,
    set_password,
    user_for_reset_token,
)
from casework.context import commit, db, services
from casework.errors import Conflict, Invalid
from casework.eventlog import Actor, record
from casework.models import User
from casework.schemas.common import HONEYPOT
from casework.web import forms
from casework.web.forms import Problem
from casework.web.pages import page
from casework.web.security import WINDOW, client_ip, record_attempt, sign_in_blocked
from casework.web.session import (
    hold_for_code,
    home_for,
    keyring,
    pending_user,
    safe_next,
    sign_in,
    sign_out,
    signed_in,
    totp_key,
)

bp = Blueprint("accounts", __name__)
ISSUER = "Community empowerment casework"
WRONG = "The email address or password is not right."
RESET = "password_reset"
SIGN_UP = "sign_up"
SIGN_UP_SALT = "casework-sign-up"
SIGN_UP_MAX_AGE = 24 * 3600


def accept_code(user: User, code: str, secret: str | None = None) -> str | None:
    """Check a one-time code, and use it up: each 30-second step's code works once.
    Returns what is wrong, or None when the code is accepted."""
    totp = pyotp.TOTP(secret or totp_key(user))
    now = time.time()
    for drift in (0, -1, 1):  # this step, or one either side for a slow clock
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            step = totp.timecode(dt.datetime.fromtimestamp(at, dt.UTC))
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return "That code has already been used. Wait for the next one."
            user.totp_last_step = step
            return None
    return "That code is not right. Enter the code your app shows now."


class SignInSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


SIX_DIGITS = validate.Regexp(r"^\d{6}$", error="Enter the 6-digit code.")


class CodeSchema(Schema):
    code = fields.String(required=True, validate=SIX_DIGITS)


class ReplaceCodeSchema(Schema):
    """Moving codes to a new app needs a code from the current one first."""

    current_code = fields.String(
        required=True,
        validate=SIX_DIGITS,
        metadata={"description": "the code your current app shows"},
    )
    code = fields.String(
        required=True,
        validate=SIX_DIGITS,
        metadata={"description": "the code the new app shows, once you have added the key"},
    )


class SignUpSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)


class EmailSchema(Schema):
    email = fields.Email(required=True)


class NewPasswordSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(max=200))


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=200))
    new_password = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "use at least 10 characters"},
    )


class ChangeEmailSchema(Schema):
    email = fields.Email(required=True, metadata={"description": "we send a link to it"})
    current_password = fields.String(required=True, validate=validate.Length(max=200))


PASSWORD_LABELS = {
    "password": "Password",
    "current_password": "Your current password",
    "new_password": "New password",
}
EMAIL_CHANGE = "email_change"
EMAIL_CHANGE_SALT = "casework-email-change"
EMAIL_CHANGE_MAX_AGE = 24 * 3600


def _load(schema: Schema) -> tuple[dict, Problem]:
    try:
        return schema.load(forms.payload(schema, request.form)), Problem()
    except ValidationError as exc:
        messages = exc.normalized_messages()
        return {}, Problem(forms.flatten(messages))


def _form_page(template: str, title: str, schema: Schema, problem: Problem | None = None, **ctx):
    values = request.form if request.method == "POST" else {}
    built = forms.build(schema, values=values, errors=problem.fields if problem else None)
    for f in built:
        if f.name in PASSWORD_LABELS:
            f.value = ""  # never sent back to the browser
            f.label = PASSWORD_LABELS[f.name]
            f.widget = "password"
            f.attrs = {
                "autocomplete": "new-password"
                if f.name == "new_password" or template.endswith(("reset.html", "finish.html"))
                else "current-password"
            }
        if f.name == "email" and template.endswith("change_email.html"):
            f.label = "Your new email address"
        if f.name in ("code", "current_code"):
            # One line of digits, which phones offer from the keypad or a text message.
            f.widget = "text"
            f.attrs = {
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "spellcheck": "false",
            }
    return page(template, title, problem=problem, form_fields=built, **ctx)


@bp.route("/sign-in", methods=["GET", "POST"], endpoint="sign_in")
def sign_in_page():
    nxt = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _form_page("web/accounts/sign_in.html", "Sign in", SignInSchema(), next=nxt)
    data, problem = _load(SignInSchema())
    if problem:
        return _form_page("web/accounts/sign_in.html", "Sign in", SignInSchema(), problem, next=nxt)
    email, ip = data["email"].strip().lower(), client_ip()
    session = db()
    if sign_in_blocked(session, email, ip):
        problem = Problem(
            general=["Too many attempts to sign in. Wait 15 minutes and try again."], status=429
        )
        return _form_page("web/accounts/sign_in.html", "Sign in", SignInSchema(), problem, next=nxt)
    user = session.scalar(select(User).where(User.email == email))
    ok = user is not None and user.active and check_password(user, data["password"])
    record_attempt(session, email, ip, ok)
    session.commit()
    if not ok:
        problem = Problem(general=[WRONG], status=401)
        return _form_page("web/accounts/sign_in.html", "Sign in", SignInSchema(), problem, next=nxt)
    if user.totp_secret:
        hold_for_code(user)
        return redirect(url_for("accounts.code", next=nxt))
    sign_in(user)
    return redirect(nxt or home_for(user))


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    nxt = safe_next(request.values.get("next"))
    user = pending_user()
    if user is None:
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("accounts.sign_in", next=nxt))
    title = "Enter your one-time code"
    if request.method == "GET":
        return _form_page("web/accounts/code.html", title, CodeSchema(), next=nxt)
    data, problem = _load(CodeSchema())
    ip = client_ip()
    session = db()
    if not problem and sign_in_blocked(session, user.email, ip):
        problem = Problem(general=["Too many attempts. Wait 15 minutes and try again."], status=429)
    wrong = accept_code(user, data["code"]) if not problem else None
    if wrong:
        session.rollback()
        record_attempt(session, user.email, ip, False)
        session.commit()
        problem = Problem({"code": wrong})
    if problem:
        return _form_page("web/accounts/code.html", title, CodeSchema(), problem, next=nxt)
    record_attempt(session, user.email, ip, True)
    session.commit()
    sign_in(user)
    return redirect(nxt or home_for(user))


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out_page():
    if request.method == "POST":
        sign_out()
        flash("You have signed out.", "success")
        return redirect(url_for("public.start"))
    if g.get("user") is None:
        return redirect(url_for("public.start"))
    return page("web/accounts/sign_out.html", "Sign out")


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up():
    """The same answer whether or not the address has an account: no account is made and
    no one is signed in here. A new address is sent a link to finish its account; the
    owner of an address that has one is told that someone tried (both by the pipeline)."""
    title = "Create an account for your community body"
    if request.method == "GET":
        return _form_page("web/accounts/sign_up.html", title, SignUpSchema(), honeypot=HONEYPOT)
    data, problem = _load(SignUpSchema())
    if problem:
        return _form_page(
            "web/accounts/sign_up.html", title, SignUpSchema(), problem, honeypot=HONEYPOT
        )
    email, name, ip = data["email"].strip().lower(), data["name"].strip(), client_ip()
    session = db()
    if sign_in_blocked(session, email, ip, SIGN_UP):
        problem = Problem(general=["Too many attempts. Wait 15 minutes and try again."], status=429)
        html, status = _form_page(
            "web/accounts/sign_up.html", title, SignUpSchema(), problem, honeypot=HONEYPOT
        )
        return html, status, {"Retry-After": str(int(WINDOW.total_seconds()))}
    if request.form.get(HONEYPOT, "").strip():  # spam: the same answer, and nothing kept
        return page("web/accounts/sign_up_sent.html", "Check your email", email=email)
    owner = session.scalar(select(User).where(User.email == email))
    record_attempt(session, email, ip, False, SIGN_UP)  # counts towards its limit
    if owner is None:
        # The link is made by the pipeline when the email is sent, so it is never stored.
        payload = {"email": email, "name": name}
        record(session, None, "account.sign_up_requested", Actor("member of the public"), payload)
    else:
        record(session, None, "account.sign_up_attempted", Actor.of(owner), {"user_id": owner.id})
    session.commit()
    return page("web/accounts/sign_up_sent.html", "Check your email", email=email)


def sign_up_token(email: str, name: str, secret_key: str) -> str:
    """A signed link token that finishes the sign-up of `email`; it holds no secret."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt=SIGN_UP_SALT).dumps({"e": email, "n": name})


def _sign_up_details(token: str) -> dict | None:
    """The address and name of a good link whose address has no account yet."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(services().settings.secret_key, salt=SIGN_UP_SALT)
    try:
        data = serializer.loads(token, max_age=SIGN_UP_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    if db().scalar(select(User.id).where(User.email == data["e"])) is not None:
        return None  # used already, or the address has an account by now
    return {"email": data["e"], "name": str(data.get("n") or "")}


@bp.route("/sign-up/finish/<token>", methods=["GET", "POST"])
def finish_sign_up(token: str):
    title = "Finish creating your account"
    details = _sign_up_details(token)
    if details is None:
        return page("web/accounts/sign_up_expired.html", "This link has expired", status=404)
    email = details["email"]
    if request.method == "GET":
        return _form_page(
            "web/accounts/sign_up_finish.html", title, NewPasswordSchema(), email=email
        )
    data, problem = _load(NewPasswordSchema())
    if not problem:
        issues = password_problems(data["password"], email)
        if issues:
            problem = Problem({"password": " ".join(issues)})
    if problem:
        return _form_page(
            "web/accounts/sign_up_finish.html", title, NewPasswordSchema(), problem, email=email
        )
    try:
        user = create_user(
            db(), email=email, role="community", name=details["name"], password=data["password"]
        )
        record(db(), None, "account.created", Actor.of(user), {"user_id": user.id})
        commit()
    except (Invalid, Conflict):
        db().rollback()  # the same link, followed twice at once
        return page("web/accounts/sign_up_expired.html", "This link has expired", status=404)
    sign_in(user)
    flash("Your account is ready. Now tell us about your organisation.", "success")
    return redirect(url_for("profile.organisation"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    title = "Reset your password"
    if request.method == "GET":
        return _form_page("web/accounts/forgot.html", title, EmailSchema())
    data, problem = _load(EmailSchema())
    if problem:
        return _form_page("web/accounts/forgot.html", title, EmailSchema(), problem)
    email = data["email"].strip().lower()
    session = db()
    if sign_in_blocked(session, email, client_ip(), RESET):
        problem = Problem(general=["Too many attempts. Wait 15 minutes and try again."], status=429)
        return _form_page("web/accounts/forgot.html", title, EmailSchema(), problem)
    user = session.scalar(select(User).where(User.email == email, User.active.is_(True)))
    record_attempt(session, email, client_ip(), False, RESET)  # counts towards its limit
    if user is not None:
        # The email goes out from the event pipeline, which makes the link itself, so the
        # link's secret is never stored.
        record(
            session, None, "account.password_reset_requested", Actor.of(user), {"user_id": user.id}
        )
    session.commit()
    return page("web/accounts/forgot_sent.html", "Check your email", email=email)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    title = "Choose a new password"
    user = user_for_reset_token(db(), token, services().settings.secret_key)
    if user is None:
        return page("web/accounts/reset_expired.html", "This link has expired", status=404)
    if request.method == "GET":
        return _form_page("web/accounts/reset.html", title, NewPasswordSchema())
    data, problem = _load(NewPasswordSchema())
    if not problem:
        try:
            set_password(user, data["password"])
        except Invalid as exc:
            problem = forms.problem_from(exc)
    if problem:
        return _form_page("web/accounts/reset.html", title, NewPasswordSchema(), problem)
    record(db(), None, "account.password_changed", Actor.of(user), {"user_id": user.id})
    commit()
    flash("Your password has been changed. Sign in with your new password.", "success")
    sign_out()
    return redirect(url_for("accounts.sign_in"))


@bp.route("/account")
@signed_in()
def account():
    return page("web/accounts/account.html", "Your account", user=g.user)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in()
def change_password():
    """A new password, given the current one; the same rules as a reset."""
    user: User = g.user
    title = "Change your password"
    schema = ChangePasswordSchema()
    if request.method == "GET":
        return _form_page("web/accounts/change_password.html", title, schema)
    data, problem = _load(schema)
    session, ip = db(), client_ip()
    if not problem and sign_in_blocked(session, user.email, ip):
        problem = Problem(general=["Too many attempts. Wait 15 minutes and try again."], status=429)
    if not problem:
        right = check_password(user, data["current_password"])
        record_attempt(session, user.email, ip, right)
        session.commit()
        if not right:
            problem = Problem({"current_password": "Your current password is not right."})
    if not problem:
        try:
            set_password(user, data["new_password"])
        except Invalid as exc:
            problem = Problem({"new_password": " ".join(forms.problem_from(exc).fields.values())})
    if problem:
        db().rollback()
        return _form_page("web/accounts/change_password.html", title, schema, problem)
    record(db(), None, "account.password_changed", Actor.of(user), {"user_id": user.id})
    commit()
    sign_in(user)  # the fingerprint changed with the password; other sessions end
    flash("Your password has been changed.", "success")
    return redirect(url_for("accounts.account"))


def email_change_token(user: User, new_email: str, secret_key: str) -> str:
    """A signed link token that changes `user`'s address to `new_email`, once: it holds
    the old address, so it stops working when the address changes."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret_key, salt=EMAIL_CHANGE_SALT).dumps(
        {"u": user.id, "old": user.email, "new": new_email}
    )


def _email_change_details(token: str, user: User) -> str | None:
    """The new address of a good link for this user, or None."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    serializer = URLSafeTimedSerializer(services().settings.secret_key, salt=EMAIL_CHANGE_SALT)
    try:
        data = serializer.loads(token, max_age=EMAIL_CHANGE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or data.get("old") != user.email:
        return None
    new = data.get("new")
    if not isinstance(new, str) or db().scalar(select(User.id).where(User.email == new)):
        return None
    return new


@bp.route("/account/email", methods=["GET", "POST"])
@signed_in()
def change_email():
    """Ask for a new address: a link goes to it, and the address changes only once the
    link is followed. The page says the same whether or not the address has an account."""
    user: User = g.user
    title = "Change your email address"
    schema = ChangeEmailSchema()
    if request.method == "GET":
        return _form_page("web/accounts/change_email.html", title, schema, user=user)
    data, problem = _load(schema)
    session, ip = db(), client_ip()
    new = data.get("email", "").strip().lower()
    if not problem and new == user.email:
        problem = Problem({"email": "Enter a different email address from the one you use now."})
    if not problem and sign_in_blocked(session, user.email, ip, EMAIL_CHANGE):
        problem = Problem(general=["Too many attempts. Wait 15 minutes and try again."], status=429)
    if not problem:
        right = check_password(user, data["current_password"])
        record_attempt(session, user.email, ip, False, EMAIL_CHANGE)  # counts to its limit
        session.commit()
        if not right:
            problem = Problem({"current_password": "Your current password is not right."})
    if problem:
        return _form_page("web/accounts/change_email.html", title, schema, problem, user=user)
    taken = session.scalar(select(User.id).where(User.email == new)) is not None
    if not taken:
        # The link is made by the pipeline when the email is sent, so it is never stored.
        record(
            session,
            None,
            "account.email_change_requested",
            Actor.of(user),
            {"user_id": user.id, "email": new},
        )
    session.commit()
    return page("web/accounts/change_email_sent.html", "Check your email", email=new)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@signed_in()
def confirm_email(token: str):
    user: User = g.user
    new = _email_change_details(token, user)
    if new is None:
        return page("web/accounts/change_email_expired.html", "This link has expired", status=404)
    if request.method == "GET":
        return page(
            "web/accounts/change_email_confirm.html", "Confirm your new email address", email=new
        )
    old = user.email
    user.email = new
    record(
        db(),
        None,
        "account.email_changed",
        Actor.of(user),
        {"user_id": user.id, "old_email": old},
    )
    try:
        commit()
    except IntegrityError:
        db().rollback()  # the address was taken meanwhile
        return page("web/accounts/change_email_expired.html", "This link has expired", status=404)
    flash(f"Your email address is now {new}. We have told your old address.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@signed_in()
def two_factor():
    """Set up one-time codes: show a new secret, and keep it once a code from it works."""
    user: User = g.user
    title = "Set up one-time codes"
    if request.method == "GET" or not cookie.get("totp_setup"):
        cookie["totp_setup"] = pyotp.random_base32()
    secret = cookie["totp_setup"]
    ctx = {
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER),
        "required": user.role == "manager",
        "enabled": bool(user.totp_secret),
    }
    schema = ReplaceCodeSchema() if user.totp_secret else CodeSchema()
    if request.method == "GET":
        return _form_page("web/accounts/two_factor.html", title, schema, **ctx)
    data, problem = _load(schema)
    if not problem and user.totp_secret:
        wrong = accept_code(user, data["current_code"])
        if wrong:
            problem = Problem({"current_code": wrong.replace("That code", "The current code")})
    if not problem:
        user.totp_last_step = None  # a new key starts afresh, and its first code is used
        wrong = accept_code(user, data["code"], secret)
        if wrong:
            problem = Problem(
                {"code": wrong.replace("Enter the code", "Check the key and enter the code")}
            )
    if problem:
        db().rollback()
        return _form_page("web/accounts/two_factor.html", title, schema, problem, **ctx)
    user.totp_secret = keyring().encrypt(secret)  # kept encrypted, never in clear
    record(db(), None, "account.totp_enabled", Actor.of(user), {"user_id": user.id})
    commit()
    cookie.pop("totp_setup", None)
    sign_in(user)  # the fingerprint changed with the secret
    flash(
        "One-time codes are set up. You will be asked for a code each time you sign in.", "success"
    )
    return redirect(home_for(user))
