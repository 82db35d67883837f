"""Partial fulfillments and multiple shipments: each NetSuite item fulfillment becomes one Shopify
fulfillment of exactly its lines and quantities, with its own tracking number; the order is fulfilled
when the last one is, and nothing doubles when the ERP is polled again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from erpsync.demo import DemoEnvironment, demo_environment


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        yield environment


def ship(env: DemoEnvironment, sales_order_id: str, lines: dict[str, int], tracking: str) -> None:
    """A warehouse user fulfills ``lines`` ({order line: quantity}) of the sales order in NetSuite."""
    env.hub.erp.client.transform(  # type: ignore[attr-defined]
        "salesOrder",
        sales_order_id,
        "itemFulfillment",
        {
            "item": {"items": [{"orderLine": line, "quantity": qty} for line, qty in lines.items()]},
            "package": {"items": [{"packageTrackingNumber": tracking, "packageDescr": "UPS"}]},
        },
    )


def shipped_lines(env: DemoEnvironment, order_id: str) -> list[tuple[str, list[tuple[str | None, int]]]]:
    order = env.hub.shop.get_order(order_id)
    return [
        (fulfillment.tracking[0].number, sorted((line.sku, line.quantity) for line in fulfillment.lines))
        for fulfillment in order.fulfillments
    ]


def display_fulfillment_status(env: DemoEnvironment, order_id: str) -> str:
    query = f'{{ order(id: "gid://shopify/Order/{order_id}") {{ displayFulfillmentStatus }} }}'
    return str(env._graphql(query, {})["order"]["displayFulfillmentStatus"])


def test_two_shipments_of_one_order_become_two_store_fulfillments_with_their_own_tracking(
    env: DemoEnvironment,
) -> None:
    env.sync_catalog()
    env.sync_inventory()
    first, second = sorted(env._variants_by_sku())[:2]
    order_id = env.place_order([(first, 2), (second, 1)], email="split@example.com")
    (booked,) = env.sync_orders()
    sales_order_id = booked.value["sales_order_id"]

    ship(env, sales_order_id, {"1": 1}, "1ZPART0000000001")  # one of the two units of the first line
    (partial,) = env.sync_fulfillments()

    assert partial.status == "completed", partial
    assert shipped_lines(env, order_id) == [("1ZPART0000000001", [(first, 1)])]
    assert display_fulfillment_status(env, order_id) == "PARTIALLY_FULFILLED"

    ship(env, sales_order_id, {"1": 1, "2": 1}, "1ZPART0000000002")  # the rest
    (rest,) = env.sync_fulfillments("2")

    assert rest.status == "completed", rest
    assert shipped_lines(env, order_id) == [
        ("1ZPART0000000001", [(first, 1)]),
        ("1ZPART0000000002", sorted([(first, 1), (second, 1)])),
    ]
    assert display_fulfillment_status(env, order_id) == "FULFILLED"
    # Polled again (a reconcile, a restart): no third fulfillment.
    assert env.sync_fulfillments("3") == []
    assert len(env.hub.shop.get_order(order_id).fulfillments) == 2
