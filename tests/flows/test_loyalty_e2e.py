"""Loyalty points from a Shopify customer metafield to NetSuite: one event per change of balance, earned or
spent, posted once however often it is polled; a customer NetSuite does not have yet waits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.flows import customers, loyalty

METAFIELDS_SET = """
mutation set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) { metafields { value } userErrors { field message code } }
}"""
CUSTOMER_CREATE = """
mutation customerCreate($input: CustomerInput!) {
  customerCreate(input: $input) { customer { id } userErrors { field message } }
}"""


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def _set_points(env: DemoEnvironment, customer_gid: str, points: int) -> None:
    metafield = {
        "ownerId": customer_gid,
        "namespace": "loyalty",
        "key": "points",
        "type": "number_integer",
        "value": str(points),
    }
    answer = env._graphql(METAFIELDS_SET, {"metafields": [metafield]})["metafieldsSet"]
    assert answer["userErrors"] == [], answer


def _values(results: list[FlowResult]) -> list[dict[str, Any]]:
    assert all(result.status == "completed" for result in results), results
    return [result.value for result in results]


def _netsuite_points(env: DemoEnvironment, erp_id: str) -> Any:
    return env.hub.erp.client.get("customer", erp_id).get("custentity_loyalty_points")  # type: ignore[attr-defined]


def test_balance_changes_become_earned_and_spent_events_posted_once(env: DemoEnvironment) -> None:
    created = env._graphql(
        CUSTOMER_CREATE, {"input": {"email": "points@example.com", "firstName": "Pat", "lastName": "Points"}}
    )["customerCreate"]
    customer_gid = created["customer"]["id"]
    # NetSuite has the customer already (not linked by erpsync): found by e-mail.
    erp_id = env.hub.erp.client.create(  # type: ignore[attr-defined]
        "customer",
        {"isPerson": True, "firstName": "Pat", "lastName": "Points", "email": "points@example.com"},
    )

    _set_points(env, customer_gid, 120)
    [earned] = _values(env.run_poll(loyalty.POLLER, "1"))
    assert (earned["status"], earned["kind"], earned["points"], earned["balance_after"]) == (
        "posted",
        "earned",
        120,
        120,
    )
    assert _netsuite_points(env, erp_id) == 120

    # Polled again (a reconcile reads everything): the same balance is the same event, posted once.
    assert _values(env.run_poll(loyalty.POLLER, "2")) == []
    reconciled = env.engine.enqueue(loyalty.POLLER, "reconcile", {"reconcile": True}).result(60)
    assert reconciled.status == "completed"
    for workflow_id in reconciled.value["workflow_ids"]:
        assert env.engine.handle(workflow_id).result(60).value["status"] in ("posted", "unchanged")
    assert _netsuite_points(env, erp_id) == 120

    _set_points(env, customer_gid, 45)  # the shopper redeemed 75 points
    [spent] = _values(env.run_poll(loyalty.POLLER, "3"))
    assert (spent["kind"], spent["points"], spent["balance_after"]) == ("spent", 75, 45)
    assert _netsuite_points(env, erp_id) == 45
    events = [e for e in env.hub.store.timeline(erp_id) if e.record_type == "loyalty_event"]
    assert [e.message for e in events if e.step == "written"] == [
        f"earned 120 points; balance 120 posted to netsuite customer {erp_id}",
        f"spent 75 points; balance 45 posted to netsuite customer {erp_id}",
    ]


def test_points_of_a_customer_netsuite_lacks_wait_for_the_customer(env: DemoEnvironment) -> None:
    created = env._graphql(
        CUSTOMER_CREATE, {"input": {"email": "later@example.com", "firstName": "Lee", "lastName": "Later"}}
    )["customerCreate"]
    _set_points(env, created["customer"]["id"], 30)
    [waiting] = env.run_poll(loyalty.POLLER, "1")
    assert waiting.status != "completed"
    assert [h.waits_on for h in env.hub.store.holds()] == ["customer:later@example.com"]

    # The customers flow creates the customer in NetSuite; the held points follow on their own.
    customer_id = created["customer"]["id"].rsplit("/", 1)[-1]
    synced = env.engine.enqueue(customers.TO_ERP, "later@example.com", {"customer_id": customer_id})
    assert synced.result(60).status == "completed"
    erp_id = env.hub.store.external_id("netsuite", "customer", "later@example.com")
    assert erp_id is not None
    for _ in range(100):
        if _netsuite_points(env, erp_id) == 30:
            break
        time.sleep(0.1)
    assert _netsuite_points(env, erp_id) == 30
