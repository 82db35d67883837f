"""The retry policy decides by failure class alone (DESIGN decision 5)."""

from __future__ import annotations

import pickle

import pytest

from erpsync.engine import Action, MissingPrerequisite, RetryPolicy
from erpsync.errors import ConfigError, DataError, TransientError


def test_transient_failure_is_retried_with_delay_within_the_exponential_cap() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=100.0)
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0)]:
        decisions = [policy.decide(TransientError("503 from NetSuite"), attempt) for _ in range(50)]
        assert {decision.action for decision in decisions} == {Action.RETRY}
        assert all(0.0 <= decision.delay <= cap for decision in decisions)
    # Full jitter: the delays really spread instead of all workers retrying at the same instant.
    assert len({policy.decide(TransientError("x"), 4).delay for _ in range(20)}) > 1


def test_delay_never_exceeds_max_delay() -> None:
    policy = RetryPolicy(max_attempts=50, base_delay=1.0, max_delay=5.0)
    assert all(policy.decide(TransientError("x"), 30).delay <= 5.0 for _ in range(50))


def test_platform_retry_after_is_honoured_even_beyond_the_backoff() -> None:
    policy = RetryPolicy(base_delay=0.01, max_delay=0.02)
    decision = policy.decide(TransientError("429 Too Many Requests", retry_after=30.0), 1)
    assert decision.action is Action.RETRY
    assert decision.delay == 30.0


def test_exhausted_transient_retries_park_the_record() -> None:
    decision = RetryPolicy(max_attempts=3).decide(TransientError("timeout"), 3)
    assert decision.action is Action.PARK
    assert "3 attempts" in decision.reason


def test_unknown_exceptions_count_as_transient() -> None:
    assert RetryPolicy().decide(RuntimeError("bug"), 1).action is Action.RETRY


def test_data_error_parks_and_config_error_pauses() -> None:
    assert RetryPolicy().decide(DataError("SKU-9 unknown"), 1).action is Action.PARK
    assert RetryPolicy().decide(ConfigError("401 invalid token"), 1).action is Action.PAUSE


def test_missing_prerequisite_holds_on_the_named_key() -> None:
    decision = RetryPolicy().decide(MissingPrerequisite("no item", prerequisite="variant:SKU-9"), 1)
    assert decision.action is Action.HOLD
    assert decision.prerequisite == "variant:SKU-9"


def test_any_data_error_with_a_prerequisite_attribute_holds() -> None:
    error = DataError("fulfillment before its order")
    error.prerequisite = "order:1001"  # type: ignore[attr-defined]
    assert RetryPolicy().decide(error, 1).action is Action.HOLD


def test_missing_prerequisite_survives_pickling_as_dbos_records_step_errors() -> None:
    error = MissingPrerequisite("no item", prerequisite="variant:SKU-9", system="netsuite")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.prerequisite, copy.message, copy.system) == ("variant:SKU-9", "no item", "netsuite")


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"base_delay": -1.0}, {"multiplier": 0.5}])
def test_nonsense_policies_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)  # type: ignore[arg-type]
