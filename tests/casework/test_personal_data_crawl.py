"""Personal data is never public: a crawl of every reader's view (security test, issue 10).

Unique, unguessable strings are seeded for every kind of personal data the system holds:
representers (online and on paper), an owner notified with the public notice, the community
body's contact email, one of its members, and an officer. Both kinds of case are taken far
enough that the register publishes everything it publishes. Then every public page, export
and API route is fetched (with links in the HTML followed to a bounded depth), and each
signed-in reader's view of what it may not see, and no response body may contain a string
that reader may not see. The officer's view must contain them, which proves the seeding.
"""

from __future__ import annotations

import email
import re
import subprocess
import uuid
from email.policy import default as default_policy
from urllib.parse import urlsplit

from sqlalchemy import select

from casework import following
from casework.auth import create_user, issue_token
from casework.calendar_feeds import new_feed
from casework.crypto import keyring_for
from casework.models import Authority, CommunityBody, Event, Notice, RegisterRecord, User
from notifications.delivery import send_email
from notifications.following import deliver as tell_followers
from notifications.publish import publish
from tests.casework.conftest import (
    Caller,
    World,
    asset_request,
    decide,
    decide_atr,
    land_entry,
    move,
    ok,
    validated,
)
from tests.casework.test_event_privacy import _runtime
from tests.web.test_hardening import web_client

MAX_FETCHES = 300
STATUS: dict[str, int] = {}  # the last status seen for each URL, for the checks below
DEPTH = 3


def _token(label: str) -> str:
    return f"{label}{uuid4_hex()}"


def uuid4_hex() -> str:
    return uuid.uuid4().hex[:12]


def _seed() -> dict[str, str]:
    """The unique token of each piece of personal data (a scan looks for the token)."""
    return {
        k: _token(k)
        for k in (
            "onlinename",
            "onlinemail",
            "onlineaddr",
            "papername",
            "papermail",
            "paperaddr",
            "ownername",
            "owneraddr",
            "ownermail",
            "bodymail",
            "othermail",
            "membermail",
            "officermail",
            "followermail",
        )
    }


