"""Shared pieces of the web tests: settings, users of each role with API tokens, and a real engine with two
flows (an order flow that parks unknown SKUs, and a fulfillment flow that waits for its order)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from erpsync.config import Settings
from erpsync.engine import Engine, FlowContext, RetryPolicy
from erpsync.errors import DataError
from erpsync.store import Store
from erpsync.web.auth import UserDirectory

PASSWORD = "correct horse battery"
KNOWN_SKUS = {"SKU-1", "SKU-2"}
FAST = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05)

SETTINGS = Settings(
    connections={
        "shopify": {"platform": "shopify", "url": "https://acme.myshopify.com"},
        "netsuite": {"platform": "netsuite", "url": "https://1.suitetalk.api.netsuite.com"},
    },
    flows={
        "order_to_erp": {"source": "shopify", "target": "netsuite", "trigger": {"webhook": True}},
        "fulfillment_to_store": {
            "source": "netsuite",
            "target": "shopify",
            "trigger": {"poll_every_seconds": 60},
        },
    },
)


@dataclass
class Tokens:
    viewer: str
    operator: str
    admin: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def add_role_users(users: UserDirectory) -> Tokens:
    for role in ("viewer", "operator", "admin"):
        users.add_user(role, PASSWORD, role)
    return Tokens(*(users.create_token(role, "tests") for role in ("viewer", "operator", "admin")))


def create_sales_order(order: dict[str, Any]) -> str:
    for line in order["lines"]:
        if line["sku"] not in KNOWN_SKUS:
            raise DataError(
                f"NetSuite rejected sales order for Shopify order #{order['number']}: item {line['sku']} has "
                "no NetSuite item",
                system="netsuite",
                field="lines.sku",
                suggested_fix=f"map {line['sku']} in mappings/items.yaml, or correct the SKU and retry",
            )
    return f"SO-{order['number']}"


def start_engine(database_url: str) -> Engine:
    engine = Engine(database_url, worker_id="web-test-worker")
    engine.budget("netsuite", concurrency=5)
    engine.budget("shopify", concurrency=5)

    @engine.flow("order_to_erp", queue="netsuite", record_type="order", retry=FAST)
    def order_to_erp(ctx: FlowContext, order: dict[str, Any]) -> str:
        return ctx.step("create_sales_order", create_sales_order, order)

    @engine.flow("fulfillment_to_store", queue="shopify", record_type="fulfillment", retry=FAST)
    def fulfillment_to_store(ctx: FlowContext, fulfillment: dict[str, Any]) -> str:
        ctx.wait_for(f"order:{fulfillment['order']}")
        return f"fulfilled {fulfillment['order']}"

    engine.launch()
    return engine


def park_order(engine: Engine, store: Store, number: str, sku: str) -> int:
    """Send an order with an unknown SKU through the real engine and return its exception id."""
    engine.enqueue("order_to_erp", number, {"number": number, "lines": [{"sku": sku, "quantity": 1}]})
    wait_until(
        lambda: store.active_exception(flow="order_to_erp", business_key=number) is not None,
        f"order {number} to park",
    )
    found = store.active_exception(flow="order_to_erp", business_key=number)
    assert found is not None
    return found.id
