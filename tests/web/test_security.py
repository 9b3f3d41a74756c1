"""The pages' security: cookies, CSRF on every form, headers, argon2, the sign-in rate
limit, one-time codes for managers, password reset links, and 404 for what is not yours."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from casework.auth import hash_password, reset_token
from casework.crypto import keyring_for
from casework.models import Event, User
from casework.web.accounts import sign_up_token
from tests.casework.conftest import REQUEST, World

PASSWORD = "correct horse battery staple"
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)


@pytest.fixture
def browser_client(app):
    """A test client that speaks HTTPS, as the Secure session cookie needs."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def set_password(session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    user.password_hash = hash_password(PASSWORD)
    session.commit()
    return user


def sign_in(client, email: str, password: str = PASSWORD):
    page = client.get("/sign-in").get_data(as_text=True)
    return client.post(
        "/sign-in",
        data={"csrf_token": token_of(page), "email": email, "password": password},
    )


def test_security_headers_on_pages_and_api(browser_client):
    for path in ("/", "/register", "/api/v1/openapi.json"):
        headers = browser_client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(browser_client):
    """The CSP allows no inline script, so the pages must not need any."""
    for path in ("/", "/register", "/land", "/representations", "/sign-in", "/sign-up"):
        html = browser_client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path


def test_session_cookie_is_secure_httponly_and_lax(browser_client, world: World, session):
    set_password(session, world.officer.email)
    response = sign_in(browser_client, world.officer.email)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "casework_session" in h)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_form_carries_a_csrf_token_and_a_post_without_one_is_refused(
    browser_client, world: World, session
):
    set_password(session, world.body.email)
    sign_in(browser_client, world.body.email)
    ref = world.body.post("/api/v1/cases", json=REQUEST).json["reference"]
    world.body.act(ref, "submit")
    pages = [
        "/sign-in",
        "/sign-up",
        "/password/forgot",
        "/organisation",
        "/requests/new",
        f"/cases/{ref}",
        f"/cases/{ref}/actions/withdraw",
        "/account/two-factor",
    ]
    forms = 0
    for path in pages:
        html = browser_client.get(path).get_data(as_text=True)
        for form in FORM.findall(html):
            if re.search(r'method="post"', form, re.I):
                forms += 1
                assert 'name="csrf_token"' in form, f"{path}: {form[:120]}"
    assert forms >= len(pages)

    before = session.scalar(select(User).where(User.email == world.body.email)).community_body
    response = browser_client.post(
        "/organisation", data={"name": "Hijacked", "csrf_token": "not-the-token"}
    )
    assert response.status_code == 400
    response = browser_client.post("/organisation", data={"name": "Hijacked"})
    assert response.status_code == 400
    session.expire_all()
    assert before.name == "Kinghorn Community Trust"


def finish_sign_up_link(app, email: str, name: str = "Jean Secretary") -> str:
    """The link a sign-up emails to a new address (tests/web/test_sign_up_privacy.py)."""
    return f"/sign-up/finish/{sign_up_token(email, name, app.config['SECRET_KEY'])}"


def test_passwords_are_hashed_with_argon2(app, browser_client, session):
    link = finish_sign_up_link(app, "jean@trust.test")
    page = browser_client.get(link).get_data(as_text=True)
    response = browser_client.post(link, data={"csrf_token": token_of(page), "password": PASSWORD})
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "jean@trust.test"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_short_password_is_refused_with_the_reason(app, browser_client, session):
    link = finish_sign_up_link(app, "j@t.test", "J")
    page = browser_client.get(link).get_data(as_text=True)
    response = browser_client.post(link, data={"csrf_token": token_of(page), "password": "short"})
    assert response.status_code == 422
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == "j@t.test")) is None


def test_sign_in_is_rate_limited_per_email(browser_client, world: World, session):
    set_password(session, world.officer.email)
    for _ in range(5):
        response = sign_in(browser_client, world.officer.email, "wrong password")
        assert response.status_code == 401
        assert "The email address or password is not right." in response.get_data(as_text=True)
    response = sign_in(browser_client, world.officer.email)  # right, but too late
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    set_password(session, world.manager.email)
    assert sign_in(browser_client, world.manager.email).status_code == 302