def _journeys(app, world: World, session, sessions, clock, database_url, tmp_path, s, while_open):
    """Both kinds of case, decided, every notice served and published; `while_open(ref, land)`
    is called while the asset transfer request is open for representations, both made and
    its notices published. Returns (participation ref, asset transfer ref, land id, the
    seeded officer)."""
    rt = _runtime(database_url, sessions, clock, tmp_path)
    done: set[int] = set()

    def pipeline() -> None:
        """Serve every notice by email, publish what is published and tell its followers,
        as the actors do, until no event is left undone."""
        while True:
            session.expire_all()
            new = [
                e
                for e in session.scalars(select(Event).order_by(Event.id)).all()
                if e.id not in done
            ]
            if not new:
                return
            for event in new:
                done.add(event.id)
                if event.type == "notice.issued":
                    send_email(session, event, rt)
                if event.type == "document.published":
                    tell_followers(session, event, rt)
                publish(session, event)
            session.commit()

    trust = session.get(CommunityBody, world.body_id)
    trust.contact_email = f"{s['bodymail']}@body.test"
    other = session.get(CommunityBody, world.other_body_id)
    other.contact_email = f"{s['othermail']}@body.test"
    fife = session.scalar(select(Authority).where(Authority.code == "FIFE"))
    create_user(session, email=f"{s['membermail']}@member.test", role="community", body=trust)
    officer_user = create_user(
        session, email=f"{s['officermail']}@fife.test", role="officer", authority=fife
    )
    officer = Caller(world.officer.client, issue_token(session, officer_user), officer_user.email)
    # A member of the public follows Fife and a search, and is told of what is published.
    follower = following.follower_for(
        session, f"{s['followermail']}@follower.test", rt.settings.secret_key
    )
    following.start(session, follower, following.of_authority(fife), 7, confirmed=True)
    search = following.of_search(session, following.REGISTER, {"q": "Kinghorn"})
    following.start(session, follower, search, 7, confirmed=True)
    session.commit()

    owner = {
        "name": f"Ottoline {s['ownername']}",
        "address": f"17 {s['owneraddr']} Wynd, Kinghorn KY3 9QQ",
        "email": f"{s['ownermail']}@owner.test",
    }
    online = {
        "name": f"Rowena {s['onlinename']}",
        "email": f"{s['onlinemail']}@rep.test",
        "address": f"23 {s['onlineaddr']} Loan, Kinghorn KY3 9RR",
        "text": "I support the request: the hall is the only warm space in the village.",
    }
    paper = {
        "name": f"Peregrine {s['papername']}",
        "email": f"{s['papermail']}@rep.test",
        "address": f"5 {s['paperaddr']} Row, Kinghorn KY3 9SS",
        "text": "I object: the car park is needed for the surgery.",
    }

    land = land_entry(officer, address="Town Hall, Kinghorn KY3")
    move(clock, "2026-04-01")
    atr = asset_request(world, land=land)
    ok(world.body.act(atr, "submit"), "submitted")
    ok(officer.act(atr, "validate"), "validated")
    ok(
        officer.act(
            atr,
            "publish_notices",
            {"representations_close": "2026-04-30", "owners_and_occupiers": [owner]},
        ),
        "representations_open",
    )
    response = world.public.post(f"/api/v1/cases/{atr}/representations", json=online)
    assert response.status_code == 201, response.json
    ok(officer.act(atr, "record_representation", paper))
    pipeline()
    while_open(atr, land)
    move(clock, "2026-05-01")
    ok(officer.act(atr, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    ok(world.body.act(atr, "comment_on_representations", {"comments": "Noted."}))
    ok(decide_atr(officer, atr, "agreed"), "agreed")

    pr = validated(world)
    response = decide(world, pr)
    assert response.status_code == 200, response.json

    pipeline()
    assert session.scalars(select(RegisterRecord)).all(), "the register published something"
    return pr, atr, land, officer


def _links(html: str) -> list[str]:
    out = []
    for href in re.findall(r'(?:href|src|action)="([^"]+)"', html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        if parts.scheme not in ("", "http", "https") or (parts.netloc not in ("", "localhost")):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or path.startswith("//"):
            continue
        if path.startswith(("/static/", "/sign-out")):
            continue
        out.append(path)
    return out


def _text_of(response) -> str:
    """A response's text; a PDF's as poppler's pdftotext reads it."""
    if response.mimetype != "application/pdf":
        return response.get_data(as_text=True)
    out = subprocess.run(
        ["pdftotext", "-", "-"], input=response.get_data(), capture_output=True, check=True
    )
    return out.stdout.decode()


def _crawl(get, seeds: list[str], limit: int = MAX_FETCHES) -> dict[str, str]:
    """GET every seed, and same-site links in the HTML of what comes back, to DEPTH."""
    seen: dict[str, str] = {}
    frontier = list(dict.fromkeys(seeds))
    for _ in range(DEPTH + 1):
        following: list[str] = []
        for url in frontier:
            if url in seen or len(seen) >= limit:
                continue
            response = get(url)
            text = _text_of(response)
            seen[url] = text
            STATUS[url] = response.status_code
            if "html" in (response.content_type or ""):
                following += _links(text)
        frontier = following
    return seen


def _fill(rule: str, values: dict[str, list]) -> list[str]:
    """Every URL of a route pattern (Flask <conv:name> or OpenAPI {name}) with known values."""
    names = re.findall(r"<(?:[^:<>]+:)?([^<>]+)>|\{([^}]+)\}", rule)
    urls = [rule]
    for groups in names:
        name = groups[0] or groups[1]
        candidates = values.get(name)
        if candidates is None:
            return []
        pattern = re.compile(
            r"<(?:[^:<>]+:)?" + re.escape(name) + r">|\{" + re.escape(name) + r"\}"
        )
        urls = [pattern.sub(str(v), u, count=1) for u in urls for v in candidates]
    return urls


def _values(session, pr: str, atr: str, land: int) -> dict[str, list]:
    session.expire_all()
    refs = [pr, atr]
    records = [r.id for r in session.scalars(select(RegisterRecord)).all()]
    notices = [n.id for n in session.scalars(select(Notice)).all()]
    ids = sorted({*records, *notices, land})
    return {
        "reference": refs,
        "ref": refs,
        "case_ref": refs,
        "record_id": records,
        "register_id": records,
        "entry_id": records,
        "document_id": records,
        "notice_id": notices,
        "land_id": [land],
        "land": [land],
        "id": ids,
    }


def _public_seeds(app, values: dict[str, list]) -> list[str]:
    urls: list[str] = ["/"]
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith("/static"):
            continue
        if rule.rule.startswith("/sign-out"):
            continue
        urls += _fill(rule.rule, values)
    spec = app.test_client().get("/api/v1/openapi.json").json
    for path, ops in spec["paths"].items():
        if "get" in ops:
            urls += _fill(f"/api/v1{path}" if not path.startswith("/api/") else path, values)
    return urls


def _case_views(refs: list[str], notice_ids: list[int]) -> list[str]:
    urls = []
    for ref in refs:
        urls += [
            f"/api/v1/cases/{ref}",
            f"/api/v1/cases/{ref}/events?page_size=200",
            f"/api/v1/cases/{ref}/notices",
            f"/api/v1/cases/{ref}/documents",
            f"/api/v1/cases/{ref}/representations",
            f"/cases/{ref}",
        ]
        for notice_id in notice_ids:
            urls += [
                f"/api/v1/cases/{ref}/notices/{notice_id}",
                f"/api/v1/cases/{ref}/notices/{notice_id}?format=text",
                f"/cases/{ref}/notices/{notice_id}",
            ]
    return urls


def _leaks(views: dict[str, str], hidden: dict[str, str]) -> list[tuple[str, str, str]]:
    return [
        (url, label, token)
        for url, text in views.items()
        for label, token in hidden.items()
        if token.lower() in text.lower()
    ]


def _api_and_pages(api: Caller, page_client):
    """A reader's fetcher: API URLs with its bearer token, pages with its session cookie."""

    def get(url: str):
        return api.get(url) if url.startswith("/api/") else page_client.get(url)

    return get


def test_no_reader_sees_personal_data_it_may_not_see(
    app, world: World, session, sessions, clock, database_url, tmp_path
):
    s = _seed()
    public_pages = web_client(app)
    public_get = _api_and_pages(world.public, public_pages)
    open_views: dict[str, str] = {}

    def while_open(ref: str, land: int) -> None:
        # The public, while the request is open for representations: its pages and exports.
        seeds = [
            "/representations",
            f"/representations/{ref}",
            "/api/v1/open-for-representations",
            f"/api/v1/open-for-representations/{ref}",
            "/register",
            f"/land/{land}",
            f"/api/v1/land/{land}",
        ]
        open_views.update(_crawl(public_get, seeds, limit=100))
        assert STATUS[f"/representations/{ref}"] == 200, "the open request's page is public"

    pr, atr, land, officer = _journeys(
        app, world, session, sessions, clock, database_url, tmp_path, s, while_open
    )
    values = _values(session, pr, atr, land)
    notice_ids = values["notice_id"]

    # The public, once decided: every route that needs no sign-in, the OpenAPI document's
    # GET routes, and the links in the pages, with the references and ids that exist.
    public = _crawl(public_get, _public_seeds(app, values))
    assert STATUS[f"/land/{land}"] == 200
    records = [u for u in public if re.fullmatch(r"/register/\d+", u)]
    assert records and all(STATUS[u] == 200 for u in records), records
    assert any(u.startswith("/register/decisions.csv") for u in public)

    # The other community body: the case, its events, notices, documents and pages.
    other = _crawl(
        _api_and_pages(world.other_body, web_client(app, session, world.other_body.email)),
        _case_views([pr, atr], notice_ids),
        limit=150,
    )
    for ref in (pr, atr):
        assert STATUS[f"/api/v1/cases/{ref}"] == 404, "another body's case is not found"

    # The requesting body: its own case, events, notices and pages (and links from them).
    body = _crawl(
        _api_and_pages(world.body, web_client(app, session, world.body.email)),
        _case_views([pr, atr], notice_ids),
        limit=150,
    )
    for ref in (pr, atr):
        assert STATUS[f"/api/v1/cases/{ref}"] == 200 and STATUS[f"/cases/{ref}"] == 200

    # The officer of the authority sees it all.
    officer_views = _crawl(
        _api_and_pages(officer, web_client(app, session, world.officer.email)),
        _case_views([atr], notice_ids),
        limit=60,
    )
    everything = "\n".join(officer_views.values()).lower()
    assert s["owneraddr"].lower() in everything
    assert s["onlinemail"].lower() in everything
    assert s["papermail"].lower() in everything

    hidden_from_body = {
        k: s[k]
        for k in (
            "onlinemail",
            "onlineaddr",
            "papermail",
            "paperaddr",
            "owneraddr",
            "ownermail",
            "followermail",
        )
    }
    # No one sees who follows what, not even the authority's officer.
    assert s["followermail"].lower() not in everything

    # The follower's own emails: what the register published, nothing personal.
    told = [
        email.message_from_bytes(p.read_bytes(), policy=default_policy)
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    theirs = {
        f"email {i}: {m['Subject']}": "\n".join(
            [str(m["Subject"]), *(part.get_content() for part in m.iter_parts())]
        )
        for i, m in enumerate(told)
        if s["followermail"] in str(m["To"])
    }
    assert any("Kinghorn Community Trust" in text for text in theirs.values())
    assert len(theirs) >= 3, "opened for representations, and both decisions"
    mail_leaks = _leaks(theirs, {k: v for k, v in s.items() if k != "followermail"})
    assert mail_leaks == [], mail_leaks
    # The secret calendars: the body's (its own and the authority's deadlines), the other
    # body's and the officer's, read as a calendar app reads them, with no cookie.
    keys = keyring_for(app.extensions["casework"].settings.encryption_keys)
    at = clock.now()
    feeds = {}
    for who, address in (
        ("body", world.body.email),
        ("other body", world.other_body.email),
        ("officer", officer.email),
    ):
        user = session.scalar(select(User).where(User.email == address))
        token = new_feed(session, user, keys, at)
        session.commit()
        response = app.test_client().get(f"/calendar/{token}.ics")
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        feeds[who] = response.get_data(as_text=True)
    assert atr in feeds["body"] and atr not in feeds["other body"]  # the officer: assigned
    calendar_leaks = _leaks(feeds, s)  # no one's address or name, not even the owner's
    assert calendar_leaks == [], calendar_leaks

    hidden_from_all = dict(s)
    # The other body may see its own contact email (its own organisation page shows it).
    hidden_from_other = {k: v for k, v in s.items() if k != "othermail"}
    print(
        f"\nURLs crawled: public={len(public)}+{len(open_views)} while open"
        f" other_body={len(other)} body={len(body)}"
        f" officer={len(officer_views)}"
    )
    leaks = (
        [("public", *leak) for leak in _leaks({**open_views, **public}, hidden_from_all)]
        + [("other body", *leak) for leak in _leaks(other, hidden_from_other)]
        + [("body", *leak) for leak in _leaks(body, hidden_from_body)]
    )
    assert leaks == [], "\n".join(
        f"{who} sees {label} ({tok}) at {url}" for who, url, label, tok in leaks
    )
