"""Catalog writes for an initial load: many products in one bulk ``productSet``, then stock by item id.

``upsert_products`` sends a chunk of canonical products as one bulk mutation (``bulk_writer.py``), each
product as the same ``productSet`` by handle the per-product path sends (an upsert: a replayed chunk does not
duplicate), with its variants stocked at the given locations; it answers, per product, the Shopify product id
and the inventory item id of each SKU, or the line's ``userErrors`` as a ``DataError``.

``set_quantities`` then sets stock by inventory item id, 250 quantities per ``inventorySetQuantities`` (the
input-array maximum, https://shopify.dev/api/usage/limits). Shopify also runs ``inventorySetQuantities`` in
bulk ("Support for all mutations", https://shopify.dev/changelog/posts/faster-bulk-operations); calls of 250
are used because at 10 points each they stay inside the rate-limit bucket of a Plus store for 300,000
levels and finish in seconds, where a second bulk operation would queue behind the catalog's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from erpsync.connectors.shopify.bulk_writer import BulkLine, BulkWriter
from erpsync.connectors.shopify.errors import SYSTEM, data_error_for_user_errors
from erpsync.connectors.shopify.translate import gid, legacy_id, product_set_input
from erpsync.errors import DataError
from erpsync.model import Product

if TYPE_CHECKING:
    from erpsync.connectors.shopify.connector import ShopifyConnector

MAX_INPUT_ITEMS = 250
PRODUCT_SET_LINE = """
mutation productSet($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
  productSet(input: $input, identifier: $identifier, synchronous: true) {
    product { id variants(first: 250) { nodes { sku inventoryItem { id } } } }
    userErrors { field message code }
  }
}"""
INVENTORY_SET = """
mutation inventorySetQuantities($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}"""


@dataclass(frozen=True)
class ProductWritten:
    """One product of a bulk chunk: its Shopify id and SKU → inventory item id, or why it was refused."""

    product: Product
    store_id: str | None = None
    inventory_items: dict[str, str] = field(default_factory=dict)
    error: DataError | None = None


@dataclass(frozen=True)
class StockQuantity:
    inventory_item_id: str  # gid://shopify/InventoryItem/…
    location_code: str  # the Shopify location's legacy id
    quantity: int


class BulkCatalog:
    """A shop's catalog written in bulk; ``finished`` waits for the ``bulk_operations/finish`` webhook."""

    def __init__(
        self,
        connector: ShopifyConnector,
        *,
        poll_interval: float = 1.0,
        finished: Callable[[str, float], bool] | None = None,
    ) -> None:
        self.connector = connector
        self.writer = BulkWriter(connector.client, poll_interval=poll_interval, finished=finished)

    def upsert_products(
        self, products: Sequence[Product], *, stock_at: Sequence[str] = (), label: str | None = None
    ) -> list[ProductWritten]:
        """One bulk ``productSet`` for ``products`` (each with a handle); results in the same order."""
        lines = self.writer.run(
            PRODUCT_SET_LINE,
            (_line(product, stock_at) for product in products),
            payload_key="productSet",
            client_identifier=label,
        )
        written: list[ProductWritten | None] = [None] * len(products)
        for line in lines:
            if 0 <= line.number < len(products):
                written[line.number] = self._result(products[line.number], line)
        missing = DataError(
            "Shopify's bulk result file has no line for this product", system=SYSTEM, suggested_fix="retry it"
        )
        return [
            w if w is not None else ProductWritten(products[i], error=missing) for i, w in enumerate(written)
        ]

    def _result(self, product: Product, line: BulkLine) -> ProductWritten:
        record = f"product {product.handle or product.business_key}"
        if line.errors:
            messages = "; ".join(str(error.get("message")) for error in line.errors)
            error = DataError(
                f"Shopify bulk productSet failed for {record}: {messages}", system=SYSTEM, record=record
            )
            return ProductWritten(product, error=error)
        if line.user_errors or not line.payload or not line.payload.get("product"):
            user_errors = line.user_errors or [{"field": None, "message": "no product in the result"}]
            error = data_error_for_user_errors(
                user_errors,
                operation="productSet",
                record=record,
                shop_domain=self.connector.client.shop_domain,
            )
            return ProductWritten(product, error=error)
        shopify_product = line.payload["product"]
        items = {
            str(node["sku"]): str(node["inventoryItem"]["id"])
            for node in (shopify_product.get("variants") or {}).get("nodes") or []
            if node.get("sku") and node.get("inventoryItem")
        }
        return ProductWritten(product, store_id=legacy_id(shopify_product["id"]), inventory_items=items)

    def set_quantities(self, quantities: Sequence[StockQuantity], *, idempotency_key: str) -> int:
        """Absolute ``available`` quantities, 250 per call, each call idempotent; calls made."""
        calls = 0
        for index in range(0, len(quantities), MAX_INPUT_ITEMS):
            chunk = quantities[index : index + MAX_INPUT_ITEMS]
            self.connector.client.mutate(
                INVENTORY_SET,
                {
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": f"erpsync://inventory/{idempotency_key}",
                        "ignoreCompareQuantity": True,
                        "quantities": [
                            {
                                "inventoryItemId": q.inventory_item_id,
                                "locationId": gid("Location", q.location_code),
                                "quantity": q.quantity,
                            }
                            for q in chunk
                        ],
                    }
                },
                payload_key="inventorySetQuantities",
                record=f"inventory of {len(chunk)} SKU/location pairs",
                idempotency_key=f"{idempotency_key}:{index // MAX_INPUT_ITEMS}",
            )
            calls += 1
        return calls


def _line(product: Product, stock_at: Sequence[str]) -> dict[str, Any]:
    if not product.handle:
        raise DataError(
            f"product {product.business_key} has no handle, so Shopify cannot match it on a replay",
            system=SYSTEM,
            record=f"product {product.business_key}",
            field="handle",
        )
    product_input = product_set_input(product)
    if stock_at:
        # stocks each new variant at the store's locations (quantities are set afterwards, from the ERP)
        for variant in product_input["variants"]:
            variant["inventoryQuantities"] = [
                {"locationId": gid("Location", code), "name": "available", "quantity": 0} for code in stock_at
            ]
    return {"input": product_input, "identifier": {"handle": product.handle}}
