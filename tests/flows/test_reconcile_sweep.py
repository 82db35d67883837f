"""Reconcile sweeps through the real flows and both sandboxes: the inventory reconcile reads the store in one
bulk operation and writes only the levels that drifted; the order reconcile queues only the orders the
ERP has no sales order for."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from erpsync.connectors.netsuite.client import external_id_for
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import inventory, orders


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def _operations(http: httpx.Client) -> list[tuple[str, dict[str, object]]]:
    """(first root field, variables) of every GraphQL request sent from now on."""
    sent: list[tuple[str, dict[str, object]]] = []

    def record(request: httpx.Request) -> None:
        body = json.loads(request.content or b"{}")
        query = str(body.get("query", ""))
        field = query[query.index("{") + 1 :].strip().split("(")[0].split("{")[0].split()[0]
        sent.append((field, body.get("variables") or {}))

    http.event_hooks.setdefault("request", []).append(record)
    return sent


def test_inventory_reconcile_writes_only_the_drifted_level(env: DemoEnvironment) -> None:
    env.sync_catalog()
    assert env.sync_inventory().status == "completed"
    shop = env.hub.shop
    snapshot = shop.inventory_snapshot()  # type: ignore[attr-defined]
    erp_skus = set(env.erp_skus())
    key = sorted(k for k in snapshot.quantities if k.split("@")[0] in erp_skus)[0]
    sku, location = key.split("@")
    right = snapshot.quantities[key]
    edit = {"inventoryItemId": snapshot.item_ids[sku], "locationId": f"gid://shopify/Location/{location}"}
    shop.set_quantities([{**edit, "quantity": right + 5}], idempotency_key="hand-edit")  # by hand
    sent = _operations(shop.client._http)  # type: ignore[attr-defined]

    result = env.engine.enqueue(inventory.FLOW, "reconcile-1", {"reconcile": True}).result(60)

    assert result.status == "completed", result
    assert result.value["levels_pushed"] == 1
    assert result.value["levels_checked"] > 1  # every ERP level was compared
    fields = [field for field, _ in sent]
    assert "productVariants" not in fields  # no per-SKU look-ups: item ids come from the bulk read
    writes = [variables for field, variables in sent if field == "inventorySetQuantities"]
    assert len(writes) == 1
    quantities = writes[0]["input"]["quantities"]  # type: ignore[index]
    assert [(q["locationId"].rsplit("/", 1)[-1], q["quantity"]) for q in quantities] == [(location, right)]
    assert shop.inventory_snapshot().quantities[key] == right  # type: ignore[attr-defined]


def test_order_reconcile_queues_only_unsynced_and_cancelled_orders(env: DemoEnvironment) -> None:
    env.sync_catalog()
    sku = env.erp_skus()[0]
    synced = env.place_order([(sku, 1)], email="alan@example.com")
    cancelled = env.place_order([(sku, 1)], email="grace@example.com")
    assert [r.status for r in env.sync_orders()] == ["completed", "completed"]
    missed = env.place_order([(sku, 1)], email="edsger@example.com")
    env.cancel_in_store(cancelled)
    store = env.hub.store  # both changes lost: the cursor moves past them, nothing is queued
    store.set_cursor(orders.POLLER, env.hub.shop.orders_changed_since(store.cursor(orders.POLLER)).cursor)
    sent = _operations(env.hub.shop.client._http)  # type: ignore[attr-defined]

    reconciled = env.engine.enqueue(orders.POLLER, "reconcile-1", {"reconcile": True}).result(60)

    assert reconciled.status == "completed" and reconciled.value["swept"] is True
    results = {env.engine.handle(w).result(60).value["order_id"] for w in reconciled.value["workflow_ids"]}
    assert results == {missed, cancelled}  # the synced order is neither queued nor read again
    assert store.external_id("netsuite", "order", f"shopify:{missed}") is not None
    sales_order = env.hub.erp.client.find_by_external_id(  # type: ignore[attr-defined]
        "salesOrder", external_id_for(f"shopify:{cancelled}")
    )
    assert sales_order["orderStatus"]["id"] == "C"
    read_orders = {variables.get("id") for field, variables in sent if field == "order"}
    assert f"gid://shopify/Order/{synced}" not in read_orders
    again = env.engine.enqueue(orders.POLLER, "reconcile-2", {"reconcile": True}).result(60)
    assert set(again.value["workflow_ids"]) <= set(reconciled.value["workflow_ids"])  # nothing runs twice
