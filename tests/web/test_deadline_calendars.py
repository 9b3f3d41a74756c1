"""Secret calendar addresses of deadlines (issue 14): a community body's, an officer's and a
manager's, got, replaced and stopped on the account page, and read as RFC 5545 by the
icalendar library, as a calendar app would.

Every expected date is worked out by hand from docs/law.md, as in the deadline tests: an
asset transfer request validated on Wed 1 April 2026 is to be decided 6 months after, by
Thu 1 October 2026; a participation request validated the same day, within 30 working
days beginning with it (SSI 2017/39 reg 2: not Saturdays, Sundays, 25-26 December or 1-2
January): 1-3 April (3), 6-10 (8), 13-17 (13), 20-24 (18), 27 April-1 May (23), 4-8 May
(28), 11-12 May (30): Tue 12 May 2026.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from icalendar import Calendar
from sqlalchemy import event as sa_event
from sqlalchemy import select

from casework.models import CalendarFeed, User
from tests.casework.conftest import (
    OWNER,
    REQUEST,
    World,
    decide,
    move,
    notified_owner,
    ok,
    open_for_representations,
    validated,
)
from tests.web.test_hardening import page_client

pytestmark = [pytest.mark.postgres]

HOST = "casework.test"  # BASE_URL in tests/conftest.py settings_for
PR_DECISION = "pr.decision"
ATR_DECISION = "atr.decision"
ATR_REPRESENTATIONS = "atr.representations"


# -- helpers -----------------------------------------------------------------------------


def account_page(client) -> str:
    response = client.get("/account")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def address_on(page: str) -> str | None:
    found = re.search(r'id="calendar-address" type="text" readonly value="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def press(client, path: str) -> str:
    """Press a button on the account page: the form's POST, then the page it leads to."""
    response = client.post(path, data={"csrf_token": csrf_of(account_page(client))})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/account#calendar")
    return account_page(client)


def get_address(client) -> str:
    address = address_on(press(client, "/account/calendar"))
    assert address is not None
    return address


def path_of(address: str) -> str:
    assert address.startswith(f"http://{HOST}/calendar/") and address.endswith(".ics")
    return address.removeprefix(f"http://{HOST}")


def read(app, address: str) -> Calendar:
    """The calendar, fetched as a calendar app does: no cookie, no sign-in."""
    response = app.test_client().get(path_of(address))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def deadline_ids(session, ref: str) -> dict[str, int]:
    from casework.models import Case, DeadlineRow

    session.expire_all()
    rows = session.execute(
        select(DeadlineRow.rule, DeadlineRow.key, DeadlineRow.id)
        .join(Case, DeadlineRow.case_id == Case.id)
        .where(Case.reference == ref)
    ).all()
    return {rule + (f"/{key}" if key else ""): row_id for rule, key, row_id in rows}


def uid(row_id: int) -> str:
    return f"deadline-{row_id}@{HOST}"


