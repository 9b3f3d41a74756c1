"""The register at scale, on PostgreSQL: pages by cursor over every sort, both ways; a
tampered cursor is a 422; the count is exact to 10,000 and says "more than" past it; the
old page numbers still work; search is full-text, ranked, by prefix, and finds a decision
by a word of its land's name; the whole-register CSV streams."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy import text as sa_text

from casework.models import RegisterRecord
from tests.casework.conftest import decide_atr, move, ok
from tests.casework.register_seed import seed
from tests.web.test_public_service_pages import publish_all, titled_hall_request

DECISIONS = "/api/v1/register/decisions"


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def walk(client, url: str, **query) -> tuple[list[dict], list[dict]]:
    """Every page of a listing by its next links, then back again by prev links."""
    pages = [client.get(url, query_string=query).json]
    while pages[-1]["next"]:
        pages.append(client.get(local(pages[-1]["next"])).json)
    back = [pages[-1]]
    while back[-1]["prev"]:
        back.append(client.get(local(back[-1]["prev"])).json)
    return pages, back


def g_of(item: dict) -> int:
    """The seed's number for a record, from its reference (PR-A{g % 32}-2026-{g:06d})."""
    return int(item["reference"].rsplit("-", 1)[1])


# Seeded records 1..60: the decisions among them are those with g % 5 in (0, 1, 2).
N = 60
DECIDED = [g for g in range(1, N + 1) if g % 5 in (0, 1, 2)]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # Published g // 3 hours after the start: newest first, the id (the g) breaking ties.
        ("newest", sorted(DECIDED, reverse=True)),
        ("oldest", sorted(DECIDED)),
        # By the authority's name ("Authority 00" to "Authority 31"), then newest first.
        ("authority", sorted(DECIDED, key=lambda g: (g % 32, -g))),
    ],
)
def test_cursor_pages_cover_each_sort_once_in_order_and_back(app, connection, sort, expected):
    seed(connection, N)
    client = app.test_client()
    pages, back = walk(client, DECISIONS, sort=sort, page_size=7)
    forward = [g_of(i) for p in pages for i in p["items"]]
    assert forward == expected  # 36 decisions, every one once
    assert [p["page"] for p in pages] == [1, 2, 3, 4, 5, 6]
    assert [len(p["items"]) for p in pages] == [7, 7, 7, 7, 7, 1]
    assert all(p["total"] == 36 and p["total_exact"] for p in pages)
    assert [p["page"] for p in back] == [6, 5, 4, 3, 2, 1]
    assert [[g_of(i) for i in p["items"]] for p in reversed(back)] == [
        [g_of(i) for i in p["items"]] for p in pages
    ]
    assert pages[0]["prev"] is None and pages[-1]["next"] is None
    # A link keeps the filters and the sort, and carries no page number.
    assert f"sort={sort}" in pages[0]["next"] and "page=" not in pages[0]["next"].split("?")[1]


def test_the_old_page_number_still_reads_the_same_page(app, connection):
    seed(connection, N)
    client = app.test_client()
    second = client.get(DECISIONS, query_string={"page": 2, "page_size": 7}).json
    by_cursor = client.get(local(client.get(DECISIONS, query_string={"page_size": 7}).json["next"]))
    assert [g_of(i) for i in second["items"]] == sorted(DECIDED, reverse=True)[7:14]
    assert second["items"] == by_cursor.json["items"]
    assert second["page"] == 2 and second["next"] and second["prev"]


def _tampered(cursor: str, change) -> str:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    change(raw)
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode()


