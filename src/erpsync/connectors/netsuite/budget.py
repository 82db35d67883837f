"""The concurrency budget: how many requests may be in flight to one NetSuite account at once.

NetSuite limits concurrent web-service requests per account (SOAP, REST and RESTlets share it): the service
tier's base plus 10 per SuiteCloud Plus license, e.g. 5 + 10 = 15; a request over it gets 429 (Oracle help,
"Concurrency Governance", section_0827103226). Every worker and every other app using the account shares that
number, so the budget is an interface: ``LocalConcurrencyBudget`` serves one process, and the engine can plug
in a cluster-wide one (same two methods) without the client changing::

    budget = LocalConcurrencyBudget(limit=5)
    with holding(budget, timeout=30):
        ...one request...
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from erpsync.errors import TransientError


class ConcurrencyBudget(Protocol):
    """A counting limiter: ``acquire`` a slot before a request (False when none freed up in ``timeout``
    seconds), ``release`` it after the answer."""

    def acquire(self, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


class LocalConcurrencyBudget:
    """A budget for one process: a bounded semaphore of ``limit`` slots shared by its threads."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"a concurrency budget needs at least 1 slot, got {limit}")
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def acquire(self, timeout: float | None = None) -> bool:
        return self._slots.acquire(timeout=timeout) if timeout is not None else self._slots.acquire()

    def release(self) -> None:
        self._slots.release()


@contextmanager
def holding(budget: ConcurrencyBudget, *, timeout: float | None) -> Iterator[None]:
    """Hold one slot of ``budget`` for the block; a slot not free in time is a transient failure."""
    if not budget.acquire(timeout):
        raise TransientError(
            f"no NetSuite concurrency slot free within {timeout} s (all requests of this account busy)",
            retry_after=timeout,
            system="netsuite",
        )
    try:
        yield
    finally:
        budget.release()
