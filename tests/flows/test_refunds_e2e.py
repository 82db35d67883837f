"""Refunds store → ERP, through the real flows and both sandboxes over HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import refunds


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        environment.sync_catalog()
        yield environment


def credit_memos(env: DemoEnvironment) -> list[dict[str, Any]]:
    query = "SELECT id, externalid, foreigntotal, entity FROM transaction WHERE type = 'CustCred'"
    return list(env.hub.erp.client.suiteql_rows(query))  # type: ignore[attr-defined]


def wait_for_credit_memo(env: DemoEnvironment, refund_key: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while (memo := env.hub.store.external_id("netsuite", "refund", refund_key)) is None:
        assert time.monotonic() < deadline, f"refund {refund_key} never reached the ERP"
        time.sleep(0.1)
    return memo


def test_a_store_refund_becomes_one_credit_memo_even_when_seen_twice(env: DemoEnvironment) -> None:
    skus = env.erp_skus()
    order_id = env.place_order([(skus[0], 2), (skus[1], 1)], email="lin@example.com")
    env.sync_orders()
    refund_id = env.refund_in_store(order_id, skus[0], 1, restock=True)
    refund = next(r for r in env.hub.shop.get_order(order_id).refunds if r.origin.id == refund_id)

    (credited,) = env.run_poll(refunds.POLLER, "1")
    assert credited.status == "completed", credited
    assert credited.value["status"] == "credited"
    # Seen again: a later poll (nothing new), and a webhook delivering the same refund as another version.
    assert env.run_poll(refunds.POLLER, "2") == []
    again = env.engine.enqueue(
        refunds.FLOW,
        f"shopify:{refund_id}",
        refunds.refund_reference(order_id, refund_id),
        version="webhook",
    ).result(60)
    assert again.status == "completed"
    assert again.value["credit_memo_id"] == credited.value["credit_memo_id"]

    memos = credit_memos(env)
    assert len(memos) == 1, memos
    assert Decimal(memos[0]["foreigntotal"]) == refund.total.amount > 0
    sales_order_id = env.hub.store.external_id("netsuite", "order", f"shopify:{order_id}")
    sales_order = env.hub.erp.client.get("salesOrder", sales_order_id)  # type: ignore[attr-defined]
    assert memos[0]["entity"] == sales_order["entity"]["id"]  # credited to the order's customer
    assert env.hub.store.business_key("netsuite", "refund", memos[0]["id"]) == f"shopify:{refund_id}"


def test_a_refund_of_an_order_not_in_the_erp_waits_for_it_and_is_released(env: DemoEnvironment) -> None:
    skus = env.erp_skus()
    order_id = env.place_order([(skus[2], 1)], email="early.refund@example.com")
    refund_id = env.refund_in_store(order_id, skus[2], 1, restock=False)

    (held,) = env.run_poll(refunds.POLLER, "1")
    assert held.status == "held" and held.waits_on == f"order:shopify:{order_id}", held
    assert credit_memos(env) == []

    env.sync_orders()
    memo_id = wait_for_credit_memo(env, f"shopify:{refund_id}")
    memos = credit_memos(env)
    assert [memo["id"] for memo in memos] == [memo_id]


def test_a_credit_entered_in_the_erp_becomes_one_store_refund_and_does_not_echo_back(
    env: DemoEnvironment,
) -> None:
    skus = env.erp_skus()
    order_id = env.place_order([(skus[3], 2)], email="credit.in.erp@example.com")
    env.sync_orders()
    env.ship_open_orders()
    env.sync_fulfillments()
    (invoiced,) = env.sync_invoices()
    invoice_id = invoiced.value["invoice_id"]
    # Finance credits one unit on the invoice in NetSuite (staff work: no external id).
    erp = env.hub.erp
    item_id = erp.item_ids_for_skus([skus[3]])[skus[3]]  # type: ignore[attr-defined]
    unit_price = env.hub.shop.get_order(order_id).lines[0].unit_price.amount
    credit = {"item": {"items": [{"item": {"id": item_id}, "quantity": 1, "amount": float(unit_price)}]}}
    erp.client.transform("invoice", invoice_id, "creditMemo", credit)  # type: ignore[attr-defined]

    (to_store,) = env.run_poll(refunds.ERP_POLLER, "1")
    assert to_store.status == "completed" and to_store.value["status"] == "refunded", to_store
    assert env.run_poll(refunds.ERP_POLLER, "2") == []
    order = env.hub.shop.get_order(order_id)
    [refund] = order.refunds
    assert refund.origin.id == to_store.value["refund_id"]
    assert refund.total.amount == unit_price and [(ln.sku, ln.quantity) for ln in refund.lines] == [
        (skus[3], 1)
    ]

    # The store refund erpsync made is seen by the store → ERP poll and not booked a second time.
    (echo,) = env.sync_refunds("after-erp-credit")
    assert echo.value["status"] == "from_erp", echo
    assert len(credit_memos(env)) == 1
    assert env.tie_out()["counts"]["refund"]["differences"] == 0
