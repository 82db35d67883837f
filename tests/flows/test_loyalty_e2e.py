"""Loyalty points from a Shopify customer metafield to NetSuite: one event per change of balance, earned or
spent, posted once however often it is polled; a customer NetSuite does not have yet waits."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.engine import FlowResult
from erpsync.errors import DataError
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


def test_journal_posting_books_each_event_once_at_the_point_value(env: DemoEnvironment) -> None:
    erp: Any = env.hub.erp
    expense = erp.client.create("account", {"acctName": "Loyalty expense", "acctType": "Expense"})
    liability = erp.client.create("account", {"acctName": "Loyalty points owed", "acctType": "OthCurrLiab"})
    erp.settings = dataclasses.replace(
        erp.settings,
        loyalty_posting="journal_entry",
        loyalty_expense_account_id=expense,
        loyalty_liability_account_id=liability,
        loyalty_point_value="0.01",
    )
    created = env._graphql(
        CUSTOMER_CREATE, {"input": {"email": "jo@example.com", "firstName": "Jo", "lastName": "Journal"}}
    )["customerCreate"]
    erp_id = erp.client.create(
        "customer", {"isPerson": True, "firstName": "Jo", "lastName": "Journal", "email": "jo@example.com"}
    )

    _set_points(env, created["customer"]["id"], 500)
    assert [v["kind"] for v in _values(env.run_poll(loyalty.POLLER, "1"))] == ["earned"]
    _set_points(env, created["customer"]["id"], 200)
    assert [v["kind"] for v in _values(env.run_poll(loyalty.POLLER, "2"))] == ["spent"]
    reconciled = env.engine.enqueue(loyalty.POLLER, "reconcile", {"reconcile": True}).result(60)
    for workflow_id in reconciled.value["workflow_ids"]:
        env.engine.handle(workflow_id).result(60)

    rows = list(erp.client.suiteql_rows("SELECT id FROM transaction WHERE type = 'Journal' ORDER BY id"))
    journals = [erp.client.get("journalEntry", str(row["id"])) for row in rows]
    booked = [
        [(line["account"]["id"], line.get("debit"), line.get("credit")) for line in j["line"]["items"]]
        for j in journals
    ]
    assert booked == [  # one entry per event, none from the reconcile: earned 500 = 5.00, spent 300 = 3.00
        [(expense, 5.0, None), (liability, None, 5.0)],
        [(liability, 3.0, None), (expense, None, 3.0)],
    ]
    assert all(line["entity"]["id"] == erp_id for j in journals for line in j["line"]["items"])
    assert _netsuite_points(env, erp_id) == 200

    # NetSuite refuses an entry that does not balance.
    unbalanced = {
        "line": {
            "items": [{"account": {"id": expense}, "debit": 1}, {"account": {"id": liability}, "credit": 2}]
        }
    }
    with pytest.raises(DataError, match="not in balance"):
        erp.client.create("journalEntry", unbalanced)
