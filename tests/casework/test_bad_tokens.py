"""A bearer token that is not a valid, active token is a 401 on every API route.

Finding 11 of the outside security test (issue 10): a request with `Authorization: Bearer X`,
where X is unknown, revoked, malformed or belongs to a deactivated user, used to be served
as an anonymous one (200 and an empty list). A client with a broken token must be told so
(RFC 6750 s.3.1), with a WWW-Authenticate challenge and an application/problem+json body,
on every route, including the ones anonymous callers may use. Sending no Authorization
header at all stays anonymous.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casework.auth import create_user, issue_token
from casework.clock import now
from casework.models import ApiToken, Case, Event, User
from tests.casework.conftest import ASSET_REQUEST, REQUEST, World, submitted

CHALLENGE = 'Bearer realm="casework", error="invalid_token"'
PROBLEM = "application/problem+json"


def _revoked(session) -> str:
    user = create_user(session, email="revoked@fife.test", role="community")
    token = issue_token(session, user)
    session.flush()
    session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)).revoked_at = now()
    session.commit()
    return token


def _deactivated(session) -> str:
    user = create_user(session, email="gone@fife.test", role="community")
    token = issue_token(session, user)
    user.active = False
    session.commit()
    return token


# Each is what a client would send after "Authorization: ".
BAD_HEADERS = {
    "unknown": lambda session: "Bearer cw_" + "A" * 43,
    "revoked": lambda session: "Bearer " + _revoked(session),
    "deactivated_user": lambda session: "Bearer " + _deactivated(session),
    "malformed": lambda session: "Bearer not a token at all",
    "empty": lambda session: "Bearer ",
    "scheme_only": lambda session: "Bearer",
    "lower_case_scheme": lambda session: "bearer cw_unknown",
}


def _api_routes(app) -> list[tuple[str, str]]:
    """Every (method, url) the API serves, with made-up values in the URL."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        url = re.sub(r"<(?:[^>:]+:)?[^>]+>", "PR-FIFE-2026-0001", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def _assert_401(response, where) -> None:
    assert response.status_code == 401, (where, response.status_code, response.get_data())
    assert response.headers.get("WWW-Authenticate") == CHALLENGE, where
    assert response.mimetype == PROBLEM, where
    body = response.json
    assert body["status"] == 401 and body["title"] and body["detail"], where


def test_every_api_route_is_listed(app):
    """The table below is the app's own routes: a new route is covered without editing it."""
    urls = {url for _, url in _api_routes(app)}
    for expected in (
        "/api/v1/cases",
        "/api/v1/cases/PR-FIFE-2026-0001/actions/PR-FIFE-2026-0001",
        "/api/v1/cases/PR-FIFE-2026-0001/representations",
        "/api/v1/register/decisions",
        "/api/v1/open-for-representations",
        "/api/v1/land/import",
        "/api/v1/authorities",
        "/api/v1/community-bodies/1",
        "/api/v1/openapi.json",
    ):
        assert expected in urls, expected


@pytest.mark.parametrize("kind", sorted(BAD_HEADERS))
def test_a_bad_token_is_401_with_a_challenge_on_every_api_route(world, session, kind):
    header = BAD_HEADERS[kind](session)
    client = world.public.client
    for method, url in _api_routes(client.application):
        response = client.open(
            url, method=method, headers={"Authorization": header}, json={"kind": "x"}
        )
        _assert_401(response, (kind, method, url))


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Token cw_abc", "cw_abc"], ids=["basic", "token", "bare"]
)
def test_another_authorization_scheme_is_401_too(world, header):
    response = world.public.client.get("/api/v1/authorities", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="casework"')
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize("kind", sorted(BAD_HEADERS))
def test_a_bad_token_changes_nothing(world: World, session, kind):
    """A write sent with a bad token is refused before anything is read from its body."""
    header = {"Authorization": BAD_HEADERS[kind](session)}
    ref = submitted(world)
    client = world.public.client

    def counts():
        session.expire_all()
        return (
            session.scalar(select(func.count()).select_from(Case)),
            session.scalar(select(func.count()).select_from(Event)),
        )

    before = counts()
    _assert_401(client.post("/api/v1/cases", json=REQUEST, headers=header), "create")
    _assert_401(client.post("/api/v1/cases", json={"kind": 1}, headers=header), "bad create")
    _assert_401(
        client.post(f"/api/v1/cases/{ref}/actions/withdraw", json={}, headers=header), "withdraw"
    )
    _assert_401(
        client.post(
            f"/api/v1/cases/{ref}/representations",
            json={"name": "Ann", "address": "1 Road", "text": "Yes"},
            headers=header,
        ),
        "representation",
    )
    _assert_401(
        client.post("/api/v1/cases", json={**ASSET_REQUEST, "authority": "FIFE"}, headers=header),
        "asset transfer",
    )
    assert counts() == before
    assert world.body.case(ref)["state"] == "submitted"


def test_a_revoked_token_no_longer_works_where_it_did(world: World, session):
    ref = submitted(world)
    assert world.body.case(ref)["reference"] == ref
    user = session.scalar(select(User).where(User.email == world.body.email))
    for row in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        row.revoked_at = now()
    session.commit()
    _assert_401(world.body.get(f"/api/v1/cases/{ref}"), "revoked")
    _assert_401(world.body.get("/api/v1/cases"), "revoked list")


def test_no_authorization_header_stays_anonymous(world: World):
    """The public routes still answer anonymous callers; private ones still hide things."""
    ref = submitted(world)
    public = world.public
    assert public.get("/api/v1/register/decisions").status_code == 200
    assert public.get("/api/v1/open-for-representations").status_code == 200
    assert public.get("/api/v1/authorities").status_code == 200
    assert public.get("/api/v1/land").status_code == 200
    assert public.get("/api/v1/openapi.json").status_code == 200
    assert public.get("/api/v1/cases").json["items"] == []
    r = public.get(f"/api/v1/cases/{ref}")
    assert r.status_code == 404 and "WWW-Authenticate" not in r.headers


def test_a_valid_token_still_identifies_its_user(world: World):
    ref = submitted(world)
    assert world.officer.case(ref)["state"] == "submitted"
    listed = world.body.get("/api/v1/cases").json["items"]
    assert [c["reference"] for c in listed] == [ref]