def other_bodys_case(world: World) -> str:
    """Burntisland Development Trust's participation request to Fife, validated."""
    r = world.other_body.post("/api/v1/cases", json=REQUEST)
    assert r.status_code == 201, r.json
    ref = r.json["reference"]
    ok(world.other_body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    return ref


def highland_case(world: World) -> str:
    r = world.other_body.post("/api/v1/cases", json={**REQUEST, "authority": "HIGH"})
    assert r.status_code == 201, r.json
    ref = r.json["reference"]
    ok(world.other_body.act(ref, "submit"))
    ok(world.other_officer.act(ref, "validate"))
    return ref


def assign(world: World, ref: str, email: str) -> None:
    r = world.officer.client.put(
        f"/api/v1/cases/{ref}/assignee",
        json={"assignee": email},
        headers={"Authorization": f"Bearer {world.officer.token}"},
    )
    assert r.status_code == 200, r.json


# -- the tests ---------------------------------------------------------------------------


def test_a_bodys_calendar_has_every_open_deadline_of_its_cases_and_no_one_elses(
    world, app, session, clock
):
    atr = open_for_representations(world, clock, world.officer)  # validated Wed 1 April
    pr = validated(world)  # the same day
    theirs = other_bodys_case(world)
    client = page_client(app, session, world.body.email)
    calendar = read(app, get_address(client))

    got = events(calendar)
    a, p = deadline_ids(session, atr), deadline_ids(session, pr)
    expected = {
        uid(a[ATR_REPRESENTATIONS]): dt.date(2026, 4, 30),  # the date the notice set
        uid(a[ATR_DECISION]): dt.date(2026, 10, 1),
        uid(p[PR_DECISION]): dt.date(2026, 5, 12),
    }
    assert {u: got[u].decoded("DTSTART") for u in got} == expected
    # None of the other body's, though it is at the same authority.
    for row_id in deadline_ids(session, theirs).values():
        assert uid(row_id) not in got
    assert theirs not in calendar.to_ical().decode()

    decision = got[uid(a[ATR_DECISION])]
    assert str(decision["STATUS"]) == "CONFIRMED"
    assert str(decision["SUMMARY"]) == (
        f"Fife Council gives its decision notice on the asset transfer request ({atr})"
    )
    text = str(decision["DESCRIPTION"])
    lines = text.splitlines()
    assert lines[0] == (
        "What must be done: Fife Council gives its decision notice on the asset transfer "
        "request, by Thursday 1 October 2026."
    )
    assert "The rule: the period is 6 months after the validation date." in text
    assert "Where this comes from: SSI 2016/357 reg 10." in text
    assert "How the date was worked out:" in text
    assert lines[-1] == f"The case: http://{HOST}/cases/{atr}"
    assert str(decision["URL"]) == f"http://{HOST}/cases/{atr}"
    # The body's own step names the body.
    assert str(got[uid(p[PR_DECISION])]["SUMMARY"]).startswith("Fife Council gives")
    assert str(calendar["X-WR-CALNAME"]) == "Deadlines: Kinghorn Community Trust"


def test_the_calendar_is_valid_rfc_5545(world, app, session, clock):
    atr = open_for_representations(world, clock, world.officer)
    client = page_client(app, session, world.body.email)
    address = get_address(client)
    response = app.test_client().get(path_of(address))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    raw = response.data
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded (RFC 5545 3.1)

    calendar = Calendar.from_ical(raw)
    calendar.validate()  # PRODID, VERSION and at least one component
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Community empowerment casework//")
    assert calendar.refresh_interval == dt.timedelta(hours=1)
    found = calendar.walk("VEVENT")
    assert found
    for event in found:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            assert name in event, name
        start = event.decoded("DTSTART")
        assert type(start) is dt.date  # all day
        assert event.decoded("DTEND") == start + dt.timedelta(days=1)
    decision = events(calendar)[uid(deadline_ids(session, atr)[ATR_DECISION])]
    (alarm,) = decision.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    # The first reminder: 10 working days (REMINDER_OFFSETS 10,5,1, on the Scottish bank
    # holidays) before Thu 1 October 2026: 30, 29, 28 September (3), 25-21 (8), 18, 17 (10):
    # Thu 17 September 2026, at 09:00 in Scotland (BST), which is 08:00 UTC.
    assert alarm.decoded("TRIGGER") == dt.datetime(2026, 9, 17, 8, 0, tzinfo=dt.UTC)


def test_an_extension_moves_the_same_event_with_a_higher_sequence(world, app, session, clock):
    atr = open_for_representations(world, clock, world.officer)
    client = page_client(app, session, world.body.email)
    address = get_address(client)
    key = uid(deadline_ids(session, atr)[ATR_DECISION])
    before = events(read(app, address))[key]
    assert before.decoded("DTSTART") == dt.date(2026, 10, 1)

    move(clock, "2026-09-15")
    ok(world.officer.act(atr, "agree_extension", {"new_due_date": "2026-11-30"}))
    after = events(read(app, address))[key]
    assert after.decoded("DTSTART") == dt.date(2026, 11, 30)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["STATUS"]) == "CONFIRMED"
    assert "Extended on Tuesday 15 September 2026" in str(after["DESCRIPTION"])
    assert str(after["DESCRIPTION"]).splitlines()[0].endswith(", by Monday 30 November 2026.")


