"""Bulk seeding for benchmarks: many items with stock and many (billed) sales orders in one call.

    POST /_sandbox/netsuite/bulk-seed {"locations": ["main-warehouse", "east-dc"]}
         -> {"locations": {"main-warehouse": "101", ...}}
    POST /_sandbox/netsuite/bulk-seed {"items": [{"sku": "REC-000001", "stock": {"101": 12, ...}}, ...]}
         -> {"items": {"REC-000001": "105", ...}}
    POST /_sandbox/netsuite/bulk-seed {"sales_orders": [{"external_id": "shopify_1001", "sku": "REC-000001",
                                       "quantity": 1}, ...], "customer": "cust-bench"}
         -> {"sales_orders": {"shopify_1001": "100201", ...}}
    GET  /_sandbox/netsuite/sales-orders       -> {"externalId": "internal id", ...} of every sales order

Creating 100,000 items through the REST API would take hours (each create checks its external id against
every record), so the first record of each kind is created through the account's own validation and the
rest are copies of it with their own id, SKU, external id and modification time. Items are modified one
second apart, oldest first, as a catalog built over time is (a change poll sees distinct timestamps).
Sales orders are stored billed (status ``G``), so they commit no stock. A development tool, like the rest
of ``/_sandbox/``.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Body, HTTPException

from erpsync.sandboxes.netsuite.records import Record

if TYPE_CHECKING:
    from erpsync.sandboxes.netsuite.account import Account


def bulk_seed_router(account: Account) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/netsuite", tags=["sandbox control"])

    @router.post("/bulk-seed")
    def bulk_seed(body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        try:
            with account.lock:
                answer: dict[str, Any] = {}
                if "locations" in body:
                    answer["locations"] = _locations(account, list(body["locations"]))
                if "items" in body:
                    answer["items"] = _items(account, list(body["items"]))
                if "sales_orders" in body:
                    answer["sales_orders"] = _sales_orders(
                        account, list(body["sales_orders"]), str(body.get("customer") or "bench-customer")
                    )
                return answer
        except (KeyError, TypeError, ValueError) as exc:
            raise HTTPException(status_code=422, detail=f"bad bulk seed: {exc!r}") from exc

    @router.get("/sales-orders")
    def sales_orders() -> dict[str, str]:
        with account.lock:
            return {
                str(order.get("externalId")): str(order["id"])
                for order in account.store.records["salesOrder"].values()
            }

    return router


def _by_external_id(account: Account, type_name: str) -> dict[str, Record]:
    return {
        str(record["externalId"]): record
        for record in account.store.records[type_name].values()
        if record.get("externalId")
    }


def _locations(account: Account, codes: list[str]) -> dict[str, str]:
    existing = _by_external_id(account, "location")
    ids = {}
    for code in codes:
        if code not in existing:
            _, existing[code] = account.create(
                "location", {"name": code.replace("-", " ").title(), "externalId": code}
            )
        ids[code] = str(existing[code]["id"])
    return ids


def _items(account: Account, items: list[dict[str, Any]]) -> dict[str, str]:
    store = account.store
    table = store.records["inventoryItem"]
    known = {str(item.get("itemId")) for item in table.values()}
    ids: dict[str, str] = {}
    template: Record | None = next(iter(table.values()), None)
    start = account.clock.now() - timedelta(seconds=len(items) + 1)
    for index, entry in enumerate(items):
        sku = str(entry["sku"])
        if sku in known:
            raise ValueError(f"item {sku} exists already")
        if template is None:
            _, template = account.create(
                "inventoryItem",
                {
                    "itemId": sku,
                    "externalId": sku.lower(),
                    "displayName": f"Item {sku}",
                    "basePrice": "12.50",
                },
            )
            item = template
        else:
            item = copy.deepcopy(template)
            item.update(
                {"id": store.new_id(), "itemId": sku, "externalId": sku.lower(), "displayName": f"Item {sku}"}
            )
        item["createdDate"] = item["lastModifiedDate"] = start + timedelta(seconds=index)
        table[item["id"]] = item
        for location_id, quantity in dict(entry.get("stock") or {}).items():
            store.stock[(item["id"], str(location_id))] = Decimal(int(quantity))
        ids[sku] = str(item["id"])
    return ids


def _sales_orders(account: Account, orders: list[dict[str, Any]], customer: str) -> dict[str, str]:
    store = account.store
    table = store.records["salesOrder"]
    items = {str(item.get("itemId")): item for item in store.records["inventoryItem"].values()}
    buyer = _by_external_id(account, "customer").get(customer)
    if buyer is None:
        _, buyer = account.create(
            "customer",
            {
                "entityId": customer,
                "externalId": customer,
                "isPerson": True,
                "firstName": "Bench",
                "lastName": "Buyer",
                "email": f"{customer}@example.com",
            },
        )
    ids: dict[str, str] = {}
    template: Record | None = None
    now = account.clock.now()
    for entry in orders:
        external_id, sku = str(entry["external_id"]), str(entry["sku"])
        if sku not in items:
            raise ValueError(f"no item {sku}")
        line = {"item": {"id": items[sku]["id"]}, "quantity": int(entry.get("quantity", 1)), "rate": "12.50"}
        if template is None:
            _, template = account.create(
                "salesOrder",
                {"externalId": external_id, "entity": {"id": buyer["id"]}, "item": {"items": [line]}},
            )
            order = template
        else:
            order = copy.deepcopy(template)
            order_id = store.new_id()
            order.update({"id": order_id, "externalId": external_id, "tranId": f"SO{order_id}"})
            first = order["item"]["items"][0]
            first["item"] = {**first["item"], "id": items[sku]["id"]}
        for order_line in order["item"]["items"]:
            order_line["quantityFulfilled"] = order_line.get("quantity", Decimal(1))
        order["status"] = {**(order.get("status") or {}), "id": "G"}
        order["createdDate"] = order["lastModifiedDate"] = now
        table[order["id"]] = order
        ids[external_id] = str(order["id"])
    return ids
