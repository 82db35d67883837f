"""Cost-aware throttling for the GraphQL Admin API: wait before sending a query the bucket cannot afford.

Shopify limits GraphQL calls with a leaky bucket of *cost points* per app and store: each query's requested
cost is charged up front, the unused part is refunded once the actual cost is known, and the bucket refills
at ``restoreRate`` points per second up to ``maximumAvailable``
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). Every response reports the state::

    "extensions": {"cost": {"requestedQueryCost": 52, "actualQueryCost": 12,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1988, "restoreRate": 100.0}}}

``CostBudget`` mirrors that bucket on our side so a caller waits *before* sending, never relying on being
throttled. One budget per shop is shared by every client in the process (threads included): Shopify's bucket
is per app+store, so two clients with two budgets would each believe they own it. The estimate is kept
conservative: cost of requests still in flight is subtracted from what the last response reported, and until
the first response tells the bucket's size, only one request is sent at a time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ThrottleStatus:
    """The bucket as one response reported it."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    @classmethod
    def from_extensions(cls, extensions: Mapping[str, Any] | None) -> ThrottleStatus | None:
        """Read ``extensions.cost.throttleStatus``; None when the response carries none."""
        cost = (extensions or {}).get("cost") or {}
        status = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
        if not isinstance(status, Mapping):
            return None
        try:
            return cls(
                maximum_available=float(status["maximumAvailable"]),
                currently_available=float(status["currentlyAvailable"]),
                restore_rate=float(status["restoreRate"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


class QueryTooExpensive(ValueError):
    """A query requests more than the whole bucket (or Shopify's 1000-point cap) and can never be sent."""


MAX_QUERY_COST = 1000.0
"""Shopify rejects a single query requesting more than this with MAX_COST_EXCEEDED."""


class CostBudget:
    """The shared estimate of one shop's GraphQL cost bucket.

    Usage by a client (the ``GraphQLClient`` does this for you)::

        ticket = budget.acquire(requested_cost)   # sleeps until the bucket can pay
        ...send...
        budget.settle(ticket, throttle_status)    # the response tells the truth

    ``clock`` and ``sleep`` are injectable so the waiting logic is testable without real time. ``headroom``
    points are kept in reserve: responses round ``currentlyAvailable`` (the sandbox to 0.1 point).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        headroom: float = 1.0,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._headroom = headroom
        self._lock = threading.Condition()
        self._status: ThrottleStatus | None = None
        self._observed_at = 0.0
        self._in_flight: dict[int, float] = {}
        self._next_ticket = 0
        self.waited_seconds = 0.0
        self._rate_cap: float | None = None
        self._size_cap: float | None = None

    def limit(self, *, restore_rate: float | None = None, bucket_size: float | None = None) -> None:
        """Pace to at most ``restore_rate`` points/s and ``bucket_size`` points, whatever Shopify reports:
        the share of the bucket given to erpsync (``budget: {cost_per_second, bucket_size}`` in erpsync.yaml)
        when other apps of the same store spend from it too."""
        with self._lock:
            self._rate_cap, self._size_cap = restore_rate, bucket_size
            if self._status is not None:
                self._status = self._capped(self._status)

    def _capped(self, status: ThrottleStatus) -> ThrottleStatus:
        if self._rate_cap is None and self._size_cap is None:
            return status
        size = min(status.maximum_available, self._size_cap or status.maximum_available)
        return ThrottleStatus(
            maximum_available=size,
            currently_available=min(status.currently_available, size),
            restore_rate=min(status.restore_rate, self._rate_cap or status.restore_rate),
        )

    @property
    def calibrated(self) -> bool:
        """True once a response has told the bucket's size and refill rate."""
        with self._lock:
            return self._status is not None

    @property
    def maximum_available(self) -> float | None:
        with self._lock:
            return self._status.maximum_available if self._status else None

    def available(self) -> float | None:
        """Points the bucket holds now by our estimate, in-flight costs subtracted; None until calibrated."""
        with self._lock:
            return self._available_locked()

    def wait_time(self, cost: float) -> float:
        """Seconds until ``cost`` is affordable by the current estimate (0 when it is now)."""
        with self._lock:
            return self._wait_locked(cost)

    def acquire(self, cost: float) -> int:
        """Block until the bucket can pay ``cost``; reserve it and return a ticket for ``settle``."""
        with self._lock:
            self._check_affordable_ever(cost)
            while True:
                if self._status is None and self._in_flight:
                    # Bucket size unknown until the first response: one probe at a time, never a burst.
                    self._lock.wait(timeout=1.0)
                    continue
                delay = self._wait_locked(cost)
                if delay <= 0:
                    break
                self.waited_seconds += delay
                self._lock.release()
                try:
                    self._sleep(delay)
                finally:
                    self._lock.acquire()
            self._next_ticket += 1
            self._in_flight[self._next_ticket] = cost
            return self._next_ticket

    def settle(self, ticket: int, status: ThrottleStatus | None) -> None:
        """Release a reservation; adopt the bucket state the response reported (if it reported one), but
        never more than the estimate already says: responses of concurrent requests can be settled out of
        order, and an older one reports points a later request has spent since (adopting it overdrew the
        bucket once under load). Time raises the estimate at the restore rate; a bucket of another size (a
        plan change) is adopted as reported."""
        with self._lock:
            self._in_flight.pop(ticket, None)
            if status is not None:
                reported = self._capped(status)
                known = self._refilled_locked()
                same_bucket = (
                    self._status is not None and self._status.maximum_available == reported.maximum_available
                )
                if known is not None and same_bucket and reported.currently_available > known:
                    reported = replace(reported, currently_available=known)
                self._status = reported
                self._observed_at = self._clock()
            self._lock.notify_all()

    def observe(self, status: ThrottleStatus) -> None:
        """Adopt a reported bucket state outside of a reservation (e.g. a THROTTLED answer)."""
        with self._lock:
            self._status = self._capped(status)
            self._observed_at = self._clock()
            self._lock.notify_all()

    def _check_affordable_ever(self, cost: float) -> None:
        limit = min(MAX_QUERY_COST, self._status.maximum_available) if self._status else MAX_QUERY_COST
        if cost > limit:
            raise QueryTooExpensive(
                f"a Shopify GraphQL query requesting {cost:g} cost points can never run: the limit is "
                f"{limit:g} (bucket size or Shopify's 1000-point cap); request fewer items per page"
            )

    def _available_locked(self) -> float | None:
        refilled = self._refilled_locked()
        return None if refilled is None else refilled - sum(self._in_flight.values())

    def _refilled_locked(self) -> float | None:
        """The bucket as last reported, refilled since at the restore rate (reservations not deducted)."""
        if self._status is None:
            return None
        elapsed = max(0.0, self._clock() - self._observed_at)
        return min(
            self._status.maximum_available,
            self._status.currently_available + elapsed * self._status.restore_rate,
        )

    def _wait_locked(self, cost: float) -> float:
        if self._status is None:
            return 0.0
        available = self._available_locked()
        assert available is not None
        deficit = cost + self._headroom - available
        if deficit <= 0:
            return 0.0
        if self._status.restore_rate <= 0:
            return 1.0
        # Waiting a whole number of milliseconds more avoids waking a hair before the bucket can pay.
        return math.ceil(deficit / self._status.restore_rate * 1000) / 1000