def test_a_met_deadline_is_cancelled_then_dropped(world, app, session, clock):
    pr = validated(world)  # Wed 1 April 2026
    client = page_client(app, session, world.body.email)
    address = get_address(client)
    key = uid(deadline_ids(session, pr)[PR_DECISION])
    before = events(read(app, address))[key]

    move(clock, "2026-04-20")
    assert decide(world, pr, "refused").status_code == 200
    after = events(read(app, address))[key]
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == dt.date(2026, 5, 12)
    assert str(after["SUMMARY"]).startswith("Done: ")
    assert "This was done on Monday 20 April 2026." in str(after["DESCRIPTION"])
    assert not after.walk("VALARM")  # nothing to be reminded of

    # Kept, cancelled, for 90 days after it was met (Sun 19 July 2026), then gone.
    move(clock, "2026-07-19")
    assert key in events(read(app, address))
    move(clock, "2026-07-20")
    assert key not in events(read(app, address))


def test_an_officer_sees_their_cases_and_a_manager_the_authoritys(world, app, session, clock):
    atr = open_for_representations(world, clock, world.officer)
    pr = validated(world)
    theirs = other_bodys_case(world)
    highland = highland_case(world)
    assign(world, atr, world.officer.email)
    assign(world, theirs, world.manager.email)

    officer = read(app, get_address(page_client(app, session, world.officer.email)))
    manager = read(app, get_address(page_client(app, session, world.manager.email)))
    ids = {ref: set(map(uid, deadline_ids(session, ref).values())) for ref in (atr, pr, theirs)}
    highland_ids = set(map(uid, deadline_ids(session, highland).values()))
    assert ids[atr] and ids[pr] and ids[theirs] and highland_ids

    # The officer: only the case assigned to them, both parties' deadlines on it.
    assert set(events(officer)) == ids[atr]
    assert str(officer["X-WR-CALNAME"]) == "Deadlines of your cases at Fife Council"
    # The manager: every case at Fife, assigned or not, to anyone; none of Highland's.
    assert set(events(manager)) == ids[atr] | ids[pr] | ids[theirs]
    assert not highland_ids & set(events(manager))
    # Highland's officer, assigned nothing, has an empty calendar, still a calendar.
    other = read(app, get_address(page_client(app, session, world.other_officer.email)))
    assert set(events(other)) == set()


def test_replace_and_stop_end_the_old_address(world, app, session, clock):
    open_for_representations(world, clock, world.officer)
    client = page_client(app, session, world.body.email)
    page = account_page(client)
    assert address_on(page) is None
    assert "Get a calendar address" in page
    first = get_address(client)
    assert app.test_client().get(path_of(first)).status_code == 200

    page = press(client, "/account/calendar")  # replace
    second = address_on(page)
    assert second and second != first
    assert "The old one no longer works" in page
    assert app.test_client().get(path_of(first)).status_code == 404
    assert app.test_client().get(path_of(second)).status_code == 200
    user = session.scalar(select(User).where(User.email == world.body.email))
    live = session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1  # one live address each

    page = press(client, "/account/calendar/stop")
    assert address_on(page) is None
    assert "Get a calendar address" in page
    assert app.test_client().get(path_of(second)).status_code == 404
    # Unknown addresses are not there either, however they look.
    for token in ("not-a-real-token", "x" * 43, "a" * 500):
        assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    # The token is never stored in clear.
    tokens = [path_of(a).removeprefix("/calendar/").removesuffix(".ics") for a in (first, second)]
    stored = session.execute(select(CalendarFeed.token_hash, CalendarFeed.token_encrypted)).all()
    for token in tokens:
        assert all(token not in h and token not in e for h, e in stored)


