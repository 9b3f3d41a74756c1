"""The public read side reads from DATABASE_READ_URL where one is set (issue 13, "Beyond one
machine"): a second database stands in for a streaming replica, holding an authority the
primary does not, and the public statistics show it while the pages that write (and the
signed-in side) keep to the primary."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from casework.app import create_app
from casework.config import ConfigError, Settings
from casework.migrate import upgrade
from casework.models import Authority, Event, RegisterRecord
from tests.conftest import fresh_database, settings_for


@pytest.fixture(scope="module")
def two_databases(worker_id: str):
    primary, replica = (
        fresh_database(f"{worker_id}_primary"),
        fresh_database(f"{worker_id}_replica"),
    )
    for url in (primary, replica):
        upgrade(url)
    engine = create_engine(replica)
    with Session(engine) as s:
        s.add(Authority(code="ORKNEY", name="Orkney Islands Council", type="local_authority"))
        event = Event(type="document.published", actor="system: test", payload={})
        s.add(event)
        s.flush()
        s.add(
            RegisterRecord(
                event_id=event.id,
                case_id=None,
                reference="ORKNEY-PR-2025-26",
                kind="participation_request",
                document="annual_report",
                title="Annual report on participation requests, 1 April 2025 to 31 March 2026",
                authority_code="ORKNEY",
                authority_name="Orkney Islands Council",
                body_name="",
                issued_on=dt.date(2026, 6, 1),
                citation="s.32",
                text="Requests received: 2",
            )
        )
        s.commit()
    engine.dispose()
    return primary, replica


def test_the_public_statistics_read_the_replica_and_the_primary_is_left_alone(
    two_databases, tmp_path
):
    primary, replica = two_databases
    app = create_app(settings_for(primary, tmp_path, DATABASE_READ_URL=replica))
    data = app.test_client().get("/statistics.json").json
    assert {r["authority"]["code"] for r in data["reports"]} == {"ORKNEY"}
    engine = create_engine(primary)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Authority)) == 0
    engine.dispose()


def test_the_register_reads_the_replica_its_api_feed_page_and_csv(two_databases, tmp_path):
    """The public register's listings, feed, page and CSV all come from DATABASE_READ_URL."""
    primary, replica = two_databases
    client = create_app(settings_for(primary, tmp_path, DATABASE_READ_URL=replica)).test_client()
    items = client.get("/api/v1/register/decisions").json["items"]
    assert [i["reference"] for i in items] == ["ORKNEY-PR-2025-26"]
    assert "Requests received: 2" in client.get("/register/decisions.atom").get_data(as_text=True)
    assert "Orkney Islands Council" in client.get("/register").get_data(as_text=True)
    assert "ORKNEY-PR-2025-26" in client.get("/register/decisions.csv").get_data(as_text=True)
    [record_id] = [i["id"] for i in items]
    assert client.get(f"/api/v1/register/documents/{record_id}").status_code == 200
    primary_only = create_app(settings_for(primary, tmp_path)).test_client()
    assert primary_only.get("/api/v1/register/decisions").json["items"] == []


def test_without_a_read_url_the_public_side_reads_the_primary(two_databases, tmp_path):
    primary, _ = two_databases
    app = create_app(settings_for(primary, tmp_path))
    assert app.extensions["casework"].read_sessions is None
    assert app.test_client().get("/statistics.json").json["reports"] == []


def test_the_pool_size_is_set_and_checked():
    base = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "CASEWORK_INSTANCE": "/tmp/x"}
    assert Settings.from_env({**base, "DATABASE_POOL_SIZE": "16"}).database_pool_size == 16
    assert Settings.from_env(base).database_pool_size == 10
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        Settings.from_env({**base, "DATABASE_POOL_SIZE": "none"})