def test_what_is_not_yours_is_404(browser_client, world: World, session):
    ref = world.body.post("/api/v1/cases", json=REQUEST).json["reference"]
    world.body.act(ref, "submit")
    set_password(session, world.other_officer.email)
    sign_in(browser_client, world.other_officer.email)
    assert browser_client.get(f"/cases/{ref}").status_code == 404
    assert browser_client.get(f"/cases/{ref}/actions/validate").status_code == 404
    assert browser_client.get("/dashboard").status_code == 404
    browser_client.post(
        "/sign-out",
        data={"csrf_token": token_of(browser_client.get("/sign-out").get_data(as_text=True))},
    )

    set_password(session, world.other_body.email)
    sign_in(browser_client, world.other_body.email)
    assert browser_client.get(f"/cases/{ref}").status_code == 404
    assert browser_client.get("/queue").status_code == 404
    assert browser_client.get(f"/requests/{ref}/check").status_code == 404

    anonymous = browser_client.application.test_client()
    response = anonymous.get(f"/cases/{ref}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_managers_must_use_one_time_codes(browser_client, world: World, session):
    set_password(session, world.manager.email)
    response = sign_in(browser_client, world.manager.email)
    assert response.headers["Location"] == "/queue"
    response = browser_client.get("/queue")
    assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor"

    page = browser_client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<strong class="casework-key">([A-Z2-7 ]+)</strong>', page).group(1)
    secret = secret.replace(" ", "")
    wrong = browser_client.post(
        "/account/two-factor", data={"csrf_token": token_of(page), "code": "000000"}
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    secret = (
        re.search(r'<strong class="casework-key">([A-Z2-7 ]+)</strong>', page)
        .group(1)
        .replace(" ", "")
    )
    moment = time.time()  # codes are made for fixed moments, so a step boundary is no race
    done = browser_client.post(
        "/account/two-factor",
        data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret).at(moment)},
    )
    assert done.status_code == 302
    assert browser_client.get("/queue").status_code == 200

    fresh = browser_client.application.test_client()
    fresh.environ_base["wsgi.url_scheme"] = "https"
    response = sign_in(fresh, world.manager.email)
    assert response.headers["Location"].startswith("/sign-in/code")
    assert fresh.get("/queue").status_code == 302  # not signed in until the code is given
    page = fresh.get("/sign-in/code").get_data(as_text=True)
    bad = fresh.post("/sign-in/code", data={"csrf_token": token_of(page), "code": "123456"})
    assert bad.status_code == 422
    # The setup used this step's code: it is spent. The next step's code is accepted.
    spent = fresh.post(
        "/sign-in/code", data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret).at(moment)}
    )
    assert "already been used" in spent.get_data(as_text=True)
    next_code = pyotp.TOTP(secret).at(moment + 30)
    good = fresh.post("/sign-in/code", data={"csrf_token": token_of(page), "code": next_code})
    assert good.status_code == 302 and good.headers["Location"] == "/queue"
    assert "Caseload summary" in fresh.get("/queue").get_data(as_text=True)

    # A code works once: the same code again, from another browser, is refused.
    again = browser_client.application.test_client()
    again.environ_base["wsgi.url_scheme"] = "https"
    sign_in(again, world.manager.email)
    page = again.get("/sign-in/code").get_data(as_text=True)
    reused = again.post("/sign-in/code", data={"csrf_token": token_of(page), "code": next_code})
    assert reused.status_code == 422 and "already been used" in reused.get_data(as_text=True)
    assert again.get("/queue").status_code == 302

    # Moving codes to a new app needs the current app's code.
    page = fresh.get("/account/two-factor").get_data(as_text=True)
    assert 'name="current_code"' in page
    new_secret = re.search(r'<strong class="casework-key">([A-Z2-7 ]+)</strong>', page).group(1)
    new_secret = new_secret.replace(" ", "")
    refused = fresh.post(
        "/account/two-factor",
        data={"csrf_token": token_of(page), "code": pyotp.TOTP(new_secret).now()},
    )
    assert refused.status_code == 422
    session.expire_all()
    stored = session.scalar(select(User).where(User.email == world.manager.email)).totp_secret
    keys = browser_client.application.extensions["casework"].settings.encryption_keys
    assert stored != secret and keyring_for(keys).decrypt(stored) == secret


def test_a_password_reset_link_works_once_and_signs_out_old_sessions(
    app, browser_client, world: World, session
):
    user = set_password(session, world.body.email)
    old = app.test_client()
    old.environ_base["wsgi.url_scheme"] = "https"
    sign_in(old, world.body.email)
    assert old.get("/dashboard").status_code == 200

    page = browser_client.get("/password/forgot").get_data(as_text=True)
    response = browser_client.post(
        "/password/forgot", data={"csrf_token": token_of(page), "email": world.body.email}
    )
    assert "If secretary@kinghorn.test has an account" in response.get_data(as_text=True)
    asked = session.scalars(
        select(Event).where(Event.type == "account.password_reset_requested")
    ).all()
    assert [e.payload for e in asked] == [{"user_id": user.id}]
    # An unknown address gets the same answer and no event.
    page = browser_client.get("/password/forgot").get_data(as_text=True)
    response = browser_client.post(
        "/password/forgot", data={"csrf_token": token_of(page), "email": "nobody@x.test"}
    )
    assert "If nobody@x.test has an account" in response.get_data(as_text=True)

    link = f"/password/reset/{reset_token(user, app.config['SECRET_KEY'])}"
    page = browser_client.get(link).get_data(as_text=True)
    response = browser_client.post(
        link, data={"csrf_token": token_of(page), "password": "a brand new pass phrase"}
    )
    assert response.status_code == 302
    assert browser_client.get(link).status_code == 404  # used once, no more
    assert old.get("/dashboard").status_code == 302  # the old session is signed out
    assert sign_in(browser_client, world.body.email, "a brand new pass phrase").status_code == 302
