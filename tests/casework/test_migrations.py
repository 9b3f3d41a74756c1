"""The migrations are the only way the schema is made, and they match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from casework.db import make_engine
from casework.migrate import upgrade
from casework.models import Base
from casework.models.register import SEARCH_COLUMNS, SEARCH_INDEXES, SEARCH_TABLES
from tests.conftest import fresh_database


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _not_search}
            )
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def _not_search(obj, name, type_, reflected, compare_to) -> bool:
    """The register's full-text search is the migration's, not the models' (0013)."""
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "column":
        return name not in SEARCH_COLUMNS
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True


def _empty_tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            else:
                rows = conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            return {r[0] for r in rows}
    finally:
        engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return fresh_database(f"{worker_id}_migrations")


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database):
    assert _empty_tables(empty_database) - {"sqlite_sequence"} == set()
    upgrade(empty_database)
    assert {t.name for t in Base.metadata.sorted_tables} <= _empty_tables(empty_database)
    assert _diff(empty_database) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'tampered'",
        "DELETE FROM events",
    ],
)
def test_the_database_refuses_to_change_an_event(empty_database, statement):
    upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO events (type, occurred_at, actor, payload) "
                    "VALUES ('test', CURRENT_TIMESTAMP, 'test', '{}')"
                )
            )
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT type FROM events")).scalars().all() == ["test"]
    finally:
        engine.dispose()
