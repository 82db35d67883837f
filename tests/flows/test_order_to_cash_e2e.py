"""Order to cash, end to end, through the real flows and both sandboxes over HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from erpsync.demo import DemoEnvironment, demo_environment


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def test_catalog_inventory_order_and_fulfillment_round_trip(env: DemoEnvironment) -> None:
    synced = env.sync_catalog()
    assert synced and all(result.status == "completed" for result in synced), synced
    inventory = env.sync_inventory()
    assert inventory.status == "completed" and inventory.value["levels_pushed"] > 0, inventory

    skus = sorted(env._variants_by_sku())
    order_id = env.place_order([(skus[0], 2), (skus[1], 1)], email="ada@example.com")
    processed = {"flow": "order_to_erp", "system": "netsuite"}
    before = REGISTRY.get_sample_value("erpsync_records_processed_total", processed) or 0
    results = env.sync_orders()
    assert [r.status for r in results] == ["completed"], results
    sales_order_id = results[0].value["sales_order_id"]
    assert env.hub.store.business_key("netsuite", "order", sales_order_id) == f"shopify:{order_id}"
    assert REGISTRY.get_sample_value("erpsync_records_processed_total", processed) == before + 1
    latency = {"flow": "order_to_erp", "system": "netsuite", "step": "upsert_sales_order"}
    assert (REGISTRY.get_sample_value("erpsync_step_duration_seconds_count", latency) or 0) >= 1

    # A second poll finds nothing new, and the same order enqueued again runs once.
    assert env.sync_orders("2") == []

    env.ship_open_orders()
    time.sleep(0.1)
    shipped = env.sync_fulfillments()
    assert [r.status for r in shipped] == ["completed"], shipped
    assert shipped[0].value["status"] == "fulfilled"
    order = env.hub.shop.get_order(order_id)
    assert len(order.fulfillments) == 1
    shipped_fulfillment = order.fulfillments[0]
    # Tracking number, company and URL, from NetSuite's UPS package to Shopify's trackingInfo.
    [tracking] = shipped_fulfillment.tracking
    assert tracking.company == "UPS"
    assert tracking.url == f"https://www.ups.com/track?tracknum={tracking.number}"
    assert sorted((line.sku, line.quantity) for line in shipped_fulfillment.lines) == sorted(
        [(skus[0], 2), (skus[1], 1)]
    )
    # "Where is order #1001": the timeline shows the order reaching NetSuite and shipping back to Shopify.
    acknowledged = [
        (event.system, event.external_id)
        for event in env.hub.store.timeline(order_id, system="shopify")
        if event.step == "acknowledged" and event.system
    ]
    assert ("netsuite", sales_order_id) in acknowledged
    assert ("shopify", shipped[0].value["fulfillment_id"]) in acknowledged


def test_reconcile_finds_an_order_the_polling_cursor_skipped_and_doubles_nothing(
    env: DemoEnvironment,
) -> None:
    from erpsync.flows import orders

    env.sync_catalog()
    sku = env.erp_skus()[0]
    first = env.place_order([(sku, 1)], email="alan@example.com")
    assert [r.status for r in env.sync_orders()] == ["completed"]
    # A change lost on the way: the cursor moves past the second order without anything being enqueued
    # (to a later second: a poll reads its watermark second again, so the loss must lie before it).
    missed = env.place_order([(sku, 1)], email="edsger@example.com")
    env.shopify_sandbox.clock.advance(5)
    later = env.place_order([(sku, 1)], email="barbara@example.com")
    store = env.hub.store
    batch = env.hub.shop.orders_changed_since(store.cursor(orders.POLLER))
    store.set_cursor(orders.POLLER, batch.cursor)
    assert [r.value["order_id"] for r in env.sync_orders("after-the-loss")] == [later]
    assert store.external_id("netsuite", "order", f"shopify:{missed}") is None

    reconciled = env.engine.enqueue(orders.POLLER, "reconcile-1", {"reconcile": True}).result(60)
    assert reconciled.status == "completed"
    for workflow_id in reconciled.value["workflow_ids"]:
        assert env.engine.handle(workflow_id).result(60).status == "completed"
    assert store.external_id("netsuite", "order", f"shopify:{missed}") is not None
    sales_orders = env.hub.erp.client.suiteql_rows(  # type: ignore[attr-defined]
        "SELECT id FROM transaction WHERE type = 'SalesOrd'"
    )
    assert len(list(sales_orders)) == 3, f"orders {first}, {missed} and {later}, each once"