def test_a_tampered_or_garbled_cursor_is_a_422_not_a_500(app, connection):
    seed(connection, 30)
    client = app.test_client()
    next_url = client.get(DECISIONS, query_string={"page_size": 5}).json["next"]
    cursor = next_url.split("cursor=")[1]
    bad = [
        "not-base64!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        _tampered(cursor, lambda r: r.update(k=["yesterday", 3])),  # not a time
        _tampered(cursor, lambda r: r.update(k=[r["k"][0]])),  # a value short
        _tampered(cursor, lambda r: r.update(k=[r["k"][0], "3"])),  # id not a number
        _tampered(cursor, lambda r: r.update(p=0)),
        _tampered(cursor, lambda r: r.update(s="oldest")),  # made for another sort
    ]
    for token in bad:
        response = client.get(DECISIONS, query_string={"cursor": token})
        assert response.status_code == 422, (token, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"
        assert "cursor" in json.dumps(response.json)
    # The same cursor with another sort is refused too: it would read the wrong rows.
    assert (
        client.get(DECISIONS, query_string={"cursor": cursor, "sort": "oldest"}).status_code == 422
    )
    # On the page, a bad page link is an error summary, not a crash.
    page = client.get("/register", query_string={"cursor": "garbled"})
    assert page.status_code == 422
    assert "This page link is not one the service made" in page.get_data(as_text=True)


def test_the_count_is_exact_to_ten_thousand_and_says_more_than_beyond(app, connection):
    seed(connection, 10_050)
    client = app.test_client()
    # 10,050 records: three in five are decisions (6,030), every one a document.
    decisions = client.get(DECISIONS).json
    assert (decisions["total"], decisions["total_exact"]) == (6030, True)
    documents = client.get("/api/v1/register/documents").json
    assert (documents["total"], documents["total_exact"]) == (10_000, False)
    html = client.get("/register").get_data(as_text=True)
    assert "6030 decisions and annual reports" in html
    assert "Page 1 of 302" in html  # 6,030 at 20 a page
    more = client.get("/register", query_string={"kind": "participation_request"})
    assert "4020 decisions and annual reports" in more.get_data(as_text=True)


def test_more_than_ten_thousand_decisions_is_said_so_on_the_page(app, connection):
    seed(connection, 17_000)
    html = app.test_client().get("/register").get_data(as_text=True)
    # 17,000 records, 10,200 of them decisions: counted to 10,000 and no further.
    assert "More than 10,000 decisions and annual reports" in html
    assert "Page 1 of more than 500" in html


def test_search_is_by_prefix_every_word_and_ranked(app, connection):
    seed(connection, 2000)
    client = app.test_client()

    def found(**query) -> list[int]:
        response = client.get(DECISIONS, query_string={"page_size": 200, **query})
        assert response.status_code == 200, response.json
        return [g_of(i) for i in response.json["items"]]

    # Lands are Glen0 to Glen999: "glen121" is a prefix of Glen121 alone (records 121 and
    # 1121, both decisions as 121 % 5 == 1121 % 5 == 1); "glen12" of Glen12 and Glen120-129.
    assert found(q="glen121") == [1121, 121]
    assert found(q="GLEN121 hall") == [1121, 121]
    assert found(q="glen12") == sorted(
        (g for g in range(1, 2001) if g % 5 in (0, 1, 2) and g % 1000 in {12, *range(120, 130)}),
        reverse=True,
    )
    assert found(q="glen121 word2") == [121]  # 121 % 7 == 2, 1121 % 7 == 1
    assert found(q="glen1234") == []
    # A reference is a phrase: its own record, not every record with "pr" and "2026".
    assert found(q="PR-A25-2026-000121") == [121]
    # "121" begins words of records 121 (its titles and its land's address), 1121 (the
    # address only) and 1210 to 1219 (their titles). By relevance 121 is first, and 1121,
    # found only in the land (a lesser weight than the titles), is last.
    ranked = found(q="121", sort="relevance")
    assert set(ranked) == {121, 1121, 1210, 1211, 1212, 1215, 1216, 1217}
    assert ranked[0] == 121 and ranked[-1] == 1121
    # Paged by relevance too, with the same rows.
    pages, _ = walk(client, DECISIONS, q="121", sort="relevance", page_size=3)
    assert [g_of(i) for p in pages for i in p["items"]] == ranked


def test_search_finds_a_decision_by_a_word_of_its_lands_name(app, world, clock, session):
    """The land's name and address are written on the record when it is published, so the
    search finds them without joining the case or the land."""
    ref, _ = titled_hall_request(world, clock)
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, ref, "refused", reasons="The library needs the annex."))
    publish_all(session)
    record = session.scalar(select(RegisterRecord).where(RegisterRecord.reference == ref))
    assert "Kinghorn Town Hall" in record.search_text
    client = app.test_client()
    for q in ("Kinghorn", "kinghor", "Town Hall Square"):
        items = client.get(DECISIONS, query_string={"q": q}).json["items"]
        assert [i["reference"] for i in items] == [ref], q


AWKWARD = """
WITH e AS (
    INSERT INTO events (type, occurred_at, actor, payload)
    VALUES ('seed.record', now(), 'seed', '{}') RETURNING id
)
INSERT INTO register_records (
    event_id, reference, kind, document, title, authority_code, authority_name, body_name,
    outcome, issued_on, citation, text, published_at, search_text)
SELECT id, 'FIFE-PR-2026-27', 'participation_request', 'annual_report',
    '=HYPERLINK("http://evil.test")', 'FIFE', E'Fife, "North"\nCouncil', '', NULL,
    date '2027-04-01', 's.32', 'Figures', timestamptz '2027-05-01 12:30:00.000250+00', ''
FROM e
"""


