"""Every operation, for every role: one table of who gets what (issue 10).

The routes come from the OpenAPI document (every path and method) and from the app's URL
map (the pages under casework/web, and anything else outside the API document). Each is
sent by eight callers: anonymous; a member of body A; a member of body B; an officer and a
manager of authority X (Fife); an officer and a manager of authority Y (Highland); and an
administrator. The resources all belong to body A and authority X, so B and Y are "the
other body" and "the other authority".

The expected answers are written down in ACCESS, one row per (method, route template) and
one answer per role: a status, or a set of statuses where the answer depends on what the
payload does once access is granted. A route without a row, or a row without a route,
fails the test. Payloads are minimal and valid where a route takes one, so the answer is
about access, not input: a 422 appears only for a role that may act; every other role is
answered before validation (401/403/404), as the API checks who may act first.

Each operation that may change something runs inside a SAVEPOINT that is rolled back, so
every cell meets the same world, and the page clients' cookies are put back afterwards.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pyotp
from flask.testing import FlaskClient
from sqlalchemy import select

from casework import planning
from casework.auth import create_user, issue_token
from casework.crypto import keyring_for
from casework.models import Authority, Case, Event, Notice, User
from casework.web.session import fingerprint
from notifications.models import Webhook
from notifications.publish import publish
from tests.casework.conftest import (
    NEW_BODY,
    REQUEST,
    World,
    decide,
    land_entry,
    new_request,
    notices_of,
    open_for_representations,
    validated,
)

ROLES = ("anon", "body_a", "body_b", "officer_x", "manager_x", "officer_y", "manager_y", "admin")
CSRF = "matrix-csrf-token"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SESSION_COOKIE = "casework_session"

# Answers where more than one outcome is a proper one for a role that may act.
SEE_OTHER = frozenset({302, 303})


def row(*answers) -> dict[str, Any]:
    """One route's answers, in the order of ROLES."""
    assert len(answers) == len(ROLES)
    return dict(zip(ROLES, answers, strict=True))


def same(answer) -> dict[str, Any]:
    return row(*[answer] * len(ROLES))


# Shorthands for the common shapes of a row.
def case_read() -> dict[str, Any]:
    """Reading a submitted case of body A to authority X: its body, X's staff and the
    administrator see it; anyone else is told it does not exist."""
    return row(404, 200, 404, 200, 200, 404, 404, 200)


def case_page() -> dict[str, Any]:
    """The same on the pages: an anonymous visitor is sent to sign in first."""
    return row(302, 200, 404, 200, 200, 404, 404, 200)


def party_page() -> dict[str, Any]:
    """A case page of body A's case to X: for the parties only, so not the administrator."""
    return row(302, 200, 404, 200, 200, 404, 404, 404)


def signed_in_page(ok=200) -> dict[str, Any]:
    return row(302, ok, ok, ok, ok, ok, ok, ok)


def community_page(ok=200) -> dict[str, Any]:
    """A page for community members only; other roles get a 404, anonymous a sign-in."""
    return row(302, ok, ok, 404, 404, 404, 404, 404)


def draft_page(ok=200) -> dict[str, Any]:
    """A page of body A's draft: nobody else may see a draft, not even authority X."""
    return row(302, ok, 404, 404, 404, 404, 404, 404)


def authority_page(ok=200) -> dict[str, Any]:
    return row(302, 404, 404, ok, ok, ok, ok, 404)


