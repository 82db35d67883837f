"""The one retry policy: what the engine does with a failure, decided by its class (DESIGN decision 5).

- transient → retry after exponential backoff with full jitter, never sooner than the platform's
  ``retry_after`` (HTTP ``Retry-After``, Shopify's cost bucket refill, NetSuite's 429); park when attempts
  run out;
- data → park in the exception queue with its reason and suggested fix;
- data with a ``prerequisite`` (see :class:`MissingPrerequisite`) → hold until that prerequisite succeeds;
- config → pause the flow and raise an alert.

Full jitter (delay drawn uniformly from 0 to the exponential cap) spreads retries of many workers hitting one
throttled API, per AWS's "Exponential Backoff And Jitter" analysis.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from erpsync.errors import classify


class Action(StrEnum):
    RETRY = "retry"
    PARK = "park"
    HOLD = "hold"
    PAUSE = "pause"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str
    delay: float = 0.0
    prerequisite: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and delays of one flow's steps (an attempt is one run of a step)."""

    # Transient failures (an ERP down, a network outage) are retried for about a quarter of an hour on
    # average before the record is parked (caps 1, 2, 4 … 300 s, full jitter): an outage of minutes drains
    # by itself; a longer one parks its records visibly, for a bulk retry.
    max_attempts: int = 12
    base_delay: float = 1.0
    max_delay: float = 300.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError("RetryPolicy delays must be >= 0 and multiplier >= 1")

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before attempt ``attempt + 1``."""
        cap = min(self.max_delay, self.base_delay * self.multiplier ** (attempt - 1))
        return random.uniform(0.0, cap)

    def decide(self, error: BaseException, attempt: int) -> Decision:
        """What to do after ``attempt`` (1-based) failed with ``error``."""
        prerequisite = prerequisite_of(error)
        if prerequisite is not None:
            return Decision(Action.HOLD, f"waits on {prerequisite}", prerequisite=prerequisite)
        error_class = classify(error)
        if error_class == "config":
            return Decision(Action.PAUSE, "configuration or credentials rejected")
        if error_class == "data":
            return Decision(Action.PARK, "the record cannot be synced as it is")
        if attempt >= self.max_attempts:
            return Decision(Action.PARK, f"still failing after {attempt} attempts")
        delay = self.backoff(attempt)
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after > delay:
            delay = float(retry_after)
        return Decision(Action.RETRY, f"transient failure, attempt {attempt} of {self.max_attempts}", delay)


def prerequisite_of(error: BaseException) -> str | None:
    """The prerequisite a data error waits on, if it names one (any DataError may carry the attribute)."""
    prerequisite = getattr(error, "prerequisite", None)
    if isinstance(prerequisite, str) and prerequisite and classify(error) == "data":
        return prerequisite
    return None
