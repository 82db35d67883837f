"""Inventory ERP → store, near real time: stock per SKU × location, as the store may sell it.

Available in the store = the ERP's available (on hand − reserved) − safety stock, never below zero and never
above what the ERP has (the oversell guard). ERP locations are mapped to store locations; an ERP location
with no mapping is not pushed (it is not a selling location) when a map is configured. Writes are absolute
quantities, batched to the store API's maximum, so a replayed batch sets the same numbers again.
"""

from __future__ import annotations

from typing import Any

from erpsync.engine import Engine, FlowContext
from erpsync.flows.hub import Hub
from erpsync.flows.polling import poll_cursor
from erpsync.model import InventoryLevel

FLOW = "inventory_to_store"


def register(engine: Engine, hub: Hub) -> None:
    @engine.flow(FLOW, queue=hub.shop.system, record_type="poll")
    def inventory_to_store(ctx: FlowContext, trigger: dict[str, Any]) -> dict[str, Any]:
        """A reconcile (``{"reconcile": true}``) starts from the beginning: every level is set again, which
        corrects any drift in the store."""
        pushed = 0
        for page in range(20):
            cursor = ctx.step(f"read_cursor_{page}", poll_cursor, hub.store, FLOW, trigger, page)
            batch = ctx.step(f"read_changes_{page}", hub.erp.inventory_changed_since, cursor)
            levels = store_levels(batch.records, hub)
            if levels:
                ctx.step(
                    f"set_inventory_{page}",
                    hub.shop.set_inventory,
                    levels,
                    idempotency_key=ctx.idempotency_key(f"set_inventory_{page}"),
                )
                pushed += len(levels)
            ctx.step(f"move_cursor_{page}", hub.store.set_cursor, FLOW, batch.cursor)
            if not batch.more:
                break
        return {"levels_pushed": pushed}


def store_levels(erp_levels: list[InventoryLevel], hub: Hub) -> list[InventoryLevel]:
    """What the store should show for each ERP level (see the module docstring for the rules)."""
    levels = []
    for level in erp_levels:
        store_location = (
            hub.location_map.get(level.location_code) if hub.location_map else level.location_code
        )
        if store_location is None:
            continue
        erp_available = min(level.available, level.on_hand - level.reserved)
        sellable = max(0, erp_available - hub.safety_stock_for(level.sku, level.location_code))
        levels.append(level.model_copy(update={"location_code": store_location, "available": sellable}))
    return levels