# fmt: off
ACCESS: dict[tuple[str, str], dict[str, Any]] = {
    # -- the API -----------------------------------------------------------------------
    ("GET", "/api/v1/openapi.json"): same(200),
    ("GET", "/api/v1/authorities"): same(200),
    # A new body may be registered by a community user or an administrator; a member of a
    # body already belongs to one, so theirs is the wrong state (409), not a refusal.
    ("POST", "/api/v1/community-bodies"): row(403, 409, 409, 403, 403, 403, 403, 201),
    # Body A is seen by its members, by X (it has a case with X) and the administrator.
    ("GET", "/api/v1/community-bodies/{body_id}"): case_read(),
    ("PATCH", "/api/v1/community-bodies/{body_id}"): row(404, 200, 404, 403, 403, 404, 404, 200),
    ("GET", "/api/v1/community-bodies/{body_id}/eligibility"): case_read(),
    # The list is scoped to the caller; anonymous sees an empty list.
    ("GET", "/api/v1/cases"): same(200),
    # Community members make requests; the administrator may for a body, but REQUEST names
    # none, so the administrator's answer is about input (422). Authorities never do.
    # Anonymous may not make a request (403), as for POST /community-bodies and /land.
    ("POST", "/api/v1/cases"): row(403, 201, 201, 403, 403, 403, 403, 422),
    ("GET", "/api/v1/cases/{reference}"): case_read(),
    # Only a draft is edited; the request is submitted, so body A hears 409.
    ("PATCH", "/api/v1/cases/{reference}"): row(404, 409, 404, 403, 403, 404, 404, 403),
    # The decision is X's: its officer and manager decide; body A and the admin may not.
    ("POST", "/api/v1/cases/{reference}/actions/{action}"):
        row(404, 403, 404, 200, 200, 404, 404, 403),
    ("GET", "/api/v1/cases/{reference}/events"): case_read(),
    ("GET", "/api/v1/cases/{reference}/notices"): case_read(),
    ("GET", "/api/v1/cases/{reference}/notices/{notice_id}"): case_read(),
    ("PUT", "/api/v1/cases/{reference}/assignee"): row(404, 403, 404, 200, 200, 404, 404, 403),
    ("GET", "/api/v1/cases/{reference}/documents"): case_read(),
    ("POST", "/api/v1/cases/{reference}/documents"): row(404, 201, 404, 201, 201, 404, 404, 403),
    ("GET", "/api/v1/cases/{reference}/documents/{document_id}"): case_read(),
    # The land register is public; each authority keeps its own entries.
    ("GET", "/api/v1/land"): same(200),
    ("POST", "/api/v1/land"): row(403, 403, 403, 201, 201, 201, 201, 403),
    ("GET", "/api/v1/land/{entry_id}"): same(200),
    # The entry is on the public register, so Y sees it; changing it is X's (403).
    ("PATCH", "/api/v1/land/{entry_id}"): row(403, 403, 403, 200, 200, 403, 403, 403),
    ("POST", "/api/v1/land/{entry_id}/retire"): row(403, 403, 403, 200, 200, 403, 403, 403),
    ("POST", "/api/v1/land/import"): row(403, 403, 403, 200, 200, 200, 200, 403),
    # Representations on an asset transfer request (s.82): anyone may make one.
    ("GET", "/api/v1/open-for-representations"): same(200),
    ("GET", "/api/v1/open-for-representations/{reference}"): same(200),
    ("POST", "/api/v1/cases/{reference}/representations"): same(201),
    ("GET", "/api/v1/register/decisions"): same(200),
    ("GET", "/api/v1/register/documents"): same(200),
    ("GET", "/api/v1/register/documents/{record_id}"): same(200),
    ("GET", "/api/v1/audit/anchors"): same(200),
    # Webhooks are an authority's own. Registering resolves the address; the payload names
    # a loopback address, refused without a network look-up, so X and Y hear 422.
    ("GET", "/api/v1/webhooks"): row(403, 403, 403, 200, 200, 200, 200, 403),
    ("POST", "/api/v1/webhooks"): row(403, 403, 403, 422, 422, 422, 422, 403),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): row(403, 403, 403, 204, 204, 404, 404, 403),
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"):
        row(403, 403, 403, 200, 200, 404, 404, 403),
    # -- the pages ---------------------------------------------------------------------
    ("GET", "/static/<path:filename>"): same(200),
    ("GET", "/healthz"): same(200),
    # Served only when METRICS_TOKEN is set (with that token); the tests set none.
    ("GET", "/metrics"): same(404),
    ("GET", "/"): same(200),
    ("GET", "/register"): same(200),
    ("GET", "/register/decisions.csv"): same(200),
    ("GET", "/register/decisions.atom"): same(200),
    ("GET", "/register/<int:record_id>"): same(200),
    ("GET", "/register/<int:record_id>.pdf"): same(200),
    ("GET", "/representations"): same(200),
    ("GET", "/representations/<reference>"): same(200),
    ("POST", "/representations/<reference>"): same({200, 422}),
    ("GET", "/representations/<reference>/sent"): same(200),  # the request is open
    ("GET", "/land"): same(200),
    ("GET", "/land/<int:entry_id>"): same(200),
    # The service pages in the footer are everyone's.
    ("GET", "/accessibility"): same(200),
    ("GET", "/privacy"): same(200),
    ("GET", "/cookies"): same(200),
    ("GET", "/help"): same(200),
    ("GET", "/feedback"): same(200),
    # The sign-in and sign-up forms are public; showing them again to someone signed in
    # gives nothing away, and an empty sign-up form is an input error for anyone.
    ("GET", "/sign-in"): same(200),
    ("POST", "/sign-in"): same({200, 422}),
    ("GET", "/sign-in/code"): same(SEE_OTHER),
    ("POST", "/sign-in/code"): same(SEE_OTHER),
    ("GET", "/sign-out"): row(SEE_OTHER, *[200] * 7),  # the confirmation, if signed in
    ("POST", "/sign-out"): same(SEE_OTHER),
    ("GET", "/sign-up"): same(200),
    ("POST", "/sign-up"): same({200, 422}),
    ("GET", "/sign-up/finish/<token>"): same(404),
    ("POST", "/sign-up/finish/<token>"): same(404),
    ("GET", "/password/forgot"): same(200),
    ("POST", "/password/forgot"): same({200, 422}),
    ("GET", "/password/reset/<token>"): same(404),
    ("POST", "/password/reset/<token>"): same(404),
    ("GET", "/account"): signed_in_page(),
    ("GET", "/account/two-factor"): signed_in_page(),
    ("POST", "/account/two-factor"): signed_in_page({200, 422, *SEE_OTHER}),
    ("GET", "/account/password"): signed_in_page(),
    ("POST", "/account/password"): signed_in_page({200, 422, *SEE_OTHER}),
    ("GET", "/account/email"): signed_in_page(),
    ("POST", "/account/email"): signed_in_page({200, 422}),
    ("GET", "/account/email/confirm/<token>"): signed_in_page(404),
    ("POST", "/account/email/confirm/<token>"): signed_in_page(404),
    # A secret calendar address of one's own deadlines: every party may get (or replace)
    # and stop one; the administrator, who is a party to no case, has none.
    ("POST", "/account/calendar"): row(302, *[SEE_OTHER] * 6, 404),
    ("POST", "/account/calendar/stop"): row(302, *[SEE_OTHER] * 6, 404),
    # The calendar itself is read with no sign-in: the address is the key, and one that
    # is not a real one is not there.
    ("GET", "/calendar/<token>.ics"): same(404),
    ("GET", "/organisation"): community_page(),
    ("POST", "/organisation"): community_page({200, 422, *SEE_OTHER}),
    ("GET", "/organisation/eligibility"): community_page(),
    ("GET", "/dashboard"): community_page(),
    ("GET", "/requests/new"): community_page(),
    ("POST", "/requests/new"): community_page({200, 422, *SEE_OTHER}),
    ("GET", "/requests/new/<kind>"): community_page(),
    ("POST", "/requests/new/<kind>"): community_page({200, 422, *SEE_OTHER}),
    ("GET", "/requests/<reference>/<slug>"): draft_page(),
    ("POST", "/requests/<reference>/<slug>"): draft_page({200, 422, *SEE_OTHER}),
    ("GET", "/requests/<reference>/check"): draft_page(),
    ("POST", "/requests/<reference>/check"): draft_page({200, 422, *SEE_OTHER}),
    ("GET", "/requests/<reference>/submitted"): draft_page(404),
    ("POST", "/requests/<reference>/withdraw-draft"): draft_page(SEE_OTHER),
    ("GET", "/requests/<reference>/withdraw-draft"): draft_page(),
    ("GET", "/requests/<reference>"): draft_page(),
    # The title makes the draft; with no kind and authority chosen first, back to choose.
    ("GET", "/requests/new/<kind>/title"): community_page(SEE_OTHER),
    ("POST", "/requests/new/<kind>/title"): community_page(SEE_OTHER),
    ("POST", "/requests/<reference>/documents/<int:document_id>/remove"): draft_page(404),
    ("GET", "/queue"): authority_page(),
    ("GET", "/queue.csv"): authority_page(),
    # Webhook deliveries that failed for good: the authority's staff see them; sending one
    # again is a manager's, and there is none to send in this world (404).
    ("GET", "/webhooks/failed"): authority_page(),
    ("POST", "/webhooks/failed"): row(302, 404, 404, 403, 404, 403, 404, 404),
    # Annual reports: the authority's own drafts; an officer writes, a manager approves.
    ("GET", "/reports"): authority_page(),
    ("GET", "/reports/<kind>/<int:year>"): authority_page(),
    ("POST", "/reports/<kind>/<int:year>"): row(302, 404, 404, 403, 422, 403, 422, 404),
    # Published reports: anyone's to read; none is published in this world.
    ("GET", "/annual-reports/<code>/<kind>/<int:year>"): same(404),
    ("GET", "/annual-reports/<code>/<kind>/<int:year>.json"): same(404),
    ("GET", "/annual-reports/<code>/<kind>/<int:year>.csv"): same(404),
    ("GET", "/annual-reports/<code>/<kind>/<int:year>.pdf"): same(404),
    ("GET", "/statistics"): same(200),
    ("GET", "/statistics.csv"): same(200),
    ("GET", "/statistics.json"): same(200),
    ("GET", "/statistics/charts/<name>.svg"): same(200),
    ("GET", "/representations.ics"): same(200),
    ("GET", "/representations.atom"): same(200),
    # Following by email: anyone's; with nothing named to follow, or a link that is not a
    # real one, there is nothing here. Unsubscribing with any link says the mail stopped.
    ("GET", "/follow"): same(404),
    ("POST", "/follow"): same(404),
    ("GET", "/follow/confirm/<token>"): same(404),
    ("POST", "/follow/confirm/<token>"): same(404),
    ("GET", "/following/<token>"): same(404),
    ("POST", "/following/<token>"): same(404),
    ("GET", "/unsubscribe/<token>"): same(200),
    ("POST", "/unsubscribe/<token>"): same(200),
    ("GET", "/account/following"): signed_in_page(),
    ("POST", "/account/following"): signed_in_page(404),  # follows nothing yet
    ("GET", "/planning"): authority_page(),
    ("GET", "/planning/new"): row(302, 404, 404, 403, 200, 403, 200, 404),
    ("POST", "/planning/new"): row(302, 404, 404, 403, 422, 403, 422, 404),
    ("GET", "/planning/<int:item_id>"): row(302, 404, 404, 403, 200, 404, 404, 404),
    ("POST", "/planning/<int:item_id>"): row(302, 404, 404, 403, 422, 404, 404, 404),
    ("POST", "/planning/<int:item_id>/retire"): row(302, 404, 404, 403, SEE_OTHER, 404, 404, 404),
    ("POST", "/planning/<int:item_id>/move"): row(302, 404, 404, 403, 422, 404, 404, 404),
    ("GET", "/cases/<reference>/planning"): row(302, 403, 404, 200, 200, 404, 404, 404),
    ("POST", "/cases/<reference>/planning"): row(302, 403, 404, SEE_OTHER, SEE_OTHER, 404, 404, 404),
    # The case pages are for the parties (the body and the authority): the administrator
    # works through the API and the CLI, has no home page here, and gets a 404.
    ("GET", "/cases/<reference>"): party_page(),
    # The decision page. X decides; the body never decides, in any state: 403, as the API.
    ("GET", "/cases/<reference>/actions/<trigger>"): row(302, 403, 404, 200, 200, 404, 404, 404),
    ("POST", "/cases/<reference>/actions/<trigger>"):
        row(302, 403, 404, {200, 422}, {200, 422}, 404, 404, 404),
    ("GET", "/cases/<reference>/notices/<int:notice_id>"): party_page(),
    # Print pages: the parties', like the pages they print.
    ("GET", "/cases/<reference>/print"): party_page(),
    ("GET", "/cases/<reference>/notices/<int:notice_id>/print"): party_page(),
    # Their PDFs: the same pages, so the same answers.
    ("GET", "/cases/<reference>/print.pdf"): party_page(),
    ("GET", "/cases/<reference>/notices/<int:notice_id>/print.pdf"): party_page(),
    # The parties' page, as the case page and the notice page: not the administrator's.
    ("GET", "/cases/<reference>/documents/<int:document_id>"): party_page(),
    ("POST", "/cases/<reference>/documents"): row(302, SEE_OTHER, 404, SEE_OTHER, SEE_OTHER,
                                                   404, 404, 404),
    # Body A sees the case, but assigning it is the authority's (403, as the API's).
    ("POST", "/cases/<reference>/assign"): row(302, 403, 404, SEE_OTHER, SEE_OTHER, 404, 404, 404),
}
# fmt: on


