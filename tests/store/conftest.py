"""Store fixtures: a migrated store on each backend, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine

from erpsync.store import Store, resolve_url


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


@pytest.fixture
def store(database_url: str, clock: ManualClock) -> Iterator[Store]:
    opened = Store.open(database_url, clock=clock)
    try:
        yield opened
    finally:
        opened.close()


@contextmanager
def raw_engine(url: str) -> Iterator[Engine]:
    """A plain engine on the store's database, for looking behind the API (as an operator's psql would)."""
    engine = create_engine(resolve_url(url))
    try:
        yield engine
    finally:
        engine.dispose()
