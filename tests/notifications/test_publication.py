"""Publication: a decision made through the API reaches the public register and its Atom
feed by way of the outbox and a worker; published documents are redacted and keep a
stable address and the time they were published."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from casework.models import RegisterRecord
from tests.casework.conftest import (
    considerations,
    decide,
    decide_atr,
    move,
    notice_text,
    ok,
    open_for_representations,
    submitted,
    validated,
)
from tests.notifications.conftest import settle, timeline

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://casework.test"


def register(caller, path: str = "decisions", **query) -> list[dict]:
    """A register listing, every page's items, checking `total` against them."""
    response = caller.get(f"/api/v1/register/{path}", query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.json
    assert response.json["total"] == len(response.json["items"])
    return response.json["items"]


def refs(items: list[dict]) -> list[str]:
    return [i["reference"] for i in items]


def test_decisions_reach_the_register_and_the_feed(live, world, workers, clock):
    """SSI 2017/39 reg 8 and SSI 2016/357 reg 10: decision notices are published. Three
    decisions on three days, two authorities, two kinds, two outcomes."""
    public = world.public
    move(clock, "2026-04-01")
    atr = open_for_representations(world, clock, world.officer)
    fife = validated(world)
    high = submitted(world, authority="HIGH")
    ok(world.other_officer.act(high, "validate"))
    settle(live)
    assert register(public) == []  # nothing decided, nothing on the decisions register

    stamps: dict[str, tuple[dt.datetime, dt.datetime]] = {}

    def decided(ref: str, response) -> None:
        started = dt.datetime.now(dt.UTC)
        ok(response)
        settle(live)  # so each is published before the next is decided
        stamps[ref] = (started, dt.datetime.now(dt.UTC))

    move(clock, "2026-04-10")
    decided(fife, decide(world, fife, "refused"))
    move(clock, "2026-04-20")
    decided(
        high,
        world.other_officer.act(
            high,
            "decide",
            {
                "outcome": "agreed",
                "process": "existing",
                "considerations": considerations(),
                "process_description": "The community safety partnership.",
                "process_stage": "Drafting the annual plan",
                "participation_arrangements": "A seat on the partnership board",
                "other_participants": "Police Scotland's local inspector chairs the board.",
            },
        ),
    )
    move(clock, "2026-05-01")
    decided(atr, decide_atr(world.officer, atr, "agreed"))

    items = register(public)
    assert refs(items) == [atr, high, fife]  # newest first
    by_ref = {i["reference"]: i for i in items}
    expected = {
        fife: ("FIFE", "participation_request", "refused", "2026-04-10"),
        high: ("HIGH", "participation_request", "agreed", "2026-04-20"),
        atr: ("FIFE", "asset_transfer_request", "agreed", "2026-05-01"),
    }
    for ref, (authority, kind, outcome, issued_on) in expected.items():
        item = by_ref[ref]
        assert (item["authority"]["code"], item["kind"], item["outcome"], item["issued_on"]) == (
            authority,
            kind,
            outcome,
            issued_on,
        )
        assert item["document"] == "decision_notice"
        assert item["community_body"] == "Kinghorn Community Trust"
        assert item["url"] == f"{BASE}/register/{item['id']}"
        published = dt.datetime.fromisoformat(item["published_at"])
        assert stamps[ref][0] <= published <= stamps[ref][1]

    # Filters: authority (any case), kind, outcome, dates of issue, words, order.
    assert refs(register(public, authority="HIGH")) == [high]
    assert refs(register(public, authority="fife")) == [atr, fife]
    assert refs(register(public, kind="asset_transfer_request")) == [atr]
    assert refs(register(public, kind="participation_request")) == [high, fife]
    assert refs(register(public, outcome="refused")) == [fife]
    assert refs(register(public, outcome="agreed")) == [atr, high]
    assert refs(register(public, **{"from": "2026-04-15"})) == [atr, high]
    assert refs(register(public, to="2026-04-15")) == [fife]
    assert refs(register(public, **{"from": "2026-04-20", "to": "2026-04-20"})) == [high]
    assert refs(register(public, q=fife)) == [fife]
    assert refs(register(public, q="asset transfer")) == [atr]
    assert refs(register(public, q="Kinghorn")) == [atr, high, fife]
    assert refs(register(public, q="Kinghorn nowhere")) == []
    assert refs(register(public, sort="oldest")) == [fife, high, atr]
    assert refs(register(public, authority="FIFE", outcome="agreed")) == [atr]
    assert public.get("/api/v1/register/decisions?kind=parking_permit").status_code == 422

    # The request documents the ATR published (SSI 2016/357 reg 9) are documents, not decisions.
    documents = register(public, "documents", reference=atr)
    assert [d["document"] for d in documents] == ["decision_notice", "public_notice"]

    # The Atom feed: the same records, newest first, each linking to its stable address.
    feed = public.get("/register/decisions.atom")
    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.get_data())
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    assert dt.datetime.fromisoformat(root.findtext(f"{ATOM}updated")) == dt.datetime.fromisoformat(
        items[0]["published_at"]
    )
    for entry, item in zip(entries, items, strict=True):
        assert entry.findtext(f"{ATOM}id") == item["url"]
        assert entry.find(f"{ATOM}link").get("href") == item["url"]
        assert entry.findtext(f"{ATOM}title") == item["title"]
        assert entry.find(f"{ATOM}category").get("term") == item["kind"]
        published = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        assert published == dt.datetime.fromisoformat(item["published_at"])
        full = public.get(f"/api/v1/register/documents/{item['id']}").json
        assert entry.findtext(f"{ATOM}content") == full["text"]
        assert item["outcome"] in entry.findtext(f"{ATOM}summary")
    high_feed = ET.fromstring(public.get("/register/decisions.atom?authority=HIGH").get_data())
    assert [e.findtext(f"{ATOM}id") for e in high_feed.findall(f"{ATOM}entry")] == [
        by_ref[high]["url"]
    ]

    # Each address is the record's public page.
    for item in items:
        page = public.get(urlsplit(item["url"]).path)
        assert page.status_code == 200
        assert item["reference"] in page.get_data(as_text=True)

    # Stable: a record keeps its address and publication time as later ones arrive; a
    # redelivered publication does not publish it again.
    move(clock, "2026-05-05")
    again = submitted(world)
    ok(world.officer.act(again, "validate"))
    ok(decide(world, again, "refused"))
    settle(live)
    later = {i["reference"]: i for i in register(public)}
    assert refs(register(public))[0] == again
    for ref, item in by_ref.items():
        assert later[ref] == item
    assert live.count(RegisterRecord) == 5  # four decision notices and the ATR public notice


