"""Every page each kind of person can reach, at 1280 and 375 px, kept as screenshots under
test-artifacts/screenshots/<role>/<page>-{1280,375}.png, and each checked on the way: it
passes axe (the `visit` fixture) and fits a phone without sideways scrolling.

The pages are found by following links from each person's start pages, not from a list,
so a page someone adds is covered as soon as a link leads to it. Only GET is used, sign-out,
withdraw and delete links are never followed, and one page of each kind is kept: a path
with its numbers and case references taken out names the kind.
"""

from __future__ import annotations

import re
import time
import warnings
from urllib.parse import urldefrag, urlparse

import pyotp
import pytest
from sqlalchemy import select

from casework.crypto import Keyring, configured_keys
from casework.models import User
from tests.web.conftest import ARTIFACTS, PASSWORD, Visit
from tests.web.test_journeys import click
from tests.web.test_phone import BODY_EMAIL, PHONE, assert_fits, seed_requests

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

WIDE = {"width": 1280, "height": 900}
# The public's crawl follows every link, the header's and footer's too; a signed-in
# person's follows the links in the page's main part only, so the pages every visitor
# shares (the register, help, privacy) are taken once, by the public's.
START = {
    "public": ["/", "/register", "/land", "/representations", "/sign-in", "/sign-up"],
    "community": ["/dashboard", "/account"],
    "officer": ["/queue", "/account"],
    "manager": ["/queue", "/account"],
}
DEPTH = 2
# Links that change something even by GET, or that lead away from the pages.
NEVER = re.compile(
    r"sign-out|withdraw|delete|/api/|/metrics|/healthz|\.(csv|atom|json|pdf|txt|ics|svg)(\?|$)|/documents/"
)
REFERENCE = re.compile(r"\b[A-Z]{2,5}-[A-Z0-9]{2,16}-\d{4}-\d+\b")
BUDGET_SECONDS = 70  # for each person: a safety stop, not a target


def kind_of(path: str) -> str:
    """/cases/PR-FIFE-2026-0002/actions/validate -> cases-REF-actions-validate."""
    path = REFERENCE.sub("REF", path)
    path = re.sub(r"\d+", "N", path)
    path = re.sub(r"/[A-Za-z0-9_-]{32,}", "/TOKEN", path)  # emailed tokens
    return path.strip("/").replace("/", "-") or "start"


def sign_in_as(v: Visit, site, role: str) -> None:
    if role == "public":
        return
    email = {"community": BODY_EMAIL, "officer": "officer@fife.test"}.get(role)
    secret = None
    if role == "manager":
        email, secret = "manager@fife.test", pyotp.random_base32()
        with site.sessions() as s:
            manager = s.scalar(select(User).where(User.email == email))
            manager.totp_secret = Keyring(configured_keys({}, site.instance)).encrypt(secret)
            s.commit()
    v.go("/sign-in")
    v.page.get_by_label("Email").fill(email)
    v.page.get_by_label("Password").fill(PASSWORD)
    click(v, "Sign in")
    if secret:
        v.page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        click(v, "Continue")
    assert "/sign-in" not in v.page.url, f"{role} could not sign in"


def links(v: Visit, origin: str, everywhere: bool) -> list[str]:
    scope = "a[href]" if everywhere else "main a[href]"
    hrefs = v.page.eval_on_selector_all(scope, "as => as.map(a => a.href)")
    found = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parsed = urlparse(url)
        if f"{parsed.scheme}://{parsed.netloc}" != origin or NEVER.search(parsed.path):
            continue
        found.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return found


def crawl(v: Visit, role: str, origin: str) -> dict[str, str]:
    """Breadth first from the start pages, one page of each kind; returns kind -> path."""
    folder = ARTIFACTS / "screenshots" / role
    folder.mkdir(parents=True, exist_ok=True)
    page = v.page
    seen: dict[str, str] = {}
    too_wide: list[str] = []
    queue = [(path, 0) for path in START[role]]
    stop_at = time.monotonic() + BUDGET_SECONDS
    while queue:
        if time.monotonic() > stop_at:
            warnings.warn(
                f"{role}: stopped after {BUDGET_SECONDS} s; {len(queue)} left", stacklevel=2
            )
            break
        path, depth = queue.pop(0)
        kind = kind_of(urlparse(path).path)
        if kind in seen:
            continue
        page.set_viewport_size(WIDE)
        response = page.goto(path)
        seen[kind] = path
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if urlparse(page.url).path != urlparse(path).path:  # redirected: that page's own kind
            landed = kind_of(urlparse(page.url).path)
            if landed in seen:
                continue
            seen[landed] = page.url
            kind = landed
        if response.status < 400:
            v.check()  # axe, and no console errors
        page.screenshot(
            path=str(folder / f"{kind}-1280.png"), full_page=True, animations="disabled"
        )
        page.set_viewport_size(PHONE)
        try:
            assert_fits(page)
        except AssertionError as exc:  # go on, so that one run names every such page
            too_wide.append(str(exc).splitlines()[0])
        page.screenshot(path=str(folder / f"{kind}-375.png"), full_page=True, animations="disabled")
        if depth < DEPTH:
            queue.extend((link, depth + 1) for link in links(v, origin, role == "public"))
    assert too_wide == [], "wider than a phone (375 px):\n" + "\n".join(too_wide)
    return seen


@pytest.mark.parametrize("role", list(START))
def test_every_reachable_page_is_kept_at_both_widths(visit, site, role):
    refs = seed_requests(site, wait_for_register=role == "public")
    v = visit(f"crawl-{role}")
    sign_in_as(v, site, role)
    seen = crawl(v, role, site.url)
    folder = ARTIFACTS / "screenshots" / role
    # Each person's start pages, and beyond them at least a page of some case.
    for path in START[role]:
        assert kind_of(path) in seen
    if role in ("community", "officer", "manager"):
        assert any(k.startswith("cases-REF") for k in seen), sorted(seen)
    if role == "public":
        assert any(k.startswith("register-N") for k in seen), (refs, sorted(seen))
    for kind in seen:
        if (folder / f"{kind}-1280.png").exists():
            assert (folder / f"{kind}-375.png").exists()
