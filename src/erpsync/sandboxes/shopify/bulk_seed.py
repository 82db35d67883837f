"""Bulk seeding for benchmarks: many products with stock, many orders and chosen drift, in few calls.

    POST /_sandbox/shopify/bulk-seed {"locations": ["Main Warehouse", ...]}   -> {"locations": {name: id}}
    POST /_sandbox/shopify/bulk-seed {"products": [{"sku": "REC-1", "quantities": {"<location id>": 12}}]}
         -> {"products": {"REC-1": "<inventory item id>", ...}}
    POST /_sandbox/shopify/bulk-seed {"orders": [{"sku": "REC-000001", "email": "a@example.com"}, ...]}
         -> {"orders": ["<order id>", ...]}     (paid web orders, one line each, stock not touched)
    POST /_sandbox/shopify/bulk-seed {"quantities": [{"sku": ..., "location_id": ..., "available": 3}]}
         -> {"quantities": n}                   (drift: a level's available set behind the API's back)
    GET  /_sandbox/shopify/inventory-by-sku     -> {"REC-000001": {"<location id>": 12, ...}, ...}

Products are created by the same code as ``productCreate`` (one variant each, tracked, stocked where a
quantity is given); orders by the same code as ``orderCreate`` with ``inventoryBehaviour: BYPASS``. What
the bulk path skips is the GraphQL layer and its rate limit, which would make 100,000 products take hours.
A development tool, like the rest of ``/_sandbox/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Body, HTTPException

from erpsync.sandboxes.shopify import orders as order_mutations
from erpsync.sandboxes.shopify.catalog import create_variant, ensure_level
from erpsync.sandboxes.shopify.ids import gid
from erpsync.sandboxes.shopify.store import Record, ShopStore

if TYPE_CHECKING:
    from erpsync.sandboxes.shopify.sandbox import ShopifySandbox


def bulk_seed_router(sandbox: ShopifySandbox) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/shopify", tags=["sandbox control"])

    @router.post("/bulk-seed")
    def bulk_seed(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        store = sandbox.store_for("")
        try:
            with store.lock:
                answer: dict[str, Any] = {}
                if "locations" in body:
                    answer["locations"] = _locations(store, list(body["locations"]))
                if "products" in body:
                    answer["products"] = _products(store, list(body["products"]))
                if "orders" in body:
                    answer["orders"] = _orders(sandbox, store, list(body["orders"]))
                if "quantities" in body:
                    answer["quantities"] = _quantities(store, list(body["quantities"]))
                return answer
        except (KeyError, TypeError, ValueError) as exc:
            raise HTTPException(status_code=422, detail=f"bad bulk seed: {exc!r}") from exc

    @router.get("/inventory-by-sku")
    def inventory_by_sku() -> dict[str, dict[str, int]]:
        store = sandbox.store_for("")
        with store.lock:
            skus = {item["id"]: item.get("sku") for item in store.tables["inventory_items"].values()}
            levels: dict[str, dict[str, int]] = {}
            for level in store.tables["inventory_levels"].values():
                sku = skus.get(level["inventory_item_id"])
                if sku:
                    available = int(level["quantities"].get("available", 0))
                    levels.setdefault(sku, {})[str(level["location_id"])] = available
            return levels

    return router


def _locations(store: ShopStore, names: list[str]) -> dict[str, str]:
    existing = {location["name"]: location for location in store.tables["locations"].values()}
    ids = {}
    for name in names:
        if name not in existing:
            existing[name] = store.add(
                "locations",
                {
                    "name": name,
                    "active": True,
                    "fulfills_online_orders": True,
                    "country": "United States",
                    "country_code": "US",
                },
            )
        ids[name] = str(existing[name]["id"])
    return ids


def _variants_by_sku(store: ShopStore) -> dict[str, Record]:
    return {str(v["sku"]): v for v in store.tables["variants"].values() if v.get("sku")}


def _products(store: ShopStore, products: list[dict[str, Any]]) -> dict[str, str]:
    known = _variants_by_sku(store)
    ids = {}
    for entry in products:
        sku = str(entry["sku"])
        if sku in known:
            raise ValueError(f"a variant with SKU {sku} exists already")
        product = store.add(
            "products",
            {
                "title": f"Item {sku}",
                "handle": sku.lower(),
                "body_html": "",
                "vendor": "erpsync bench",
                "product_type": "Bench",
                "status": "active",
                "tags": [],
                "published_at": store.now(),
                "options": [
                    {"id": store.new_id(), "name": "Title", "position": 1, "values": ["Default Title"]}
                ],
                "variant_ids": [],
                "image_id": None,
            },
        )
        variant = create_variant(store, product, ["Default Title"], {"sku": sku, "price": "12.50"})
        for location_id, available in dict(entry.get("quantities") or {}).items():
            level = ensure_level(store, variant["inventory_item_id"], int(location_id))
            level["quantities"]["available"] = int(available)
        known[sku] = variant
        ids[sku] = str(variant["inventory_item_id"])
    return ids


def _orders(sandbox: ShopifySandbox, store: ShopStore, orders: list[dict[str, Any]]) -> list[str]:
    variants = _variants_by_sku(store)
    ctx = sandbox.context(store, sandbox.credentials()["api_version"], "http://127.0.0.1")
    created = []
    for entry in orders:
        variant = variants[str(entry["sku"])]
        data = {
            "lineItems": [{"variantId": gid("ProductVariant", variant["id"]), "quantity": 1}],
            "email": str(entry.get("email") or "bench@example.com"),
            "financialStatus": "PAID",
        }
        payload = order_mutations.order_create(ctx, order=data, options={"inventoryBehaviour": "BYPASS"})
        if payload["userErrors"]:
            raise ValueError(f"order for {entry['sku']}: {payload['userErrors'][0]['message']}")
        created.append(str(payload["order"]["__ref__"][1]))
    return created


def _quantities(store: ShopStore, changes: list[dict[str, Any]]) -> int:
    variants = _variants_by_sku(store)
    for change in changes:
        item_id = variants[str(change["sku"])]["inventory_item_id"]
        level = store.inventory_level(item_id, int(change["location_id"]))
        if level is None:
            raise ValueError(f"SKU {change['sku']} is not stocked at location {change['location_id']}")
        level["quantities"]["available"] = int(change["available"])
        store.touch(level)
    return len(changes)
