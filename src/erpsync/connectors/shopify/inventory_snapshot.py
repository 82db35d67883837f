"""The store's inventory in one bulk read, for reconcile sweeps: what Shopify shows per SKU × location.

One ``bulkOperationRunQuery`` over locations and their inventory levels (two connections, nesting depth 2,
within the bulk limits of https://shopify.dev/api/usage/bulk-operations/queries) replaces one paged
look-up per 15 SKUs; bulk operations do not spend the rate-limit bucket beyond the mutation and the status
polls. The snapshot keeps, per SKU, the inventory item id and, per level, the quantity — compactly (one
``str → int`` entry per level), so 300,000 levels fit in tens of MiB.

Writes of drifted levels (``set_inventory``) reuse the snapshot's item ids, so they need no SKU look-ups;
a level the snapshot does not hold (a SKU or location not stocked yet) goes through the connector's
ordinary ``set_inventory``, which looks the SKU up and activates the location first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from erpsync.connectors.shopify.bulk import BulkReader
from erpsync.connectors.shopify.translate import gid, legacy_id
from erpsync.model import InventoryLevel

if TYPE_CHECKING:
    from erpsync.connectors.shopify.connector import ShopifyConnector


def levels_bulk_query(quantity_name: str) -> str:
    """Every inventory level of every location, with its item's SKU and one named quantity."""
    return (
        "{ locations(includeInactive: true) { edges { node { id inventoryLevels { edges { node { id "
        f'quantities(names: ["{quantity_name}"]) {{ name quantity }} item {{ id sku }} '
        "} } } } } } }"
    )


class InventorySnapshot:
    """Shopify's quantities as read by one bulk operation (a moment's picture, not kept up to date)."""

    def __init__(self, connector: ShopifyConnector) -> None:
        self.connector = connector
        self.quantity_name = connector.inventory_quantity_name
        self.item_ids: dict[str, str] = {}  # SKU -> inventory item gid
        self.quantities: dict[str, int] = {}  # "SKU@location legacy id" -> quantity

    @classmethod
    def read(cls, connector: ShopifyConnector, *, poll_interval: float = 1.0) -> InventorySnapshot:
        snapshot = cls(connector)
        reader = BulkReader(connector.client, poll_interval=poll_interval)
        for location in reader.run(levels_bulk_query(snapshot.quantity_name)):
            location_id = legacy_id(str(location["id"]))
            for level in (location.get("inventoryLevels") or {}).get("nodes", []):
                snapshot._add(location_id, level)
        return snapshot

    def _add(self, location_id: str, level: dict[str, object]) -> None:
        item = level.get("item")
        if not isinstance(item, dict) or not item.get("sku"):
            return  # an item without a SKU cannot be matched to the ERP
        sku = str(item["sku"])
        self.item_ids.setdefault(sku, str(item["id"]))
        quantities = level.get("quantities")
        for entry in quantities if isinstance(quantities, list) else []:
            if entry.get("name") == self.quantity_name:
                self.quantities[f"{sku}@{location_id}"] = int(entry["quantity"])

    def __len__(self) -> int:
        return len(self.quantities)

    def quantity(self, sku: str, location_code: str) -> int | None:
        """What Shopify shows for ``sku`` at the store location ``location_code`` (None: not stocked)."""
        return self.quantities.get(f"{sku}@{location_code}")

    def drifted(self, levels: Iterable[InventoryLevel]) -> list[InventoryLevel]:
        """The levels (as the store should show them) whose quantity Shopify does not show."""
        return [
            level for level in levels if self.quantity(level.sku, level.location_code) != self._wanted(level)
        ]

    def _wanted(self, level: InventoryLevel) -> int:
        return level.available if self.quantity_name == "available" else level.on_hand

    def set_inventory(self, levels: Sequence[InventoryLevel], *, idempotency_key: str) -> None:
        """Write ``levels``: those the snapshot holds by their known item ids, the others as usual."""
        known = [lv for lv in levels if self.quantity(lv.sku, lv.location_code) is not None]
        unknown = [lv for lv in levels if self.quantity(lv.sku, lv.location_code) is None]
        quantities = [
            {
                "inventoryItemId": self.item_ids[level.sku],
                "locationId": gid("Location", level.location_code),
                "quantity": self._wanted(level),
            }
            for level in known
        ]
        self.connector.set_quantities(quantities, idempotency_key=idempotency_key)
        if unknown:
            self.connector.set_inventory(unknown, idempotency_key=f"{idempotency_key}:new")
        for level in known:
            self.quantities[f"{level.sku}@{level.location_code}"] = self._wanted(level)
