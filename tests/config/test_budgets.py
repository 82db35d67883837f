"""A connection's budget from erpsync.yaml reaches the engine's queue and the connector's pacing."""

from __future__ import annotations

from typing import Any

from erpsync.budgets import FLOWS_PER_REQUEST_SLOT, declare_budget
from erpsync.config import Budget
from erpsync.connectors.shopify import CostBudget, ThrottleStatus
from erpsync.engine.slots import LocalSlots


class FakeEngine:
    """Records the budgets declared; hands out the request slots a SQLite engine would."""

    def __init__(self) -> None:
        self.budgets: dict[str, dict[str, Any]] = {}

    def budget(self, name: str, **limits: Any) -> None:
        self.budgets[name] = limits

    def request_slots(self, name: str) -> LocalSlots:
        return LocalSlots(self.budgets[name]["requests_in_flight"])


class FakeClient:
    def __init__(self, budget: Any = None) -> None:
        self.budget = budget


class FakeConnector:
    def __init__(self, system: str, budget: Any = None) -> None:
        self.system = system
        self.client = FakeClient(budget)


def test_netsuite_concurrency_is_the_accounts_request_limit_with_more_flows_than_slots() -> None:
    engine, netsuite = FakeEngine(), FakeConnector("netsuite")
    declare_budget(engine, netsuite, Budget(concurrency=15))  # type: ignore[arg-type]
    assert engine.budgets["netsuite"]["requests_in_flight"] == 15
    assert engine.budgets["netsuite"]["concurrency"] == FLOWS_PER_REQUEST_SLOT * 15
    assert isinstance(netsuite.client.budget, LocalSlots) and netsuite.client.budget.limit == 15


def test_netsuite_flows_in_flight_can_be_set() -> None:
    engine, netsuite = FakeEngine(), FakeConnector("netsuite")
    declare_budget(engine, netsuite, Budget(concurrency=5, flows_in_flight=8))  # type: ignore[arg-type]
    assert engine.budgets["netsuite"]["concurrency"] == 8
    assert engine.budgets["netsuite"]["requests_in_flight"] == 5


def test_other_systems_concurrency_stays_flows() -> None:
    engine, shop = FakeEngine(), FakeConnector("shopify", CostBudget())
    declare_budget(engine, shop, Budget(concurrency=4, per_record=1))  # type: ignore[arg-type]
    assert engine.budgets["shopify"] == {
        "concurrency": 4,
        "requests_per_second": None,
        "per_record": 1,
        "requests_in_flight": None,
    }


def test_shopify_cost_per_second_caps_the_pace_below_what_shopify_reports() -> None:
    engine, shop = FakeEngine(), FakeConnector("shopify", CostBudget(headroom=0))
    declare_budget(engine, shop, Budget(cost_per_second=50, bucket_size=500))  # type: ignore[arg-type]
    budget: CostBudget = shop.client.budget
    # Shopify reports the Plus bucket; erpsync's share is 50 points/s of a 500-point bucket.
    budget.settle(budget.acquire(1), ThrottleStatus(20000.0, 0.0, 1000.0))
    assert budget.maximum_available == 500
    assert 1.9 < budget.wait_time(100) <= 2.0  # 100 points at 50/s, not 0.1 s at Shopify's 1000/s
