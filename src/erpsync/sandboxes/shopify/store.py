"""One Shopify store's data: plain JSON-able records in tables keyed by numeric id.

Records keep Shopify's REST field names (snake_case), because webhooks are REST-shaped; the GraphQL views
in ``views.py`` read them. Every store owns its ids, so two stores never see each other's records.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from erpsync.sandboxes.common import SandboxClock

Record = dict[str, Any]

TABLES = (
    "locations",
    "products",
    "variants",
    "inventory_items",
    "inventory_levels",
    "collections",
    "customers",
    "companies",
    "company_contacts",
    "company_locations",
    "discounts",
    "orders",
    "fulfillment_orders",
    "fulfillments",
    "refunds",
    "returns",
    "adjustment_groups",
    "webhook_subscriptions",
    "bulk_operations",
    "payouts",  # Shopify Payments (payouts.py)
    "balance_transactions",
    "price_lists",  # B2B price lists and catalogs (price_lists.py)
    "price_list_prices",
    "catalogs",
)

# Shopify's ids are large integers; starting high keeps clients honest about not assuming small ones.
FIRST_ID = 1_000_000_001
FIRST_ORDER_NUMBER = 1001


def money(value: Decimal | str | int | float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ShopStore:
    """The state of one shop domain (``acme.myshopify.com``)."""

    domain: str
    clock: SandboxClock
    name: str = ""
    currency: str = "USD"
    plan: str = "standard"
    next_id: int = FIRST_ID
    next_order_number: int = FIRST_ORDER_NUMBER
    tables: dict[str, dict[int, Record]] = field(default_factory=lambda: {name: {} for name in TABLES})
    # @idempotent keys: "mutationName:key" -> {"fingerprint": ..., "payload": ...}
    idempotency: dict[str, Record] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # lookups that a 100,000-product store cannot afford as scans (bulk mutations, benchmark 4); checked
    # against the tables on every hit and rebuilt when rows were written around ``add``
    _levels: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)
    _handles: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.domain.split(".", 1)[0].replace("-", " ").title()

    def new_id(self) -> int:
        with self.lock:
            number = self.next_id
            self.next_id += 1
            return number

    def now(self) -> str:
        return iso(self.clock.now())

    def table(self, name: str) -> dict[int, Record]:
        return self.tables[name]

    def get(self, table: str, number: int | None) -> Record | None:
        return None if number is None else self.tables[table].get(number)

    def add(self, table: str, record: Record) -> Record:
        """Insert with a fresh id and timestamps unless the record already has them."""
        record.setdefault("id", self.new_id())
        now = self.now()
        record.setdefault("created_at", now)
        record.setdefault("updated_at", now)
        self.tables[table][record["id"]] = record
        if table == "inventory_levels":
            self._levels[(record["inventory_item_id"], record["location_id"])] = record["id"]
        elif table == "products":
            self.index_handle(record)
        return record

    def touch(self, record: Record) -> Record:
        record["updated_at"] = self.now()
        return record

    def rows(self, table: str) -> Iterator[Record]:
        return iter(list(self.tables[table].values()))

    def inventory_level(self, item_id: int, location_id: int) -> Record | None:
        levels = self.tables["inventory_levels"]
        found = levels.get(self._levels.get((item_id, location_id), 0))
        if found is not None and (found["inventory_item_id"], found["location_id"]) == (item_id, location_id):
            return found
        if len(self._levels) != len(levels):  # rows written or deleted around add(): index again
            self._levels = {(r["inventory_item_id"], r["location_id"]): r["id"] for r in levels.values()}
            return levels.get(self._levels.get((item_id, location_id), 0))
        return None

    def index_handle(self, product: Record) -> None:
        """Record ``product``'s handle for ``product_by_handle`` (call after changing a handle)."""
        self._handles[product["handle"]] = product["id"]

    def product_by_handle(self, handle: str) -> Record | None:
        products = self.tables["products"]
        found = products.get(self._handles.get(handle, 0))
        if found is not None and found["handle"] == handle:
            return found
        if len(self._handles) != len(products) or found is not None:
            self._handles = {p["handle"]: p["id"] for p in products.values()}
            found = products.get(self._handles.get(handle, 0))
        return found

    def dump(self) -> Record:
        with self.lock:
            return {
                "domain": self.domain,
                "name": self.name,
                "currency": self.currency,
                "plan": self.plan,
                "next_id": self.next_id,
                "next_order_number": self.next_order_number,
                "tables": {name: list(rows.values()) for name, rows in self.tables.items()},
                "idempotency": copy.deepcopy(self.idempotency),
            }

    @classmethod
    def load(cls, document: Record, clock: SandboxClock) -> ShopStore:
        store = cls(
            domain=document["domain"],
            clock=clock,
            name=document["name"],
            currency=document["currency"],
            plan=document.get("plan", "standard"),
            next_id=document["next_id"],
            next_order_number=document["next_order_number"],
        )
        for name in TABLES:
            store.tables[name] = {row["id"]: row for row in document["tables"].get(name, [])}
        store.idempotency = dict(document.get("idempotency", {}))
        return store
