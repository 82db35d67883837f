"""The engine's own small tables, beside the store's: worker heartbeats, paused flows, completed keys.

They live in the same database as DBOS and the store, prefixed ``erpsync_engine_``. Times come from the
database's clock, never a worker's, so machines with skewed clocks still agree on who is dead.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

metadata = sa.MetaData()

workers = sa.Table(
    "erpsync_engine_workers",
    metadata,
    sa.Column("worker_id", sa.String(200), primary_key=True),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
)

paused_flows = sa.Table(
    "erpsync_engine_paused_flows",
    metadata,
    sa.Column("flow", sa.String(200), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("paused_at", sa.Float, nullable=False),
)

completed_keys = sa.Table(
    "erpsync_engine_completed_keys",
    metadata,
    sa.Column("prerequisite", sa.String(400), primary_key=True),
    sa.Column("completed_at", sa.Float, nullable=False),
)

# One row per request slot of a budget declared with ``requests_in_flight`` (PostgreSQL; see slots.py).
request_slots = sa.Table(
    "erpsync_engine_request_slots",
    metadata,
    sa.Column("budget", sa.String(200), primary_key=True),
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("holder", sa.String(64), nullable=True),
    sa.Column("worker_id", sa.String(200), nullable=True),
    sa.Column("lease_until", sa.Float, nullable=True),
)

# The workers waiting for a request slot, and since when: a claim yields to another worker waiting longer.
request_waiters = sa.Table(
    "erpsync_engine_request_waiters",
    metadata,
    sa.Column("budget", sa.String(200), primary_key=True),
    sa.Column("worker_id", sa.String(200), primary_key=True),
    sa.Column("since", sa.Float, nullable=False),
    sa.Column("polled_at", sa.Float, nullable=False),
)

_SCHEMA_LOCK = zlib.crc32(b"erpsync_engine_schema")


@dataclass(frozen=True)
class PausedFlow:
    flow: str
    reason: str


def sqlalchemy_url(url: str) -> str:
    """psycopg 3 for PostgreSQL URLs, as the store and DBOS use."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class EngineState:
    def __init__(self, database_url: str) -> None:
        url = sqlalchemy_url(database_url)
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self._db: SqlEngine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        self._create_tables()

    def close(self) -> None:
        self._db.dispose()

    def _create_tables(self) -> None:
        with self._db.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Two workers starting at once would race on CREATE TABLE; the lock serialises them.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            metadata.create_all(conn, checkfirst=True)

    def _now(self) -> sa.ColumnElement[float]:
        if self._db.dialect.name == "postgresql":
            return sa.cast(sa.func.extract("epoch", sa.func.clock_timestamp()), sa.Float)
        return sa.cast((sa.func.julianday("now") - 2440587.5) * 86400.0, sa.Float)

    # --- worker heartbeats -------------------------------------------------------------------------------
    def beat(self, worker_id: str) -> None:
        with self._db.begin() as conn:
            updated = conn.execute(
                workers.update().where(workers.c.worker_id == worker_id).values(heartbeat_at=self._now())
            )
            if updated.rowcount == 0:
                conn.execute(
                    workers.insert().values(
                        worker_id=worker_id, heartbeat_at=self._now(), started_at=self._now()
                    )
                )

    def stale_workers(self, worker_id: str, older_than: float) -> list[str]:
        """Other workers whose last heartbeat is more than ``older_than`` seconds old."""
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(workers.c.worker_id).where(
                    workers.c.worker_id != worker_id, workers.c.heartbeat_at < self._now() - older_than
                )
            )
            return [row.worker_id for row in rows]

    def forget_worker(self, worker_id: str, older_than: float) -> bool:
        """Drop a dead worker's row, unless it came back meanwhile (its heartbeat is fresh again)."""
        with self._db.begin() as conn:
            deleted = conn.execute(
                workers.delete().where(
                    workers.c.worker_id == worker_id, workers.c.heartbeat_at < self._now() - older_than
                )
            )
            return deleted.rowcount > 0

    def live_workers(self, older_than: float) -> list[str]:
        with self._db.begin() as conn:
            rows = conn.execute(
                sa.select(workers.c.worker_id).where(workers.c.heartbeat_at >= self._now() - older_than)
            )
            return sorted(row.worker_id for row in rows)

    def free_request_slots(self, worker_id: str) -> int:
        """Free the request slots a (dead, or restarted) worker still holds; returns how many."""
        with self._db.begin() as conn:
            freed = conn.execute(
                request_slots.update()
                .where(request_slots.c.worker_id == worker_id)
                .values(holder=None, worker_id=None, lease_until=None)
            )
            return freed.rowcount

    # --- paused flows ------------------------------------------------------------------------------------
    def pause(self, flow: str, reason: str) -> None:
        with self._db.begin() as conn:
            exists = conn.execute(sa.select(paused_flows.c.flow).where(paused_flows.c.flow == flow)).first()
            if exists is None:
                conn.execute(paused_flows.insert().values(flow=flow, reason=reason, paused_at=self._now()))

    def resume(self, flow: str) -> bool:
        with self._db.begin() as conn:
            return conn.execute(paused_flows.delete().where(paused_flows.c.flow == flow)).rowcount > 0

    def paused(self, flow: str) -> PausedFlow | None:
        with self._db.begin() as conn:
            row = conn.execute(sa.select(paused_flows).where(paused_flows.c.flow == flow)).first()
            return None if row is None else PausedFlow(flow=row.flow, reason=row.reason)

    # --- completed prerequisites -------------------------------------------------------------------------
    def mark_completed(self, prerequisite: str) -> None:
        try:
            with self._db.begin() as conn:
                updated = conn.execute(
                    completed_keys.update()
                    .where(completed_keys.c.prerequisite == prerequisite)
                    .values(completed_at=self._now())
                )
                if updated.rowcount == 0:
                    conn.execute(
                        completed_keys.insert().values(prerequisite=prerequisite, completed_at=self._now())
                    )
        except sa.exc.IntegrityError:
            pass  # another worker completed the same key at the same moment: it is recorded either way

    def is_completed(self, prerequisite: str) -> bool:
        with self._db.begin() as conn:
            row = conn.execute(
                sa.select(completed_keys.c.prerequisite).where(completed_keys.c.prerequisite == prerequisite)
            ).first()
            return row is not None
