"""Bulk JSONL rows are put back together: children under their parent, in the shape translators read."""

from __future__ import annotations

from typing import Any

import pytest

from erpsync.connectors.shopify import translate
from erpsync.connectors.shopify.bulk import reassemble
from erpsync.errors import DataError


def rows() -> list[dict[str, Any]]:
    return [
        {"id": "gid://shopify/Product/1", "title": "Tee", "status": "ACTIVE", "options": []},
        {"id": "gid://shopify/Product/2", "title": "Mug", "status": "ACTIVE", "options": []},
        {
            "id": "gid://shopify/ProductVariant/11",
            "sku": "TEE-S",
            "price": "19.99",
            "__parentId": "gid://shopify/Product/1",
        },
        {
            "id": "gid://shopify/ProductVariant/21",
            "sku": "MUG",
            "price": "9.50",
            "__parentId": "gid://shopify/Product/2",
        },
        {
            "id": "gid://shopify/InventoryLevel/5",
            "__parentId": "gid://shopify/ProductVariant/21",
            "quantities": [{"name": "available", "quantity": 3}],
        },
    ]


def test_children_anywhere_after_their_parent_are_nested_back_under_it() -> None:
    products = list(reassemble(rows()))
    assert [p["id"] for p in products] == ["gid://shopify/Product/1", "gid://shopify/Product/2"]
    assert [v["sku"] for v in products[0]["variants"]["nodes"]] == ["TEE-S"]
    mug_variant = products[1]["variants"]["nodes"][0]
    assert mug_variant["inventoryLevels"]["nodes"][0]["quantities"][0]["quantity"] == 3
    assert "__parentId" not in mug_variant


def test_reassembled_rows_translate_like_paged_reads() -> None:
    product = translate.product_from_graphql(next(iter(reassemble(rows()))), currency="USD")
    assert [(v.sku, str(v.price)) for v in product.variants] == [("TEE-S", "19.99 USD")]


def test_grouped_results_are_yielded_before_the_file_ends() -> None:
    def grouped_rows() -> Any:
        yield {"id": "gid://shopify/Product/1"}
        yield {"id": "gid://shopify/ProductVariant/11", "__parentId": "gid://shopify/Product/1"}
        yield {"id": "gid://shopify/Product/2"}
        raise AssertionError("read past the second parent before yielding the first")

    records = reassemble(grouped_rows(), grouped=True)
    first = next(records)
    assert first["id"] == "gid://shopify/Product/1" and len(first["variants"]["nodes"]) == 1


def test_child_before_any_parent_is_reported() -> None:
    with pytest.raises(DataError, match="parent"):
        list(
            reassemble([{"id": "gid://shopify/ProductVariant/9", "__parentId": "gid://shopify/Product/404"}])
        )
