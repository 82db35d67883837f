"""Order edits, end to end over HTTP against both sandboxes: an order edited in Shopify after NetSuite took
it (units changed, a variant added, a line removed) changes the sales order once, the warehouse ships the
edited order and the shipment comes back to the store for the right lines; an edit NetSuite can no longer
take (it shipped already) is parked with its reason, never half applied."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
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


def edit_in_store(
    env: DemoEnvironment, order_id: str, *, units: dict[str, int], add: dict[str, int] | None = None
) -> Decimal:
    # Shopify's updatedAt has whole seconds: staff edit later than the poll that synced the order.
    time.sleep(1.0)
    return env.edit_in_store(order_id, units=units, add=add)


def _sales_order(env: DemoEnvironment, order_id: str) -> dict[str, Any]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    found: dict[str, Any] = client.find_by_external_id("salesOrder", external_id_for(f"shopify:{order_id}"))
    return found


def _units_by_sku(env: DemoEnvironment, sales_order: dict[str, Any]) -> dict[str, Decimal]:
    ids = env.hub.erp.item_ids_for_skus(env.erp_skus())  # type: ignore[attr-defined]
    skus = {item_id: sku for sku, item_id in ids.items()}
    return {
        skus[str(line["item"]["id"])]: Decimal(str(line["quantity"])) for line in sales_order["item"]["items"]
    }


def test_an_edit_after_netsuite_took_the_order_changes_the_sales_order_once_and_ships_as_edited(
    env: DemoEnvironment,
) -> None:
    first, second, third = env.erp_skus()[:3]
    order_id = env.place_order([(first, 2), (second, 1)], email="phoned.in@example.com")
    [created] = env.sync_orders()
    assert created.status == "completed", created
    sales_order_id = created.value["sales_order_id"]

    new_total = edit_in_store(env, order_id, units={first: 1, second: 0}, add={third: 3})
    [amended] = env.sync_orders("2")

    assert amended.status == "completed" and amended.value["sales_order_id"] == sales_order_id, amended
    sales_order = _sales_order(env, order_id)
    assert _units_by_sku(env, sales_order) == {first: 1, third: 3}  # the removed line is gone
    assert Decimal(str(sales_order["total"])) == new_total
    key = f"shopify:{order_id}"
    [written] = [e for e in env.hub.store.timeline(key) if "follows the store's edit" in (e.message or "")]
    assert written.message is not None and "removed line 2" in written.message

    # The orders/edited webhook arriving after the poll runs the flow again: nothing more changes.
    modified = sales_order["lastModifiedDate"]
    replay = env.engine.enqueue(orders.FLOW, key, orders.order_reference(order_id), version="edited").result(
        60
    )
    assert replay.status == "completed", replay
    assert _sales_order(env, order_id)["lastModifiedDate"] == modified
    rows = env.hub.erp.client.suiteql_rows(  # type: ignore[attr-defined]
        f"SELECT id FROM transaction WHERE externalid = '{external_id_for(key)}'"
    )
    assert [str(row["id"]) for row in rows] == [sales_order_id]

    # The warehouse ships the edited order; the shipment comes back to the store for the edited lines.
    env.ship_open_orders()
    deadline = time.monotonic() + 30
    while _sales_order(env, order_id)["orderStatus"]["id"] == "B":
        assert time.monotonic() < deadline, "the NetSuite sandbox warehouse did not ship the order"
        time.sleep(0.1)
    results = env.sync_fulfillments()
    assert results and all(r.status == "completed" for r in results), results
    shipped = env.hub.shop.get_order(order_id)
    units = {line.sku: 0 for line in shipped.lines}
    for fulfillment in shipped.fulfillments:
        for line in fulfillment.lines:
            units[line.sku] = units.get(line.sku, 0) + line.quantity
    assert units == {first: 1, third: 3}
    assert env.hub.store.exceptions(status="open") == []


def test_an_edit_the_warehouse_already_shipped_is_parked_with_its_reason(env: DemoEnvironment) -> None:
    first, second = env.erp_skus()[:2]
    order_id = env.place_order([(first, 2), (second, 1)], email="too.late.edit@example.com")
    env.sync_orders()
    env.ship_open_orders()
    deadline = time.monotonic() + 30
    while _sales_order(env, order_id)["orderStatus"]["id"] == "B":
        assert time.monotonic() < deadline, "the NetSuite sandbox warehouse did not ship the order"
        time.sleep(0.1)
    before = _units_by_sku(env, _sales_order(env, order_id))
    # Shopify still shows nothing shipped (the shipment is not synced back yet): staff may edit.
    edit_in_store(env, order_id, units={first: 1})

    [result] = env.sync_orders("2")

    assert result.status == "parked", result
    [parked] = env.hub.store.exceptions(status="open")
    assert parked.business_key == f"shopify:{order_id}"
    assert "already shipped 2" in parked.message, parked.message
    assert parked.suggested_fix is not None and "refund or return" in parked.suggested_fix
    assert _units_by_sku(env, _sales_order(env, order_id)) == before