# -- the world ------------------------------------------------------------------------


@dataclass
class Resources:
    request: str  # a validated participation request of body A to X
    asset: str  # an asset transfer request of body A to X, open for representations
    draft: str  # a draft of body A's
    land: int  # a land entry of X
    document: int  # a document on `request`
    notice: int  # a notice of `asset`
    webhook: int  # a webhook of X
    record: int  # a register record of a decision of X's
    body: int  # body A
    item: int  # a community planning priority of X


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def _resources(app, world: World, session, clock) -> Resources:
    request = validated(world)
    asset = open_for_representations(world, clock, world.officer)
    draft = new_request(world)
    land = land_entry(world.officer)
    upload = world.body.post(
        f"/api/v1/cases/{request}/documents",
        data={"file": (io.BytesIO(PDF), "plan.pdf"), "description": "The plan"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.json
    decided = validated(world)
    assert decide(world, decided, "refused").status_code == 200
    event_id = session.scalar(
        select(Notice.event_id)
        .join(Case)
        .where(Case.reference == decided, Notice.kind == "decision_notice")
    )
    record = publish(session, session.get(Event, event_id))
    fife = session.scalar(select(Authority).where(Authority.code == "FIFE"))
    hook = Webhook(authority_id=fife.id, url="https://hooks.example.org/x", secret="s" * 32)
    session.add(hook)
    item = planning.create(
        session, _user(session, world.manager.email), {"kind": "priority", "name": "P"}
    )
    session.commit()
    return Resources(
        request=request,
        asset=asset,
        draft=draft,
        land=land,
        document=upload.json["id"],
        notice=notices_of(world.officer, asset)[0]["id"],
        webhook=hook.id,
        record=record.id,
        body=world.body_id,
        item=item.id,
    )


def _tokens_and_clients(app, world: World, session) -> tuple[dict, dict]:
    """A bearer token for each role, and a page client signed in as that user.

    The page clients are given the session the sign-in pages give (casework.web.session:
    the user's id and fingerprint) rather than going through the forms: the forms have
    their own tests, and hashing eight passwords would be most of this test's time."""
    high = session.scalar(select(Authority).where(Authority.code == "HIGH"))
    create_user(session, email="manager@highland.test", role="manager", authority=high)
    session.commit()
    emails = {
        "body_a": world.body.email,
        "body_b": world.other_body.email,
        "officer_x": world.officer.email,
        "manager_x": world.manager.email,
        "officer_y": world.other_officer.email,
        "manager_y": "manager@highland.test",
        "admin": world.admin.email,
    }
    keys = keyring_for(app.extensions["casework"].settings.encryption_keys)
    users = {role: _user(session, email) for role, email in emails.items()}
    for user in users.values():
        if user.role == "manager":  # managers must use one-time codes (needs_totp_setup)
            user.totp_secret = keys.encrypt(pyotp.random_base32())
    tokens = {role: issue_token(session, user) for role, user in users.items()}
    session.commit()
    tokens["anon"] = None

    clients = {"anon": _web_client(app)}
    for role, user in users.items():
        client = _web_client(app)
        with app.test_request_context():
            fp = fingerprint(user)
        with client.session_transaction() as s:
            s.update(uid=user.id, fp=fp)
            s.permanent = True
        assert client.get("/account").status_code == 200, role
        clients[role] = client
    return tokens, clients


def _web_client(app) -> FlaskClient:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    _set_csrf(client)
    return client


def _set_csrf(client: FlaskClient) -> None:
    with client.session_transaction() as s:
        s["csrf_token"] = CSRF


# -- what each cell sends -------------------------------------------------------------


def _fill(route: str, res: Resources) -> str:
    """The route template with this world's resources in it."""
    if route.startswith("/requests/"):
        reference = res.draft
    elif "/notices" in route or "representations" in route:
        reference = res.asset
    else:
        reference = res.request
    values = {
        "reference": reference,
        "action": "decide",
        "trigger": "decide",
        "notice_id": res.notice,
        "document_id": res.document,
        "entry_id": res.land,
        "body_id": res.body,
        "webhook_id": res.webhook,
        "record_id": res.record,
        "token": "not-a-real-token",
        "kind": "participation_request",
        "year": 2025,
        "code": "FIFE",
        "slug": "outcome",
        "filename": "casework.css",
        "name": "requests",
        "item_id": res.item,
    }
    return re.sub(
        r"\{(\w+)\}|<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1) or m.group(2)]), route
    )


DECISION = {
    "outcome": "refused",
    "reasons": "The service is being transferred to another body.",
    "considerations": None,  # filled in below, from the rules
}
REPRESENTATION = {"name": "Ann", "address": "7 Wynd, Kinghorn", "text": "I support it."}
BODY = NEW_BODY


def _api_payload(method: str, route: str) -> dict[str, Any]:
    """The request's body: minimal and valid, so the answer is about access."""
    from tests.casework.conftest import considerations

    json_bodies = {
        ("POST", "/api/v1/community-bodies"): BODY,
        ("PATCH", "/api/v1/community-bodies/{body_id}"): {"name": "Kinghorn Trust Ltd"},
        ("POST", "/api/v1/cases"): REQUEST,
        ("PATCH", "/api/v1/cases/{reference}"): {"reasons": "New words."},
        ("POST", "/api/v1/cases/{reference}/actions/{action}"): {
            **DECISION,
            "considerations": considerations(),
        },
        ("PUT", "/api/v1/cases/{reference}/assignee"): {"assignee": "officer@fife.test"},
        ("POST", "/api/v1/land"): {"name": "Kinghorn Pier", "tenure": "owned", "address": "Pier"},
        ("PATCH", "/api/v1/land/{entry_id}"): {"name": "Kinghorn Town Hall and Green"},
        ("POST", "/api/v1/cases/{reference}/representations"): REPRESENTATION,
        ("POST", "/api/v1/webhooks"): {"url": "https://127.0.0.1/casework"},
    }
    if (method, route) in json_bodies:
        return {"json": json_bodies[method, route]}
    if route == "/api/v1/land/import":
        return {
            "data": b"name,tenure,address\nKinghorn Pier,owned,Pier Road\n",
            "content_type": "text/csv",
        }
    if route == "/api/v1/cases/{reference}/documents" and method == "POST":
        return {
            "data": {"file": (io.BytesIO(PDF), "plan.pdf"), "description": "The plan"},
            "content_type": "multipart/form-data",
        }
    return {}


def _page_payload(method: str, route: str) -> dict[str, Any]:
    if method == "GET":
        return {}
    form: dict[str, Any] = {"csrf_token": CSRF}
    if route == "/cases/<reference>/documents":
        form.update(file=(io.BytesIO(PDF), "plan.pdf"), description="The plan")
        return {"data": form, "content_type": "multipart/form-data"}
    if route == "/cases/<reference>/assign":
        form["assignee"] = "me"
    return {"data": form}


# -- the routes the app has -----------------------------------------------------------


def _operations(app) -> set[tuple[str, str]]:
    """Every (method, route) the app serves: the OpenAPI document's operations, and the
    URL map's rules that the document does not describe."""
    spec = app.test_client().get("/api/v1/openapi.json").json
    methods = {"get", "post", "put", "patch", "delete"}
    found = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in methods
    }
    for rule in app.url_map.iter_rules():
        template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, template) in found:
                continue
            found.add((method, template if rule.rule.startswith("/api/") else rule.rule))
    return found


