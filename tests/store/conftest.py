"""Store fixtures: a migrated store on each backend, with a clock the test moves by hand.

Creating and migrating a PostgreSQL database costs about a second on a busy machine, so behaviour tests
share one migrated database per session and start from emptied tables; migration tests use the
fresh-database ``database_url`` fixture instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import Engine, create_engine

from erpsync.store import Store, resolve_url
from erpsync.store.tables import Base

POSTGRES_ADMIN_URL = os.environ.get("ERPSYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class ManualClock:
    """Time stands still until the test advances it, so ages are exact and nothing sleeps."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@contextmanager
def raw_engine(url: str) -> Iterator[Engine]:
    """A plain engine on the store's database, for looking behind the API (as an operator's psql would)."""
    engine = create_engine(resolve_url(url))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_postgres_url() -> Iterator[str]:
    name = f"erpsync_store_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}"
    try:
        Store.open(url).close()
        yield url
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """An empty, migrated store database on each backend in turn."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    url = str(request.getfixturevalue("migrated_postgres_url"))
    # DELETE beats TRUNCATE on tables this small; ids keep counting up, which no test relies on.
    with raw_engine(url) as engine, engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    return url


@pytest.fixture
def store(store_url: str, clock: ManualClock) -> Iterator[Store]:
    opened = Store.open(store_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()
