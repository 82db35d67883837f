"""The id look-ups a mapping spec makes, answered from the scenario's live systems.

A spec's ``lookup:`` asks "which <record type> in <system> is the record with this key?" (the customer
a Shopify order belongs to, the NetSuite item with this SKU, the Shopify fulfillment order of a NetSuite
sales order). In production erpsync answers from its cross-reference; in a scenario the answer is read
from the sandboxes themselves, so a spec is checked against what really exists there, including the
records erpsync created during the scenario. A project with its own look-ups registers a resolver
(``ScenarioLookup.register``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from erpsync.connectors.netsuite.connector import origin_external_id
from erpsync.connectors.netsuite.errors import NetSuiteDataError

if TYPE_CHECKING:
    from erpsync.demo import DemoEnvironment
    from erpsync.sandboxes.shopify.store import ShopStore

Resolver = Callable[[str], str | None]


class ScenarioLookup:
    """``erpsync.mapping.Lookup`` over a running scenario; unknown (system, record type) pairs raise."""

    def __init__(self, env: DemoEnvironment, shop: ShopStore) -> None:
        self._env = env
        self._shop = shop
        self._resolvers: dict[tuple[str, str], Resolver] = {
            ("shopify", "inventoryItem"): self._shopify_inventory_item,
            ("shopify", "fulfillmentOrder"): self._shopify_fulfillment_order,
            ("shopify", "fulfillmentOrderLineItem"): self._shopify_fulfillment_order_line,
            ("shopify", "customer"): self._shopify_customer,
        }

    def register(self, system: str, record_type: str, resolver: Resolver) -> None:
        """Answer look-ups of ``record_type`` in ``system`` with ``resolver(key) -> id or None``."""
        self._resolvers[(system, record_type)] = resolver

    def external_id(self, system: str, record_type: str, business_key: str) -> str | None:
        resolver = self._resolvers.get((system, record_type))
        if resolver is not None:
            return resolver(business_key)
        if system == self._env.hub.erp.system == "netsuite":
            return self._netsuite_record(record_type, business_key)
        raise LookupError(
            f"the scenario cannot look up {system} {record_type} records; register a resolver with "
            f"ScenarioLookup.register({system!r}, {record_type!r}, resolver)"
        )

    # --- NetSuite: by external id (as given, or as erpsync names a store record), then by item name ---
    def _netsuite_record(self, record_type: str, key: str) -> str | None:
        client = self._env.hub.erp.client  # type: ignore[attr-defined]
        for external_id in (key, origin_external_id(self._env.hub.shop.system, key)):
            try:
                found = client.find_by_external_id(record_type, external_id)
            except NetSuiteDataError:
                found = None  # not a valid external id for NetSuite: try the next reading of the key
            if found is not None:
                return str(found["id"])
        if record_type.endswith("Item"):
            escaped = key.replace("'", "''")
            rows = list(client.suiteql_rows(f"SELECT id FROM item WHERE itemid = '{escaped}'"))
            return str(rows[0]["id"]) if rows else None
        return None

    # --- Shopify: read from the sandbox's store ---------------------------------------------------
    def _shopify_inventory_item(self, sku: str) -> str | None:
        variant = next((v for v in self._shop.rows("variants") if v.get("sku") == sku), None)
        if variant is None:
            return None
        return f"gid://shopify/InventoryItem/{variant['inventory_item_id']}"

    def _shopify_customer(self, key: str) -> str | None:
        number = _number(key)
        return f"gid://shopify/Customer/{number}" if self._shop.get("customers", number) else None

    def _shopify_fulfillment_order(self, sales_order_id: str) -> str | None:
        """A NetSuite sales order → the Shopify order erpsync booked it from → its first fulfillment order."""
        business_key = self._env.hub.store.business_key(self._env.hub.erp.system, "order", sales_order_id)
        if business_key is None:
            return None
        order_id = _number(business_key.rsplit(":", 1)[-1])
        for fulfillment_order in self._shop.rows("fulfillment_orders"):
            if fulfillment_order["order_id"] == order_id:
                return f"gid://shopify/FulfillmentOrder/{fulfillment_order['id']}"
        return None

    def _shopify_fulfillment_order_line(self, line_item_id: str) -> str | None:
        number = _number(line_item_id)
        for fulfillment_order in self._shop.rows("fulfillment_orders"):
            for line in fulfillment_order["line_items"]:
                if line["line_item_id"] == number:
                    return f"gid://shopify/FulfillmentOrderLineItem/{line['id']}"
        return None


def _number(key: Any) -> int:
    """Shopify's numeric id from ``123``, ``"123"`` or ``"gid://shopify/Type/123"``; -1 when it is none."""
    text = str(key).rsplit("/", 1)[-1]
    return int(text) if text.isdigit() else -1
