"""The annual report pages (s.32, s.95): an officer drafts, a manager approves and
publishes, and anyone reads the published report as a page, CSV and JSON."""

from __future__ import annotations

import csv
import io
import re

from tests.casework.conftest import World, decide, move, ok, submitted
from tests.web.test_hardening import token_of, web_client
from tests.web.test_officer_pages import signed_in_manager

YEAR_PAGE = "/reports/participation_request/2026"


def post(client, url: str, **data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": token_of(html), **data})


def test_an_officer_drafts_a_manager_publishes_and_the_public_reads_it(
    app, world: World, session, clock
):
    ref = submitted(world)  # received Wed 1 April 2026
    officer = web_client(app, session, world.officer.email)
    listing = officer.get("/reports").get_data(as_text=True)
    assert "Participation request annual report" in listing
    assert "due by Wednesday 30 June 2027" in listing

    html = officer.get(YEAR_PAGE).get_data(as_text=True)
    row = re.search(r"Requests received.*?</tr>", html, re.S).group(0)
    assert '<td data-label="Number">1</td>' in row and f"/cases/{ref}" in row
    # With no deprivation lookup loaded, the page says so rather than show empty quintiles.
    assert "No deprivation lookup has been loaded" in html

    # Approving before the authority's own words are written is refused, and says why;
    # an officer may write but not approve.
    assert post(officer, YEAR_PAGE, do="approve").status_code == 403
    saved = post(officer, YEAR_PAGE, do="write", promotion="Leaflets in every library.")
    assert saved.status_code == 302
    manager = signed_in_manager(app, world, session)
    refused = post(manager, YEAR_PAGE, do="approve")
    assert refused.status_code == 409 and "support" in refused.get_data(as_text=True)
    post(officer, YEAR_PAGE, do="write", promotion="Leaflets in every library.", support="Help.")
    assert post(manager, YEAR_PAGE, do="approve").status_code == 302
    assert post(manager, YEAR_PAGE, do="publish").status_code == 302

    public = web_client(app)
    url = "/annual-reports/FIFE/participation_request/2026"
    page = public.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Leaflets in every library." in text and ref not in text  # counts, not cases
    rows = list(csv.reader(io.StringIO(public.get(f"{url}.csv").get_data(as_text=True))))
    assert rows[0] == ["figure", "count", "law"]
    assert ["Requests received", "1", "s.32(2)(a)"] in rows
    data = public.get(f"{url}.json").json
    assert (data["version"], data["superseded"]) == (1, False)
    assert {f["key"]: f["count"] for f in data["figures"]}["received"] == 1

    # A correction: version 2, and version 1 stays readable, marked as corrected.
    move(clock, "2026-06-01")
    ok(world.officer.act(submitted(world), "validate"))
    post(manager, YEAR_PAGE, do="correct", note="A request was left out.")
    assert post(manager, YEAR_PAGE, do="approve").status_code == 302
    assert post(manager, YEAR_PAGE, do="publish").status_code == 302
    assert public.get(f"{url}.json").json["version"] == 2
    first = public.get(f"{url}.json?version=1").json
    assert first["superseded"] is True
    assert {f["key"]: f["count"] for f in first["figures"]}["received"] == 1
    assert {f["key"]: f["count"] for f in public.get(f"{url}.json").json["figures"]}[
        "received"
    ] == 2


def test_a_report_is_only_for_its_own_authority_and_unpublished_is_not_found(
    app, world: World, session
):
    assert web_client(app).get("/annual-reports/FIFE/participation_request/2026").status_code == 404
    body = web_client(app, session, world.body.email)
    assert body.get(YEAR_PAGE).status_code == 404
    other = web_client(app, session, world.other_officer.email)
    post(other, YEAR_PAGE, do="write", promotion="Not Fife's words.")
    fife = web_client(app, session, world.officer.email).get(YEAR_PAGE).get_data(as_text=True)
    assert "Not Fife&#39;s words." not in fife and "Not Fife's words." not in fife


def test_the_national_page_shows_who_has_published_and_who_is_overdue(
    app, world: World, session, clock
):
    submitted(world)  # received by Fife Council on Wed 1 April 2026
    officer = web_client(app, session, world.officer.email)
    post(officer, YEAR_PAGE, do="write", promotion="Leaflets.", support="A named officer.")
    manager = signed_in_manager(app, world, session)
    post(manager, YEAR_PAGE, do="approve")
    post(manager, YEAR_PAGE, do="publish")

    # Two decisions in the year: one on the day it was received, one late.
    on_time = submitted(world)
    ok(world.officer.act(on_time, "validate"))
    ok(decide(world, on_time, "refused"))
    move(clock, "2026-05-13")
    late = submitted(world)
    ok(world.officer.act(late, "validate"))
    # 30 working days beginning with Wed 13 May 2026 (reg 2: the 25 May bank holiday is a
    # working day) end on Tue 23 June 2026; it is decided on Thu 25 June.
    move(clock, "2026-06-25")
    ok(decide(world, late, "refused"))

    # On Thursday 1 July 2027 the 2026 reports were due the day before.
    move(clock, "2027-07-01")
    public = web_client(app)
    html = public.get("/statistics").get_data(as_text=True)
    fife = re.search(r"<tr>\s*<td data-label=\"Authority\">Fife Council</td>.*?</tr>", html, re.S)
    # The figures come from the records: three received in the year, two refused, though
    # the report was published after the first.
    assert "Published" in fife.group(0) and '<td data-label="Received">3</td>' in fife.group(0)
    assert '<td data-label="Refused">2</td>' in fife.group(0) and "1 of 2" in fife.group(0)
    assert "Overdue: was due by 30 June 2027" in html  # every other authority's
    data = public.get("/statistics.json").json
    assert data["year"] == 2026
    mine = [r for r in data["reports"] if r["authority"]["code"] == "FIFE"]
    assert [(r["kind"], r["status"], r["figures"]["received"]) for r in mine] == [
        ("participation_request", "published", 3),
        ("asset_transfer_request", "overdue", 0),
    ]
    assert (mine[0]["decided"], mine[0]["decided_on_time"]) == (2, 1)
    assert all(
        r["status"] == "overdue" for r in data["reports"] if r["authority"]["code"] != "FIFE"
    )
    councils = next(
        t
        for t in data["by_authority_type"]
        if (t["authority_type"], t["kind"]) == ("Local authority", "participation_request")
    )
    assert (councils["received"], councils["agreed"], councils["refused"]) == (3, 0, 2)
    # The first decision, on Wed 1 April 2026, was due on Tue 12 May (30 working days
    # beginning with the validation date): 41 days early, in the 4-to-8-weeks band. The
    # second, 2 days late.
    bands = [b["decisions"] for b in data["decision_timing"]["participation_request"]]
    assert bands == [0, 1, 0, 1, 0]
    rows = list(csv.reader(io.StringIO(public.get("/statistics.csv").get_data(as_text=True))))
    assert rows[0] == [
        "authority",
        "authority_type",
        "kind",
        "year",
        "status",
        "due_by",
        "received",
        "agreed",
        "refused",
        "decided",
        "decided_on_time",
    ]
    assert [
        "Fife Council",
        "local_authority",
        "participation_request",
        "2026",
        "published",
        "2027-06-30",
        "3",
        "0",
        "2",
        "2",
        "1",
    ] in rows
    assert all(len(r) == len(rows[0]) for r in rows)


def test_the_national_charts_are_images_with_their_figures_in_words_and_tables(
    app, world: World, session, clock
):
    """WCAG 2.2 1.1.1: each chart's text alternative says what it shows, and a table
    beside it holds the same figures."""
    ref = submitted(world)  # Wed 1 April 2026
    ok(world.officer.act(ref, "validate"))
    ok(decide(world, ref, "refused"))
    move(clock, "2027-07-01")
    public = web_client(app)
    html = public.get("/statistics").get_data(as_text=True)
    said = "Across Scotland, 1 participation request was received, 0 agreed and 1 refused."
    assert f'alt="Bar chart. {said}' in html
    table = re.search(r"<caption>Requests received, agreed and refused.*?</table>", html, re.S)
    row = re.search(r"<tr><td[^>]*>Local authority: participation requests</td>.*?</tr>", table[0])
    assert re.findall(r">(\d+)</td>", row[0]) == ["1", "0", "1"]
    assert "Of 1 decision on participation requests, 1 (100%) was made by the date due." in html
    for name in ("requests", "timing"):
        assert f'src="/statistics/charts/{name}.svg?year=2026"' in html
    # No review or appeal was concluded, and no deprivation lookup is loaded: no picture of
    # nothing, but the table of noughts and a sentence saying so.
    assert "results.svg" not in html and "simd-participation_request.svg" not in html
    assert "0 reviews and 0 appeals of asset transfer decisions were concluded" in html
    assert "No deprivation lookup has been loaded" in html
    chart = public.get("/statistics/charts/requests.svg?year=2026")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    drawn = chart.get_data(as_text=True)
    assert "<script" not in drawn and "Local authority: participation requests" in drawn
    assert "unsafe-inline" in chart.headers["Content-Security-Policy"]
    assert "script-src" not in chart.headers["Content-Security-Policy"]
    assert public.get("/statistics/charts/requests.svg?year=2026").get_data(as_text=True) == drawn
    assert public.get("/statistics/charts/nothing.svg?year=2026").status_code == 404
    assert public.get("/statistics/charts/requests.svg?year=1999").status_code == 404


def test_the_reports_and_the_national_page_count_requests_by_priority_and_locality(
    app, world: World, session, clock
):
    """Issue 12, community planning (Part 2, ss.6 and 10): two requests received by Fife in
    the year, one linked to a LOIP priority and a locality, one to nothing."""
    from sqlalchemy import select

    from casework import planning
    from casework.models import Case, User

    linked, _unlinked = submitted(world), submitted(world)
    manager = session.scalar(select(User).where(User.email == world.manager.email))
    growth = planning.create(session, manager, {"kind": "priority", "name": "Inclusive growth"})
    planning.create(session, manager, {"kind": "priority", "name": "Thriving places"})
    levenmouth = planning.create(session, manager, {"kind": "locality", "name": "Levenmouth"})
    case = session.scalar(select(Case).where(Case.reference == linked))
    for item in (growth, levenmouth):
        planning.link(session, case, item, manager)
    session.commit()
    post(
        web_client(app, session, world.officer.email),
        YEAR_PAGE,
        do="write",
        promotion="P.",
        support="S.",
    )
    client = signed_in_manager(app, world, session)
    html = client.get(YEAR_PAGE).get_data(as_text=True)
    table = re.search(r"<caption>By priority.*?</table>", html, re.S)[0]
    received = re.search(r"Requests received</td>(.*?)</tr>", table, re.S)[1]
    # Inclusive growth 1, Thriving places 0, linked to none 1.
    assert re.findall(r">(\d+)</td>", received) == ["1", "0", "1"]
    post(client, YEAR_PAGE, do="approve")
    post(client, YEAR_PAGE, do="publish")

    move(clock, "2027-07-01")
    public = web_client(app)
    shown = public.get("/annual-reports/FIFE/participation_request/2026.json").json["planning"]
    assert [i["name"] for i in shown["priority"]["items"]] == [
        "Inclusive growth",
        "Thriving places",
    ]
    by_locality = {f["key"]: (f["by_item"], f["unlinked"]) for f in shown["locality"]["figures"]}
    assert by_locality["received"] == ([1], 1) and by_locality["agreed"] == ([0], 0)
    national = public.get("/statistics?year=2026").get_data(as_text=True)
    assert "<h3>Fife Council: participation requests</h3>" in national
    assert "Levenmouth" in national and "Reviews in which" not in national.split('id="planning"')[1]
    data = public.get("/statistics.json?year=2026").json["community_planning"]
    fife = next(p for p in data if (p["authority"], p["kind"]) == ("FIFE", "participation_request"))
    received = next(f for f in fife["priority"]["figures"] if f["key"] == "received")
    assert (received["by_item"], received["unlinked"]) == ([1, 0], 1)


def test_the_national_page_breaks_requests_down_by_the_deprivation_of_the_body_and_land(
    app, world: World, session, clock
):
    """Issue 12, the inequalities lens: with the demo's sample lookup, the world's body
    (Kinghorn KY3 9UE: invented rank 4,480 of 6,976, quintile ceil(5 x 4480 / 6976) = 4)
    makes a participation request; an asset transfer request for land with no postcode
    cannot be placed by its land."""
    from casework.demo_simd import seed_sample_simd
    from tests.casework.conftest import asset_request

    seed_sample_simd(session)
    session.commit()
    submitted(world)
    ok(world.body.act(asset_request(world), "submit"))
    move(clock, "2027-07-01")
    html = web_client(app).get("/statistics?year=2026").get_data(as_text=True)
    assert "Sample data, not the real SIMD" in html
    table = re.search(
        r"<caption>Participation requests by the deprivation of the body&#39;s area.*?</table>",
        html,
        re.S,
    )[0]
    row = re.search(r"Quintile 4</td>(.*?)</tr>", table, re.S)[1]
    assert re.findall(r">(\d+)</td>", row) == ["1", "0", "0"]
    assert "Asset transfer requests by the deprivation of the land&#39;s area" in html
    land = re.search(
        r"<caption>Asset transfer requests by the deprivation of the land.*?</table>", html, re.S
    )[0]
    unplaced = re.search(r"Could not be placed</td>(.*?)</tr>", land, re.S)[1]
    assert re.findall(r">(\d+)</td>", unplaced)[0] == "1"
    assert 'src="/statistics/charts/simd-participation_request.svg?year=2026"' in html