def test_a_deactivated_user_s_address_stops_working(world, app, session, clock):
    client = page_client(app, session, world.officer.email)
    address = get_address(client)
    user = session.scalar(select(User).where(User.email == world.officer.email))
    user.active = False
    session.commit()
    assert app.test_client().get(path_of(address)).status_code == 404


def test_the_account_page_explains_the_calendar_in_plain_words(world, app, session, clock):
    client = page_client(app, session, world.body.email)
    page = html.unescape(account_page(client))
    assert "Your deadlines in your calendar" in page
    assert (
        "Every deadline on Kinghorn Community Trust's requests: your own, and the authority's"
        in page
    )
    assert 'action="/account/calendar"' in page
    page = press(client, "/account/calendar")
    address = address_on(page)
    assert address and "readonly" in page
    assert "Replace the address" in page and "Stop the address" in page
    assert "Keep it to yourself" in page
    assert "No calendar app has read it yet." in page
    assert "webcal://" + address.removeprefix("http://") in page
    # No jargon: the words a reader sees say nothing of tokens, feeds, ICS or UIDs.
    section = page.split('id="calendar"', 1)[1].split("</main>", 1)[0]
    words = re.sub(r"<[^>]+>", " ", section)
    words = words.replace(address, "").replace(address.replace("http://", ""), "")
    for jargon in ("token", "feed", "ICS", "iCal", "UID", "RFC", "revoke"):
        assert jargon.lower() not in words.lower(), jargon
    # An officer is told it is the cases assigned to them; a manager, all the authority's.
    assert "assigned to you" in account_page(page_client(app, session, world.officer.email))
    assert "every case at Fife Council" in account_page(
        page_client(app, session, world.manager.email)
    )
    # An administrator has none: the section is not shown, and the buttons are not there.
    admin = page_client(app, session, world.admin.email)
    assert "Your deadlines in your calendar" not in account_page(admin)
    with admin.session_transaction() as s:
        s["csrf_token"] = "a-form-token"
    assert admin.post("/account/calendar", data={"csrf_token": "a-form-token"}).status_code == 404
    # Without the form's token the button does nothing.
    assert client.post("/account/calendar/stop", data={}).status_code == 400


def test_reading_time_is_written_at_most_once_a_minute(world, app, session, clock):
    client = page_client(app, session, world.body.email)
    address = get_address(client)
    start = clock.now()
    read(app, address)

    def last_read():
        session.expire_all()
        return session.scalar(
            select(CalendarFeed.last_read_at).where(CalendarFeed.revoked_at.is_(None))
        )

    assert last_read() == start
    clock.fixed = start + dt.timedelta(seconds=30)
    read(app, address)
    assert last_read() == start  # not written again so soon
    clock.fixed = start + dt.timedelta(minutes=2)
    read(app, address)
    assert last_read() == start + dt.timedelta(minutes=2)
    assert "A calendar app last read it on 1 April 2026, 09:02" in account_page(client)


def test_the_calendar_is_two_queries_however_many_cases(world, app, session, clock, connection):
    open_for_representations(world, clock, world.officer)
    client = page_client(app, session, world.body.email)
    address = get_address(client)
    read(app, address)  # the reading time is written now, not below

    def statements() -> list[str]:
        sent: list[str] = []

        def catch(_conn, _cursor, statement, *_):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                sent.append(statement)

        sa_event.listen(connection, "before_cursor_execute", catch)
        try:
            read(app, address)
        finally:
            sa_event.remove(connection, "before_cursor_execute", catch)
        return sent

    few = statements()
    for _ in range(3):
        validated(world)
    many = statements()
    assert len(events(read(app, address))) >= 5
    assert len(few) == len(many) == 2, many


