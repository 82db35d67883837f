"""Request slots: how many requests may be in flight to one API at once, across every worker.

A queue's ``concurrency`` caps *flows* in flight; an API such as NetSuite limits *requests* in flight (one
account's concurrency limit, shared by every worker and every integration). A flow spends part of its time
between requests (checkpoints, timeline, mapping), so capping flows at the account's limit leaves the account
idle that part of the time. With request slots the queue runs more flows than the limit and each request
holds a slot only while it is on the wire::

    engine.budget("netsuite", concurrency=30, requests_in_flight=15)
    netsuite.client.budget = engine.request_slots("netsuite")   # acquire(timeout) / release() per request

- SQLite (one process): :class:`LocalSlots`, a semaphore of the process's threads.
- PostgreSQL (many workers): :class:`LeasedSlots`, one row per slot in ``erpsync_engine_request_slots``,
  claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` in one autocommit statement and freed by the holder. A
  claim is a lease: a worker that dies holding slots loses them when another worker finds it dead (the same
  heartbeats as flow recovery), or at the latest when the lease runs out. A worker taken for dead while only
  stalled (no heartbeat for ``dead_after``, 60 s) loses its slots too, and its requests still on the wire
  then count beyond the limit: the trade-off flow recovery already makes (its flows run twice).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from erpsync.engine.state import request_slots as slots_table
from erpsync.engine.state import sqlalchemy_url


class RequestSlots(Protocol):
    """A counting limiter (the shape of ``erpsync.connectors.netsuite.budget.ConcurrencyBudget``):
    ``acquire`` one slot before a request (False when none freed up within ``timeout`` seconds), ``release``
    it, on the same thread, once the answer is in."""

    limit: int

    def close(self) -> None: ...

    def acquire(self, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


class LocalSlots:
    """The slots of one process (SQLite serves one process): a bounded semaphore shared by its threads."""

    def close(self) -> None:
        pass

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"requests_in_flight needs at least 1 slot, got {limit}")
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def acquire(self, timeout: float | None = None) -> bool:
        return self._slots.acquire(timeout=timeout) if timeout is not None else self._slots.acquire()

    def release(self) -> None:
        self._slots.release()


# The database's clock, never a worker's: leases of machines with skewed clocks still expire alike.
_NOW = "extract(epoch from clock_timestamp())"
_CLAIM = sa.text(
    f"""
    UPDATE erpsync_engine_request_slots
       SET holder = :holder, worker_id = :worker_id, lease_until = {_NOW} + :lease_seconds
     WHERE budget = :budget AND slot = (
           SELECT slot FROM erpsync_engine_request_slots
            WHERE budget = :budget AND slot < :limit
              AND (holder IS NULL OR lease_until < {_NOW})
              AND NOT EXISTS (
                  SELECT 1 FROM erpsync_engine_request_waiters AS w
                   WHERE w.budget = :budget AND w.worker_id <> :worker_id AND w.polled_at > {_NOW} - 1.0
                     AND w.since < coalesce(CAST(:waiting_since AS double precision), {_NOW}) - :patience)
            ORDER BY slot LIMIT 1
              FOR UPDATE SKIP LOCKED)
    RETURNING slot
    """
)
_WAIT = sa.text(
    f"""
    INSERT INTO erpsync_engine_request_waiters (budget, worker_id, since, polled_at)
    VALUES (:budget, :worker_id, {_NOW}, {_NOW})
    ON CONFLICT (budget, worker_id) DO UPDATE SET polled_at = {_NOW}
    RETURNING since
    """
)
_STOP_WAITING = sa.text(
    "DELETE FROM erpsync_engine_request_waiters WHERE budget = :budget AND worker_id = :worker_id"
)
_FREE = sa.text(
    "UPDATE erpsync_engine_request_slots SET holder = NULL, worker_id = NULL, lease_until = NULL "
    "WHERE budget = :budget AND slot = :slot AND holder = :holder"
)


class LeasedSlots:
    """``limit`` slots of ``budget`` shared by every worker on one PostgreSQL database.

    ``acquire`` claims a free (or expired) slot row in one statement; when none is free it waits for a
    release by a thread of this process (woken at once) or polls again (every ``poll_seconds`` at first,
    backing off to ``max_poll_seconds``: releases by other workers are seen that late). Within a process at
    most ``limit`` threads claim at once, so a busy worker does not poll for more slots than exist.
    ``lease_seconds`` must exceed the longest request (the HTTP client's timeouts). Every worker must declare
    the same limit: a worker claims among slots ``0 .. limit-1``, so during a rolling change of the limit the
    workers on the larger one can use slots the others do not count.

    Fairness between workers: a worker's own releases wake its waiting threads at once, so without more a
    busy worker would keep re-claiming the slots it frees while another worker's threads, polling, starve.
    So a worker with threads waiting says since when (``erpsync_engine_request_waiters``, refreshed while it
    polls), and a claim yields to any other worker that has waited ``patience_seconds`` longer.
    """

    def __init__(
        self,
        database_url: str,
        budget: str,
        limit: int,
        *,
        worker_id: str,
        lease_seconds: float = 300.0,
        poll_seconds: float = 0.005,
        max_poll_seconds: float = 0.1,
        patience_seconds: float = 0.1,
    ) -> None:
        if limit < 1:
            raise ValueError(f"requests_in_flight needs at least 1 slot, got {limit}")
        self.limit = limit
        self.budget = budget
        self.worker_id = worker_id
        # A pool of its own, small: a claim or a release is one short statement, and PostgreSQL's
        # connections are shared by every worker (DBOS already holds many).
        self._db: SqlEngine = sa.create_engine(
            sqlalchemy_url(database_url), isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=3
        )
        self._lease_seconds = lease_seconds
        self._poll_seconds = poll_seconds
        self._max_poll_seconds = max_poll_seconds
        self._patience_seconds = patience_seconds
        self._waiting_lock = threading.Lock()
        self._waiting = 0  # threads of this process waiting for a slot
        self._waiting_since: float | None = None  # the database's time when they began to (our row)
        self._waiting_polled = 0.0
        self._gate = threading.BoundedSemaphore(limit)
        self._released = threading.Condition()
        self._held = threading.local()
        self._create_slots()

    def _create_slots(self) -> None:
        with self._db.connect() as conn:
            existing = set(
                conn.execute(
                    sa.select(slots_table.c.slot).where(slots_table.c.budget == self.budget)
                ).scalars()
            )
            missing = [
                {"budget": self.budget, "slot": slot} for slot in range(self.limit) if slot not in existing
            ]
            if missing:
                from sqlalchemy.dialects.postgresql import insert

                conn.execute(insert(slots_table).on_conflict_do_nothing(), missing)

    def close(self) -> None:
        self._db.dispose()

    def acquire(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        if not (self._gate.acquire(timeout=timeout) if timeout is not None else self._gate.acquire()):
            return False
        waiting = False
        try:
            wait = self._poll_seconds
            while True:
                holder = uuid.uuid4().hex
                slot = self._claim(holder, self._waiting_since if waiting else None)
                if slot is not None:
                    self._stack().append((slot, holder))
                    return True
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    self._gate.release()
                    return False
                first, waiting = not waiting, True
                self._still_waiting(first=first)
                pause = wait * random.uniform(0.5, 1.5)
                with self._released:
                    self._released.wait(pause if remaining is None else min(pause, remaining))
                wait = min(self._max_poll_seconds, wait * 2)
        except BaseException:
            self._gate.release()
            raise
        finally:
            if waiting:
                self._done_waiting()

    def _still_waiting(self, *, first: bool) -> None:
        """Count this thread among the waiting ones; say so in the database (at most every 0.3 s)."""
        with self._waiting_lock:
            self._waiting += first
            if self._waiting_since is not None and time.monotonic() - self._waiting_polled < 0.3:
                return
            with self._db.connect() as conn:
                since = conn.execute(_WAIT, {"budget": self.budget, "worker_id": self.worker_id}).scalar_one()
            self._waiting_since, self._waiting_polled = float(since), time.monotonic()

    def _done_waiting(self) -> None:
        with self._waiting_lock:
            self._waiting -= 1
            if self._waiting == 0:
                with self._db.connect() as conn:
                    conn.execute(_STOP_WAITING, {"budget": self.budget, "worker_id": self.worker_id})
                self._waiting_since = None

    def release(self) -> None:
        stack = self._stack()
        if not stack:
            raise RuntimeError(f"release() of a {self.budget} request slot this thread does not hold")
        slot, holder = stack.pop()
        try:
            with self._db.connect() as conn:
                conn.execute(_FREE, {"budget": self.budget, "slot": slot, "holder": holder})
        finally:
            self._gate.release()
            with self._released:
                self._released.notify()

    def held(self) -> int:
        """Slots of this budget held now, by every worker (leases not expired)."""
        with self._db.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM erpsync_engine_request_slots WHERE budget = :budget "
                        f"AND holder IS NOT NULL AND lease_until >= {_NOW}"
                    ),
                    {"budget": self.budget},
                ).scalar_one()
            )

    def _claim(self, holder: str, waiting_since: float | None) -> int | None:
        with self._db.connect() as conn:
            row = conn.execute(
                _CLAIM,
                {
                    "holder": holder,
                    "worker_id": self.worker_id,
                    "lease_seconds": self._lease_seconds,
                    "budget": self.budget,
                    "limit": self.limit,
                    "waiting_since": waiting_since,
                    "patience": self._patience_seconds,
                },
            ).first()
        return None if row is None else int(row[0])

    def _stack(self) -> list[tuple[int, str]]:
        stack: list[tuple[int, str]] | None = getattr(self._held, "stack", None)
        if stack is None:
            stack = self._held.stack = []
        return stack
