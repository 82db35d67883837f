"""Initial load, NetSuite → Shopify sandboxes over loopback: ~200 items in bulk operations, one refused
product parked on its own, stock set at the mapped locations, and a second load sends only what is left."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from erpsync.cli import app
from erpsync.demo import DemoEnvironment, demo_environment
from erpsync.flows import catalog, inventory
from erpsync.flows.initial_load import BulkCatalogWriter, bulk_writer_of, initial_load
from erpsync.model import Product
from erpsync.sandboxes import build_sandbox
from erpsync.sandboxes.common import serve_in_thread
from erpsync.sandboxes.shopify import build_sandbox as build_shopify_sandbox

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


CONFIG = """
database_url: sqlite:///{db}
connections:
  shop:
    platform: shopify
    url: {shop_url}
    api_version: "2026-04"
    credentials:
      access_token: {{env: TEST_LOAD_SHOPIFY_TOKEN}}
      webhook_secret: {{env: TEST_LOAD_SHOPIFY_SECRET}}
  erp:
    platform: netsuite
    url: {erp_url}
    account_id: "{account}"
    credentials:
      consumer_key: {{env: TEST_LOAD_NS_CONSUMER_KEY}}
      consumer_secret: {{env: TEST_LOAD_NS_CONSUMER_SECRET}}
      token_id: {{env: TEST_LOAD_NS_TOKEN_ID}}
      token_secret: {{env: TEST_LOAD_NS_TOKEN_SECRET}}
flows:
  catalog_to_store: {{source: erp, target: shop, trigger: {{poll_every_seconds: 30}}}}
"""


def test_sync_catalog_initial_loads_an_empty_store_and_prints_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shopify, netsuite = build_shopify_sandbox(), build_sandbox("netsuite", seed=3)
    shopify.bulk_mutations.configure({"lines_per_second": 2000})
    with serve_in_thread(shopify.app) as shop_server, serve_in_thread(netsuite.app) as erp_server:
        shop, erp = shopify.credentials(), netsuite.credentials()
        config = tmp_path / "erpsync.yaml"
        config.write_text(
            CONFIG.format(
                db=tmp_path / "erpsync.db",
                shop_url=shop_server.url,
                erp_url=erp_server.url,
                account=erp["account_id"],
            )
        )
        for name, value in {
            "TEST_LOAD_SHOPIFY_TOKEN": shop["access_token"],
            "TEST_LOAD_SHOPIFY_SECRET": shop["webhook_secret"],
            "TEST_LOAD_NS_CONSUMER_KEY": erp["consumer_key"],
            "TEST_LOAD_NS_CONSUMER_SECRET": erp["consumer_secret"],
            "TEST_LOAD_NS_TOKEN_ID": erp["token_id"],
            "TEST_LOAD_NS_TOKEN_SECRET": erp["token_secret"],
        }.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("ERPSYNC_DATABASE_URL", raising=False)
        result = CliRunner().invoke(app, ["sync", "catalog", "--initial", "--config", str(config)])
        assert result.exit_code == 0, result.output
        figures = json.loads(result.output[result.output.index("\n{") : result.output.rindex("}") + 1])
        assert figures["phase"] == "done" and figures["products_written"] == figures["products_read"] >= 12
        store = next(iter(shopify.stores.values()))
        assert len(list(store.rows("products"))) == figures["products_written"]
        assert (
            figures["levels_set"] + figures["levels_parked"] + figures["levels_skipped"]
            == figures["levels_read"]
        )
        assert shop["access_token"] not in result.output
