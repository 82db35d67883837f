"""Inventory mutations: compare-and-set, the 250-item input limit, and @idempotent replays."""

from __future__ import annotations

from typing import Any

import pytest
from tests.sandboxes.shopify.conftest import Shop

SET = """mutation($input: InventorySetQuantitiesInput!) @idempotent(key: "%s") {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""
ADJUST = """mutation($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: "%s") {
    inventoryAdjustmentGroup { id changes(quantityNames: ["available"]) { delta quantityAfterChange } }
    userErrors { field message code }
  }
}"""


@pytest.fixture
def level(shop: Shop) -> dict[str, Any]:
    """One stocked inventory level: item id, location id, available quantity."""
    query = """{ inventoryItems(first: 1) { nodes { id inventoryLevels(first: 1) { nodes {
        location { id } quantities(names: ["available"]) { quantity } } } } } }"""
    item = shop.data(query)["inventoryItems"]["nodes"][0]
    node = item["inventoryLevels"]["nodes"][0]
    return {
        "item": item["id"],
        "location": node["location"]["id"],
        "available": node["quantities"][0]["quantity"],
    }


def available(shop: Shop, level: dict[str, Any]) -> int:
    query = """query($item: ID!, $location: ID!) { inventoryItem(id: $item) {
        inventoryLevel(locationId: $location) { quantities(names: ["available"]) { quantity } } } }"""
    found = shop.data(query, {"item": level["item"], "location": level["location"]})
    return int(found["inventoryItem"]["inventoryLevel"]["quantities"][0]["quantity"])


def set_input(level: dict[str, Any], quantity: int, compare: int | None) -> dict[str, Any]:
    entry = {"inventoryItemId": level["item"], "locationId": level["location"], "quantity": quantity}
    return {
        "name": "available",
        "reason": "correction",
        "quantities": [{**entry, "compareQuantity": compare}],
    }


def test_set_quantities_applies_when_compare_quantity_matches(shop: Shop, level: dict[str, Any]) -> None:
    result = shop.data(SET % "k-1", {"input": set_input(level, 42, level["available"])})[
        "inventorySetQuantities"
    ]
    assert result["userErrors"] == []
    changes = {c["name"]: c for c in result["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"] == {
        "name": "available",
        "delta": 42 - level["available"],
        "quantityAfterChange": 42,
    }
    assert available(shop, level) == 42


def test_stale_compare_quantity_is_rejected_and_nothing_changes(shop: Shop, level: dict[str, Any]) -> None:
    stale = level["available"] + 1
    result = shop.data(SET % "k-2", {"input": set_input(level, 5, stale)})["inventorySetQuantities"]
    assert result["inventoryAdjustmentGroup"] is None
    assert result["userErrors"] == [
        {
            "field": ["input", "quantities", "0", "compareQuantity"],
            "message": "The specified compare quantity is stale.",
            "code": "COMPARE_QUANTITY_STALE",
        }
    ]
    assert available(shop, level) == level["available"]


def test_missing_compare_quantity_is_required_unless_ignored(shop: Shop, level: dict[str, Any]) -> None:
    missing = shop.data(SET % "k-3", {"input": set_input(level, 5, None)})["inventorySetQuantities"]
    assert missing["userErrors"][0]["code"] == "COMPARE_QUANTITY_REQUIRED"
    ignored = {**set_input(level, 5, None), "ignoreCompareQuantity": True}
    assert shop.data(SET % "k-4", {"input": ignored})["inventorySetQuantities"]["userErrors"] == []
    assert available(shop, level) == 5


def test_more_than_250_quantities_is_rejected_before_anything_runs(shop: Shop, level: dict[str, Any]) -> None:
    one = set_input(level, 1, level["available"])["quantities"][0]
    too_many = {**set_input(level, 1, level["available"]), "quantities": [one] * 251}
    body = shop.gql(SET % "k-5", {"input": too_many})
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "251" in body["errors"][0]["message"]
    assert available(shop, level) == level["available"]


def test_same_idempotency_key_replays_the_first_result_without_applying_twice(
    shop: Shop, level: dict[str, Any]
) -> None:
    adjust = {
        "name": "available",
        "reason": "received",
        "changes": [{"delta": 3, "inventoryItemId": level["item"], "locationId": level["location"]}],
    }
    first = shop.data(ADJUST % "receipt-77", {"input": adjust})["inventoryAdjustQuantities"]
    again = shop.data(ADJUST % "receipt-77", {"input": adjust})["inventoryAdjustQuantities"]
    assert again == first
    assert available(shop, level) == level["available"] + 3
    other_key = shop.data(ADJUST % "receipt-78", {"input": adjust})["inventoryAdjustQuantities"]
    assert other_key["inventoryAdjustmentGroup"]["id"] != first["inventoryAdjustmentGroup"]["id"]
    assert available(shop, level) == level["available"] + 6


def test_reusing_a_key_with_different_arguments_is_an_error(shop: Shop, level: dict[str, Any]) -> None:
    change = {"delta": 1, "inventoryItemId": level["item"], "locationId": level["location"]}
    shop.data(ADJUST % "k-9", {"input": {"name": "available", "reason": "received", "changes": [change]}})
    changed = {"name": "available", "reason": "received", "changes": [{**change, "delta": 2}]}
    body = shop.gql(ADJUST % "k-9", {"input": changed})
    assert body["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert available(shop, level) == level["available"] + 1


def test_idempotent_directive_is_mandatory_from_2026_04_only(shop: Shop, level: dict[str, Any]) -> None:
    without_key = SET.replace(' @idempotent(key: "%s")', "")
    variables = {"input": set_input(level, 9, level["available"])}
    body = shop.gql(without_key, variables)
    assert "@idempotent directive is required" in body["errors"][0]["message"]
    shop.version = "2026-01"
    assert shop.data(without_key, variables)["inventorySetQuantities"]["userErrors"] == []
    assert available(shop, level) == 9
