"""What every part of the store shares: one engine, a Session per call, the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from erpsync.store.database import READ_ONLY_OPTION

T = TypeVar("T")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreCore:
    """Sessions live for one call only, so a Store is safe to share between threads (DBOS workers)."""

    def __init__(
        self, engine: Engine, *, clock: Clock = utc_now, payload_retention: timedelta | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._payload_retention = payload_retention
        self._writers = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(engine.execution_options(**{READ_ONLY_OPTION: True}))

    def _now(self) -> datetime:
        return self._clock()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._writers.begin() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._readers.begin() as session:
            yield session

    def _write_racing(self, change: Callable[[Session], T]) -> T:
        """Run a check-then-insert change; if another process inserted the same row first (a unique index
        says so), run it once more, when the check sees that row. Only PostgreSQL gets here: SQLite writers
        are serialised by BEGIN IMMEDIATE."""
        try:
            with self._write() as session:
                return change(session)
        except IntegrityError:
            with self._write() as session:
                return change(session)
