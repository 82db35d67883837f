"""``Store``: the one object flows, the engine, the web and the CLI use to reach the state store."""

from __future__ import annotations

from datetime import timedelta
from types import TracebackType

from sqlalchemy import text

from erpsync.store._core import Clock, utc_now
from erpsync.store.archive import PayloadArchive
from erpsync.store.conflicts import Conflicts
from erpsync.store.cursors import Cursors
from erpsync.store.database import create_store_engine, migrate_to_head, resolve_url
from erpsync.store.exception_queue import ExceptionQueue
from erpsync.store.holds import Holds
from erpsync.store.timeline import Timeline
from erpsync.store.xref import CrossReferences
from erpsync.store.xref_batch import BatchCrossReferences


class Store(
    CrossReferences,
    BatchCrossReferences,
    Cursors,
    PayloadArchive,
    Timeline,
    ExceptionQueue,
    Holds,
    Conflicts,
):
    """The state store: id cross-reference, cursors, payload archive, timeline, exceptions, holds, conflicts.

    >>> store = Store.open("sqlite:///erpsync.db")      # or postgresql://..., or ERPSYNC_DATABASE_URL
    >>> store.link("shopify", "order", "5501", "order:shopify:1042")
    >>> store.business_key("shopify", "order", "5501")
    'order:shopify:1042'

    One Store per process, shared by its threads: every call opens and closes its own session.
    """

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        payload_retention: timedelta | None = None,
        clock: Clock = utc_now,
    ) -> Store:
        """Connect and migrate to the latest schema.

        ``url`` defaults to ``ERPSYNC_DATABASE_URL``, then to SQLite ``erpsync.db`` in the working directory.
        ``payload_retention`` is what ``purge_expired_payloads`` keeps; ``clock`` exists for tests.
        """
        engine = create_store_engine(resolve_url(url))
        try:
            migrate_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock, payload_retention=payload_retention)

    @property
    def database_url(self) -> str:
        """The URL in use, password hidden (safe to log and show)."""
        return self._engine.url.render_as_string(hide_password=True)

    def reachable(self) -> bool:
        """Whether the database answers now (health checks); never raises."""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
