"""Order to cash, end to end, through the real flows and both sandboxes over HTTP on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

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
    results = env.sync_orders()
    assert [r.status for r in results] == ["completed"], results
    sales_order_id = results[0].value["sales_order_id"]
    assert env.hub.store.business_key("netsuite", "order", sales_order_id) == f"shopify:{order_id}"

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
    assert shipped_fulfillment.tracking and shipped_fulfillment.tracking[0].number
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