def test_nothing_personal_is_in_any_calendar(world, app, session, clock):
    """A representer's and an owner's details, the body's contact address, a member's
    email: none of them is in the body's, the officer's or the manager's calendar."""
    ref = notified_owner(world, clock)
    r = world.public.post(
        f"/api/v1/cases/{ref}/representations",
        json={"name": "Zebedee Qrepresenter", "address": "9 Secret Wynd", "text": "I object."},
    )
    assert r.status_code == 201, r.json
    assign(world, ref, world.officer.email)
    private = [
        "Zebedee",
        "Qrepresenter",
        "Secret Wynd",
        OWNER["name"],
        OWNER["address"],
        OWNER["email"],
        "secretary@kinghorn.test",
        "1 High Street",
        "officer@fife.test",
        "cer@fife.test",
    ]
    for email in (world.body.email, world.officer.email, world.manager.email):
        calendar = read(app, get_address(page_client(app, session, email)))
        text = calendar.to_ical().decode()
        assert events(calendar), email
        for secret in private:
            assert secret not in text, (email, secret)


def test_addresses_are_re_encrypted_with_a_new_key_and_survive_a_lost_one(world, app, session):
    """`casework keys rotate` can re-encrypt the addresses (rotate_feed_tokens), so the old
    key can go; and if a key is lost, the page says so and the address still works."""
    from casework.calendar_feeds import rotate_feed_tokens
    from casework.crypto import Keyring, new_key

    client = page_client(app, session, world.body.email)
    address = get_address(client)
    token = path_of(address).removeprefix("/calendar/").removesuffix(".ics")
    old = app.extensions["casework"].settings.encryption_keys
    newest = new_key()
    assert rotate_feed_tokens(session, Keyring((newest, *old))) == 1
    session.commit()
    stored = session.scalar(select(CalendarFeed.token_encrypted))
    assert Keyring((newest,)).decrypt(stored) == token  # the old key is no longer needed

    # Encrypted with a key the service does not have (it was dropped too soon):
    lost = session.scalar(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None)))
    lost.token_encrypted = Keyring((new_key(),)).encrypt(token)
    session.commit()
    page = account_page(client)
    assert address_on(page) is None
    assert "can no longer be shown here, but it still works" in page
    assert "Replace the address" in page
    assert app.test_client().get(path_of(address)).status_code == 200
    assert address_on(press(client, "/account/calendar")) is not None


# -- in a real browser ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.redis
def test_the_account_page_works_without_javascript_and_on_a_phone(visit, site):
    """Get, replace and stop the address with scripts off; the page passes axe and fits
    375 px with the address on it; the address, fetched as a calendar app fetches it (no
    cookie), is a calendar."""
    import urllib.error
    import urllib.request

    from tests.web.conftest import kinghorn_trust
    from tests.web.test_journeys import click, sign_in
    from tests.web.test_phone import PHONE, assert_fits

    with site.sessions() as s:
        kinghorn_trust(s)
        s.commit()
    plain = visit("no-scripts", javascript=False)
    sign_in(plain, "secretary@kinghorn.test")
    plain.go("/account")
    click(plain, "Get a calendar address")
    box = plain.page.get_by_label("Your calendar address")
    address = box.input_value()
    assert box.get_attribute("readonly") is not None
    assert address.startswith(f"{site.url}/calendar/") and address.endswith(".ics")
    with urllib.request.urlopen(address) as response:
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(response.read())
    assert str(calendar["X-WR-CALNAME"]) == "Deadlines: Kinghorn Community Trust"

    plain.page.set_viewport_size(PHONE)
    assert_fits(plain.page)
    click(plain, "Replace the address")
    replaced = plain.page.get_by_label("Your calendar address").input_value()
    assert replaced != address
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(address)
    assert gone.value.code == 404
    click(plain, "Stop the address")
    assert plain.page.get_by_label("Your calendar address").count() == 0
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(replaced)
    assert gone.value.code == 404

    scripted = visit("scripts")
    sign_in(scripted, "secretary@kinghorn.test")
    scripted.go("/account")
    click(scripted, "Get a calendar address")  # axe, on the page with the address
    scripted.page.set_viewport_size(PHONE)
    assert_fits(scripted.page)
    scripted.screenshot("account-calendar-375")
