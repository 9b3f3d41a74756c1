"""The public calendar of representation closing dates (issue 14, calendar feeds; RFC
5545): parsed by the library that writes it, one all-day event per open request on its
closing day (SSI 2016/357 regs 6-7), a stable UID, a sequence that rises when the request
changes, an alarm at the first reminder point, and nothing personal."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from tests.casework.conftest import World, move, open_for_representations
from tests.web.test_hardening import web_client

REPRESENTATION = {
    "name": "Ann Lennox-Brodie",
    "address": "7 Wynd, Kinghorn KY3 9XX",
    "email": "ann.brodie@example.org",
    "text": "I support the trust's plan for the hall.",
}


def events(app) -> list:
    response = web_client(app).get("/representations.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    assert calendar["version"] == "2.0"
    return list(calendar.walk("VEVENT"))


def test_an_open_request_is_an_all_day_event_on_its_closing_day(app, world: World, clock):
    ref = open_for_representations(world, clock, world.officer)
    [event] = events(app)
    # Representations close on Thursday 30 April 2026: the event is that whole day.
    assert event.decoded("dtstart") == dt.date(2026, 4, 30)
    assert event.decoded("dtend") == dt.date(2026, 5, 1)
    assert str(event["uid"]) == f"{ref}-representations@casework.test"
    assert ref in str(event["summary"])
    description = str(event["description"])
    assert "Thursday 30 April 2026" in description
    assert f"http://casework.test/representations/{ref}" in description
    assert "SSI 2016/357 regs 6-7" in description
    # The first reminder point, 10 working days before (REMINDER_OFFSETS 10,5,1): Thursday
    # 30 April less 10 working days (no bank holiday between) is Thursday 16 April.
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger").date() == dt.date(2026, 4, 16)


def test_the_uid_stays_the_sequence_follows_the_request_and_a_closed_request_leaves(
    app, world: World, clock
):
    ref = open_for_representations(world, clock, world.officer)
    [before] = events(app)
    representation = world.public.post(f"/api/v1/cases/{ref}/representations", json=REPRESENTATION)
    assert representation.status_code == 201, representation.json
    [after] = events(app)
    assert str(after["uid"]) == str(before["uid"])
    # The sequence is the request's version: it rises whenever the request changes.
    assert int(before["sequence"]) >= 1
    assert int(after["sequence"]) == world.officer.case(ref)["version"]
    # Nothing of the representer's reaches the calendar.
    text = web_client(app).get("/representations.ics").get_data(as_text=True)
    for personal in (REPRESENTATION["name"], REPRESENTATION["address"], REPRESENTATION["email"]):
        assert personal not in text
    move(clock, "2026-05-01")  # the day after representations closed
    assert events(app) == []


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_open_requests_feed_gives_each_closing_date_and_filters_by_authority(
    app, world: World, clock
):
    """Issue 14, feeds: an Atom feed of requests open for representations beside the
    decisions feed, for all authorities or one."""
    import xml.etree.ElementTree as ET

    ref = open_for_representations(world, clock, world.officer)
    client = web_client(app)
    response = client.get("/representations.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    [entry] = ET.fromstring(response.get_data()).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").startswith(f"{ref}: ")
    assert "Representations close on Thursday 30 April 2026." in entry.findtext(f"{ATOM}summary")
    assert entry.find(f"{ATOM}link").get("href") == f"http://casework.test/representations/{ref}"
    fife = ET.fromstring(client.get("/representations.atom?authority=fife").get_data())
    assert len(fife.findall(f"{ATOM}entry")) == 1
    other = ET.fromstring(client.get("/representations.atom?authority=HIGH").get_data())
    assert other.findall(f"{ATOM}entry") == []
    assert "Add the closing dates to your calendar" in client.get("/representations").get_data(
        as_text=True
    )
