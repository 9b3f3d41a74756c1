"""Engines and sessions. SQLite runs in WAL mode with foreign keys on, so the embedded
default behaves like the production database in the ways that matter."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, pool_size: int = 10, **kwargs) -> Engine:
    """An engine for `url`. On PostgreSQL the pool keeps `pool_size` connections (at least
    the web server's threads) and recycles them after half an hour; a pre-ping on checkout
    replaces one the server has closed, so a database restart costs no request."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, open transactions: BEGIN IMMEDIATE below.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # Take the write lock at the start, so two writers queue instead of failing.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if "poolclass" in kwargs:  # e.g. NullPool for a one-off command: no pool to size
        return create_engine(url, **kwargs)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size // 2,
        pool_recycle=1800,
        pool_use_lifo=True,  # idle connections beyond the busy few age out
        **kwargs,
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
