"""The cost budget waits before a query the bucket cannot afford, and never lets a burst overdraw it."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from erpsync.connectors.shopify import CostBudget, QueryTooExpensive, ThrottleStatus, estimate_query_cost
from erpsync.connectors.shopify.cost import CostEstimator
from erpsync.connectors.shopify.versions import VersionCheck


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def status(available: float, maximum: float = 100.0, rate: float = 10.0) -> ThrottleStatus:
    return ThrottleStatus(maximum_available=maximum, currently_available=available, restore_rate=rate)


def test_affordable_query_is_sent_without_waiting() -> None:
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    budget.settle(budget.acquire(10), status(available=90))
    budget.settle(budget.acquire(50), status(available=40))
    assert time.slept == []


def test_unaffordable_query_waits_exactly_for_the_refill() -> None:
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    budget.settle(budget.acquire(10), status(available=20))
    budget.acquire(50)  # 30 points short at 10 points/s
    assert sum(time.slept) == pytest.approx(3.0)


def test_in_flight_reservations_count_against_the_bucket() -> None:
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    budget.settle(budget.acquire(1), status(available=60))
    budget.acquire(40)  # still in flight: 20 left by our estimate
    budget.acquire(30)
    assert sum(time.slept) == pytest.approx(1.0)


def test_an_older_answer_settled_late_does_not_raise_the_estimate() -> None:
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    budget.settle(budget.acquire(1), status(available=100))
    first, second = budget.acquire(30), budget.acquire(30)
    # Shopify answered the first request (70 left), then the second (40 left); the client settles the
    # second answer first, so the first one's 70 is stale: 30 of it are spent already.
    budget.settle(second, status(available=40))
    budget.settle(first, status(available=70))
    assert budget.available() == 40
    # A bucket of another size (the shop changed plan) is taken as reported.
    budget.settle(budget.acquire(1), status(available=900, maximum=1000))
    assert budget.available() == 900


def test_refill_never_exceeds_the_bucket_size() -> None:
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    budget.settle(budget.acquire(1), status(available=0))
    time.now += 1000
    assert budget.available() == 100


def test_query_costing_more_than_the_bucket_is_refused() -> None:
    budget = CostBudget()
    budget.observe(status(available=100))
    with pytest.raises(QueryTooExpensive, match="fewer items per page"):
        budget.acquire(101)


def test_query_costing_more_than_shopify_cap_is_refused_before_calibration() -> None:
    with pytest.raises(QueryTooExpensive):
        CostBudget().acquire(1001)


def test_simulated_burst_never_overdraws_a_leaky_bucket() -> None:
    """Replays Shopify's bucket rules against the budget: 200 queries of 25 points on a 100/10 bucket."""
    time = FakeTime()
    budget = CostBudget(clock=time.clock, sleep=time.sleep, headroom=0)
    server_available, server_at = 100.0, 0.0
    for _ in range(200):
        ticket = budget.acquire(25)
        server_available = min(100.0, server_available + (time.now - server_at) * 10.0)
        server_at = time.now
        assert server_available >= 25, "the server would have throttled this query"
        server_available -= 25
        budget.settle(ticket, status(available=server_available))
    assert time.now > 0


def test_cost_estimate_follows_shopify_rules() -> None:
    assert estimate_query_cost("{ shop { name } }") == 1
    connection = "query($first: Int!) { products(first: $first) { nodes { id title } } }"
    assert estimate_query_cost(connection, {"first": 10}) == 2 + 10
    nested = "{ products(first: 10) { edges { node { id variants(first: 5) { nodes { id } } } } } }"
    assert estimate_query_cost(nested) == 2 + 10 * (1 + 2 + 5)
    assert estimate_query_cost("mutation { productSet(input: {}) { product { id } } }") == 10


def test_estimator_prefers_the_cost_shopify_reported_for_the_same_shape() -> None:
    estimator = CostEstimator()
    query = "query($first: Int!, $after: String) { orders(first: $first, after: $after) { nodes { id } } }"
    estimator.learn(query, {"first": 50, "after": None}, 52)
    assert estimator.estimate(query, {"first": 50, "after": "cursor-2"}) == 52
    assert estimator.estimate(query, {"first": 10, "after": None}) == 12


def test_version_nearing_retirement_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        VersionCheck("acme.myshopify.com", "2026-01", today=date(2026, 10, 15))
    assert "2026-01" in caplog.text and "retired" in caplog.text


def test_recent_version_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check = VersionCheck("acme.myshopify.com", "2026-07", today=date(2026, 10, 15))
        check.check_response("2026-07")
    assert caplog.text == ""


def test_answer_from_another_version_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    check = VersionCheck("acme.myshopify.com", "2026-07", today=date(2026, 10, 15))
    with caplog.at_level(logging.WARNING):
        check.check_response("2026-10")
        check.check_response("2026-10")
    assert caplog.text.count("answered with API version 2026-10") == 1
