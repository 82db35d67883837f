"""The shopper scenario: seeded orders with discount codes, B2B buyers and several locations; persistence."""

from __future__ import annotations

import time
from pathlib import Path

from tests.sandboxes.shopify.conftest import Shop

from erpsync.sandboxes.shopify import build_sandbox
from erpsync.sandboxes.shopify.scenario import ScenarioSettings, ShopperScenario

ORDERS = """{ orders(first: 50) { nodes { id discountCodes purchasingEntity { __typename }
  fulfillmentOrders(first: 5) { nodes { assignedLocation { name } } } } } }"""


def test_shoppers_place_orders_with_discounts_b2b_buyers_and_several_locations(shop: Shop) -> None:
    settings = ScenarioSettings(orders_per_minute=60_000, discount_rate=0.5, b2b_rate=0.3, seed=11)
    report = ShopperScenario(shop.sandbox, settings).run(orders=40)
    assert len(report.placed) + len(report.rejected) == 40
    placed = shop.data(ORDERS)["orders"]["nodes"]
    assert {o["id"] for o in placed} == set(report.placed)
    assert sum(1 for o in placed if o["discountCodes"]) == report.discounted > 0
    assert (
        sum(1 for o in placed if o["purchasingEntity"]["__typename"] == "PurchasingCompany") == report.b2b > 0
    )
    locations = {fo["assignedLocation"]["name"] for o in placed for fo in o["fulfillmentOrders"]["nodes"]}
    assert len(locations) > 1


def test_same_seed_places_the_same_orders() -> None:
    def basket_skus(seed: int) -> list[list[str]]:
        sandbox = build_sandbox(seed=3)
        ShopperScenario(sandbox, ScenarioSettings(orders_per_minute=60_000, seed=seed)).run(orders=5)
        store = sandbox.store_for("")
        return [[line["sku"] for line in order["line_items"]] for order in store.rows("orders")]

    assert basket_skus(5) == basket_skus(5)
    assert basket_skus(5) != basket_skus(6)


def test_scenario_runs_in_the_background_through_the_control_api(shop: Shop) -> None:
    started = shop.http.post(
        "/_sandbox/shopify/scenario", json={"orders_per_minute": 60_000, "orders": 5, "seed": 1}
    )
    assert started.status_code == 200
    deadline = time.monotonic() + 20
    while shop.http.get("/_sandbox/shopify/scenario").json()["running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert shop.http.get("/_sandbox/shopify/scenario").json()["report"]["placed"] == 5
    assert (
        shop.http.post("/_sandbox/shopify/scenario", json={"orders_per_minute": -1, "orders": 1}).status_code
        == 422
    )


def test_state_persists_to_a_file_and_loads_back(tmp_path: Path) -> None:
    state = tmp_path / "shopify.json"
    first = build_sandbox(seed=2, state_file=state)
    store = first.store_for("")
    ShopperScenario(first, ScenarioSettings(orders_per_minute=60_000, seed=2)).run(orders=2)
    reloaded = build_sandbox(state_file=state).store_for("")
    assert [o["name"] for o in reloaded.rows("orders")] == [o["name"] for o in store.rows("orders")]
    assert reloaded.next_id == store.next_id
