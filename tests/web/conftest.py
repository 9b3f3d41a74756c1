"""Pages in a real browser: the app served on loopback against PostgreSQL, with a real
dramatiq worker on Redis publishing decisions, driven by Playwright in Debian's Chromium.

Every page a journey visits is checked with axe-core for WCAG 2.2 A and AA, and the key
pages are kept as screenshots under test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from casework.app import create_app
from casework.auth import create_user
from casework.clock import Clock
from casework.db import make_sessionmaker
from casework.models import Authority, CommunityBody, LandEntry, User
from casework.models.land import import_key
from tests.casework.conftest import world  # noqa: F401  (the API tests' small world)
from tests.conftest import redis_url, settings_for

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long pass phrase 2026"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


class MovableClock(Clock):
    """A clock the test moves forward, shared with the server thread."""

    def advance(self, days: int) -> None:
        self.fixed = self.fixed + dt.timedelta(days=days)


@dataclass
class Site:
    url: str
    sessions: object
    clock: MovableClock
    instance: Path
    visited: list[str] = field(default_factory=list)

    def user(self, email: str) -> User:
        with self.sessions() as s:
            return s.scalar(select(User).where(User.email == email))


def kinghorn_trust(s, email: str = "secretary@kinghorn.test", **user_fields):
    """An eligible community body and its secretary (who signs in with PASSWORD), added to
    session `s` and flushed; returns (body, user)."""
    from tests.world import ALL_TRUE

    body = CommunityBody(
        name="Kinghorn Community Trust",
        legal_form="company",
        member_count=46,
        contact_address="1 High Street, Kinghorn KY3 9UE",
        contact_email=email,
        community_definition="KY3 9",
        **ALL_TRUE,
    )
    s.add(body)
    s.flush()
    user_fields.setdefault("password", PASSWORD)
    user = create_user(s, email=email, role="community", body=body, **user_fields)
    return body, user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(sessions) -> None:
    """Authorities, their officers and some land: what a council would set up first."""
    with sessions() as s:
        fife = Authority(
            code="FIFE", name="Fife Council", type="local_authority", email="cer@fife.test"
        )
        nhs = Authority(code="NHSF", name="NHS Fife", type="health_board", email="cer@nhs.test")
        s.add_all([fife, nhs])
        s.flush()
        for email, role, name in (
            ("officer@fife.test", "officer", "Morag Officer"),
            ("manager@fife.test", "manager", "Iain Manager"),
        ):
            create_user(s, email=email, role=role, name=name, authority=fife, password=PASSWORD)
        s.add(
            LandEntry(
                authority_id=fife.id,
                name="Kinghorn Town Hall",
                address="1 High Street, Kinghorn KY3 9UE",
                description="Victorian hall with a car park",
                tenure="owned",
                import_key=import_key(None, "Kinghorn Town Hall", "1 High Street, Kinghorn"),
            )
        )
        s.commit()


@pytest.fixture
def site(committed_db, tmp_path) -> Iterator[Site]:
    from notifications.processes import start_workers
    from notifications.runtime import current

    namespace = f"casework-web-{uuid.uuid4().hex[:8]}"
    database_url = committed_db.url.render_as_string(hide_password=False)
    clock = MovableClock(dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC))
    port = _free_port()
    settings = settings_for(
        database_url,
        tmp_path,
        REDIS_URL=redis_url(),
        REDIS_NAMESPACE=namespace,
        BASE_URL=f"http://127.0.0.1:{port}",
        OUTBOX_REDISPATCH_SECONDS="5",
    )
    sessions = make_sessionmaker(committed_db)
    app = create_app(settings, clock=clock, sessions=sessions)
    seed(sessions)
    workers = start_workers(current().broker, threads=2, webhook_threads=1)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{port}", sessions, clock, tmp_path)
    finally:
        server.shutdown()
        for w in workers:
            w.stop()
        client = redis.Redis.from_url(redis_url())
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Visit:
    """One person's browser: every page it lands on is checked by axe, and any console
    error (a blocked script, a CSP violation) fails the test."""

    def __init__(self, browser: Browser, site: Site, name: str, javascript: bool = True):
        self.context = browser.new_context(
            base_url=site.url,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=javascript,
        )
        self.javascript = javascript
        self.page: Page = self.context.new_page()
        self.site = site
        self.name = name
        self.errors: list[str] = []
        self.checked: set[str] = set()
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str) -> Page:
        self.page.goto(path)
        self.check()
        return self.page

    def check(self, *, label: str = "") -> None:
        """axe-core on the page as it is now: zero WCAG 2.2 A and AA violations."""
        page = self.page
        page.wait_for_load_state("load")
        if not self.javascript:  # axe needs scripts; the other journeys check these pages
            return
        key = f"{re.sub(r'[0-9]+', 'N', page.url)}|{label}"
        if key in self.checked:
            return
        self.checked.add(key)
        if not page.evaluate("typeof axe !== 'undefined'"):
            page.evaluate(AXE.read_text())
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG,
        )
        violations = [
            {
                "id": v["id"],
                "help": v["help"],
                "nodes": [n["html"][:200] for n in v["nodes"][:3]],
            }
            for v in result["violations"]
        ]
        assert violations == [], f"{page.url}: {json.dumps(violations, indent=1)}"
        assert self.errors == [], f"{page.url}: console errors {self.errors}"
        self.site.visited.append(page.url)

    def screenshot(self, name: str) -> None:
        folder = ARTIFACTS / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, site) -> Iterator:
    opened: list[Visit] = []

    def open_visit(name: str, javascript: bool = True) -> Visit:
        v = Visit(browser, site, name, javascript)
        opened.append(v)
        return v

    yield open_visit
    for v in opened:
        v.close()
