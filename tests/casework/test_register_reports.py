"""Annual reports on the public register (issue 12, s.1): publishing a version of a report
(s.32(1), s.95(1)) puts it on the register as a document of the authority, with no case; a
correction publishes a new version, which the register lists in place of the old, and the
old one stays readable at its own address. Every reader of the register (its pages, the
API, the CSV and the Atom feed) takes records without a case."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from casework import annual_reports as ar
from casework.models import AnnualReport, Authority, CommunityBody, Event, RegisterRecord, User
from casework.register import report_reference
from notifications import delivery
from notifications.models import EventOutbox
from tests.casework.conftest import World, decide, move, submitted, validated
from tests.web.test_hardening import web_client
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.machine import Law

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://casework.test"
PROMOTION = "Leaflets in every library."
SUPPORT = "A named officer helps each body with its request."
REPORT_URL = "/annual-reports/FIFE/participation_request/2026"


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def _fife(session) -> Authority:
    return session.scalar(select(Authority).where(Authority.code == "FIFE"))


def publish_report(
    session,
    world: World,
    report: AnnualReport | None = None,
    day: dt.date = dt.date(2027, 4, 2),
    **texts: str,
) -> AnnualReport:
    """Fife's participation request report for the year from 1 April 2026, written by the
    officer, approved and published by the manager (workflows/annual_report.py)."""
    officer, manager = _user(session, world.officer.email), _user(session, world.manager.email)
    law = Law()
    report = report or ar.open_report(session, _fife(session), pr.KIND, 2026, officer)
    texts = texts or {"promotion": PROMOTION, "support": SUPPORT}
    ar.act(session, report, "write", texts, officer, day, law)
    ar.act(session, report, "approve", {}, manager, day, law)
    ar.act(session, report, "publish", {}, manager, day, law)
    session.commit()
    return report


def correct(session, world: World, report: AnnualReport, note: str) -> AnnualReport:
    manager = _user(session, world.manager.email)
    second = ar.act(session, report, "correct", {"note": note}, manager, dt.date(2027, 5, 3), Law())
    session.commit()
    return second


def run_register_actor(session) -> int:
    """Do what the publication actor does for each register row of the outbox that is not
    done yet (notifications.delivery.consume, its own code); returns how many it did."""
    session.expire_all()
    pending = session.scalars(
        select(EventOutbox.event_id)
        .where(EventOutbox.subscriber == "register", EventOutbox.done_at.is_(None))
        .order_by(EventOutbox.event_id)
    ).all()
    for event_id in pending:
        assert delivery.consume(event_id, "register") == "done"
    session.expire_all()
    return len(pending)


def report_records(session) -> list[RegisterRecord]:
    return list(
        session.scalars(
            select(RegisterRecord)
            .where(RegisterRecord.report_id.is_not(None))
            .order_by(RegisterRecord.id)
        )
    )


def test_s32_publishing_a_report_puts_one_record_of_the_authority_on_the_register(
    app, world: World, session, clock
):
    ref = submitted(world)  # received Wed 1 April 2026: in the year 2026 to 2027
    move(clock, "2027-04-02")  # published on Friday 2 April 2027
    report = publish_report(session, world)
    publish_event = session.scalar(
        select(Event).where(Event.type == "annual_report.publish").order_by(Event.id.desc())
    )
    # The event is the outbox's: the publication actor is told of it.
    outbox = session.scalar(
        select(EventOutbox.subscriber).where(EventOutbox.event_id == publish_event.id)
    )
    assert outbox == "register"
    assert run_register_actor(session) == 1

    [record] = report_records(session)
    assert record.event_id == publish_event.id
    assert (record.case_id, record.report_id) == (None, report.id)
    assert record.reference == "FIFE-PR-2026-27"
    assert record.kind == pr.KIND and record.document == "annual_report"
    assert record.title == (
        "Annual report on participation requests, 1 April 2026 to 31 March 2027"
    )
    assert (record.authority_code, record.authority_name) == ("FIFE", "Fife Council")
    assert record.body_name == "" and record.outcome is None and record.request_title is None
    # Issued on the day in law the report was published: Friday 2 April 2027.
    assert record.issued_on == dt.date(2027, 4, 2) and record.citation == "s.32"
    # The figures worked out by hand: one request received in the year, none decided, no
    # outcome report; then the authority's own words (s.32(2)(d)).
    lines = record.text.splitlines()
    assert lines[:5] == [
        "# The figures for the year",
        "- Requests received: 1",
        "- Requests agreed: 0",
        "- Requests refused: 0",
        "- Requests that resulted in a change to a public service: 0",
    ]
    assert PROMOTION in lines and SUPPORT in lines
    assert lines.index("# What Fife Council did to promote requests") < lines.index(PROMOTION)

    # Nothing personal, and not the cases counted: the request was never published.
    body = session.get(CommunityBody, world.body_id)
    shown = web_client(app).get(f"/register/{record.id}").get_data(as_text=True)
    for private in (ref, body.name, body.contact_email, body.contact_address):
        assert private not in record.text and private not in record.title
        assert private not in shown

    # The actor is idempotent: a redelivery publishes nothing again.
    assert delivery.consume(publish_event.id, "register") == "already done"
    from notifications.publish import publish

    assert publish(session, publish_event).id == record.id
    assert len(report_records(session)) == 1
    # Its own publication is in the log, as a case's documents are.
    published = session.scalar(
        select(Event).where(Event.type == "document.published", Event.case_id.is_(None))
    )
    assert published.payload["register_id"] == record.id
    assert published.payload["report_id"] == report.id


def test_a_correction_is_listed_in_place_of_the_old_version_which_stays_readable(
    app, world: World, session, clock
):
    submitted(world)
    move(clock, "2027-04-02")
    first = publish_report(session, world)
    run_register_actor(session)
    move(clock, "2027-05-03")
    second = correct(session, world, first, "The leaflets went to community centres too.")
    # Until the new version is published, the register lists the first.
    public = web_client(app)
    listed = public.get("/api/v1/register/decisions?document=annual_report").json["items"]
    assert [i["title"] for i in listed] == [
        "Annual report on participation requests, 1 April 2026 to 31 March 2027"
    ]
    publish_report(
        session,
        world,
        second,
        dt.date(2027, 5, 3),
        promotion="Leaflets in every library and community centre.",
        support=SUPPORT,
    )
    assert run_register_actor(session) == 1
    old, new = report_records(session)
    assert (old.report_id, new.report_id) == (first.id, second.id)
    # The first is marked corrected, so no listing shows it; it keeps its address.
    assert (old.document, new.document) == ("annual_report_superseded", "annual_report")
    assert old.reference == new.reference == "FIFE-PR-2026-27"
    assert new.title.endswith("31 March 2027 (version 2)")
    assert new.issued_on == dt.date(2027, 5, 3)  # the day the correction was published
    assert new.text.startswith(
        "This is version 2: it corrects the version published before. "
        "The leaflets went to community centres too."
    )

    # The listings show the latest version only: the page, the API, the CSV, the feed.
    for path in ("decisions", "documents"):
        items = public.get(f"/api/v1/register/{path}").json["items"]
        assert [i["id"] for i in items if i["document"] == "annual_report"] == [new.id]
    rows = list(csv.DictReader(io.StringIO(public.get("/register/decisions.csv").text)))
    assert [r["id"] for r in rows if r["document"] == "annual_report"] == [str(new.id)]
    feed = ET.fromstring(public.get("/register/decisions.atom").get_data())
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == [f"{BASE}/register/{new.id}"]
    listing = public.get("/register").get_data(as_text=True)
    assert f'href="/register/{new.id}"' in listing and f'href="/register/{old.id}"' not in listing

    # The old one still resolves, says it was corrected and links to the new one.
    page = public.get(f"/register/{old.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This version has been corrected by a later one." in html
    assert f'href="/register/{new.id}">Read the latest version' in html
    assert PROMOTION in html and "community centre." not in html
    assert f'href="{REPORT_URL}?version=1">Read the full report' in html
    document = public.get(f"/api/v1/register/documents/{old.id}").json
    assert document["superseded_by"] == f"{BASE}/register/{new.id}"
    assert document["report_url"] == f"{BASE}{REPORT_URL}?version=1"
    assert PROMOTION in document["text"]
    latest = public.get(f"/api/v1/register/documents/{new.id}").json
    assert latest["superseded_by"] is None
    assert latest["report_url"] == f"{BASE}{REPORT_URL}?version=2"
    html = public.get(f"/register/{new.id}").get_data(as_text=True)
    assert "corrected by a later one" not in html
    assert f'href="/register/{old.id}">Version 1</a>' in html
    # And the report's own page, at each version.
    assert public.get(f"{REPORT_URL}.json?version=1").json["version"] == 1
    assert public.get(f"{REPORT_URL}.json").json["version"] == 2


def test_every_reader_of_the_register_takes_a_record_without_a_case(
    app, world: World, session, clock
):
    """A decision (SSI 2017/39 reg 8) and a report, side by side, in each reader."""
    ref = validated(world)
    assert decide(world, ref, "refused").status_code == 200
    move(clock, "2027-04-02")
    publish_report(session, world)
    run_register_actor(session)
    report = session.scalar(
        select(RegisterRecord).where(RegisterRecord.document == "annual_report")
    )
    decision = session.scalar(select(RegisterRecord).where(RegisterRecord.case_id.is_not(None)))
    public = web_client(app)

    # The API: both, newest first; the report has no community body and links to its page.
    items = public.get("/api/v1/register/decisions").json["items"]
    assert [i["id"] for i in items] == [report.id, decision.id]
    mine = items[0]
    assert (mine["reference"], mine["document"], mine["kind"]) == (
        "FIFE-PR-2026-27",
        "annual_report",
        pr.KIND,
    )
    assert mine["community_body"] == "" and mine["outcome"] is None
    assert mine["report_url"] == f"{BASE}{REPORT_URL}?version=1"
    assert items[1]["report_url"] is None
    only = public.get("/api/v1/register/decisions?document=annual_report").json["items"]
    assert [i["id"] for i in only] == [report.id]
    assert public.get("/api/v1/register/decisions?document=gossip").status_code == 422
    bad = public.get("/register?document=gossip")  # said plainly, without internal names
    assert bad.status_code == 422
    assert "Choose a document from the list" in bad.get_data(as_text=True)
    documents = public.get("/api/v1/register/documents?document=annual_report").json
    assert [i["id"] for i in documents["items"]] == [report.id]
    # Words search the records and, through an outer join, the cases: a report is found by
    # its words, a decision by its request's title, each without the other's columns.
    found = public.get("/api/v1/register/decisions?q=library").json["items"]
    assert [i["id"] for i in found] == [report.id]
    assert public.get("/api/v1/register/decisions?q=zzzz").json["items"] == []
    by_kind = public.get("/api/v1/register/decisions?kind=asset_transfer_request").json
    assert by_kind["items"] == []
    assert public.get("/api/v1/register/decisions?outcome=refused").json["items"][0]["id"] == (
        decision.id
    )

    # The CSV, with an empty community body for the report.
    rows = list(csv.DictReader(io.StringIO(public.get("/register/decisions.csv").text)))
    row = next(r for r in rows if r["document"] == "annual_report")
    assert row["reference"] == "FIFE-PR-2026-27" and row["community_body"] == ""
    assert row["url"] == f"{BASE}/register/{report.id}" and row["citation"] == "s.32"
    day = dt.date(2027, 4, 2)  # the day in law the report was published
    assert row["issued_on"] == day.isoformat() and row["outcome"] == ""

    # The feed: an entry for each, the report's summary saying when it was published.
    feed = ET.fromstring(public.get("/register/decisions.atom").get_data())
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert entries[0].findtext(f"{ATOM}summary") == (
        "Fife Council: Annual report on participation requests, 1 April 2026 to "
        f"31 March 2027. Published {day.isoformat()}."
    )
    assert entries[0].findtext(f"{ATOM}content") == report.text

    # The register page: the document filter offers annual reports, and chooses them.
    html = public.get("/register").get_data(as_text=True)
    assert '<option value="annual_report">Annual report</option>' in html
    assert "2 decisions and annual reports." in html
    assert "Fife Council: Annual report on participation requests" in html
    chosen = public.get("/register?document=annual_report").get_data(as_text=True)
    assert "1 decision or annual report." in chosen
    assert f'href="/register/{report.id}"' in chosen
    assert f'href="/register/{decision.id}"' not in chosen
    assert public.get("/register?q=library").status_code == 200

    # The record page and its PDF; the decision's page is as it was, with no report in
    # its list of the case's other documents.
    page = public.get(f"/register/{report.id}").get_data(as_text=True)
    assert "Annual report: FIFE-PR-2026-27" in page
    assert f'href="{REPORT_URL}?version=1">Read the full report' in page
    assert public.get(f"/register/{report.id}.pdf").status_code == 200
    decision_page = public.get(f"/register/{decision.id}").get_data(as_text=True)
    assert "FIFE-PR-2026-27" not in decision_page
    # The requests open for representations, and the help page, are untouched by it.
    assert public.get("/representations").status_code == 200
    assert public.get("/api/v1/open-for-representations").status_code == 200


def test_a_reports_reference_names_the_authority_the_kind_and_the_reporting_year(
    world: World, session
):
    """s.95 and SSI 2016/357: the first asset transfer year ran from 23 January 2017 to 31
    March 2018."""
    fife = _fife(session)
    assert report_reference(AnnualReport(authority=fife, kind=atr.KIND, year=2017)) == (
        "FIFE-ATR-2017-18"
    )
    assert report_reference(AnnualReport(authority=fife, kind=pr.KIND, year=2029)) == (
        "FIFE-PR-2029-30"
    )


def test_an_unpublished_report_is_not_on_the_register(world: World, session):
    officer = _user(session, world.officer.email)
    report = ar.open_report(session, _fife(session), pr.KIND, 2026, officer)
    ar.act(session, report, "write", {"promotion": PROMOTION}, officer, dt.date(2027, 4, 2), Law())
    session.commit()
    assert run_register_actor(session) == 0
    assert session.scalar(select(func.count()).select_from(RegisterRecord)) == 0
    pending = select(func.count()).where(EventOutbox.subscriber == "register")
    assert session.scalar(pending) == 0


def test_a_correction_published_before_the_version_it_corrects_still_lists_only_itself(
    app, world: World, session, clock
):
    """The publication actor may take the two versions in either order (a retry, a
    second worker): the register lists the latest version whichever came first."""
    submitted(world)
    move(clock, "2027-04-02")
    first = publish_report(session, world)
    move(clock, "2027-05-03")
    second = correct(session, world, first, "A figure was wrong.")
    publish_report(session, world, second, dt.date(2027, 5, 3), promotion="More.", support=SUPPORT)
    session.expire_all()
    pending = session.scalars(
        select(EventOutbox.event_id)
        .where(EventOutbox.subscriber == "register", EventOutbox.done_at.is_(None))
        .order_by(EventOutbox.event_id.desc())  # the correction first
    ).all()
    assert len(pending) == 2
    for event_id in pending:
        assert delivery.consume(event_id, "register") == "done"
    session.expire_all()
    new, old = report_records(session)  # the correction's record was written first
    assert (old.report_id, new.report_id) == (first.id, second.id)
    assert (old.document, new.document) == ("annual_report_superseded", "annual_report")
    items = web_client(app).get("/api/v1/register/decisions").json["items"]
    assert [i["id"] for i in items if i["reference"] == "FIFE-PR-2026-27"] == [new.id]
