"""The register on the embedded default (SQLite): the same query API as on PostgreSQL,
searched through an FTS5 table that triggers keep in step with register_records, and paged
by the same cursors, the sort by authority included."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from casework import register
from casework.db import make_engine, make_sessionmaker
from casework.migrate import upgrade
from casework.models import AssetTransferRequest, Event, LandEntry, RegisterRecord
from tests.conftest import settings_for

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def embedded(tmp_path, clock):
    """A SQLite database made by the migrations, its sessions, and the app over it."""
    from casework.app import create_app

    url = f"sqlite:///{tmp_path / 'casework.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    app = create_app(settings_for(url, tmp_path), clock=clock, sessions=sessions)
    yield app, sessions
    engine.dispose()


def add(sessions, n: int, *, land: LandEntry | None = None, **values) -> RegisterRecord:
    """A published record, with the search text the publication actor writes for a
    request for `land`."""
    with sessions() as s:
        event = Event(type="notice.issued", actor="test", payload={})
        s.add(event)
        s.flush()
        row = RegisterRecord(
            event_id=event.id,
            case_id=None,
            reference=f"ATR-FIFE-2026-{n:04d}",
            kind="asset_transfer_request",
            document="decision_notice",
            title=values.pop("title", f"Decision notice {n}"),
            request_title=None,
            authority_code=values.pop("authority_code", "FIFE"),
            authority_name=values.pop("authority_name", "Fife Council"),
            body_name="Kinghorn Community Trust",
            outcome="agreed",
            issued_on=dt.date(2026, 4, 1),
            citation="s.82",
            text="The request is agreed.",
            published_at=START + dt.timedelta(hours=n // 2),
            search_text=register.search_text(AssetTransferRequest(land=land, land_description="")),
            **values,
        )
        s.add(row)
        s.commit()
        return row


def refs(app, **query) -> list[str]:
    response = app.test_client().get(
        "/api/v1/register/decisions", query_string={"page_size": 100, **query}
    )
    assert response.status_code == 200, response.json
    return [i["reference"] for i in response.json["items"]]


def test_search_finds_a_decision_by_a_word_of_its_lands_name_on_sqlite(embedded):
    app, sessions = embedded
    bothy = LandEntry(name="Auchtermuchty Bothy", address="Kirk Wynd, Auchtermuchty KY14 7AP")
    add(sessions, 1, land=bothy)
    add(sessions, 2, land=LandEntry(name="Kinghorn Town Hall", address="Town Hall Square"))
    with sessions() as s:  # the FTS5 table is there, and holds both
        assert s.scalar(text("SELECT count(*) FROM register_search")) == 2
    assert refs(app, q="Auchtermuchty") == ["ATR-FIFE-2026-0001"]  # the land's name
    assert refs(app, q="auchter") == ["ATR-FIFE-2026-0001"]  # by prefix
    assert refs(app, q="kirk wynd") == ["ATR-FIFE-2026-0001"]  # its address
    assert refs(app, q="hall") == ["ATR-FIFE-2026-0002"]
    assert refs(app, q="Kinghorn") == ["ATR-FIFE-2026-0002", "ATR-FIFE-2026-0001"]  # the body
    assert refs(app, q="bothy hall") == []  # every word
    assert refs(app, q="ATR-FIFE-2026-0002") == ["ATR-FIFE-2026-0002"]  # a reference
    assert refs(app, q="bothy", sort="relevance") == ["ATR-FIFE-2026-0001"]
    page = app.test_client().get("/register", query_string={"q": "Auchtermuchty"})
    assert "ATR-FIFE-2026-0001" in page.get_data(as_text=True)
    assert "ATR-FIFE-2026-0002" not in page.get_data(as_text=True)


def test_the_search_table_follows_a_record_changed_or_removed(embedded):
    """The triggers of migration 0013 keep the FTS5 table in step with the records."""
    app, sessions = embedded
    add(sessions, 1, land=LandEntry(name="Auchtermuchty Bothy", address=""))
    with sessions() as s:
        row = s.scalar(select(RegisterRecord))
        row.search_text = "Falkland Palace"
        s.commit()
    assert refs(app, q="falkland") == ["ATR-FIFE-2026-0001"]
    assert refs(app, q="auchtermuchty") == []
    with sessions() as s:
        s.delete(s.scalar(select(RegisterRecord)))
        s.commit()
        assert s.scalar(text("SELECT count(*) FROM register_search")) == 0
    assert refs(app, q="falkland") == []


def test_cursor_pages_on_sqlite_cover_every_record_once_in_order(embedded):
    app, sessions = embedded
    # Records 1-9: two of each hour, Fife, Highland and Angus in turn.
    names = {"FIFE": "Fife Council", "HIGH": "The Highland Council", "ANGU": "Angus Council"}
    codes = ["FIFE", "HIGH", "ANGU"]
    for n in range(1, 10):
        code = codes[n % 3]
        add(sessions, n, authority_code=code, authority_name=names[code])
    client = app.test_client()

    def walk(**query) -> list[str]:
        got = client.get("/api/v1/register/decisions", query_string={"page_size": 2, **query})
        seen = [i["reference"][-1] for i in got.json["items"]]
        while got.json["next"]:
            parts = urlsplit(got.json["next"])
            got = client.get(f"{parts.path}?{parts.query}")
            seen += [i["reference"][-1] for i in got.json["items"]]
        return seen

    assert walk() == list("987654321")
    assert walk(sort="oldest") == list("123456789")
    # Angus (2, 5, 8), Fife (3, 6, 9), Highland (1, 4, 7); newest first in each.
    assert walk(sort="authority") == list("852963741")


def test_the_csv_on_sqlite_has_the_same_header_and_guards_formulas(embedded):
    app, sessions = embedded
    add(sessions, 1, title="=SUM(A1:A9)")
    add(sessions, 2)
    response = app.test_client().get("/register/decisions.csv")
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "id", "url", "reference", "kind", "document", "title", "authority_code",
        "authority_name", "community_body", "outcome", "issued_on", "citation", "published_at",
    ]  # fmt: skip
    assert [r[2] for r in rows[1:]] == ["ATR-FIFE-2026-0002", "ATR-FIFE-2026-0001"]
    assert rows[2][5] == "'=SUM(A1:A9)"
    assert rows[2][1] == f"http://casework.test/register/{rows[2][0]}"
    # Record 1: published at START (n // 2 == 0 hours), 09:00 UTC on 1 April 2026.
    assert rows[2][8:] == [
        "Kinghorn Community Trust", "agreed", "2026-04-01", "s.82", "2026-04-01T09:00:00+00:00"
    ]  # fmt: skip
