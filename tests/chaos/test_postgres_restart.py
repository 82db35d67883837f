"""PostgreSQL restarted under load: the worker reconnects and every order still reaches NetSuite exactly once.

The test starts a PostgreSQL server of its own (tests/chaos/private_postgres.py; the shared server on :5432
is never restarted), runs the demo's worker on it with orders in flight, restarts the server with
``pg_ctl restart -m fast`` (every open session is ended, as in a failover), places more orders after it, and
counts the sales orders in NetSuite by ``otherRefNum``.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from tests.chaos.private_postgres import PrivateServer, private_postgres

from erpsync.demo import DemoEnvironment, demo_environment, shopper_basket
from erpsync.flows import orders

BEFORE, AFTER = 16, 6  # orders in flight when the server restarts, orders placed after it
LATENCY_MS = 250  # per NetSuite call: keeps the flows running while the server goes away


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    with private_postgres() as running:
        yield running


def _sales_orders(env: DemoEnvironment) -> Counter[str]:
    client = env.hub.erp.client  # type: ignore[attr-defined]
    rows = client.suiteql_rows(
        "SELECT otherrefnum, COUNT(*) AS n FROM transaction WHERE type = 'SalesOrd' GROUP BY otherrefnum"
    )
    return Counter({str(row.get("otherrefnum")): int(row["n"]) for row in rows})


def _place_and_enqueue(env: DemoEnvironment, skus: list[str], number: int) -> str:
    """A shopper's order, queued as the webhook intake queues it."""
    order_id = env.place_order(shopper_basket(random.Random(number), skus), email=f"pg{number}@example.com")
    env.engine.enqueue(orders.FLOW, f"shopify:{order_id}", orders.order_reference(order_id))
    return order_id


def test_worker_rides_through_a_postgres_restart_and_every_order_is_synced_once(
    server: PrivateServer,
) -> None:
    with demo_environment(server.url, worker_id="pg-restart") as env:
        env.sync_catalog()
        skus = env.erp_skus()
        netsuite = env.desk.url  # type: ignore[attr-defined]
        httpx.put(
            f"{netsuite}/_sandbox/faults", json={"latency": [{"fixed_ms": LATENCY_MS}]}
        ).raise_for_status()
        placed = [_place_and_enqueue(env, skus, n) for n in range(BEFORE)]
        store = env.hub.store

        def synced() -> int:
            return sum(
                1 for order_id in placed if store.external_id("netsuite", "order", f"shopify:{order_id}")
            )

        deadline = time.monotonic() + 60
        while synced() == 0:  # the first orders are through: the rest are in flight now
            assert time.monotonic() < deadline, "no order was synced before the restart"
            time.sleep(0.05)
        in_flight = BEFORE - synced()
        server.restart()  # returns once the server accepts connections again
        restarted = time.monotonic()
        # Straight after the restart, through the same pools: the intake's enqueue and the engine's reads must
        # work at once (a failure here would be a 5xx to Shopify's webhook and a redelivery).
        placed += [_place_and_enqueue(env, skus, n) for n in range(BEFORE, BEFORE + AFTER)]
        results = {
            order_id: env.engine.handle(f"{orders.FLOW}:shopify:{order_id}").result(120)
            for order_id in placed
        }
        took = time.monotonic() - restarted
        print(
            f"in flight at the restart: {in_flight} of {BEFORE}; all {len(placed)} done {took:.1f} s after it"
        )
        assert in_flight > 0, "nothing was in flight when the server restarted"
        assert {order_id: r.status for order_id, r in results.items()} == dict.fromkeys(
            placed, "completed"
        ), [(order_id, r.reason) for order_id, r in results.items() if r.status != "completed"]
        httpx.delete(f"{netsuite}/_sandbox/faults").raise_for_status()
        names = {order_id: env.hub.shop.get_order(order_id).number for order_id in placed}
        counts = _sales_orders(env)
        assert {names[order_id]: counts.get(str(names[order_id]), 0) for order_id in placed} == {
            names[order_id]: 1 for order_id in placed
        }, "an order is missing from NetSuite or there twice"
        assert sum(counts.values()) == len(placed), counts
        assert store.exceptions(status="open") == [], "the restart parked a record"
