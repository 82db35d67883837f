"""Initial load, NetSuite → Shopify sandboxes over loopback: ~200 items in bulk operations, one refused
product parked on its own, stock set at the mapped locations, and a second load sends only what is left."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import catalog, inventory
from erpsync.flows.initial_load import BulkCatalogWriter, bulk_writer_of, initial_load
from erpsync.model import Product

NEW_ITEMS = 190
REFUSED_SKU = "LOAD-0007"


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url) as environment:
        environment.shopify_sandbox.bulk_mutations.configure({"lines_per_second": 2000})
        for number in range(NEW_ITEMS):
            environment.desk.add_item(f"LOAD-{number:04d}", f"Load item {number}", "9.99")
        yield environment


class RefusingStore:
    """The real bulk writer, with one product's title blanked on its way out: Shopify refuses that line
    ("Title can't be blank"), as it refuses any product breaking one of its rules."""

    def __init__(self, writer: BulkCatalogWriter) -> None:
        self.writer = writer

    def upsert_products(self, products: Sequence[Product], **options: Any) -> Any:
        sent = [
            p.model_copy(update={"title": ""}) if any(v.sku == REFUSED_SKU for v in p.variants) else p
            for p in products
        ]
        results = self.writer.upsert_products(sent, **options)
        return [
            type(r)(**{**r.__dict__, "product": original})
            for r, original in zip(results, products, strict=True)
        ]

    def set_quantities(self, quantities: Sequence[Any], *, idempotency_key: str) -> int:
        return self.writer.set_quantities(quantities, idempotency_key=idempotency_key)


def shopify_skus(env: DemoEnvironment) -> dict[str, dict[str, Any]]:
    store = next(iter(env.shopify_sandbox.stores.values()))
    return {variant["sku"]: variant for variant in store.rows("variants") if variant.get("sku")}


def test_initial_load_writes_the_catalog_in_bulk_parks_the_refused_product_and_sets_stock(
    env: DemoEnvironment,
) -> None:
    hub = env.hub
    writer = RefusingStore(bulk_writer_of(hub, poll_interval=0.05))
    seen: list[str] = []
    state = initial_load(hub, writer, chunk_size=80, progress=lambda s: seen.append(s.phase))

    new_skus = {f"LOAD-{n:04d}" for n in range(NEW_ITEMS)}
    assert state.products_read >= NEW_ITEMS + 12  # and the seeded catalog
    assert state.bulk_operations == 3  # chunks of 80
    assert state.products_parked == 1 and state.products_written == state.products_read - 1
    assert seen[-1] == "done" and "inventory" in seen

    in_shopify = shopify_skus(env)
    assert new_skus - {REFUSED_SKU} <= set(in_shopify) and REFUSED_SKU not in in_shopify

    parked = hub.store.exception(state.parked[0])
    assert parked.flow == catalog.FLOW and "Title can't be blank" in parked.message
    assert parked.payload["variants"][0]["sku"] == REFUSED_SKU  # edit-and-retry runs the per-product flow

    variant = in_shopify["LOAD-0001"]
    linked = hub.store.business_key("shopify", "product", str(variant["product_id"]))
    assert linked is not None
    assert hub.store.external_id("shopify", "inventory_item", "LOAD-0001") == (
        f"gid://shopify/InventoryItem/{variant['inventory_item_id']}"
    )

    # stock: every ERP level of a product in the store is what the store now sells at the mapped location
    store = next(iter(env.shopify_sandbox.stores.values()))
    levels = inventory.store_levels(hub.erp.inventory_changed_since(None).records, hub)
    checked = 0
    for level in levels:
        if level.sku in in_shopify:
            item_id = in_shopify[level.sku]["inventory_item_id"]
            shop_level = store.inventory_level(item_id, int(level.location_code))
            assert shop_level is not None and shop_level["quantities"]["available"] == level.available
            checked += 1
    assert checked >= 12 and state.levels_set == checked
    assert hub.store.cursor(catalog.POLLER) is not None and hub.store.cursor(inventory.FLOW) is not None

    # a second load sends only the product that was refused, now written; the rest is unchanged
    again = initial_load(hub, bulk_writer_of(hub, poll_interval=0.05), chunk_size=80, with_inventory=False)
    assert again.products_sent == 1 and again.products_written == 1
    assert again.products_unchanged == again.products_read - 1
    assert REFUSED_SKU in shopify_skus(env)