PRIVATE = (
    "1 High Street",  # the body's contact address (a small group's is often someone's home)
    "KY3 9UE",
    "secretary@kinghorn.test",  # the body's email
    "Ann Neighbour",  # a private person who made a representation, and her details
    "ann@example.test",
    "7 Pettycur Road",
)


def test_published_documents_hold_no_personal_data(live, world, workers, clock):
    """docs/law.md, publication duties: personal data is never published. The body's contact
    details are withheld from the public copy of a document that the body itself receives
    in full; a representer's name and contact details appear in nothing published."""
    public, body, officer = world.public, world.body, world.officer
    ref = open_for_representations(world, clock, officer)  # public notice, reg 7
    response = public.post(
        f"/api/v1/cases/{ref}/representations",
        json={
            "name": "Ann Neighbour",
            "email": "ann@example.test",
            "address": "7 Pettycur Road, Kinghorn",
            "text": "The hall should stay open on Sundays.",
        },
    )
    assert response.status_code == 201, response.json
    move(clock, "2026-05-01")
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-06-01"}))
    ok(body.act(ref, "comment_on_representations", {"comments": "We agree with Ann."}))
    move(clock, "2026-06-02")
    ok(decide_atr(officer, ref, "refused"))
    ok(body.act(ref, "request_review", {"reasons": "The need is real.", "procedure": ["hearing"]}))
    move(clock, "2026-07-01")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "The members agree."},
        )
    )
    settle(live)

    documents = register(public, "documents", reference=ref)
    assert sorted(d["document"] for d in documents) == [
        "decision_notice",
        "public_notice",
        "review_application",
        "review_outcome",
    ]
    # The application as issued names the applicant's address (SSI 2016/358 reg 3)...
    issued = notice_text(officer, ref, "review_application")
    assert "1 High Street, Kinghorn KY3 9UE" in issued
    # ...and the register's copy withholds it.
    [application] = [d for d in documents if d["document"] == "review_application"]
    published = public.get(f"/api/v1/register/documents/{application['id']}").json["text"]
    assert "[withheld]" in published
    assert "Kinghorn Community Trust" in published  # the body itself is named

    # The representer's name went to the body (reg 8), which is not a publication.
    assert "Ann Neighbour" in notice_text(officer, ref, "invitation_to_comment")

    exposed = [
        public.get("/api/v1/register/documents", query_string={"page_size": 100}).get_data(
            as_text=True
        ),
        public.get("/register/decisions.atom").get_data(as_text=True),
        *(
            public.get(f"/api/v1/register/documents/{d['id']}").get_data(as_text=True)
            for d in documents
        ),
    ]
    for text in exposed:
        for secret in PRIVATE:
            assert secret not in text, secret