def test_every_route_has_a_row_and_every_row_a_route(app):
    served = _operations(app)
    assert sorted(served - ACCESS.keys()) == [], "routes without a row in ACCESS"
    assert sorted(ACCESS.keys() - served) == [], "rows in ACCESS for no route"


def _matches(expected, status: int) -> bool:
    if isinstance(expected, (set, frozenset)):
        return status in expected
    return status == expected


def test_every_role_gets_the_answer_the_table_gives(app, world: World, session, clock, connection):
    res = _resources(app, world, session, clock)
    tokens, clients = _tokens_and_clients(app, world, session)
    api = app.test_client()
    wrong = []
    for (method, route), answers in sorted(ACCESS.items()):
        url = _fill(route, res)
        is_api = route.startswith("/api/")
        for role in ROLES:
            if is_api:
                client = api
                kwargs = _api_payload(method, route)
                token = tokens[role]
                kwargs["headers"] = {"Authorization": f"Bearer {token}"} if token else {}
            else:
                client = clients[role]
                kwargs = _page_payload(method, route)
            cookie = client.get_cookie(SESSION_COOKIE)
            changes = method != "GET"
            if changes:  # undone below, unseen by SQLAlchemy's own savepoints
                connection.exec_driver_sql("SAVEPOINT access_matrix")
            try:
                response = client.open(url, method=method, **kwargs)
                response.get_data()  # a streamed body reads the database as it goes
                response.close()
            finally:
                if changes:
                    connection.exec_driver_sql("ROLLBACK TO SAVEPOINT access_matrix")
                    connection.exec_driver_sql("RELEASE SAVEPOINT access_matrix")
                if cookie is not None:
                    client.set_cookie(SESSION_COOKIE, cookie.value, domain=cookie.domain)
            status = response.status_code
            assert status != 500, (method, route, role, response.get_data(as_text=True))
            if is_api and status >= 400:
                assert response.mimetype == "application/problem+json", (method, route, role)
            location = response.headers.get("Location", "")
            if role != "anon" and location.startswith("/sign-in") and route != "/sign-in/code":
                # A signed-in caller sent to sign in means the cell lost its session.
                wrong.append((method, route, role, "signed in", location))
            if not _matches(answers[role], status):
                wrong.append((method, route, role, answers[role], status))
    assert wrong == [], "\n".join(map(str, wrong))
