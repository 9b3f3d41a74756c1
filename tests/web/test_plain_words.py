"""No page or notice shows a community body or the public a rule id, a status marker, an
internal name or an ISO date (issue 11).

Both kinds of case are taken through their journeys (the same world as the personal-data
crawl), then every HTML page the requesting body and the public can reach is fetched, with
same-site links followed, and the words a person reads on each page (text, not attributes,
scripts or styles) are scanned. Machine formats (JSON, CSV, feeds) are data, not pages, and
keep their ISO dates.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.casework.test_personal_data_crawl import (
    STATUS,
    _api_and_pages,
    _case_views,
    _crawl,
    _journeys,
    _public_seeds,
    _seed,
    _values,
)
from tests.web.test_hardening import web_client
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.rules import RULES

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# The basis markers of the rule table: (V) checked, (G) guidance, (?) not found.
MARKER = re.compile(r"[(\[](?:V|G|\?)[)\]]")


class _Text(HTMLParser):
    """The words of a page a reader sees: text nodes outside script, style and head."""

    SKIP = {"script", "style", "head", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def internal_names() -> set[str]:
    """Names only the code uses: rule and guard ids, and states and actions with
    underscores (a reader sees their labels instead)."""
    names = {r.id for r in RULES}
    for workflow in (pr.WORKFLOW, atr.WORKFLOW):
        names |= {s.name for s in workflow.states.values() if "_" in s.name}
        for action in workflow.actions:
            names |= {g.id for g in action.guards}
            if "_" in action.trigger:
                names.add(action.trigger)
    return names


def problems(views: dict[str, str], names: set[str]) -> list[tuple[str, str]]:
    alternatives = "|".join(map(re.escape, sorted(names))) or r"(?!)"
    words = re.compile(r"(?<![\w.])(?:" + alternatives + r")(?![\w])")
    found = []
    for url, html in views.items():
        if "<html" not in html[:500].lower():
            continue  # JSON, CSV and feeds are data for machines
        text = visible_text(html)
        for pattern in (ISO_DATE, MARKER, words):
            found += [(url, m.group(0)) for m in pattern.finditer(text)]
    return found


def test_visible_text_skips_attributes_and_scripts():
    html = '<html><head><title>2026-01-01</title></head><body><input value="2026-04-01">'
    html += "<script>var d = '2026-05-01'</script><p>Decide by 12 May 2026 (pr.decision)</p>"
    assert visible_text(html) == "Decide by 12 May 2026 (pr.decision)"
    assert problems({"/x": html}, {"pr.decision"}) == [("/x", "pr.decision")]
    assert problems({"/x": "<html><p>Due 2026-05-12 (G)</p>"}, set()) == [
        ("/x", "2026-05-12"),
        ("/x", "(G)"),
    ]


def test_no_page_or_notice_shows_a_body_or_the_public_an_internal_name_or_iso_date(
    app, world, session, sessions, clock, database_url, tmp_path
):
    public_get = _api_and_pages(world.public, web_client(app))
    open_views: dict[str, str] = {}

    def while_open(ref: str, land: int) -> None:
        seeds = ["/representations", f"/representations/{ref}", "/register", f"/land/{land}"]
        open_views.update(_crawl(public_get, seeds, limit=80))
        assert STATUS[f"/representations/{ref}"] == 200, "the open request's page is public"

    pr_ref, atr_ref, land, _officer = _journeys(
        app, world, session, sessions, clock, database_url, tmp_path, _seed(), while_open
    )
    values = _values(session, pr_ref, atr_ref, land)
    public = _crawl(public_get, [u for u in _public_seeds(app, values) if "/api/" not in u])
    body_get = _api_and_pages(world.body, web_client(app, session, world.body.email))
    pages = [u for u in _case_views([pr_ref, atr_ref], values["notice_id"]) if "/api/" not in u]
    body = _crawl(body_get, ["/dashboard", "/account", "/organisation", *pages], limit=150)

    # The crawl reached the pages that matter: the body's case pages and notices, the
    # public register's records (and, above, the open request's page).
    assert STATUS[f"/cases/{pr_ref}"] == 200 and STATUS[f"/cases/{atr_ref}"] == 200
    notices = [u for u in body if re.fullmatch(r"/cases/[^/]+/notices/\d+", u)]
    assert notices and any(STATUS[u] == 200 for u in notices)
    assert any(re.fullmatch(r"/register/\d+", u) and STATUS[u] == 200 for u in public)

    names = internal_names()
    found = problems({**open_views, **public, **body}, names)
    assert not found, "\n".join(f"{url}: {what}" for url, what in found[:40])