def test_process_notices_and_the_outcome_report_are_published(live, world, workers, clock):
    """SSI 2017/39 regs 9 and 10 and s.31: the s.26(5) notice, changes to the process and
    the outcome report are published documents; only the decision is a decision."""
    public, body, officer = world.public, world.body, world.officer
    move(clock, "2026-04-01")
    ref = validated(world)
    ok(decide(world, ref, "agreed", process="new"), "awaiting_process_comments")
    ok(body.act(ref, "comment_on_process", {"comments": "Please include the crossing patrol."}))
    move(clock, "2026-04-13")
    ok(
        officer.act(ref, "issue_process_notice", {"process_description": "A working group."}),
        "establishing_process",
    )
    move(clock, "2026-05-01")
    ok(officer.act(ref, "establish_process"), "process_running")
    ok(officer.act(ref, "record_process_change", {"description": "Meetings move to the hall."}))
    move(clock, "2026-11-02")
    ok(officer.act(ref, "record_outcome_views", {"views_of_body": "It worked well."}))
    ok(
        officer.act(
            ref,
            "publish_outcome_report",
            {
                "what_changed": "Two crossings were built.",
                "influence_of_body": "The trust's survey chose the sites.",
                "keeping_informed": "Quarterly updates.",
            },
        ),
        "completed",
    )
    settle(live)

    documents = register(public, "documents", reference=ref, sort="oldest")
    # Workers publish in parallel, so two documents may be published in either order.
    assert sorted((d["issued_on"], d["document"]) for d in documents) == [
        (issued_on, document)
        for document, issued_on in [
            ("decision_notice", "2026-04-01"),
            ("process_notice", "2026-04-13"),
            ("process_change_notice", "2026-05-01"),
            ("outcome_report", "2026-11-02"),
        ]
    ]
    assert refs(register(public, "documents", document="outcome_report")) == [ref]
    assert [d["document"] for d in register(public, reference=ref)] == ["decision_notice"]
    [report_id] = [d["id"] for d in documents if d["document"] == "outcome_report"]
    report = public.get(f"/api/v1/register/documents/{report_id}").json
    assert "Two crossings were built." in report["text"]
    assert report["citation"] == notice_citation(officer, ref, "outcome_report")
    # Each publication is on the case's timeline, pointing at its register record.
    published = timeline(officer, ref, "document.published")
    assert sorted(e["payload"]["register_id"] for e in published) == sorted(
        d["id"] for d in documents
    )


def notice_citation(caller, ref: str, kind: str) -> str:
    [notice] = [n for n in caller.get(f"/api/v1/cases/{ref}/notices").json if n["kind"] == kind]
    return notice["citation"]
