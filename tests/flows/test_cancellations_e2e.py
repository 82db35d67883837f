"""Cancellations: an order cancelled in Shopify is cancelled in NetSuite while it can be, never created there
when it had not reached it, and parked with a clear reason when NetSuite has shipped it already."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from erpsync.connectors.netsuite import external_id_for
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import orders


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        environment.sync_catalog()
        yield environment


def _place(env: DemoEnvironment, email: str) -> str:
    return env.place_order([(env.erp_skus()[0], 1)], email=email)


def _cancel_in_store(env: DemoEnvironment, order_id: str) -> None:
    # Shopify's updatedAt has second resolution: a change within the second the order was last polled looks
    # like the version already synced (see the report on the order poller). Shoppers cancel later than that.
    time.sleep(1.0)
    env.cancel_in_store(order_id)


def _sales_order(env: DemoEnvironment, order_id: str) -> dict[str, Any] | None:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    found: dict[str, Any] | None = client.find_by_external_id(
        "salesOrder", external_id_for(f"shopify:{order_id}")
    )
    return found


def test_order_cancelled_before_it_reached_the_erp_is_never_created(env: DemoEnvironment) -> None:
    order_id = _place(env, "changed.mind@example.com")
    _cancel_in_store(env, order_id)

    [result] = env.sync_orders()
    assert result.status == "completed" and result.value["status"] == "cancelled_before_erp", result
    assert _sales_order(env, order_id) is None
    assert env.hub.store.external_id("netsuite", "order", f"shopify:{order_id}") is None


def test_order_cancelled_before_shipping_cancels_the_sales_order_once(env: DemoEnvironment) -> None:
    order_id = _place(env, "quick.cancel@example.com")
    [created] = env.sync_orders()
    sales_order_id = created.value["sales_order_id"]
    _cancel_in_store(env, order_id)

    [cancelled] = env.sync_orders("2")
    assert cancelled.status == "completed" and cancelled.value["status"] == "cancelled_in_erp", cancelled
    sales_order = _sales_order(env, order_id)
    assert sales_order is not None and str(sales_order["id"]) == sales_order_id
    assert sales_order["orderStatus"]["id"] == "C"

    # The orders/cancelled webhook arriving after the poll runs the flow again: still one cancelled order.
    key = f"shopify:{order_id}"
    replay = env.engine.enqueue(orders.FLOW, key, orders.order_reference(order_id), version="webhook").result(
        60
    )
    assert replay.status == "completed" and replay.value["status"] == "cancelled_in_erp", replay
    rows = env.hub.erp.client.suiteql_rows(  # type: ignore[attr-defined]
        f"SELECT id FROM transaction WHERE externalid = '{external_id_for(key)}'"
    )
    assert [str(row["id"]) for row in rows] == [sales_order_id]
    assert env.hub.store.exceptions(status="open") == []


def test_order_cancelled_after_the_erp_shipped_is_parked_for_a_return(env: DemoEnvironment) -> None:
    order_id = _place(env, "too.late@example.com")
    env.sync_orders()
    env.ship_open_orders()
    deadline = time.monotonic() + 30
    while (sales_order := _sales_order(env, order_id)) is not None and sales_order["orderStatus"][
        "id"
    ] == "B":
        assert time.monotonic() < deadline, "the NetSuite sandbox warehouse did not ship the order"
        time.sleep(0.1)
    # The shopper cancels in Shopify before the shipment has been synced back.
    _cancel_in_store(env, order_id)

    [result] = env.sync_orders("2")
    assert result.status == "parked", result
    [parked] = env.hub.store.exceptions(status="open")
    assert parked.business_key == f"shopify:{order_id}"
    assert "shipped" in parked.message and "could not be cancelled" in parked.message
    assert parked.suggested_fix is not None and "return" in parked.suggested_fix
    shipped = _sales_order(env, order_id)
    assert shipped is not None and shipped["orderStatus"]["id"] != "C"
