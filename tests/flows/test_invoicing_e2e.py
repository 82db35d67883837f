"""Invoice and payment, the end of order to cash: through the real flows and both sandboxes over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import invoicing
from erpsync.flows.orders import order_reference
from erpsync.model import Fulfillment, FulfillmentLine, Money, Order, OrderLine, OrderTotals, Origin

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def erp_rows(env: DemoEnvironment, query: str) -> list[dict[str, Any]]:
    return list(env.hub.erp.client.suiteql_rows(query))  # type: ignore[attr-defined]


def test_a_fully_shipped_order_gets_one_invoice_and_its_payment_once(env: DemoEnvironment) -> None:
    env.sync_catalog()
    skus = env.erp_skus()
    order_id = env.place_order([(skus[0], 2), (skus[1], 1)], email="grace@example.com")
    (synced,) = env.sync_orders()
    sales_order_id = synced.value["sales_order_id"]

    # Not shipped yet: nothing to bill.
    assert env.run_poll(invoicing.POLLER, "before-shipping") == []

    env.ship_open_orders()
    assert [r.value["status"] for r in env.sync_fulfillments()] == ["fulfilled"]
    (invoiced,) = env.run_poll(invoicing.POLLER, "after-shipping")
    assert invoiced.status == "completed", invoiced
    assert invoiced.value["status"] == "invoiced"

    # The same order asked again (a replay, a webhook, an operator) lands on the same invoice and payment.
    again = env.engine.enqueue(
        invoicing.FLOW, f"shopify:{order_id}", order_reference(order_id), version="replayed"
    ).result(60)
    assert again.status == "completed" and again.value["invoice_id"] == invoiced.value["invoice_id"]

    order = env.hub.shop.get_order(order_id)
    invoices = erp_rows(
        env,
        "SELECT id, foreigntotal, foreignamountremaining FROM transaction "
        f"WHERE type = 'CustInvc' AND createdfrom = {int(sales_order_id)}",
    )
    assert len(invoices) == 1, invoices
    assert Decimal(invoices[0]["foreigntotal"]) == order.totals.total.amount
    assert Decimal(invoices[0]["foreignamountremaining"]) == 0  # paid in full by the store's payment
    payments = erp_rows(env, "SELECT id, externalid FROM transaction WHERE type = 'CustPymt'")
    assert len(payments) == 1, payments
    assert payments[0]["id"] in invoiced.value["payment_ids"]
    assert env.hub.store.business_key("netsuite", "invoice", invoiced.value["invoice_id"]) == (
        f"shopify:{order_id}"
    )


def test_an_order_is_billed_only_when_every_unit_has_shipped() -> None:
    price, zero = Money.of("10.00", "USD"), Money.zero("USD")
    order = Order(
        origin=Origin(system="shopify", id="9", updated_at=NOW),
        placed_at=NOW,
        currency="USD",
        lines=[
            OrderLine(line_id="1", sku="A", title="A", quantity=2, unit_price=price),
            OrderLine(line_id="2", sku="B", title="B", quantity=1, unit_price=price),
        ],
        totals=OrderTotals(lines=price * 3, discounts=zero, shipping=zero, tax=zero, total=price * 3),
    )
    assert not invoicing.fully_shipped(order)
    first = shipment("f1", ("1", 2))
    assert not invoicing.fully_shipped(order.model_copy(update={"fulfillments": [first]}))
    both = order.model_copy(update={"fulfillments": [first, shipment("f2", ("2", 1))]})
    assert invoicing.fully_shipped(both)
    cancelled_shipment = shipment("f2", ("2", 1)).model_copy(update={"status": "cancelled"})
    assert not invoicing.fully_shipped(order.model_copy(update={"fulfillments": [first, cancelled_shipment]}))
    assert not invoicing.fully_shipped(both.model_copy(update={"cancelled_at": NOW}))


def shipment(fulfillment_id: str, *shipped: tuple[str, int]) -> Fulfillment:
    return Fulfillment(
        origin=Origin(system="shopify", id=fulfillment_id, updated_at=NOW),
        order_id="9",
        status="success",
        lines=[FulfillmentLine(line_id=line, quantity=quantity) for line, quantity in shipped],
    )
