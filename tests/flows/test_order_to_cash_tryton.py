"""Issue 9's proof: the same flows run against a REAL trytond. An order placed in the Shopify sandbox becomes
a confirmed Tryton sale; the Tryton shipment is processed (assigned, picked, packed, done) and the
fulfillment with tracking comes back to the store; stock changed in Tryton reaches the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from erpsync.demo import DemoEnvironment, demo_environment

pytestmark = [pytest.mark.tryton, pytest.mark.timeout(900)]  # the first run installs Tryton


@pytest.fixture
def env(sqlite_url: str) -> Iterator[DemoEnvironment]:
    with demo_environment(sqlite_url, erp="tryton") as environment:
        yield environment


AVAILABLE = """query($query: String!) { productVariants(first: 5, query: $query) {
  nodes { sku inventoryItem { inventoryLevels(first: 5) { nodes { quantities(names: ["available"]) {
    name quantity } } } } } } }"""


def _available_in_store(env: DemoEnvironment, sku: str) -> int:
    nodes = env._graphql(AVAILABLE, {"query": f'sku:"{sku}"'})["productVariants"]["nodes"]
    levels = [level for node in nodes for level in node["inventoryItem"]["inventoryLevels"]["nodes"]]
    return sum(q["quantity"] for level in levels for q in level["quantities"])


def test_order_to_cash_against_a_real_tryton(env: DemoEnvironment) -> None:
    synced = env.sync_catalog()
    assert synced and all(result.status == "completed" for result in synced), synced
    skus = env.erp_skus()
    assert skus == ["ERP-MUG", "ERP-TEE-S"]

    env.desk.receive_goods(["ERP-MUG"], 7)
    assert env.sync_inventory().status == "completed"
    assert _available_in_store(env, "ERP-MUG") == 7, "stock received in Tryton reaches the store"

    order_id = env.place_order([("ERP-MUG", 2)], email="margaret@example.com")
    results = env.sync_orders()
    assert [r.status for r in results] == ["completed"], results
    sale_id = int(results[0].value["sales_order_id"])
    client = env.desk.client  # type: ignore[attr-defined]
    (sale,) = client.read("sale.sale", [sale_id], ["state", "description", "reference"])
    assert sale["state"] == "processing" and sale["description"] == f"shopify:{order_id}"

    assert env.ship_open_orders() == 1
    shipped = [r for r in env.sync_fulfillments() if r.value and r.value.get("status") == "fulfilled"]
    assert len(shipped) == 1, shipped
    order = env.hub.shop.get_order(order_id)
    assert [t.number for f in order.fulfillments for t in f.tracking] == [f"1ZTRY{sale_id:010d}"]

    assert env.sync_inventory("after-shipping").status == "completed"
    assert _available_in_store(env, "ERP-MUG") == 5, "the shipment's units leave the store's available stock"


def test_erpsync_yaml_points_at_an_existing_tryton(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/connectors/tryton.md's configuration, against a real trytond: the service builds and logs in."""
    from erpsync.config import load_settings
    from erpsync.sandboxes import build_sandbox
    from erpsync.sandboxes.common import serve_in_thread
    from erpsync.sandboxes.tryton import running_tryton
    from erpsync.service import build_service

    shopify = build_sandbox("shopify")
    with running_tryton() as tryton, serve_in_thread(shopify.app) as shop_server:
        monkeypatch.setenv("T_SHOP_TOKEN", shopify.credentials()["access_token"])
        monkeypatch.setenv("T_TRYTON_LOGIN", tryton.login)
        monkeypatch.setenv("T_TRYTON_PASSWORD", tryton.password)
        config = tmp_path / "erpsync.yaml"
        config.write_text(
            f"""
database_url: sqlite:///{tmp_path / "erpsync.db"}
connections:
  shop: {{platform: shopify, url: "{shop_server.url}", credentials: {{access_token: {{env: T_SHOP_TOKEN}}}}}}
  erp:
    platform: tryton
    url: "{tryton.url}"
    database: {tryton.database}
    credentials: {{login: {{env: T_TRYTON_LOGIN}}, password: {{env: T_TRYTON_PASSWORD}}}}
flows:
  catalog_to_store: {{source: erp, target: shop, trigger: {{poll_every_seconds: 30}}}}
"""
        )
        service = build_service(load_settings(config))
        try:
            service.engine.launch()
            assert [location.code for location in service.hub.erp.locations()] == ["WH"]
            polled = service.engine.enqueue("poll_erp_catalog", "now", {}).result(120)
            assert polled.status == "completed" and polled.value["enqueued"] == 2
        finally:
            service.shutdown()
