"""Shared fixtures: a real PostgreSQL database per test worker, built by the migrations.

Each test runs inside a transaction on one connection and is rolled back at the end;
the app under test uses SAVEPOINTs on that same connection, so its commits are real
commits as far as the code can tell. Tests that need a second connection (workers,
browsers, concurrency) use `committed_db` instead, which truncates the tables.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

import notifications.models  # noqa: F401  (so the metadata has every table)
from casework.clock import Clock
from casework.config import Settings
from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/casework_test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failed test: it means a real service was not exercised."""
    if os.environ.get("CASEWORK_NO_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(
            f"CASEWORK_NO_SKIPS=1: {len(skipped)} test(s) were skipped; failing the run.",
            red=True,
        )
        session.exitstatus = 1


def pg_url() -> str:
    from casework.config import normalise_database_url

    return normalise_database_url(os.environ.get("DATABASE_URL") or DEFAULT_PG)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS


def fresh_database(name_suffix: str) -> str:
    """Drop and create a PostgreSQL database next to DATABASE_URL; return its URL."""
    url = make_url(pg_url())
    name = f"{url.database}_{name_suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> str:
    url = fresh_database(worker_id)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine):
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions) -> Iterator[Session]:
    s = sessions()
    yield s
    s.close()


@pytest.fixture
def clock() -> Clock:
    """Wednesday 1 April 2026, 09:00 in Scotland (BST). Tests move it as they need."""
    return Clock(dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC))


def settings_for(database_url: str, instance: Path, **overrides) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "CASEWORK_INSTANCE": str(instance),
        "SECRET_KEY": "test-secret",
        "BASE_URL": "http://casework.test",
        "STATISTICS_MAX_AGE": "0",  # each test sees the figures of its own records
    }
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture
def app(database_url, sessions, clock, tmp_path):
    from casework.app import create_app

    return create_app(settings_for(database_url, tmp_path), clock=clock, sessions=sessions)


@pytest.fixture
def committed_db(engine: Engine) -> Iterator[Engine]:
    """For tests that need several connections: real commits, tables emptied afterwards."""
    yield engine
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