def test_the_whole_register_csv_streams_with_the_header_and_rows_as_before(app, connection):
    seed(connection, 5000)
    connection.execute(sa_text(AWKWARD))  # the newest: a formula, quotes, a blank body
    client = app.test_client()
    response = client.get("/register/decisions.csv")
    assert response.is_streamed  # a generator, sent as it is made
    assert response.headers.get("Content-Length") is None
    chunks = list(response.response)
    assert len(chunks) > 1  # a batch at a time, not one string
    text = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "id", "url", "reference", "kind", "document", "title", "authority_code",
        "authority_name", "community_body", "outcome", "issued_on", "citation", "published_at",
    ]  # fmt: skip
    awkward, body = rows[1], rows[2:]
    assert awkward[2:] == [
        "FIFE-PR-2026-27", "participation_request", "annual_report",
        "'=HYPERLINK(\"http://evil.test\")",  # never a formula in a spreadsheet
        "FIFE", 'Fife, "North"\nCouncil', "", "", "2027-04-01", "s.32",
        "2027-05-01T12:30:00.000250+00:00",
    ]  # fmt: skip
    assert len(body) == 3000  # three decisions in five of 5,000
    decided = [g for g in range(1, 5001) if g % 5 in (0, 1, 2)]
    assert [int(r[2].rsplit("-", 1)[1]) for r in body] == sorted(decided, reverse=True)
    # Record 4997: A5 (4997 % 32), a participation request (% 3 == 2), an appeal outcome
    # (% 5 == 2), refused (% 4 == 1), body 50 (% 97); issued 997 days after 1 January 2020
    # (24 September 2022); published 1,665 hours after 1 January 2026 (09:00 on 11 March).
    row = next(r for r in body if r[2] == "PR-A5-2026-004997")
    assert row[1] == f"http://casework.test/register/{row[0]}"
    assert row[3:] == [
        "participation_request", "appeal_outcome", "Decision on request 4997", "A5",
        "Authority 05", "Body 50", "refused", "2022-09-24", "s.24",
        "2026-03-11T09:00:00+00:00",
    ]  # fmt: skip


def test_the_page_links_to_its_neighbours_by_cursor_with_an_honest_page_count(app, connection):
    seed(connection, 75)
    client = app.test_client()
    first = client.get("/register", query_string={"kind": "participation_request"})
    html = first.get_data(as_text=True)
    # Of records 1-75, decisions (g % 5 < 3) that are participation requests (g % 3 != 0):
    # 45 decisions less the 15 that are asset transfers (g % 15 in 0, 6, 12; five times
    # fifteen records), so 30: pages of 20 and 10.
    assert "30 decisions and annual reports" in html
    assert "Page 1 of 2" in html and 'rel="prev"' not in html
    next_link = unescape(re.search(r'rel="next" href="([^"]+)"', html)[1])
    assert "cursor=" in next_link and "kind=participation_request" in next_link
    second = client.get("/register" + next_link).get_data(as_text=True)
    assert "Page 2 of 2" in second and 'rel="next"' not in second
    back = unescape(re.search(r'rel="prev" href="([^"]+)"', second)[1])
    assert "Page 1 of 2" in client.get("/register" + back).get_data(as_text=True)


def test_the_feed_pages_by_cursor_too(app, connection):
    seed(connection, 100)  # 60 decisions: a feed of 50, then 10
    client = app.test_client()
    atom = "{http://www.w3.org/2005/Atom}"
    first = ET.fromstring(client.get("/register/decisions.atom").get_data())
    links = {link.get("rel"): link.get("href") for link in first.findall(f"{atom}link")}
    assert len(first.findall(f"{atom}entry")) == 50 and "previous" not in links
    second = ET.fromstring(client.get(local(links["next"])).get_data())
    more = {link.get("rel"): link.get("href") for link in second.findall(f"{atom}link")}
    assert len(second.findall(f"{atom}entry")) == 10 and "next" not in more
    assert "cursor=" in more["previous"]
    # As for any filter the feed cannot read: a 422, never a server error.
    bad = client.get("/register/decisions.atom", query_string={"cursor": "garbled"})
    assert bad.status_code == 422
