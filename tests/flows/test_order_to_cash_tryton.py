"""Issue 9's proof: the same flows run against a REAL trytond. An order placed in the Shopify sandbox becomes
a confirmed Tryton sale; the Tryton shipment is processed (assigned, picked, packed, done) and the
fulfillment with tracking comes back to the store; stock changed in Tryton reaches the store."""

from __future__ import annotations

from collections.abc import Iterator

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
