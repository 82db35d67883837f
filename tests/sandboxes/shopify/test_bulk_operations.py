"""Bulk operations: the query runs over every row and the JSONL links children to parents by __parentId."""

from __future__ import annotations

import json

from tests.sandboxes.shopify.conftest import Shop

RUN = """mutation($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status url } userErrors { field message code } } }"""
CURRENT = "{ currentBulkOperation { id status url objectCount rootObjectCount fileSize } }"
PRODUCTS_WITH_VARIANTS = """{ products { edges { node { id title
  variants { edges { node { id sku inventoryItem { id } } } } } } } }"""


def test_bulk_query_jsonl_has_one_line_per_node_and_children_point_to_their_parent(shop: Shop) -> None:
    started = shop.data(RUN, {"query": PRODUCTS_WITH_VARIANTS})["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    assert started["bulkOperation"]["status"] == "CREATED"
    current = shop.data(CURRENT)["currentBulkOperation"]
    assert current["id"] == started["bulkOperation"]["id"] and current["status"] == "COMPLETED"
    lines = [json.loads(line) for line in shop.http.get(current["url"]).text.splitlines()]
    products = [line for line in lines if "__parentId" not in line]
    variants = [line for line in lines if "__parentId" in line]
    expected = shop.data(
        "{ productsCount { count } productVariants(first: 250) { nodes { id product { id } } } }"
    )
    assert len(products) == expected["productsCount"]["count"] == int(current["rootObjectCount"])
    assert str(len(lines)) == current["objectCount"]  # UnsignedInt64 is a string of digits
    parent_of = {v["id"]: v["product"]["id"] for v in expected["productVariants"]["nodes"]}
    assert {v["id"]: v["__parentId"] for v in variants} == parent_of
    assert all(v["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/") for v in variants)
    seen_products = set()
    for line in lines:  # a parent always comes before its children
        if "__parentId" in line:
            assert line["__parentId"] in seen_products
        else:
            seen_products.add(line["id"])


def test_bulk_query_rules_connections_required_and_nesting_at_most_two(shop: Shop) -> None:
    no_connection = shop.data(RUN, {"query": "{ shop { name } }"})["bulkOperationRunQuery"]
    assert no_connection["userErrors"][0]["message"] == "Bulk queries must contain at least one connection."
    too_deep = """{ products { edges { node { collections { edges { node {
        products { edges { node { id } } } } } } } } } }"""
    deep = shop.data(RUN, {"query": too_deep})["bulkOperationRunQuery"]
    assert "nesting depth" in deep["userErrors"][0]["message"]
    assert shop.data(CURRENT)["currentBulkOperation"] is None


def test_bulk_query_ignores_cost_limits(shop: Shop) -> None:
    # as a normal query this would be rejected (connections without first/last); bulk reads every row
    query = "{ orders { edges { node { id lineItems { edges { node { id sku } } } } } } }"
    assert shop.data(RUN, {"query": query})["bulkOperationRunQuery"]["userErrors"] == []
    current = shop.data(CURRENT)["currentBulkOperation"]
    assert (current["status"], current["objectCount"], current["url"]) == ("COMPLETED", "0", None)
